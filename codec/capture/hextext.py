"""Readers for raw binary and the plain hex text formats: plain hex, ``xxd``, ``hexdump -C``.

Plain hex is what people paste: bytes separated by spaces, commas, semicolons, tabs, hyphens or
newlines, optional ``0x`` prefixes, ``#`` comments, or one unbroken string of hex digits.  A
blank line ends a record, so several buffers can share one file.  ``??`` stands for an
unreadable byte.  A ``0x`` token longer than one byte (``0x1c000000``) is refused: it could be
a little-endian word or a byte string, and guessing would silently reorder bytes.

``xxd`` and ``hexdump -C`` rows carry their own offsets; both tools print ``*`` for repeated
rows (``xxd -a``, ``hexdump`` by default), which is expanded from the next offset.  The final
offset line of ``hexdump -C`` is checked against the dumped length.  An xxd row is taken apart
by :mod:`~iscsitgt_spt.codec.capture.anatomy`, so ``xxd -e`` (little-endian words, told by the
ascii column) and ``-g`` group sizes read right; ``-p`` output is plain hex and ``-i`` a C array
(:mod:`~iscsitgt_spt.codec.capture.bytestext`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from iscsitgt_spt.codec.capture.anatomy import MEMORY, parse_row, strip_line
from iscsitgt_spt.codec.capture.dumps import Line, iter_dumps
from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
    read_raw,
)

__all__ = [
    "hex_line_bytes",
    "iter_hexdump_c",
    "iter_plain_hex",
    "iter_xxd",
    "read_raw",
]

_SEPARATORS = re.compile(r"[\s,;\-]+")
_HEX = re.compile(r"[0-9a-fA-F]+\Z")
_SHELL = re.compile(r"^\s*(?:\$|#|>|%)\s")


def hex_line_bytes(line: str, lineno: int) -> list[int | None]:
    """The bytes of one plain-hex line (``None`` for ``??``); raises ValueError with a reason."""
    values: list[int | None] = []
    text = line.split("#", 1)[0]
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        if token == "??":
            values.append(None)
            continue
        if token[:2] in ("0x", "0X"):
            digits = token[2:]
            if not _HEX.match(digits) or len(digits) > 2:
                raise ValueError(
                    f"line {lineno}: {token!r} is not one byte (a 0x token takes 1-2 hex "
                    "digits; write longer values as separate bytes)")
            values.append(int(digits, 16))
            continue
        if not _HEX.match(token):
            raise ValueError(f"line {lineno}: {token!r} is not hex")
        if len(token) % 2:
            raise ValueError(f"line {lineno}: {token!r} has an odd number of hex digits")
        values.extend(bytes.fromhex(token))
    return values


def iter_plain_hex(
    lines: Iterable[str], start: int = 1, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Plain hex records; a blank line ends one.  A bad token makes its record an error."""
    index = 0
    asm = ByteAssembler(limit)
    first: int | None = None
    last: int | None = None
    error: str | None = None

    def finish() -> RawRecord | None:
        nonlocal index, asm, first, error
        record: RawRecord | None = None
        if error is not None:
            record = error_record(index, "hex", first, error, end_line=last)
        elif asm.length:
            meta: dict[str, object] = {"size": asm.length}
            asm.describe(meta)
            record = RawRecord(index=index, data_in=asm.prefix(), data_out=None, ioctl=None,
                               source_format="hex", line=first, end_line=last,
                               unreadable=asm.unreadable(), meta=meta)
        if record is not None:
            index += 1
        asm, first, error = ByteAssembler(limit), None, None
        return record

    for lineno, text in enumerate(lines, start):
        if not text.strip():
            done = finish()
            if done is not None:
                yield done
            continue
        if text.lstrip().startswith("#"):
            continue
        if first is None:
            first = lineno
        last = lineno
        if error is not None:
            continue
        try:
            asm.extend(hex_line_bytes(text, lineno))
        except ValueError as exc:
            error = str(exc)
        except RecordTooLarge as exc:
            error = f"line {lineno}: {exc}"
    done = finish()
    if done is not None:
        yield done


_XXD_ROW = re.compile(r"^([0-9a-fA-F]{4,16}):\s(.*)$")
_HEXDUMP_ROW = re.compile(r"^([0-9a-fA-F]{7,16})\s\s?(.*)$")
_OFFSET_ONLY = re.compile(r"^([0-9a-fA-F]{7,16})\s*$")


def _hex_region_bytes(region: str, group_max: int) -> tuple[int, ...] | None:
    """Bytes of a row's hex region (groups of whole bytes separated by whitespace)."""
    values: list[int] = []
    for group in region.split():
        if not _HEX.match(group) or len(group) % 2 or len(group) > group_max:
            return None
        values.extend(bytes.fromhex(group))
    return tuple(values)


def classify_xxd(text: str, state: dict[str, object]) -> Line:
    """One line of ``xxd`` output: ``00000010: 1c00 0000 4953 ...  ....ISCS``."""
    if not text.strip():
        state.pop("order", None)
        return Line("blank")
    if text.strip() == "*":
        return Line("star")
    if _SHELL.match(text):
        return Line("skip")
    match = _XXD_ROW.match(text)
    row = parse_row(strip_line(text)) if match else None
    if match and row is not None and row.tail is None and "?" not in "".join(row.groups):
        # xxd -e prints little-endian words: the ascii column says which order agrees; a row
        # whose column cannot tell follows the last row that could (else memory order, as
        # plain xxd prints).  Auto-detection judges a whole dump at once instead.
        orders = row.orders
        if len(orders) == 1:
            state["order"] = orders[0]
        order = orders[0] if len(orders) == 1 else str(state.get("order", MEMORY))
        return Line("row", address=int(match.group(1), 16), values=tuple(row.values(order)))
    return Line("bad", message=f"not an xxd row: {text[:60]!r}")


def classify_hexdump_c(text: str, state: dict[str, object]) -> Line:
    """One line of ``hexdump -C``: ``00000010  1c 00 00 00 ...  |....ISCSITGT....|``."""
    if not text.strip():
        return Line("blank")
    if text.strip() == "*":
        return Line("star")
    if _SHELL.match(text):
        return Line("skip")
    match = _OFFSET_ONLY.match(text)
    if match:
        return Line("end", address=int(match.group(1), 16))
    match = _HEXDUMP_ROW.match(text)
    if match and "|" in match.group(2):
        values = _hex_region_bytes(match.group(2).split("|", 1)[0], 2)
        if values:
            return Line("row", address=int(match.group(1), 16), values=values)
    return Line("bad", message=f"not a hexdump -C row: {text[:60]!r}")


def iter_xxd(
    lines: Iterable[str], start: int = 1, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Records from ``xxd`` output, one per dump."""
    return iter_dumps(lines, "xxd", classify_xxd, start, limit)


def iter_hexdump_c(
    lines: Iterable[str], start: int = 1, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Records from ``hexdump -C`` output, one per dump."""
    return iter_dumps(lines, "hexdump-C", classify_hexdump_c, start, limit)
