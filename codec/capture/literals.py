"""Byte literals of programming languages, wherever they sit in a block of text.

A buffer held in a program is printed as the language prints it, usually after some text of
the line (``x = ``, ``$1 = ``, ``write(1, ``, a REPL's ``Out[2]:``) and often across lines.
Two shapes cover the population, whichever language printed them:

* a **quoted string** with escapes: Python ``b'\\x1c\\x00ISCSI'`` (``repr``, ``pprint``'s
  parenthesised lines, ``bytearray(b'...')``; ``b'1c00...'`` from ``hexlify`` is read as hex),
  C/Perl/Go ``"\\x1c\\x00..."`` (octal escapes too), strace ``"\\x1c..."..., 64`` (the
  ``...`` after the quote says the tool cut the string: the bytes past it are reported
  missing, never invented).  Adjacent literals are one buffer; a line break inside an open
  literal is a hard wrap and is removed.
* a **bracketed list of numbers**, ``[..]``, ``{..}`` or ``<Buffer ..>``: decimal (Python,
  JSON, Rust ``{:?}``, Go ``%v``, Node's ``Uint8Array``), signed (Java ``Arrays.toString``:
  -128..-1 are 128..255), ``0x`` hex (gdb ``p/x`` with ``<repeats N times>``, Rust
  ``{:#04x?}`` one per line, Go ``%#v``, ``(byte)0x1C``), bare hex when any number has a
  hex letter (Rust ``{:x?}``) or the tool always prints hex (Node ``<Buffer``).  A tool's own
  mark that it cut the list (``... 14 more bytes``, ``... N more items``, gdb's ``...``)
  makes the missing bytes a reported gap.

Each literal becomes one record with the lines it spans; the text around it is left to the
caller, which names it.  A block holding no literal gives ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
    line_span,
)

__all__ = ["Literal", "find_literals", "join_wraps", "read_literals"]

#: Fewest numbers a bracketed list needs to be taken for a buffer (``[1]``, ``{0, 0}`` and
#: ``(64)`` in prose or code are not).
MIN_LIST = 4

_STRING_START = re.compile(r"""(?:\b[bB]|\bbytearray\(\s*[bB])?(['"])""")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.S)
_SIMPLE = {"a": 7, "b": 8, "e": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92,
           "'": 39, '"': 34, "?": 63, "0": 0}
_GAP = re.compile(r"\A[\s()]*\Z")
_OPEN = re.compile(r"<Buffer\b|[\[{(]")
_CLOSE = {"[": "]", "{": "}", "(": ")", "<Buffer": ">"}
#: An assembler's data directive: the list runs to the end of the line.
#: At the start of a line, after an optional label (``buf db 1Ch, ...``, ``.byte 0x1c, ...``).
_DIRECTIVE = re.compile(r"^[ \t]*(?:[A-Za-z_]\w*:?[ \t]+)?(?:db|DB|\.byte|\.db|defb|DEFB|DCB|dcb)"
                        r"[ \t]+([^\n;]*)", re.M)
_NUMBER = re.compile(
    r"\A(?:\((?:byte|uint8_t|u8|char)\))?(?P<sign>-)?(?:(?P<hex>0[xX][0-9a-fA-F]+|\$[0-9a-fA-F]+"
    r"|[0-9][0-9a-fA-F]*[hH])|(?P<dec>\d+)|(?P<bare>[0-9a-fA-F]{1,2}))(?:u8|[uUlL]*)\Z")
_REPEATS = re.compile(r"<repeats (\d+) times>")
_MORE = re.compile(r"\.\.\.\s*(?:(\d+) more (?:bytes?|items?))?")
_HEX_LETTER = re.compile(r"[a-fA-F]")
_SPLIT = re.compile(r"[\s,]+")
_HEX_TEXT = re.compile(r"\A(?:[0-9a-fA-F]{2})+\Z")


@dataclass
class Literal:
    """One literal found in a text: where it is, its bytes (``None`` for a byte the tool
    did not print), the form it was written in."""

    start: int  #: character offsets in the text the finder was given
    end: int
    values: list[int | None]
    form: str
    error: str | None = None


def _string_body(text: str, at: int) -> tuple[str, int] | None:
    """(body, end after the closing quote) of the literal whose quote is at ``at``; a line
    break inside is a hard wrap (removed); ``None`` when the quote never closes."""
    quote = text[at]
    out: list[str] = []
    i = at + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            if text[i + 1] in "\r\n":  # a wrap right after the backslash
                i = text.index("\n", i + 1) + 1
                out.append("\\")
                continue
            out.append(text[i:i + 2])
            i += 2
            continue
        if char == quote:
            return "".join(out), i + 1
        if char not in "\r\n":
            out.append(char)
        i += 1
    return None


def _unescape(body: str) -> list[int] | None:
    """The bytes of a string body, or ``None`` when it is not a byte string (an unknown
    escape, a character outside ASCII)."""
    out: list[int] = []
    position = 0
    for escape in _ESCAPE.finditer(body):
        plain = body[position:escape.start()]
        if not plain.isascii():
            return None
        out.extend(plain.encode("ascii"))
        code = escape.group(1)
        if code[0] == "x" and len(code) > 1:
            out.append(int(code[1:], 16))
        elif code[0] in "01234567":
            value = int(code, 8)
            if value > 255:
                return None
            out.append(value)
        elif code in _SIMPLE:
            out.append(_SIMPLE[code])
        else:
            return None
        position = escape.end()
    tail = body[position:]
    if not tail.isascii():
        return None
    out.extend(tail.encode("ascii"))
    return out


def _strings(text: str) -> Iterator[Literal]:
    """Every quoted byte literal of ``text``, adjacent ones joined."""
    position = 0
    current: Literal | None = None
    while (match := _STRING_START.search(text, position)) is not None:
        found = _string_body(text, match.end() - 1)
        if found is None:
            break
        body, end = found
        prefixed = match.group(0)[:1] in "bB" or match.group(0).startswith("bytearray")
        values = _unescape(body)
        position = end
        if values is None or not (prefixed or "\\x" in body or _cut_after(text, end)):
            if current is not None:
                yield current
                current = None
            continue
        form = "python-bytes" if prefixed else "escaped-string"
        if prefixed and body and _HEX_TEXT.match(body) and len(body) >= 8:
            values, form = list(bytes.fromhex(body)), "python-hexlify"
        if current is not None and _GAP.match(text[current.end:match.start()]) and \
                current.form == form:
            current.values.extend(values)
            current.end = end
        else:
            if current is not None:
                yield current
            current = Literal(match.start(), end, list(values), form)
        cut = _cut_after(text, end)
        if cut is not None:
            current.values.extend([None] * max(cut - len(current.values), 0))
            current.end = end + 3
            yield current
            current = None
            position = end + 3
    if current is not None:
        yield current


_STRACE_CUT = re.compile(r"\.\.\.,\s*(\d+)")


def _cut_after(text: str, end: int) -> int | None:
    """strace's ``"..."..., 64``: the string was cut; the length the call was given."""
    match = _STRACE_CUT.match(text, end)
    return int(match.group(1)) if match else None


def _close_of(text: str, at: int, opener: str) -> int:
    """Where the bracket opened at ``at`` closes (-1: never, or another opens first)."""
    close = _CLOSE[opener]
    end = text.find(close, at + len(opener))
    if end < 0:
        return -1
    inner = text[at + len(opener):end]
    if opener != "<Buffer" and ("[" in inner or "{" in inner or "(" in inner.replace(
            "(byte)", "")):
        return -1
    return end


def join_wraps(body: str) -> str:
    """A line break with no separator on either side split a number (a hard wrap)."""
    return re.sub(r"(?<=[0-9a-fA-FxX])\r?\n(?=[0-9a-fA-FxX])", "", body)


def _cut_mark(body: str) -> tuple[str, int]:
    """(body before a tool's mark that it cut the list, bytes missing: N, -1 unknown, 0)."""
    more = _MORE.search(body)
    if more is None:
        return body, 0
    return body[:more.start()], int(more.group(1)) if more.group(1) else -1


def _list_tokens(body: str) -> list[tuple[str, int]]:
    """(token, times) of a list body: gdb's ``0x0 <repeats 15 times>`` is one token 15 times."""
    tokens: list[tuple[str, int]] = []
    for piece in body.split(","):
        repeats = _REPEATS.search(piece)
        count = int(repeats.group(1)) if repeats else 1
        tokens.extend((word, count) for word in _SPLIT.split(_REPEATS.sub("", piece).strip())
                      if word)
    return tokens


def _list_values(body: str, always_hex: bool) -> tuple[list[int | None], str] | None:
    """(bytes, form) of a bracket's body, or ``None`` when it is not a list of bytes."""
    body, missing = _cut_mark(body)
    tokens = _list_tokens(body)
    if len(tokens) < MIN_LIST and not (tokens and missing):
        return None
    matches = [_NUMBER.match(t) for t, _ in tokens]
    if not all(matches):
        return None
    found = [m for m in matches if m is not None]
    hexadecimal = always_hex or any(_HEX_LETTER.search(m.group("bare") or "") for m in found)
    values: list[int | None] = []
    for match, (_, count) in zip(found, tokens):
        value = _number(match, hexadecimal)
        if value is None:
            return None
        values.extend([value] * count)
    form = "hex-list" if hexadecimal or any(m.group("hex") for m in found) else "int-list"
    # Cut by the tool: the bytes it says are missing, or at least one when it does not say.
    values.extend([None] * (missing if missing > 0 else 1 if missing else 0))
    return values, form


def _number(match: re.Match[str], hexadecimal: bool) -> int | None:
    """One list element as a byte: -128..255 decimal, or hex of at most two digits."""
    if match.group("hex"):
        text = match.group("hex")
        digits = (text[1:] if text[0] == "$" else text[:-1] if text[-1] in "hH" else
                  text[2:]).lstrip("0") or "0"
        value = int(digits, 16) if len(digits) <= 2 else 256
    elif hexadecimal:
        text = match.group("dec") or match.group("bare")
        value = int(text, 16) if len(text) <= 2 else 256
    elif match.group("dec") is not None:
        value = int(match.group("dec"))
    else:
        return None
    if match.group("sign"):
        value = -value
    if -128 <= value < 0:
        value += 256
    return value if 0 <= value <= 255 else None


def _lists(text: str) -> Iterator[Literal]:
    position = 0
    while (match := _OPEN.search(text, position)) is not None:
        opener = match.group(0)
        end = _close_of(text, match.start(), opener)
        position = match.end()
        if end < 0:
            continue
        body = join_wraps(text[match.end():end])
        found = _list_values(body, opener == "<Buffer")
        if found is None:
            continue
        values, form = found
        yield Literal(match.start(), end + 1, values, form)
        position = end + 1


def _directives(text: str) -> Iterator[Literal]:
    """``db 1Ch, 00h, ...`` lines; consecutive ones are one buffer."""
    current: Literal | None = None
    for match in _DIRECTIVE.finditer(text):
        found = _list_values(match.group(1), False)
        if found is None:
            continue
        if current is not None and _GAP.match(text[current.end:match.start()]):
            current.values.extend(found[0])
            current.end = match.end()
            continue
        if current is not None:
            yield current
        current = Literal(match.start(), match.end(), found[0], "asm-bytes")
    if current is not None:
        yield current


def find_literals(text: str) -> list[Literal]:
    """Every byte literal of ``text`` (strings first: a list inside a string is text)."""
    found = list(_strings(text))
    for more in (_lists(text), _directives(text)):
        taken = [(s.start, s.end) for s in found]
        found += [item for item in more if not any(a <= item.start < b for a, b in taken)]
    return sorted(found, key=lambda item: item.start)


def _line_at(offsets: list[int], position: int) -> int:
    """Index of the line holding character ``position`` (``offsets``: line starts)."""
    low, high = 0, len(offsets) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if offsets[middle] <= position:
            low = middle
        else:
            high = middle - 1
    return low


def read_literals(
    lines: list[tuple[int, str]], limit: int = MAX_RECORD_SIZE
) -> tuple[list[RawRecord], list[tuple[int, str]]] | None:
    """(records, lines outside every literal) of a block, or ``None`` when it holds none."""
    texts = [text.rstrip("\r\n") for _, text in lines]
    joined = "\n".join(texts)
    if not any(c in joined for c in "'\"[{(<") and _DIRECTIVE.search(joined) is None:
        return None
    found = find_literals(joined)
    if not found:
        return None
    offsets, at = [], 0
    for text in texts:
        offsets.append(at)
        at += len(text) + 1
    records: list[RawRecord] = []
    covered: set[int] = set()
    for literal in found:
        first, last = _line_at(offsets, literal.start), _line_at(offsets, literal.end - 1)
        covered.update(range(first, last + 1))
        records.append(_record(literal, lines[first][0], lines[last][0], limit))
    rest = [(n, t.strip()) for i, (n, t) in enumerate(lines) if i not in covered and t.strip()]
    return records, rest


def _record(literal: Literal, first: int, last: int, limit: int) -> RawRecord:
    asm = ByteAssembler(limit)
    try:
        asm.extend(literal.values)
    except RecordTooLarge as exc:
        return error_record(0, literal.form, first, f"{line_span(first, last)}: {exc}",
                            end_line=last)
    meta: dict[str, object] = {"size": asm.length}
    asm.describe(meta)
    if asm.unreadable():
        meta["truncated"] = (f"{line_span(first, last)}: the tool printed {len(asm.prefix())} "
                             f"of {asm.length} bytes")
    return RawRecord(index=0, data_in=asm.prefix(), data_out=None, ioctl=None,
                     source_format=literal.form, line=first, end_line=last,
                     unreadable=asm.unreadable(), meta=meta)
