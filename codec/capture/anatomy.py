"""The anatomy of one dump line, whatever tool printed it.

Every hex viewer, debugger and dump command prints the same parts, in this order::

    [prompt/command]                                   (a line of its own: see splitter)
    <address> <hex groups ...> [<ascii column>]

* the **address**: plain hex (``00000010``), ``0x``-prefixed (radare2), with a backtick between
  the halves (WinDbg ``00000143`38808600``), followed by a colon (xxd, IRPMon's Hexer, the PyPI
  ``hexdump`` package) or prefixed by ``#`` (WinDbg ``!db``: physical memory).  Its radix (od
  prints octal) and its continuity are judged over a whole block, not here;
* **hex groups** of 1, 2, 4 or 8 bytes (2, 4, 8 or 16 digits; WinDbg's ``dq`` writes 8-byte
  words as ``53435349`0000001c``), all of one width in a row, ``??`` for unreadable memory and
  ``-`` between bytes 8 and 9 (WinDbg);
* an **ascii column**: bare, between ``|bars|`` (hexdump -C) or ``>angles<`` (od -z), printing
  unprintable bytes as ``.``, U+FFFD, ``?`` or a space, and high bytes in some code page.

Where a row has an ascii column it tells which split between hex groups and text is right
(``cafe`` is a word in one row and text in another) and in which byte order multi-byte groups
were printed: :meth:`Row.orders` lists the orders the column agrees with.  Without the column a
multi-byte group is read as the number a tool printed (little-endian); the block reader
(:mod:`~iscsitgt_spt.codec.capture.dumpblock`) weighs the rows of a block together.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import field

from iscsitgt_spt.spec._frozen import frozen

__all__ = [
    "KEEPS_START",
    "LITTLE",
    "MEMORY",
    "Row",
    "is_decoration",
    "parse_like",
    "parse_row",
    "row_shape",
    "strip_line",
]

#: Byte orders of a multi-byte hex group: as printed (``1c000000`` is ``1c 00 00 00``) or
#: little-endian (``0000001c`` is ``1c 00 00 00``).
MEMORY = "memory"
LITTLE = "little"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ADDRESS = re.compile(
    r"^\s*(?P<phys>#\s*)?(?P<prefix>0[xX])?"
    r"(?P<addr>[0-9a-fA-F]+(?:`[0-9a-fA-F]+)?)(?P<colon>:)?(?=\s|$)"
)
_GROUP = re.compile(r"(?:[0-9a-fA-F]{2}|[0-9a-fA-F]{4}|[0-9a-fA-F]{8}|[0-9a-fA-F]{16})\Z|"
                    r"[0-9a-fA-F]{8}`[0-9a-fA-F]{8}\Z|(?:\?{2}|\?{4}|\?{8}|\?{16})\Z|"
                    r"\?{8}`\?{8}\Z")
_DASHED = re.compile(r"([0-9a-fA-F?]{2})-([0-9a-fA-F?]{2})\Z")
_TOKEN = re.compile(r"\S+")
_RULER_WORDS = re.compile(r"^\s*(?:offset(?:\(h\))?|address|-\s*offset\s*-)?\s*", re.I)
_RULER_TAIL = re.compile(r"(?:0123456789ABCDEF|ascii|decoded text)\Z", re.I)
_DECORATION = re.compile(
    r"^\s*(?:[-=_ ]+|(?:offset|address)\s+(?:bytes|hex(?: dump)?)\s+(?:ascii|text)"
    r"|(?:path|label):.*)\s*$", re.I)


#: A kernel log's prefix before ``print_hex_dump``'s address: dmesg's ``[  12.345678]`` or a
#: journal/syslog ``Dec  7 04:00:00 host kernel:``, then labels (``mydrv:``) up to it.
_LOG_PREFIX = re.compile(
    r"^(?:\[\s*\d+\.\d+\]\s*|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ )"
    r"(?:[^\s:]+(?:\[\d+\])?:\s+)*?(?=[0-9a-fA-F]{8,16}:\s)")
#: A lookahead that holds where :func:`strip_line` finds no kernel log prefix to drop: a line
#: it holds for, with no tab, ANSI escape or leading BOM, is its own stripped text (but for
#: its line end).
KEEPS_START = "(?!" + _LOG_PREFIX.pattern[1:] + ")"


def strip_line(text: str) -> str:
    """``text`` without its line end, a BOM, ANSI colour escapes, a kernel log's prefix before
    a dump row, and with tabs as spaces."""
    text = text.rstrip("\r\n").lstrip("\ufeff")
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if text[:1] == "[" or text[:1].isupper():
        text = _LOG_PREFIX.sub("", text, count=1)
    return text.replace("\t", "    ") if "\t" in text else text


def _without_tail(text: str) -> str:
    """``text`` without the column title a ruler ends with (``0123456789ABCDEF``, ``ascii``,
    ``decoded text``) and the white space around it; found from the end, not tried at every
    position of the line (as one ``re.sub`` of an optional title would: 20 µs a row)."""
    body = text.rstrip()
    title = _RULER_TAIL.search(body, max(0, len(body) - 16))
    return body[:title.start()].rstrip() if title else body


def is_decoration(text: str) -> bool:
    """A ruler or header printed around a dump (``Offset(h) 00 01 .. 0F``, ``Path: x``, ``---``)."""
    if _DECORATION.match(text):
        return bool(text.strip())
    label = _RULER_WORDS.match(text)
    body = _without_tail(text[label.end():] if label else text)
    # A bare ``00 01 02 .. 0F`` at the start of a line could be data; a ruler is indented
    # under the address column, labelled (``Offset(h)``) or followed by ``0123456789ABCDEF``.
    if not (text[:1].isspace() or (label and label.group(0).strip()) or
            len(body) < len(text.rstrip()) - (label.end() if label else 0)):
        return False
    tokens = [t for t in body.split() if t != "-"]  # Data::HexDump's gutter
    if len(tokens) < 8:
        return False
    try:
        numbers = [int(t, 16) for t in tokens]
    except ValueError:
        return False
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] == 0


def _printable(byte: int) -> bool:
    return 0x20 <= byte < 0x7F


def _agrees(char: str, byte: int) -> bool:
    """Could a tool have shown ``byte`` as ``char`` in its ascii column?"""
    if _printable(byte):
        return char == chr(byte)
    # Unprintable: a placeholder, or a character of some code page (never plain ASCII).
    return char in ".?\ufffd " or ord(char) >= 0x80


def _blank(byte: int) -> bool:
    """A byte some tool shows as a space (PowerShell 7 prints NUL so), which may vanish at
    the ends of a trimmed line."""
    return byte in (0x00, 0x20)


def ascii_agrees(text: str, values: list[int | None]) -> bool:
    """Does ``text`` (an ascii column, trimmed, maybe framed by bars) show these bytes?"""
    if text[:1] + text[-1:] in ("||", "><") and len(text) >= 2 and _agrees_bare(
            text[1:-1], values):
        return True
    return _agrees_bare(text, values)


#: bytes -> the ascii column most tools print ('.' for every unprintable byte).
_DOTS = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))


def _agrees_bare(text: str, values: list[int | None]) -> bool:
    # The common case, checked at C speed: every byte shown, unprintables as '.'.
    if (len(text) == len(values) and None not in values
            and bytes(values).translate(_DOTS).decode("ascii") == text):  # type: ignore[arg-type]
        return True
    known = [v if v is not None else 0 for v in values]
    if len(text) > len(known):
        return False
    lead = 0
    while lead < len(known) and _blank(known[lead]):
        lead += 1
    for start in range(0, lead + 1):
        end = start + len(text)
        if end > len(known):
            break
        if all(_blank(b) for b in known[end:]) and all(
            _agrees(c, b) for c, b in zip(text, known[start:end])
        ):
            return True
    return False


@frozen  # (one a row the general reader reads: its __init__ fills the dictionary at once)
class Row:
    """One dump row taken apart (see the module docstring)."""

    address: str  #: the address digits, backtick removed; radix decided per block
    address_text: str  #: the address as printed (``0x``, backtick, colon kept; no ``#``)
    physical: bool
    marked: bool  #: the address carries a colon, ``0x``, a backtick or ``#``
    groups: tuple[str, ...]  #: hex groups as printed, backticks removed
    width: int  #: bytes per group
    ascii: str | None  #: the ascii column as printed, or None
    ascii_ok: bool  #: the ascii column agrees with the bytes in some order
    tail: str | None = None  #: text after the groups that is not an ascii column (symbols)
    #: where the row's parts were in its line: the printed address, then each group, then the
    #: start of the ascii column (or -1); used to read the next rows of the same shape fast.
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)

    def values(self, order: str) -> list[int | None]:
        """The row's bytes, reading multi-byte groups in ``order``."""
        joined = "".join(self.groups)
        if "?" not in joined:
            chunk = bytes.fromhex(joined)
            if order == LITTLE and self.width > 1:
                w = self.width
                chunk = b"".join(chunk[i:i + w][::-1] for i in range(0, len(chunk), w))
            return list(chunk)
        out: list[int | None] = []
        for group in self.groups:
            if "?" in group:
                out.extend([None] * self.width)
                continue
            chunk = bytes.fromhex(group)
            out.extend(chunk[::-1] if order == LITTLE and self.width > 1 else chunk)
        return out

    @functools.cached_property
    def orders(self) -> tuple[str, ...]:
        """The byte orders the ascii column agrees with (all of them when there is none)."""
        if self.width == 1:
            return (MEMORY,)
        if not self.ascii_ok or self.ascii is None:
            return (MEMORY, LITTLE)
        return tuple(o for o in (MEMORY, LITTLE) if ascii_agrees(self.ascii, self.values(o)))


