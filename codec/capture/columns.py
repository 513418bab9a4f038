"""Dump rows of any base and unit width, read from their columns rather than their tool.

Every dump row is the same few columns, whatever printed it::

    [address [<symbol+8>] [:]]   unit unit unit ...   [printable column]

This reader takes a block of such rows apart by what the columns themselves show:

* **tokens**: a line is split at white space and at the borders and gutters tools draw
  (``|``, ``│``, ``┊``), after a ``<symbol+offset>`` label and colons are dropped;
* **the unit**: every token of the unit columns is one kind of number, and the kinds that fit
  are tried: binary bytes (``00011100``, ``xxd -b``), octal bytes (``034``, ``od -b``,
  ``hexdump -b``), ``0x`` hex of 1, 2, 4 or 8 bytes (gdb ``x/xb``, ``x/xw``, ``x/xg``, lldb),
  decimal bytes (``od -t u1``/``d1``, signed allowed), bare hex of 1, 2, 4 or 8 bytes;
* **the address column and its base**: the first token is an address when, read in base 16,
  10 or 8, each row's address is the last one plus the bytes the last row carried, so the
  step between rows decides between the units too (``xxd -b``'s six binary bytes per row step
  6, not 24); a final address alone on its line must equal the end (``od``, ``hexdump``), and
  ``*`` stands for repeated rows up to the next address;
* **where the data ends**: full rows carry the same number of units; the tokens after them
  are the printable column, which is never evidence against the bytes (it can hold anything:
  a code page, ``⋄`` or ``•`` for control bytes, a curly quote);
* **words are memory**: a unit wider than a byte is the number a tool printed of a native
  little-endian value (x86/x64, the only ABIs of the spec): ``0x0000001c`` is ``1c 00 00 00``.

Rows need an address column to be read here, unless every row holds the same number of
units of one width (``od -A n``): the reader of plain hex keeps unaddressed byte text.  A
block this reader cannot take whole gives ``None``; the caller then tries other readers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from iscsitgt_spt.codec.capture.anatomy import strip_line
from iscsitgt_spt.codec.capture.dumpblock import looks_like_data
from iscsitgt_spt.codec.capture.evidence import header_evidence
from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
    line_span,
)

__all__ = ["read_columns"]

_BORDERS = re.compile(r"[│┊|]")
_SYMBOL = re.compile(r"<[^<>\s]*(?:\+\d+)?>:?")
_ADDRESS = re.compile(r"\A(?:0[xX])?([0-9a-fA-F]+)(?:`([0-9a-fA-F]+))?:?\Z")


@dataclass(frozen=True)
class _Kind:
    """One way of reading unit tokens: its name, bytes per unit, and its test."""

    name: str
    width: int
    pattern: re.Pattern[str]
    base: int

    def value(self, token: str) -> int | None:
        if not self.pattern.match(token):
            return None
        number = int(token, self.base) if self.base != 16 or token[:2] not in ("0x", "0X") \
            else int(token[2:], 16)
        if self.width == 1 and number < 0:
            number += 256
        return number if 0 <= number < 1 << (8 * self.width) else None


def _kinds() -> tuple[_Kind, ...]:
    kinds = [_Kind("binary", 1, re.compile(r"\A[01]{8}\Z"), 2),
             _Kind("octal", 1, re.compile(r"\A[0-3][0-7]{2}\Z"), 8)]
    kinds += [_Kind(f"0x{8 * w}", w, re.compile(
        rf"\A0[xX][0-9a-fA-F]{{{1 if w == 1 else w + 1},{2 * w}}}\Z"), 16) for w in (1, 2, 4, 8)]
    kinds.append(_Kind("decimal", 1, re.compile(r"\A-?(?:0|[1-9]\d{0,2})\Z"), 10))
    kinds += [_Kind(f"hex{8 * w}", w, re.compile(rf"\A[0-9a-fA-F]{{{2 * w}}}\Z"), 16)
              for w in (1, 2, 4, 8)]
    return tuple(kinds)


KINDS = _kinds()


@dataclass
class _Line:
    lineno: int
    text: str
    tokens: list[tuple[str, int]]  # (token, start column)


_NUMBERISH = re.compile(r"\A-?(?:0[xX])?[0-9a-fA-F]+\Z")
_DASH = re.compile(r"(?<=[0-9a-fA-F?])-(?=[0-9a-fA-F?])|(?<= )-(?= )")


def _tokens(text: str) -> list[tuple[str, int]]:
    # WinDbg's '-' between bytes 8 and 9 and Data::HexDump's ' - ' gutter only separate units.
    cleaned = _DASH.sub(" ", _BORDERS.sub(" ", _SYMBOL.sub(" ", text)))
    return [(m.group(0), m.start()) for m in re.finditer(r"\S+", cleaned)]


def _address(token: str) -> str | None:
    match = _ADDRESS.match(token)
    return None if match is None else match.group(1) + (match.group(2) or "")


@dataclass
class _Reading:
    """The block read one way: its rows' (line, address, units) and the error, if any."""

    kind: _Kind
    base: int | None
    per_row: int
    rows: list[tuple[int, int | None, list[int]]]
    stars: dict[int, int]  # row index -> lines number of a '*' before it
    end: int | None = None  # a final address alone on its line
    end_line: int | None = None


