"""The one place JSON text is read: every command and every reader comes through here.

:func:`read_json` is ``json.loads`` with the failure modes of hostile input turned into one
of our errors, naming the source and the position (line, column and byte offset):

* text that is not UTF-8 (bytes are decoded here, strictly, a leading BOM allowed);
* a text larger than ``max_record_bytes`` (checked before anything is parsed);
* nesting deeper than ``max_depth`` (the C parser would otherwise raise ``RecursionError``,
  at a depth that depends on how deep the caller's own stack already is);
* an integer literal of more than :data:`MAX_INT_DIGITS` digits (Python refuses to convert
  those with a bare ``ValueError``, and the conversion is quadratic below the limit);
* ``NaN``/``Infinity`` (not JSON) and lone UTF-16 surrogates (``"\\ud800"``: valid JSON
  escapes that decode to a ``str`` no UTF-8 writer can print);
* anything ``json`` itself calls malformed.

Sans-I/O: it takes ``str`` or ``bytes`` and returns Python values.  The error class is the
caller's choice (``JsonInputError`` for documents a user builds from, ``InputFormatError`` for
capture records), since the two mean different things to the CLI.
"""

from __future__ import annotations

import json
import re
from typing import Any

from iscsitgt_spt.codec._lazy import lazy_pattern
from iscsitgt_spt.spec.errors import JsonInputError, SptError

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_RECORD_BYTES",
    "MAX_INT_DIGITS",
    "json_text_bound",
    "read_json",
]

#: Deepest nesting accepted.  Our documents nest three levels; IRPMon records four.
DEFAULT_MAX_DEPTH = 64
#: Longest integer literal accepted (Python's own int/str conversion limit).
MAX_INT_DIGITS = 4300
#: Largest JSON text read when the caller gives no bound: 256 MiB, a ceiling a machine
#: survives.  The capture readers and the CLI pass :func:`json_text_bound` of the one
#: record-size bound (``codec.capture.records.MAX_RECORD_SIZE`` or ``--max-record-size``).
DEFAULT_MAX_RECORD_BYTES = 1 << 28
#: Room in a JSON record for everything but its buffers (keys, metadata, a stack trace).
_JSON_OVERHEAD = 64 << 10


def json_text_bound(record_bytes: int) -> int:
    """Longest JSON text that can carry a record of ``record_bytes`` bytes.

    A record's input and output buffers are hex text, two characters a byte, so
    ``2 buffers x 2 x record_bytes`` plus room for the other keys.  Longer text cannot be a
    record within the bound (short of escaping hex digits as ``\\u0030``, which no writer does).
    """
    return 4 * record_bytes + _JSON_OVERHEAD