def _tokens(rest: str) -> list[tuple[str, int]]:
    """(group, end position) for the tokens of a row body; ``a-b`` counts as two groups."""
    out: list[tuple[str, int]] = []
    for match in _TOKEN.finditer(rest):
        token = match.group(0)
        dashed = _DASHED.match(token)
        if dashed:
            out.append((dashed.group(1), match.start() + 2))
            out.append((dashed.group(2), match.end()))
        else:
            out.append((token, match.end()))
    return out


def parse_row(
    text: str, single_word: bool = False, ascii_column: bool | None = None
) -> Row | None:
    """``text`` (already :func:`strip_line`-d) as a dump row, or ``None`` when it is not one.

    ``single_word``: the command prints one value per row and then a symbol or the value it
    points to (WinDbg ``dps``/``dpp``): only the first group is data.  ``ascii_column``: the
    block's rows are known to have one (True) or not (False); ``None`` decides per row,
    preferring a split whose text agrees with the bytes.
    """
    match = _ADDRESS.match(text)
    if match is None:
        return None
    marked = bool(match.group("phys") or match.group("prefix") or match.group("colon")
                  or "`" in match.group("addr"))
    digits = match.group("addr").replace("`", "")
    printed = (match.group("prefix") or "") + match.group("addr") + (match.group("colon") or "")
    if len(digits) < 4 and not marked:
        return None
    rest = text[match.end():]
    tokens = _tokens(rest)
    run: list[tuple[str, int]] = []
    for token, end in tokens:
        if not _GROUP.match(token) or (run and len(token) != len(run[0][0])):
            break
        run.append((token, end))
        if single_word:
            break
    if not run:
        return None
    width = (len(run[0][0]) + (0 if "`" not in run[0][0] else -1)) // 2
    physical = bool(match.group("phys"))

    base = match.end()
    printed_span = (match.start("prefix") if match.group("prefix") else match.start("addr"),
                    match.end("colon") if match.group("colon") else match.end("addr"))

    def make(count: int, ascii: str | None, ok: bool, tail: str | None = None) -> Row:
        groups = tuple(t.replace("`", "") for t, _ in run[:count])
        spans = [printed_span] + [(base + end - len(t), base + end) for t, end in run[:count]]
        after_start = base + run[count - 1][1]
        if ascii is not None:
            after_start += len(rest[run[count - 1][1]:]) - len(rest[run[count - 1][1]:].lstrip())
        spans.append((after_start if ascii is not None else -1, 0))
        return Row(digits, printed, physical, marked, groups, width, ascii, ok, tail,
                   tuple(spans))

    return _split(rest, run, make, single_word, ascii_column, width)