def _units(tokens: list[tuple[str, int]], kind: _Kind, limit: int) -> list[int]:
    values: list[int] = []
    for token, _ in tokens[:limit]:
        value = kind.value(token)
        if value is None:
            break
        values.append(value)
    return values


def _layout(lines: list[_Line], kind: _Kind, skip: int) -> tuple[int, int | None]:
    """(units a full row carries, the column where the printable column starts or None)."""
    counts = Counter(len(_units(line.tokens[skip:], kind, 64)) for line in lines
                     if len(line.tokens) > skip and line.tokens[0][0] != "*")
    per_row = max(counts, key=lambda c: (counts[c], c)) if counts else 0
    # Where the printable column starts in full rows: a short last row's text is no unit.
    text_at = min((line.tokens[skip + per_row][1] for line in lines
                   if per_row and len(line.tokens) > skip + per_row
                   and len(_units(line.tokens[skip:], kind, per_row)) == per_row), default=None)
    return per_row, text_at


class _Walk:
    """The rows of a block read one by one with one kind and address base."""

    def __init__(self, kind: _Kind, base: int | None, per_row: int, text_at: int | None):
        self.reading = _Reading(kind, base, per_row, [], {})
        self.skip = 0 if base is None else 1
        self.text_at = text_at
        self.expected: int | None = None
        self.star = 0  # the line of a '*' not yet followed by an address

    def address(self, line: _Line) -> int | None:
        digits = _address(line.tokens[0][0])
        base = self.reading.base
        return None if digits is None or base is None or not _fits(digits, base) else int(
            digits, base)

    def take(self, line: _Line) -> bool | None:
        """Read one line: True to go on, False at a final address, None when it refutes the
        reading."""
        if line.tokens[0][0] == "*" and len(line.tokens) == 1:
            self.star = line.lineno
            return True
        address = self.address(line) if self.reading.base is not None else None
        if self.reading.base is not None and address is None:
            return None
        cells = [t for t in line.tokens[self.skip:] if self.text_at is None or t[1] < self.text_at]
        units = _units(cells, self.reading.kind, self.reading.per_row)
        if units and len(units) < min(len(cells), self.reading.per_row):
            return None  # a damaged row: something else among its units
        if not units:
            return self.no_units(line, address)
        if not _follows(self.reading, self.expected, address, self.star) or (
                self.star and not self.reading.rows):
            return None  # the address does not follow, or '*' with no row before it
        if self.star:
            self.reading.stars[len(self.reading.rows)] = self.star
            self.star = 0
        self.reading.rows.append((line.lineno, address, units))
        if address is not None:
            self.expected = address + len(units) * self.reading.kind.width
        return True

    def no_units(self, line: _Line, address: int | None) -> bool | None:
        if address is not None and len(line.tokens) == 1:  # the final address (od, hexdump)
            self.reading.end, self.reading.end_line = address, line.lineno
            ok = _follows(self.reading, self.expected, address, self.star)
            self.star = 0
            return False if ok else None
        if len(line.tokens) > self.skip and _NUMBERISH.match(line.tokens[self.skip][0]):
            return None  # a row whose units are of another kind
        return True  # a line among the rows that holds none (a note, a banner)


