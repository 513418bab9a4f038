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
from dataclasses import dataclass

__all__ = ["LITTLE", "MEMORY", "Row", "is_decoration", "parse_row", "strip_line"]

#: Byte orders of a multi-byte hex group: as printed (``1c000000`` is ``1c 00 00 00``) or
#: little-endian (``0000001c`` is ``1c 00 00 00``).
MEMORY = "memory"
LITTLE = "little"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ADDRESS = re.compile(
    r"^\s*(?P<phys>#\s*)?(?P<prefix>0[xX])?"
    r"(?P<addr>[0-9a-fA-F]+(?:`[0-9a-fA-F]+)?)(?P<colon>:)?(?=\s|$)"
)
_GROUP = re.compile(r"(?:[0-9a-fA-F]{2}){1,8}\Z|[0-9a-fA-F]{8}`[0-9a-fA-F]{8}\Z|"
                    r"(?:\?\?){1,8}\Z|\?{8}`\?{8}\Z")
_DASHED = re.compile(r"([0-9a-fA-F?]{2})-([0-9a-fA-F?]{2})\Z")
_TOKEN = re.compile(r"\S+")
_RULER_WORDS = re.compile(r"^\s*(?:offset(?:\(h\))?|address|-\s*offset\s*-)?\s*", re.I)
_RULER_TAIL = re.compile(r"\s*(?:0123456789ABCDEF|ascii|decoded text)?\s*$", re.I)
_DECORATION = re.compile(
    r"^\s*(?:[-=_ ]+|(?:offset|address)\s+(?:bytes|hex(?: dump)?)\s+(?:ascii|text)"
    r"|(?:path|label):.*)\s*$", re.I)


def strip_line(text: str) -> str:
    """``text`` without its line end, a BOM, ANSI colour escapes, and with tabs as spaces."""
    text = _ANSI.sub("", text.rstrip("\r\n").lstrip("\ufeff"))
    return text.replace("\t", "    ")


def is_decoration(text: str) -> bool:
    """A ruler or header printed around a dump (``Offset(h) 00 01 .. 0F``, ``Path: x``, ``---``)."""
    if _DECORATION.match(text):
        return bool(text.strip())
    label = _RULER_WORDS.match(text)
    body = _RULER_TAIL.sub("", text[label.end():] if label else text)
    # A bare ``00 01 02 .. 0F`` at the start of a line could be data; a ruler is indented
    # under the address column, labelled (``Offset(h)``) or followed by ``0123456789ABCDEF``.
    if not (text[:1].isspace() or (label and label.group(0).strip()) or
            len(body) < len(text.rstrip()) - (label.end() if label else 0)):
        return False
    tokens = body.split()
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


@dataclass(frozen=True)
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

    def make(count: int, ascii: str | None, ok: bool, tail: str | None = None) -> Row:
        groups = tuple(t.replace("`", "") for t, _ in run[:count])
        return Row(digits, printed, physical, marked, groups, width, ascii, ok, tail)

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
    # Text after the groups that is no ascii column of them: a damaged row unless the command
    # prints a symbol there (kept as ``tail`` for the block reader to judge).
    return make(len(run), None, False, tail=rest[run[-1][1]:].strip())
