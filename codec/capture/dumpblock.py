"""One block of dump rows (no blank line, no prompt inside) into records.

The rows of a block are judged together, because single rows cannot tell:

* the **radix** of the addresses: hex, octal (``od`` without ``-A x``) or decimal (``xxd -d``),
  whichever makes the addresses follow each other;
* the **byte order** of multi-byte groups: the ascii column's vote where rows have one, else
  the command that printed them (WinDbg ``dw``/``dd``/``dq``/``dp``, ``xxd -e``, ``hexdump``,
  ``od -t x2``.. print numbers, little-endian), else little-endian for words without an ascii
  column (tools print words as numbers) and memory order for byte pairs beside one (xxd, r2);
* where one **dump ends**: at an address that does not follow, a change of row style, or a
  final offset line (``hexdump``, ``od``), so dumps pasted back to back come out separately.

A named ``--input`` hint (:data:`~iscsitgt_spt.codec.capture.tools.HINTS`) only fixes what
the rows leave open: the address radix (every named tool prints hex) and the byte order its
command implies; the ascii column still outranks it, and the hint names the records of a block
that has no prompt of its own.

``*`` (the previous row repeats) is expanded from the next address, within the record-size
bound.  A row that cannot be read makes its dump an error record naming the line; lines that are
neither rows nor decoration (and rulers after the last dump) are returned as *skipped*, never
dropped silently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from iscsitgt_spt.codec.capture.anatomy import (
    LITTLE,
    MEMORY,
    Row,
    is_decoration,
    parse_like,
    parse_row,
    row_shape,
    strip_line,
)
from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
)
from iscsitgt_spt.codec.capture.tools import (
    HINTS,
    LITTLE_COMMANDS,
    MEMORY_COMMANDS,
    SINGLE_WORD,
    tool_name,
)

__all__ = ["END_LINE", "BlockResult", "looks_like_data", "order_from", "read_dump_block", "style"]

#: A final offset alone on its line (hexdump, od): where the dump ends.
END_LINE = re.compile(r"^\s*#?\s*(?:0[xX])?([0-9a-fA-F]{4,16}):?\s*$")
_HEX_WORDS = re.compile(r"^[0-9a-fA-F]+(?: [0-9a-fA-F]+)*$")
_HEXISH = re.compile(r"(?:0[xX]|\$)?[0-9a-fA-F?`]{2,}[hH]?\Z|-?\d{1,3}\Z")
_ESCAPES = re.compile(r"\\(?:x[0-9a-fA-F]{2}|[0-7]{3})")


def looks_like_data(text: str) -> bool:
    """Would a reader of this line expect bytes in it: two thirds or more of its tokens (three
    at least) byte-like (hex, ``0x``, ``1Ch``, small decimal numbers), or a string of ``\\x``
    escapes?"""
    plain = strip_line(text)
    if len(_ESCAPES.findall(plain)) >= 4:
        return True
    tokens = plain.replace("-", " ").replace(",", " ").split()
    hexish = sum(1 for t in tokens if _HEXISH.match(t.strip(",;:|[](){}<>")))
    return hexish >= 3 and hexish * 3 >= len(tokens) * 2


@dataclass
class BlockResult:
    """What a block held: records (in order), and the lines that were neither data nor rulers."""

    records: list[RawRecord] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Item:
    lineno: int
    kind: str  # row, star, end, deco, other, bad
    row: Row | None = None
    address: str = ""
    text: str = ""


def _classify(lines: list[tuple[int, str]], single_word: bool) -> list[_Item]:
    """The block's lines as items; rows re-read so that all agree on having an ascii column
    (a row whose last groups happen to spell its own bytes is not a row with a column)."""
    items = _classify_once(lines, single_word)
    kinds: dict[tuple[object, ...], Counter[bool]] = {}
    for item in items:
        if item.kind == "row" and item.row is not None:
            kinds.setdefault(_shape(item.row), Counter())[item.row.ascii is not None] += 1
    for item in items:
        if item.kind != "row" or item.row is None:
            continue
        # Only a column made of hex digits could be groups instead; a row without a column
        # found no split whose text agrees, so it cannot be given one.
        votes = kinds[_shape(item.row)]
        ascii_text = item.row.ascii or ""
        if votes[False] > votes[True] and _HEX_WORDS.match(ascii_text):
            row = parse_row(item.text, single_word, False)
            item.row, item.kind = row, "row" if row is not None and row.tail is None else "bad"
    return items


def _shape(row: Row) -> tuple[object, ...]:
    """What rows of one dump share, whatever their bytes: the address form and group width."""
    address = row.address_text
    return (row.physical, address[:2].lower() == "0x", "`" in address, address.endswith(":"),
            row.width, _framed(row))


def _framed(row: Row) -> bool:
    """An ascii column between ``|bars|`` or ``>angles<`` is certainly one."""
    return row.ascii is not None and row.ascii[:1] + row.ascii[-1:] in ("||", "><")


def _classify_once(lines: list[tuple[int, str]], single_word: bool) -> list[_Item]:
    items = []
    shape: tuple[re.Pattern[str], Row] | None = None  # the last row's layout, read fast
    for lineno, raw in lines:
        text = strip_line(raw)
        if not text.strip():
            continue
        if shape is not None and (row := parse_like(text, *shape)) is not None:
            items.append(_Item(lineno, "row", row=row, address=row.address, text=text))
        elif text.strip() == "*":
            items.append(_Item(lineno, "star"))
        elif (end := END_LINE.match(text)) is not None:
            items.append(_Item(lineno, "end", address=end.group(1)))
        elif is_decoration(text):
            items.append(_Item(lineno, "deco", text=text))
        elif (row := parse_row(text, single_word)) is not None:
            pattern = None if single_word else row_shape(text, row)
            shape = (pattern, row) if pattern is not None else None
            kind = "bad" if row.tail is not None and not single_word else "row"
            items.append(_Item(lineno, kind, row=row, address=row.address, text=text))
        else:
            items.append(_Item(lineno, "other", text=text))
    return items


def _radix(items: list[_Item]) -> int:
    """The address radix under which the rows follow each other best (16, else 8)."""
    def breaks(radix: int) -> int:
        expected: int | None = None
        count, star, last = 0, False, 0
        for item in items:
            if item.kind == "star":
                star = True
            if item.kind not in ("row", "end"):
                continue
            try:
                address = int(item.address, radix)
            except ValueError:
                return len(items) + 1
            repeated = star and last and address > (expected or 0) and (
                address - (expected or 0)) % last == 0
            if expected is not None and address != expected and not repeated:
                count += 1
            star = False
            if item.row is not None:
                last = len(item.row.groups) * item.row.width
                expected = address + last
            else:
                expected = None
        return count

    # Ties go to hex, then octal (od), then decimal (xxd -d, od -A d).
    return min((16, 8, 10), key=lambda r: (breaks(r), (16, 8, 10).index(r)))


def _order(rows: list[Row], command: str) -> tuple[str, str]:
    """(byte order, what decided it) for the multi-byte groups of a block."""
    return order_from((row.orders for row in rows if row.ascii_ok), rows[0].width,
                      any(r.ascii for r in rows), command)


def order_from(orders: Iterable[tuple[str, ...]], width: int, ascii_column: bool,
               command: str) -> tuple[str, str]:
    """(byte order, what decided it) from the orders each row's ascii column agrees with
    (rows with an agreeing column, in order), the group width, whether any row has a column,
    and the command."""
    votes: Counter[str] = Counter()
    for agreed in orders:
        if len(agreed) == 1:
            votes[agreed[0]] += 1
            if votes[agreed[0]] >= 16 and len(votes) == 1:
                break  # 16 rows agree and none disagrees: enough evidence
    if votes:
        return votes.most_common(1)[0][0], "ascii column"
    if LITTLE_COMMANDS.match(command):
        return LITTLE, f"command {command.split()[0]!r}"
    if MEMORY_COMMANDS.match(command):
        return MEMORY, f"command {command.split()[0]!r}"
    if width == 2 and ascii_column:
        return MEMORY, "assumed: byte pairs beside an ascii column (xxd, r2 style)"
    return LITTLE, "assumed: words printed as numbers are little-endian"


def style(row: Row) -> tuple[object, ...]:
    """What rows of one dump share (a change of it starts another dump)."""
    return (row.width, row.ascii is not None, row.marked, row.physical)


def _is_dump(items: list[_Item], hinted: bool) -> bool:
    rows = [i.row for i in items if i.kind == "row" and i.row is not None]
    if not rows:
        return False
    # Prose beside the rows (a note, a banner) neither makes nor unmakes a dump.
    body = [i for i in items if i.kind != "deco" and (
        i.kind != "other" or looks_like_data(i.text))]
    if len(rows) + sum(1 for i in body if i.kind in ("star", "end", "bad")) * 2 < len(body):
        return False
    if hinted or any(r.marked or r.ascii_ok for r in rows):
        return True
    return _rows_follow(items)


def _rows_follow(items: list[_Item]) -> bool:
    """Unmarked rows without ascii could be plain hex in groups: they must follow each other
    (the second row's address is the first's plus its bytes), or a '*' says they repeat."""
    anchored = [i for i in items if i.kind in ("row", "end")]
    while anchored and anchored[0].row is None:  # an offset line before any row
        anchored.pop(0)
    if len(anchored) < 2 or anchored[0].row is None:
        return False
    radix = _radix(items)
    first, second = anchored[0], anchored[1]
    step = len(anchored[0].row.groups) * anchored[0].row.width
    try:
        return int(second.address, radix) == int(first.address, radix) + step or any(
            i.kind == "star" for i in items)
    except ValueError:
        return False


class _Builder:
    """One dump inside a block: its rows are kept until it ends, when the byte order is
    judged from them alone (two dumps in one block may have been printed differently)."""

    def __init__(self, item: _Item, meta: dict[str, object], fmt: str, limit: int,
                 command: str) -> None:
        self.first = self.last = item.lineno
        self.meta = dict(meta)
        self.fmt = fmt
        self.limit = limit
        self.command = command
        self.entries: list[tuple[int, Row | None, int]] = []  # (line, row, or '*' row count)
        self.rows: list[Row] = []
        self.size = 0
        self.base: int | None = None
        self.expected: int | None = None
        self.row_len = 0
        self.star = False
        self.error: str | None = None
        self.style: tuple[object, ...] | None = None

    def fail(self, lineno: int, message: str) -> None:
        if self.error is None:
            self.error = f"line {lineno}: {message}"

    def add_row(self, lineno: int, row: Row, address: int) -> None:
        self.row_len = len(row.groups) * row.width
        self.entries.append((lineno, row, 0))
        self.rows.append(row)
        self.grow(lineno, self.row_len)
        self.expected = address + self.row_len
        self.last = lineno

    def grow(self, lineno: int, count: int) -> None:
        self.size += count
        if self.size > self.limit and self.error is None:
            self.fail(lineno, str(RecordTooLarge(self.size, self.limit)))

    def reach(self, lineno: int, address: int) -> bool:
        """Fill a pending ``*`` up to ``address``; False when ``address`` does not follow."""
        if self.expected is None or self.error is not None:
            return True
        gap = address - self.expected
        if self.star:
            self.star = False
            if self.row_len == 0 or gap < 0 or gap % self.row_len:
                self.fail(lineno, f"offset 0x{address:x} does not follow the repeated row at "
                                  f"0x{self.expected:x} ('*' must stand for whole rows)")
                return True
            self.entries.append((lineno, None, gap // self.row_len))
            self.grow(lineno, gap)
            self.expected = address
            return True
        return gap == 0

    def record(self) -> RawRecord:
        if self.star:
            self.fail(self.last, "'*' at the end of a dump without a following offset")
        if self.error is not None:
            return error_record(0, self.fmt, self.first, self.error, self.meta, self.last)
        order = MEMORY
        if self.rows and self.rows[0].width > 1:
            order, why = _order(self.rows, self.command)
            self.meta["byte_order"], self.meta["byte_order_from"] = order, why
        asm = ByteAssembler(self.limit)
        row_len = 0
        for _, row, times in self.entries:  # within the bound: checked as the rows came
            if row is not None:
                values = row.values(order)
                row_len = len(values)
                asm.extend(values)
            else:
                asm.repeat_last(row_len, times)
        if self.base is not None:
            self.meta["address"] = self.base
        self.meta["size"] = asm.length
        asm.describe(self.meta)
        return RawRecord(index=0, data_in=asm.prefix(), data_out=None, ioctl=None,
                         source_format=self.fmt, line=self.first, end_line=self.last,
                         unreadable=asm.unreadable(), meta=self.meta)


class _BlockReader:
    """The dumps of one block, item by item (see :func:`read_dump_block`)."""

    def __init__(self, items: list[_Item], first_line: int, meta: dict[str, object],
                 limit: int, hint: str | None) -> None:
        self.meta, self.limit, self.hint = meta, limit, hint
        self.prompted = str(meta.get("command", ""))
        self.command = self.prompted or HINTS.get(hint or "", "")
        self.radix = 16 if hint is not None else _radix(items)
        self.result = BlockResult()
        self.current: _Builder | None = None
        # A caption above the first dump is named, not part of it; a ruler above it is.
        self.first_line = next((i.lineno for i in items if i.kind != "other"), first_line)
        self.headers: list[tuple[int, str]] = []  # rulers since the last dump, before the next
        rows = [i.row for i in items if i.kind == "row" and i.row is not None]
        self.name = self.name_of(rows[0])

    def name_of(self, row: Row) -> str:
        return self.hint if self.hint is not None and not self.prompted else tool_name(
            row, self.command)

    def close(self) -> None:
        if self.current is not None:
            self.result.records.append(self.current.record())
        self.current = None

    def start_line(self, lineno: int) -> int:
        """Where a record starting at ``lineno`` begins: the block's first line for the first
        record (a header before it is its own), else the rulers just before it."""
        headers = self.headers
        first = self.first_line if not self.result.records else headers[0][0] if headers \
            else lineno
        self.headers = []
        return first

    def deco(self, item: _Item) -> None:
        # A ruler or header row starts a dump (Frida prints one per hexdump()): it ends the
        # dump before it, even a damaged one, and belongs to the next.
        self.close()
        if self.result.records:  # (before the first dump, the first record starts the block)
            self.headers.append((item.lineno, item.text))

    def other(self, item: _Item) -> None:
        if looks_like_data(item.text) and self.current is not None:
            self.current.fail(item.lineno, f"not a dump row: {item.text.strip()[:60]!r}")
            self.current.last = item.lineno
        else:
            self.result.skipped.append((item.lineno, item.text))

    def star(self, item: _Item) -> None:
        if self.current is None:
            self.result.records.append(error_record(
                0, self.name, self.start_line(item.lineno), f"line {item.lineno}: '*' "
                "(repeated row) before any row", self.meta, item.lineno))
        else:
            self.current.star, self.current.last = True, item.lineno

    def address(self, item: _Item) -> int:
        try:
            return int(item.address, self.radix)
        except ValueError:
            return int(item.address, 16)

    def end(self, item: _Item) -> None:
        current = self.current
        if current is None:
            self.result.skipped.append((item.lineno, item.text or item.address))
            return
        address = self.address(item)
        if not current.reach(item.lineno, address):
            current.fail(item.lineno, f"final offset 0x{address:x} does not match the dumped "
                                      f"length (expected 0x{current.expected:x})")
        current.last = item.lineno
        self.close()

    def row(self, item: _Item) -> None:
        row, address = item.row, self.address(item)
        assert row is not None
        if item.kind == "bad" and self.current is not None:
            self.current.fail(item.lineno, f"not a dump row: {item.text.strip()[:60]!r}")
            self.current.last = item.lineno
            return
        if self.current is not None and self.current.error is None and (
            style(row) != self.current.style or not self.current.reach(item.lineno, address)
        ):
            self.close()
        if self.current is None:
            self.current = _Builder(item, self.meta if not self.result.records else {},
                                    self.name_of(row), self.limit, self.command)
            self.current.first = self.start_line(item.lineno)
            self.current.base = self.current.expected = address
            self.current.style = style(row)
        if item.kind == "bad":
            self.current.fail(item.lineno, f"not a dump row: {item.text.strip()[:60]!r}")
        self.current.add_row(item.lineno, row, address)


def read_dump_block(
    lines: list[tuple[int, str]], meta: dict[str, object] | None = None,
    limit: int = MAX_RECORD_SIZE, hint: str | None = None,
) -> BlockResult | None:
    """The records of one block of dump rows, or ``None`` when the block holds no dump.

    ``hint``: a key of :data:`~iscsitgt_spt.codec.capture.tools.HINTS`, the tool the caller
    says printed the block.
    """
    meta = dict(meta or {})
    command = str(meta.get("command", "")) or HINTS.get(hint or "", "")
    items = _classify(lines, bool(SINGLE_WORD.match(command)))
    if not _is_dump(items, hint is not None):
        return None
    reader = _BlockReader(items, lines[0][0], meta, limit, hint)
    actions = {"deco": reader.deco, "other": reader.other, "star": reader.star,
               "end": reader.end}
    for item in items:
        actions.get(item.kind, reader.row)(item)
    reader.close()
    reader.result.skipped.extend(reader.headers)  # rulers after the last dump
    return reader.result