def _try(lines: list[_Line], kind: _Kind, base: int | None) -> _Reading | None:
    """The block read with ``kind`` units and addresses in ``base`` (``None``: no address
    column), or ``None`` when the rows do not follow each other that way."""
    per_row, text_at = _layout(lines, kind, 0 if base is None else 1)
    if per_row == 0:
        return None
    if text_at is not None and kind.width > 1 and kind.base == 16 and kind.name[:2] != "0x":
        # Bare hex pairs or words beside a printable column: xxd prints memory order, od
        # and hexdump numbers; only that column could tell, and it is no evidence here.
        return None
    walk = _Walk(kind, base, per_row, text_at)
    for line in lines:
        step = walk.take(line)
        if step is None:
            return None
        if not step:
            break
    reading = walk.reading
    if walk.star or not reading.rows:
        return None
    # Only the last row may be short.
    if any(len(units) != per_row for _, _, units in reading.rows[:-1]):
        return None
    return reading


def _fits(digits: str, base: int) -> bool:
    try:
        int(digits, base)
    except ValueError:
        return False
    return True


def _follows(reading: _Reading, expected: int | None, address: int | None, star: int) -> bool:
    if expected is None or address is None:
        return True
    if star:
        row = reading.per_row * reading.kind.width
        return address > expected and (address - expected) % row == 0
    return address == expected


def _candidates(lines: list[_Line]) -> list[_Reading]:
    addressed = all(_address(line.tokens[0][0]) is not None or line.tokens[0][0] == "*"
                    for line in lines)
    found = []
    for kind in KINDS:
        for base in ((16, 10, 8) if addressed else ()) + (None,):
            reading = _try(lines, kind, base)
            if reading is not None and (base is not None or _unaddressed_ok(lines, reading)):
                found.append(reading)
    return found


def _unaddressed_ok(lines: list[_Line], reading: _Reading) -> bool:
    """Rows without addresses: every row is units only, all of one width (``od -A n``)."""
    return reading.kind.width > 1 and len(reading.rows) == len(lines) and all(
        len(line.tokens) == len(units) for line, (_, _, units) in zip(lines, reading.rows))


def _proven(reading: _Reading) -> bool:
    """Does the address column prove the reading (rows step by the bytes they carry)?"""
    return reading.base is not None and (len(reading.rows) >= 2 or reading.end is not None)


def _is_row(tokens: list[tuple[str, int]]) -> bool:
    """Could this line be a row (an address or ``*`` first, or units only)?"""
    return bool(tokens) and (tokens[0][0] == "*" or _address(tokens[0][0]) is not None)


def _segments(lines: list[_Line]) -> list[list[_Line]]:
    """The rows cut where an address does not grow: a new dump starts there (one address
    column's numbers grow in any base when printed with the same number of digits)."""
    out: list[list[_Line]] = []
    previous: int | None = None
    for line in lines:
        digits = _address(line.tokens[0][0]) if line.tokens[0][0] != "*" else None
        value = int(digits, 16) if digits is not None else None
        if not out or (value is not None and previous is not None and value <= previous):
            out.append([])
        out[-1].append(line)
        previous = value if value is not None else previous
    return out


def read_columns(
    block: list[tuple[int, str]], limit: int = MAX_RECORD_SIZE
) -> tuple[list[RawRecord], list[tuple[int, str]]] | None:
    """(records, lines that are no rows) of a block of dump rows, or ``None`` when some run
    of rows could not be read (the caller then tries other readers on the block)."""
    lines, other = [], []
    for lineno, raw in block:
        text = strip_line(raw)
        tokens = _tokens(text)
        if _is_row(tokens):
            lines.append(_Line(lineno, text, tokens))
        elif text.strip():
            other.append((lineno, text.strip()))
    if not lines:
        return None
    readings = _readings(lines)
    if readings is None:
        return None
    records = []
    for segment, reading in readings:
        records.append(_record(reading, limit))
        other.extend(_rest(segment, reading))
    return records, sorted(other)


