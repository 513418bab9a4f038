"""The Hexer parser's rows of an IRPMon record (``parsers/hexer/hexer.c``) read into bytes.

A row is ``<offset>:\t<"xx " x 16>\t<ascii>``: the offset in hex, a colon, a tab, the pairs,
a tab and a character a byte.  Rows written so are read at once (:func:`_whole_rows`: all of
a record's full rows checked in a few operations, or each by a regular expression); any other
row is read token by token (:func:`_row_by_row`), which names the row at fault.  Shared by
the text and JSON readers (:mod:`~iscsitgt_spt.codec.capture.irpmon`,
:mod:`~iscsitgt_spt.codec.capture.irpmon_json`) and the JSON plan
(:mod:`~iscsitgt_spt.codec.capture.irpmon_plan`).
"""

from __future__ import annotations

import functools
import itertools
import operator
import re

from iscsitgt_spt.codec.capture.records import ByteAssembler

__all__ = ["HEXER_ROW"]  # and, for the readers, _whole_rows and _row_by_row

HEXER_ROW = re.compile(r"^\s*([0-9a-fA-F]{1,16}):\s(.*)$")
_HEXPAIR = re.compile(r"[0-9a-fA-F]{2}\Z")


# A well-formed Hexer row (offset, up to 16 hex pairs, a tab, the ascii column), whose bytes
# are read in one ``bytes.fromhex``; any other row takes the reading below, token by token.
_WELL_FORMED = r"\s*([0-9a-fA-F]{1,16}):\s(%s) *\t[^\n]*\n?\Z"
_WELL_FORMED_ROW = re.compile(_WELL_FORMED % r"[0-9a-fA-F]{2}(?: [0-9a-fA-F]{2}){0,15}")
#: The same, of 16 bytes (every row but a record's last): the pairs spelt out, not repeated,
#: which the regex engine checks several times faster.
_FULL_ROW = re.compile(_WELL_FORMED % " ".join(["[0-9a-fA-F]{2}"] * 16))


def _hexer_row(text: str, expected: int, limit: int | None) -> bytes | list[int]:
    """Bytes of one Hexer row; raises ValueError with the reason."""
    fast = _WELL_FORMED_ROW.match(text)
    if fast is not None and int(fast.group(1), 16) == expected:
        row = bytes.fromhex(fast.group(2))
        return row if limit is None or len(row) <= limit else row[:max(limit, 0)]
    match = HEXER_ROW.match(text)
    if match is None:
        raise ValueError(f"not a Hexer row: {text.strip()[:60]!r}")
    if int(match.group(1), 16) != expected:
        raise ValueError(f"Hexer row offset 0x{match.group(1)} where 0x{expected:x} was expected")
    rest = match.group(2)
    # Hexer writes a tab before the ascii column; without it (tabs expanded), read at most
    # the bytes the record still has, so ascii that looks like hex is not taken.
    region = rest.split("\t", 1)[0] if "\t" in rest else rest
    values: list[int] = []
    for token in region.split():
        if len(values) == 16 or (limit is not None and len(values) >= limit):
            break
        if not _HEXPAIR.match(token):
            if "\t" in rest:
                raise ValueError(f"bad byte {token!r} in Hexer row")
            break
        values.append(int(token, 16))
    return values


def _whole_rows(rows: list[str], limit: int | None) -> bytes | None:
    """The bytes of Hexer rows that are all well formed, each at the offset the ones before
    it reach and none past ``limit``, read at once; ``None`` otherwise (then row by row, as
    :func:`_hexer_row` reads them, to name the row at fault)."""
    if len(rows[-1]) == len(rows[0]):  # (the last row likely full too)
        whole = _full_rows(rows)
        if whole is not None and (limit is None or len(whole) <= limit):
            return whole
    head = _full_rows(rows[:-1]) if len(rows) > 1 else b""
    last = _WELL_FORMED_ROW.match(rows[-1]) if head is not None else None
    if last is not None and int(last.group(1), 16) == 16 * (len(rows) - 1):
        assert head is not None
        end = 16 * (len(rows) - 1) + (len(last.group(2)) + 1) // 3
        if limit is None or end <= limit:
            return head + bytes.fromhex(last.group(2))
    found = [*map(_FULL_ROW.match, rows[:-1]), _WELL_FORMED_ROW.match(rows[-1])]
    full = None not in found  # every row but the last holds 16 bytes
    if not full:
        found = list(map(_WELL_FORMED_ROW.match, rows))
    if None in found:
        return None
    offsets, hexes = zip(*map(re.Match.groups, found))  # type: ignore[arg-type]
    if full:
        starts = list(range(0, 16 * len(rows), 16))
        end = starts[-1] + (len(hexes[-1]) + 1) // 3
    else:
        reach = list(itertools.accumulate((len(h) + 1) // 3 for h in hexes))
        starts, end = [0, *reach[:-1]], reach[-1]
    if (limit is not None and end > limit) or list(map(int, offsets, itertools.repeat(
            16, len(rows)))) != starts:
        return None
    return bytes.fromhex(" ".join(hexes))


#: A full row's tab, 16 pairs and the column's tab, hex digits as NUL (a NUL as another byte).
_PAIRS_SHAPE = ("\t" + " ".join(["\0\0"] * 16) + "\t").encode("ascii")
_HEX_AS_NUL = bytes(0 if chr(b) in "0123456789abcdefABCDEF" else 1 if b == 0 else b
                    for b in range(256))


def _full_cuts(count: int) -> tuple[tuple[str, ...], tuple[slice, ...]]:
    """The offsets ``count`` full rows start with as Hexer writes them (``00:`` ...), and
    where their tab, pairs and the column's tab are; kept for the usual record sizes (up to
    4 KiB: a few hundred KB at most), made again for a longer record (costing its size)."""
    return _usual_cuts(count) if count <= 256 else _cuts(count)


def _cuts(count: int) -> tuple[tuple[str, ...], tuple[slice, ...]]:
    heads = tuple(f"{16 * row:02x}:" for row in range(count))
    return heads, tuple(slice(len(h), len(h) + 49) for h in heads)


_usual_cuts = functools.lru_cache(maxsize=32)(_cuts)


def _full_rows(rows: list[str]) -> bytes | None:
    """The bytes of full Hexer rows as IRPMon writes them (the offset in lower-case hex of
    at least two digits, a colon, a tab, 16 pairs, a tab, a column without a line break),
    checked at once over all of them; ``None`` when some row is not so written (it may
    still be well formed: ``_FULL_ROW`` then reads it)."""
    count = len(rows)
    heads, pairs = _full_cuts(count)
    if not all(map(str.startswith, rows, heads)):
        return None
    region = "".join(map(operator.getitem, rows, pairs))
    if not region.isascii() or region.encode("ascii").translate(_HEX_AS_NUL) != \
            _PAIRS_SHAPE * count or "\n" in "".join(rows):
        return None
    return bytes.fromhex(region)


def _row_by_row(rows: list[tuple[int, str]], limit: int | None) -> bytes:
    """The bytes of Hexer rows read one by one; raises ValueError naming the line."""
    # Rows already held in memory, so no bound here: the records leave every reader
    # through bound_records, which applies the caller's record-size limit.
    asm = ByteAssembler(limit=1 << 63)
    for lineno, row in rows:
        remaining = None if limit is None else limit - asm.length
        try:
            asm.extend(_hexer_row(row, asm.length, remaining))
        except ValueError as exc:
            raise ValueError(f"line {lineno}: {exc}") from None
    return asm.prefix()
