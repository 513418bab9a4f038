"""Bytes written as text: source-code literals, base64 and ``bytes.hex()`` strings.

Each form is recognised from its whole block, never from a fragment:

* ``c-array``: a C/C++/C# initialiser list ``{0x1c, 0x00, 28, ...}``, optionally with its
  declaration (``unsigned char buf[] = {`` ... ``};``, ``new byte[] {``) and xxd -i's
  ``unsigned int buf_len = 64;`` line, whose length must match;
* ``escaped-string``: one or more ``"\\x1c\\x00..."`` literals (``b"..."`` too, concatenated
  across lines, in an optional declaration), with the usual C escapes and printable characters;
* ``powershell-bytes``: ``[byte[]](0x1c,0x00,...)``, ``[byte[]]@(...)``, ``@(28,0,...)``;
* ``base64``: a block that is, whole, valid padded base64 of a plausible size (at least 12 bytes)
  and is not plain hex (hex digits are base64 characters too);
* ``hex-string``: ``bytes.hex(sep)`` output with a ``:``, ``.`` or ``_`` separator (space, comma
  and ``-`` separated hex is plain hex, read by the plain-hex reader).

A block that is clearly one of these forms but wrong inside (a value over 255, a length that
does not match) gives an error record naming the line; a block that is none gives ``None``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from iscsitgt_spt.codec.capture.literals import join_wraps
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE, RawRecord, error_record

__all__ = ["read_bytes_text"]

_NUMBER = re.compile(r"^(?:0[xX]([0-9a-fA-F]{1,2})|(\d{1,3}))[uUlL]*$")
_C_ARRAY = re.compile(
    r"^(?P<decl>[^{}]*?(?:\[\s*\w*\s*\]|byte\s*\[\s*\]|=)\s*(?:new\s+\w+\s*\[\s*\]\s*)?)?"
    r"\{(?P<body>[^{}]*)\}\s*;?\s*(?P<tail>.*)$", re.S)
_LEN_LINE = re.compile(r"^\s*(?:unsigned\s+)?(?:int|size_t|long)\s+\w+\s*=\s*(\d+)\s*;\s*$")
_PS = re.compile(r"^\s*(?:\$\w+\s*=\s*)?(?:\[byte\[\]\]\s*)?@?\(\s*(?P<body>[^()]*)\)\s*$",
                 re.I | re.S)
_LITERAL = re.compile(r'[bB]?"((?:[^"\\]|\\.)*)"', re.S)
_STRING_DECL = re.compile(r'^[^"]*=\s*$|^\s*$', re.S)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|[abfnrtv\\'\"?])")
_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39,
           '"': 34, "?": 63}
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_HEX_ONLY = re.compile(r"^[0-9a-fA-F]+$")
_HEX_SEP = re.compile(
    r"^(?:[0-9a-fA-F]{2})+(?:([:._])(?:[0-9a-fA-F]{2})+)(?:\1(?:[0-9a-fA-F]{2})+)*$")


class _Bad(ValueError):
    """The block is this form but a part of it is wrong."""


def _numbers(body: str, lines: list[tuple[int, str]]) -> bytes:
    values = bytearray()
    for token in re.split(r"[\s,]+", body.strip().rstrip(",")):
        if not token:
            continue
        match = _NUMBER.match(token)
        value = -1 if match is None else int(match.group(1), 16) if match.group(1) else int(
            match.group(2))
        if not 0 <= value <= 255:
            raise _Bad(f"line {_line_of(token, lines)}: {token!r} is not a byte value (0-255)")
        values.append(value)
    return bytes(values)


def _line_of(needle: str, lines: list[tuple[int, str]]) -> int:
    return next((n for n, t in lines if needle in t), lines[0][0])


def _c_array(text: str, lines: list[tuple[int, str]]) -> bytes | None:
    match = _C_ARRAY.match(text.strip())
    if match is None or not re.search(r"\d", match.group("body")):
        return None
    if match.group("decl") is None and text.strip()[0] != "{":
        return None
    data = _numbers(match.group("body"), lines)
    tail = match.group("tail").strip()
    if tail:
        length = _LEN_LINE.match(tail)
        if length is None:
            return None
        if int(length.group(1)) != len(data):
            raise _Bad(f"line {_line_of(tail, lines)}: the declared length {length.group(1)} "
                       f"does not match the {len(data)} bytes of the array")
    return data


def _powershell(text: str, lines: list[tuple[int, str]]) -> bytes | None:
    match = _PS.match(text)
    stripped = text.strip()
    if match is None or not (stripped.lower().startswith(("[byte[]]", "@(")) or "$" in stripped):
        return None
    return _numbers(match.group("body"), lines)


def _escaped(text: str, lines: list[tuple[int, str]]) -> bytes | None:
    literals = list(_LITERAL.finditer(text))
    if not literals or not any("\\x" in m.group(1) for m in literals):
        return None
    outside = _LITERAL.sub(" ", text).strip().rstrip(";").strip()
    if outside and not _STRING_DECL.match(outside):
        return None
    out = bytearray()
    for literal in literals:
        # A line break inside a literal is a hard wrap of the paste: no string holds one.
        body = literal.group(1).replace("\r", "").replace("\n", "")
        position = 0
        for escape in _ESCAPE.finditer(body):
            out.extend(_plain(body[position:escape.start()], lines))
            code = escape.group(1)
            if code[0] == "x":
                out.append(int(code[1:], 16))
            elif code[0].isdigit():
                value = int(code, 8)
                if value > 255:
                    raise _Bad(f"line {_line_of(code, lines)}: \\{code} is not a byte")
                out.append(value)
            else:
                out.append(_SIMPLE[code])
            position = escape.end()
        out.extend(_plain(body[position:], lines))
    return bytes(out)


def _plain(chunk: str, lines: list[tuple[int, str]]) -> bytes:
    if "\\" in chunk:
        raise _Bad(f"line {_line_of(chunk, lines)}: unknown escape in {chunk[:20]!r}")
    try:
        return chunk.encode("ascii")
    except UnicodeEncodeError:
        raise _Bad(f"line {_line_of(chunk, lines)}: non-ASCII text in a byte string") from None


def _base64(text: str, limit: int) -> bytes | None:
    # An encoder writes one unbroken run per line, every line but the last as long as the
    # first: hex bytes with a typo ("1c 00 0g 49") are base64 characters too, but not so.
    tokens = text.split()
    widths = [len(line.strip()) for line in text.splitlines() if line.strip()]
    if len(tokens) != len(widths) or any(w != widths[0] for w in widths[:-1]) or \
            widths[-1] > widths[0]:
        return None
    compact = "".join(tokens)
    if (not tokens or any(not _BASE64.match(t) for t in tokens) or len(compact) % 4
            or _HEX_ONLY.match(compact) or len(compact) // 4 * 3 > limit + 2):
        return None
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if len(data) >= 12 else None


def _hex_string(lines: list[tuple[int, str]]) -> bytes | None:
    out = bytearray()
    for _, text in lines:
        token = text.strip()
        if not _HEX_SEP.match(token):
            return None
        out.extend(bytes.fromhex(re.sub(r"[:._]", "", token)))
    return bytes(out)


def read_bytes_text(
    lines: list[tuple[int, str]], limit: int = MAX_RECORD_SIZE
) -> RawRecord | None:
    """The record of a block written as one of the forms above, or ``None``."""
    content = [(n, t.rstrip("\r\n")) for n, t in lines
               if t.strip() and not t.lstrip().startswith(("//", "#"))]
    if not content:
        return None
    text = "\n".join(t for _, t in content).lstrip("\ufeff")
    first, last = lines[0][0], lines[-1][0]
    unwrapped = join_wraps(text)  # a number split by a hard wrap of the paste, joined
    readers: tuple[tuple[str, Callable[[], bytes | None]], ...] = (
               ("c-array", lambda: _c_array(unwrapped, content)),
               ("powershell-bytes", lambda: _powershell(unwrapped, content)),
               ("escaped-string", lambda: _escaped(text, content)),
               ("hex-string", lambda: _hex_string(content)),
               ("base64", lambda: _base64(text, limit)))
    for name, reader in readers:
        try:
            data = reader()
        except _Bad as exc:
            return error_record(0, name, first, str(exc), end_line=last)
        if data is None:
            continue
        if len(data) > limit:
            return error_record(0, name, first, f"lines {first}-{last}: {len(data)} bytes "
                                f"exceed the record-size limit of {limit} bytes", end_line=last)
        return RawRecord(index=0, data_in=data, data_out=None, ioctl=None, source_format=name,
                         line=first, end_line=last, meta={"size": len(data)})
    return None