def _split(
    rest: str, run: list[tuple[str, int]], make: Callable[..., Row], single_word: bool,
    ascii_column: bool | None, width: int,
) -> Row:
    """The row whose groups are the first ``count`` of ``run`` for the best ``count``: the
    most groups whose following text is an ascii column agreeing with them, else no column."""
    best: Row | None = None
    for count in range(len(run), 0, -1):
        after = rest[run[count - 1][1]:].strip()
        if not after:
            if ascii_column is not True:
                best = best or make(count, None, False)
            continue
        if ascii_column is False:
            continue
        if single_word:
            return make(count, None, False, tail=after)
        candidate = make(count, after, False)
        if any(ascii_agrees(after, candidate.values(o)) for o in (MEMORY, LITTLE)):
            return make(count, after, True)
    if best is not None:
        return best
    after = rest[run[-1][1]:].strip()
    if not single_word and ascii_column is not False and _column_sized(after, len(run) * width):
        # A printable column is never evidence against the bytes: one character per byte
        # is a column whatever it shows (a code page, a curly quote); it just casts no vote.
        return make(len(run), after, False)
    # Text after the groups that is no ascii column of them: a damaged row unless the command
    # prints a symbol there (kept as ``tail`` for the block reader to judge).
    return make(len(run), None, False, tail=after)