def _readings(lines: list[_Line]) -> list[tuple[list[_Line], _Reading]] | None:
    """The dumps of a block: one when its address column proves it whole, else one per run
    of growing addresses; rows without addresses are one dump when nothing else fits."""
    whole = _choose(lines)
    if whole is not None and any(looks_like_data(t) for _, t in _rest(lines, whole)):
        whole = None  # rows of another dump went unread: cut the block instead
    if whole is not None and _proven(whole):
        return [(lines, whole)]
    segments = _segments(lines)
    readings = [_choose(segment) for segment in segments]
    if all(r is not None and _proven(r) for r in readings):
        return [(s, r) for s, r in zip(segments, readings) if r is not None]
    return None if whole is None else [(lines, whole)]


def _choose(lines: list[_Line]) -> _Reading | None:
    """The one reading of a run of rows the columns prove, or ``None``."""
    found = _candidates(lines)
    proven = [r for r in found if _proven(r)]
    if len({_signature(r) for r in proven}) > 1:
        return None  # two readings give different bytes: not this reader's to guess
    if proven:
        return proven[0]
    return next((r for r in found if r.base is None), None)


def _signature(reading: _Reading) -> tuple[int, ...]:
    return tuple(b for _, _, units in reading.rows for b in _bytes(units, reading.kind.width))


def _bytes(units: list[int], width: int) -> bytes:
    if width == 1:
        return bytes(units)
    return b"".join(u.to_bytes(width, "little") for u in units)


def _either_order(reading: _Reading, asm: ByteAssembler, meta: dict[str, object],
                  first: int, last: int) -> RawRecord:
    """Words without addresses: native little-endian numbers, or bytes in memory order?  The
    text cannot tell; the buffer's own header decides, and the record says what did."""
    little = asm.prefix()
    width = reading.kind.width
    memory = b"".join(u.to_bytes(width, "big") for _, _, units in reading.rows for u in units)
    by_little, by_memory = header_evidence(little), header_evidence(memory)
    if by_memory is not None and by_little is None:
        data, order, why = memory, "memory", by_memory
    else:
        data, order = little, "little"
        why = by_little or "assumed: words printed as numbers are native little-endian"
    told = "the buffer's header" if why in (by_little, by_memory) else why
    meta.update(byte_order=order, byte_order_from=told, evidence=why)
    return RawRecord(index=0, data_in=data, data_out=None, ioctl=None,
                     source_format=f"dump ({reading.kind.name} units)", line=first,
                     end_line=last, meta=meta)


def _rest(lines: list[_Line], reading: _Reading) -> list[tuple[int, str]]:
    used = {lineno for lineno, _, _ in reading.rows} | set(reading.stars.values())
    if reading.end_line is not None:
        used.add(reading.end_line)
    return [(line.lineno, line.text.strip()) for line in lines if line.lineno not in used]


def _record(reading: _Reading, limit: int) -> RawRecord:
    first, last = reading.rows[0][0], reading.end_line or reading.rows[-1][0]
    asm = ByteAssembler(limit)
    previous = b""
    try:
        for index, (_, address, units) in enumerate(reading.rows):
            if index in reading.stars and address is not None:
                assert reading.rows[index - 1][1] is not None
                gap = address - (reading.rows[index - 1][1] or 0) - len(previous)
                asm.repeat_last(len(previous), gap // max(len(previous), 1))
            previous = _bytes(units, reading.kind.width)
            asm.extend(previous)
        if reading.end is not None and reading.rows[-1][1] is not None:
            gap = reading.end - reading.rows[-1][1] - len(previous)
            if gap > 0:  # a '*' before the final address
                asm.repeat_last(len(previous), gap // max(len(previous), 1))
    except RecordTooLarge as exc:
        return error_record(0, "dump", first, f"{line_span(first, last)}: {exc}",
                            end_line=last)
    meta: dict[str, object] = {"size": asm.length, "unit": reading.kind.name}
    if reading.base is None and reading.kind.width > 1:
        return _either_order(reading, asm, meta, first, last)
    if reading.base is not None:
        meta["address"] = reading.rows[0][1]
        meta["address_base"] = reading.base
    if reading.kind.width > 1:
        meta["byte_order"] = "little"
        meta["byte_order_from"] = "words are native little-endian values"
    return RawRecord(index=0, data_in=asm.prefix(), data_out=None, ioctl=None,
                     source_format=f"dump ({reading.kind.name} units)", line=first,
                     end_line=last, unreadable=asm.unreadable(), meta=meta)