_BACKSLASH_U = lazy_pattern(r"\\u")
_BRACKETS = lazy_pattern(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# A high surrogate escape not followed by a low one, a low one not preceded by a high one,
# or (in text handed over as ``str``) a surrogate code point itself.
_LONE_SURROGATE = lazy_pattern(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|[\ud800-\udfff]"
)


class _Rejected(Exception):
    """Raised inside the parser's hooks; carries what to report."""

    def __init__(self, message: str, needle: str) -> None:
        super().__init__(message)
        self.message = message
        self.needle = needle


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise _Rejected(f"integer of more than {MAX_INT_DIGITS} digits", literal)
    return int(literal)


def _no_constant(name: str) -> Any:
    raise _Rejected(f"{name} is not a JSON value", name)


#: One decoder for every text (``json.loads`` with these hooks builds a new one per call).
_DECODER = json.JSONDecoder(parse_int=_bounded_int, parse_constant=_no_constant)
#: The same for a text too short to hold an integer literal over the bound: integers are
#: read by the parser itself, not through a call per number.
_SHORT_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _decode(text: str) -> Any:
    """``_DECODER.decode(text)``: one value and nothing after it but white space.

    ``decode`` matches white space before and after the value with a regular expression
    each time; a capture line has none, so the value is read first and ``decode`` runs only
    when something follows it (white space, or the error it reports) or precedes it.
    """
    decoder = _SHORT_DECODER if len(text) <= MAX_INT_DIGITS else _DECODER
    try:  # (``raw_decode`` without its Python frame: its scanner, called as it calls it)
        value, end = decoder.scan_once(text, 0)  # type: ignore[attr-defined]  # set in __init__
    except (json.JSONDecodeError, StopIteration):
        return decoder.decode(text)  # leading white space, or the error as decode words it
    return value if end == len(text) else decoder.decode(text)


def _position(text: str, index: int, raw: bytes | None) -> tuple[str, int]:
    """``"line L column C"`` and the byte offset for character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    offset = index
    if raw is not None:
        bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        offset = bom + len(text[:index].encode("utf-8", "surrogatepass"))
    return f"line {line} column {column}", offset


def _too_deep(text: str, limit: int) -> int | None:
    """Index of the bracket that opens level ``limit + 1``, strings skipped; else ``None``."""
    depth = 0
    for match in _BRACKETS().finditer(text):
        char = match.group(0)
        if char in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif char in "]}":
            depth -= 1
    return None


def _lone_surrogate(value: Any, path: str, limit: int) -> str | None:
    """Path of the first string (key or value) holding a lone surrogate, else ``None``."""
    if isinstance(value, str):
        if value.isascii():
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "(top)"
        return None
    if limit < 0:  # pragma: no cover - depth is checked before parsing
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(key, f"{path}.{key!a}" if path else repr(key), limit - 1)
            found = found or _lone_surrogate(item, f"{path}.{key}" if path else key, limit - 1)
            if found:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = _lone_surrogate(item, f"{path}[{n}]", limit - 1)
            if found:
                return found
    return None


_CONTAINERS = (dict, list)
_CONTAINER_TYPES = frozenset(_CONTAINERS)


def _flat(value: Any, limit: int) -> bool:
    """Whether ``value``, an object or array, holds no object or array (so nests 1 deep)
    and the bound allows that: told at C speed."""
    children = value.values() if type(value) is dict else value
    return limit >= 1 and _CONTAINER_TYPES.isdisjoint(map(type, children))


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep in ``value`` (the outermost
    is level 1), walked without recursion."""
    if _flat(value, limit):
        return False  # (a capture line: one object of numbers and strings)
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        for child in item.values() if type(item) is dict else item:
            if type(child) in _CONTAINERS:
                stack.append((child, depth + 1))
    return False


def _brackets(text: str) -> int:
    """How many ``{`` and ``[`` the text holds, strings included: no value parsed from it
    nests deeper (each level opens with one), so a count within the bound spares the walk
    of :func:`_deeper_than`, which calls ``type()`` once per member.  Counting runs at C
    speed; ``[`` is counted only when there is one (found by ``memchr``: a capture line
    seldom holds an array)."""
    opens = text.count("{")
    return opens + text.count("[") if "[" in text else opens


def _refuse_deep(
    text: str, max_depth: int, raw: bytes | None, error: type[SptError], source: str
) -> None:
    """Raise ``error`` naming the bracket that opens level ``max_depth + 1``, if one does."""
    deep = _too_deep(text, max_depth) if _brackets(text) > max_depth else None
    if deep is not None:
        where, offset = _position(text, deep, raw)
        raise error(f"JSON nested more than {max_depth} deep at {where}", path=source,
                    offset=offset)


def _parse_error(
    exc: Exception, text: str, raw: bytes | None, error: type[SptError], source: str
) -> SptError:
    """``error`` for what the parser refused, at its position."""
    if isinstance(exc, json.JSONDecodeError):
        where, offset = _position(text, exc.pos, raw)
        # (some of the parser's messages end in "at" already: "Unterminated string starting at")
        place = where if exc.msg.endswith(" at") else f"at {where}"
        return error(f"malformed JSON: {exc.msg} {place}", path=source, offset=offset)
    if isinstance(exc, _Rejected):
        where, offset = _position(text, max(text.find(exc.needle), 0), raw)
        return error(f"{exc.message} at {where}", path=source, offset=offset)
    # (RecursionError: the caller's stack was already nearly full)
    return error("JSON nested too deeply", path=source)


def read_json(
    data: str | bytes,
    source: str = "input",
    *,
    error: type[SptError] = JsonInputError,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_record_bytes: int | None = DEFAULT_MAX_RECORD_BYTES,
) -> Any:
    """Parse one JSON text, or raise ``error`` (one line, path ``source``, offset in bytes).

    ``max_record_bytes`` bounds the size of the text (``None``: no bound); ``max_depth`` the
    nesting of arrays and objects.
    """
    size = len(data)
    if max_record_bytes is not None and size > max_record_bytes:
        raise error(
            f"JSON text of {size} bytes is larger than the record-size limit",
            path=source, expected=f"at most {max_record_bytes} bytes", actual=f"{size} bytes",
        )
    raw: bytes | None = None
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise error("input is not UTF-8 text", path=source, offset=exc.start,
                        actual=f"byte 0x{raw[exc.start]:02x}") from None
    else:
        text = data
    # Nesting is bounded before a parse error is reported (the deepest text fails first
    # on its depth) and, once parsed, by walking the value: counting brackets in the text
    # beforehand cost more than the parse of a capture line.
    try:
        # json.loads refuses a leading BOM with its own message; the decoder alone would not.
        value = json.loads(text) if text.startswith("\ufeff") else _decode(text)
    except (json.JSONDecodeError, _Rejected, RecursionError) as exc:
        _refuse_deep(text, max_depth, raw, error, source)
        raise _parse_error(exc, text, raw, error, source) from None
    # (the walk only when the value holds a container and the text more brackets than the
    # bound: see _flat and _brackets; a capture line is one flat object, told before its
    # kilobytes of hex are counted)
    if type(value) in _CONTAINERS and not _flat(value, max_depth) and \
            _brackets(text) > max_depth and _deeper_than(value, max_depth):
        _refuse_deep(text, max_depth, raw, error, source)
    # A lone surrogate comes from a ``\\uXXXX`` escape or from a surrogate code point in
    # ``str`` input: ASCII text with no backslash-u in it holds neither, and is not walked
    # (a backslash alone is looked for first: one character is found many times faster; then
    # the pattern, which skips the many backslashes of a Hexer row's tabs faster than ``in``).
    bad = None
    if not text.isascii() or ("\\" in text and _BACKSLASH_U().search(text)):
        bad = _lone_surrogate(value, "", max_depth + 1)
    if bad is not None:
        match = _LONE_SURROGATE().search(text)
        where, offset = _position(text, match.start() if match else 0, raw)
        raise error(f"string {bad} holds a lone UTF-16 surrogate (near {where})",
                    path=source, offset=offset)
    return value