def _column_sized(text: str, count: int) -> bool:
    """Is ``text`` one character per byte of ``count`` bytes (bars around it allowed, blank
    bytes at its ends maybe trimmed), with no space inside, as a printable column is?"""
    if text[:1] + text[-1:] in ("||", "><") and len(text) >= 2:
        text = text[1:-1]
    return 0 < len(text) <= count and len(text) >= count - 2 and " " not in text.strip()


def _span_pattern(template: str) -> str:
    """A regex for a span of the template line: hex digits and ``?`` vary, the rest is fixed."""
    out, run = [], 0
    for char in template + "\0":
        if char in "0123456789abcdefABCDEF?":
            run += 1
            continue
        if run:
            # A byte's two digits as two classes: the engine's repeat of {2} costs a fifth
            # of a db row's match more (longer runs are cheaper as repeats).
            out.append("[0-9a-fA-F?]" * run if run <= 2 else f"[0-9a-fA-F?]{{{run}}}")
            run = 0
        if char != "\0":
            out.append(re.escape(char))
    return "".join(out)


def row_shape(line: str, row: Row) -> re.Pattern[str] | None:
    """A pattern matching the lines laid out exactly as ``row`` was in ``line``.

    Rows of one dump share their layout, so the next rows are matched against it in one
    regex call instead of being taken apart again (see :func:`parse_like`).
    """
    if not row.spans or row.tail is not None:
        return None
    parts, ascii_start = row.spans[:-1], row.spans[-1][0]
    pattern, previous = ["^"], 0
    for start, end in parts:
        span = line[start:end]
        # The address's ``0x`` is a prefix, not a digit that varies: read as one, "1x0010"
        # would pass for an address that no int() takes.
        fixed = 2 if start == parts[0][0] and span[:2].lower() == "0x" else 0
        pattern.append(re.escape(line[previous:start]) + "(" + re.escape(span[:fixed])
                       + _span_pattern(span[fixed:]) + ")")
        previous = end
    if ascii_start < 0:
        pattern.append(r"\s*$")
    else:
        pattern.append(re.escape(line[previous:ascii_start]) + r"(.*)$")
    return re.compile("".join(pattern))


def parse_like(text: str, shape: re.Pattern[str], row: Row) -> Row | None:
    """``text`` read with the shape of an earlier ``row`` (:func:`row_shape`), or ``None``."""
    match = shape.match(text)
    if match is None:
        return None
    found = match.groups()
    printed = found[0]
    count = len(row.groups)
    groups = found[1:count + 1]
    if "`" in groups[0]:
        groups = tuple(g.replace("`", "") for g in groups)
    if "?" in printed or ("?" in "".join(groups) and any(
            "?" in g and set(g) != {"?"} for g in groups)):
        return None
    ascii = found[count + 1].strip() or None if len(found) > count + 1 else None
    if (ascii is None) != (row.ascii is None):
        return None
    address = printed[2:] if printed[:2].lower() == "0x" else printed
    candidate = Row(address.rstrip(":").replace("`", ""), printed, row.physical, row.marked,
                    groups, row.width, ascii, ascii is not None, None, row.spans)
    if ascii is not None and not any(
            ascii_agrees(ascii, candidate.values(o)) for o in (MEMORY, LITTLE)):
        return None
    return candidate
