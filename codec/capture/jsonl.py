"""The project's own capture format: JSON Lines, one IOCTL request per line (version 1).

A line is a JSON object::

    {"ioctl": 315400 | "0x0004d008", "in": "<hex>", "out": "<hex>", "abi": "win64",
     "cookie": "u64", "time": "2026-11-21T10:00:00Z", "pid": 1234, "status": 0}

Only ``ioctl`` and ``in`` are required.  ``v`` (format version, default 1) may be present;
a reader refuses versions it does not know rather than guess.  Unknown keys are kept, in
order, and written back unchanged, so a tool that adds its own keys (the fuzz corpus writes
``case``/``intent``) loses nothing when the file passes through us.  Blank lines and lines
starting with ``#`` are skipped.

This module is sans-I/O: it turns lines into records and records into lines; the caller owns
the file.  The device layer's recorder and the fuzz corpus generator write it.
"""

from __future__ import annotations

import contextlib
import json
from binascii import unhexlify
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from iscsitgt_spt.codec.safejson import DEFAULT_MAX_RECORD_BYTES, read_json
from iscsitgt_spt.spec.errors import InputFormatError, shown

__all__ = [
    "FORMAT_VERSION",
    "CaptureRecord",
    "parse_line",
    "parse_lines",
    "plain_line",
    "plain_record",
    "record_to_json",
    "record_to_line",
    "request_head",
    "request_prefix",
]

FORMAT_VERSION = 1

_KNOWN_KEYS = frozenset(("v", "ioctl", "in", "out", "abi", "cookie", "time", "pid", "status"))

#: Range of each integer key: IOCTL codes, process ids and NTSTATUS/Win32 status codes are
#: all 32-bit on Windows; a status may be written signed (``-1073741823``) or unsigned.
_INT_RANGES = {"ioctl": (0, 0xFFFFFFFF), "pid": (0, 0xFFFFFFFF), "status": (-(1 << 31), 0xFFFFFFFF)}
#: Longest integer text read: ``0x`` and 32 hex digits, with room for leading zeros.
_MAX_INT_TEXT = 40


@dataclass(frozen=True)
class CaptureRecord:
    """One captured request: the IOCTL code, its input buffer and, when known, its output."""

    ioctl: int
    data_in: bytes
    data_out: bytes | None = None
    abi: str | None = None
    cookie: str | None = None
    time: str | None = None
    pid: int | None = None
    status: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def _hex_bytes(value: object, key: str, where: str) -> bytes:
    if not isinstance(value, str):
        raise InputFormatError(
            "buffer must be a hex string", path=f"{where}.{key}",
            expected="hex string", actual=type(value).__name__,
        )
    try:  # fromhex skips white space between bytes: the common case needs no join
        return bytes.fromhex(value)
    except ValueError:
        pass
    text = "".join(value.split())
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InputFormatError(
            "buffer is not valid hex", path=f"{where}.{key}",
            expected="an even number of hex digits", actual=shown(value),
        ) from None


def _int_field(value: object, key: str, where: str) -> int:
    if isinstance(value, bool):
        raise InputFormatError(
            "expected an integer", path=f"{where}.{key}", expected="integer", actual="boolean"
        )
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and len(value) <= _MAX_INT_TEXT:
        with contextlib.suppress(ValueError):
            number = int(value, 0)
    if number is None:
        raise InputFormatError(
            "expected an integer or a 0x-prefixed hex string",
            path=f"{where}.{key}", expected="integer", actual=shown(value),
        )
    low, high = _INT_RANGES[key]
    if not low <= number <= high:
        raise InputFormatError(
            f"{key} out of range", path=f"{where}.{key}",
            expected=f"{low:#x}..{high:#x}", actual=shown(number),
        )
    return number


def _opt_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InputFormatError(
        "expected a string", path=f"{where}.{key}", expected="string", actual=shown(value)
    )


def record_from_json(obj: object, where: str = "record") -> CaptureRecord:
    """Validate a decoded JSON object and turn it into a :class:`CaptureRecord`."""
    if not isinstance(obj, dict):
        raise InputFormatError(
            "a capture record must be a JSON object", path=where,
            expected="object", actual=type(obj).__name__,
        )
    version = obj.get("v", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise InputFormatError(
            "unsupported capture format version", path=f"{where}.v",
            expected=str(FORMAT_VERSION), actual=shown(version),
        )
    for key in ("ioctl", "in"):
        if key not in obj:
            raise InputFormatError(f"missing required key {key!r}", path=where)
    ioctl = _int_field(obj["ioctl"], "ioctl", where)
    out = obj.get("out")
    return CaptureRecord(
        ioctl=ioctl,
        data_in=_hex_bytes(obj["in"], "in", where),
        data_out=None if out is None else _hex_bytes(out, "out", where),
        abi=_opt_str(obj, "abi", where),
        cookie=_opt_str(obj, "cookie", where),
        time=_opt_str(obj, "time", where),
        pid=None if obj.get("pid") is None else _int_field(obj["pid"], "pid", where),
        status=None if obj.get("status") is None else _int_field(obj["status"], "status", where),
        extra=({} if obj.keys() <= _KNOWN_KEYS
               else {k: v for k, v in obj.items() if k not in _KNOWN_KEYS}),
    )


#: The metadata keys a record may state, in the order a :class:`RawRecord`'s ``meta`` holds
#: them (:func:`~iscsitgt_spt.codec.capture.records.raw_from_capture_record`), and whether
#: each is text (else an integer, with its range in ``_INT_RANGES``).
_META_KEYS = (("abi", True), ("cookie", True), ("time", True), ("pid", False),
              ("status", False))
_PLAIN_KEYS = frozenset(("ioctl", "in", "out"))


def plain_record(obj: object) -> tuple[int, bytes, bytes | None, dict[str, object]] | None:
    """``(ioctl, in, out, meta)`` of the usual record, or ``None`` for any other.

    A capture is millions of lines like ``{"ioctl":"0x0004d008","in":"..."}`` or, recorded,
    ``{..., "out":"...","abi":"win64","cookie":"u64","time":"...","pid":4242,"status":0}``;
    this reads them with a handful of exact type tests where :func:`record_from_json` runs
    the general checks and builds a :class:`CaptureRecord`.  It accepts nothing that
    :func:`record_from_json` refuses and reads the same values, ``meta`` as
    :func:`~iscsitgt_spt.codec.capture.records.raw_from_capture_record` makes it (the stated
    metadata in its order, then the other keys under ``extra``): an integer IOCTL in range,
    or ``0x`` and eight hex digits, which ``int(text, 0)`` and ``int(text, 16)`` read alike;
    text metadata as strings, ``pid``/``status`` as integers in range.  Anything else — a
    version key, another spelling, bad hex — gives ``None``, and the general path decides,
    errors and all.
    """
    if type(obj) is not dict:
        return None
    ioctl, data_in = obj.get("ioctl"), obj.get("in")
    if type(ioctl) is str and len(ioctl) == 10 and ioctl[:2] == "0x":
        try:
            ioctl = int(ioctl, 16)
        except ValueError:
            return None
    elif type(ioctl) is not int or not 0 <= ioctl <= 0xFFFFFFFF:
        return None
    if type(data_in) is not str:
        return None
    try:
        data = bytes.fromhex(data_in)
    except ValueError:
        return None
    return _plain_rest(obj, ioctl, data)


#: How a line as :func:`record_to_line` writes it starts: ``{"ioctl":"0x``, eight hex digits,
#: ``","in":"``, then the input's hex.
_IOCTL_AT, _IN_AT = 12, 28
_BEFORE_IOCTL, _BEFORE_IN = b'{"ioctl":"0x', b'","in":"'
#: What follows the input's hex in a recording's line: the output's hex.
_BEFORE_OUT = b'","out":"'


def request_prefix(line: bytes) -> tuple[int, bytes] | None:
    """``(ioctl, in)`` read from the start of a line without parsing it, or ``None``.

    For routing a corpus line before the full parse (``send --fuzz-corpus --jobs``): a line
    that begins exactly as :func:`record_to_line` writes it, holds no backslash (so no string
    can hide a quote or spell a key with escapes) and names ``"ioctl"`` and ``"in"`` once each
    (no later duplicate overrides them) gives the values :func:`parse_line` reads, if it
    parses at all.  Anything else gives ``None``: the caller parses the line.
    """
    if line[:_IOCTL_AT] != _BEFORE_IOCTL or line[_IOCTL_AT + 8:_IN_AT] != _BEFORE_IN:
        return None
    end = line.find(b'"', _IN_AT)
    # Before the input's closing quote the line holds no other quote than the start's (which
    # names each key once), and a backslash there fails fromhex: what the checks need of the
    # line is its rest, not read twice more from the start (a long input's hex).
    if (end < 0 or line.find(b"\\", end) >= 0 or line.find(b'"ioctl"', end) >= 0
            or line.find(b'"in"', end) >= 0):
        return None
    # int() and fromhex() read what parse_line reads (it calls them on the same text) or
    # accept a little more (a space, an underscore): parse_line then refuses the line, which
    # goes anywhere, as a malformed line does.
    try:
        return (int(line[_IOCTL_AT:_IOCTL_AT + 8], 16),
                bytes.fromhex(line[_IN_AT:end].decode("ascii"))) if end > 0 else None
    except ValueError:
        return None


def request_head(line: bytes, size: int) -> tuple[int, bytes] | None:
    """``(ioctl, head)`` read off a line as :func:`request_prefix` reads it, ``head`` the
    input's first ``size`` bytes (all of it when it is not longer), or ``None``.

    For routing a corpus line by a few members near the input's start without decoding the
    rest of it (a session's START is 1.7 kB).  What :func:`parse_line` reads, if it parses
    the line at all, is an input that ``head`` begins (and is, when shorter than ``size``):
    the line begins as :func:`record_to_line` writes it, the input's first ``2 * size``
    characters (or all of them, to its closing quote) are hex digits and nothing else (no
    white space, which ``fromhex`` would skip), and past them the line holds no backslash
    and no later ``"ioctl"`` or ``"in"`` key.  Anything else gives ``None``: the caller
    parses the line.
    """
    if line[:_IOCTL_AT] != _BEFORE_IOCTL or line[_IOCTL_AT + 8:_IN_AT] != _BEFORE_IN:
        return None
    stop = _IN_AT + 2 * size
    end = line.find(b'"', _IN_AT, stop + 1)
    rest = stop if end < 0 else end
    # Past the digits read, no backslash: every quote ends or begins a string.  So no key
    # begins before the input's closing quote, nor inside the output's hex when it follows
    # (a recording's line is mostly that hex: the keys are looked for after it only).
    close = end if end >= 0 else line.find(b'"', stop)
    if close >= 0 and line.startswith(_BEFORE_OUT, close):
        close = line.find(b'"', close + len(_BEFORE_OUT))
    if (close < 0 or line.find(b"\\", rest) >= 0 or line.find(b'"ioctl"', close) >= 0
            or line.find(b'"in"', close) >= 0):
        return None
    try:  # (unhexlify takes hex digits only: no white space, no quote)
        return int(line[_IOCTL_AT:_IOCTL_AT + 8], 16), unhexlify(line[_IN_AT:rest])
    except ValueError:
        return None


#: How a usual line starts, as :func:`record_to_line` writes it (the same text as
#: ``_BEFORE_IOCTL`` and ``_BEFORE_IN``, for ``str`` lines).
_LINE_IOCTL, _LINE_IN = _BEFORE_IOCTL.decode(), _BEFORE_IN.decode()


def plain_line(text: str) -> tuple[int, bytes, bytes | None, dict[str, object]] | None:
    """``plain_record(read_json(text))`` for a line that begins as :func:`record_to_line`
    writes it, the IOCTL and the input's hex read off the line instead of through the JSON
    parser (which scans every hex digit for escapes, makes a string of them, and
    ``fromhex`` reads them again); ``None``: the caller parses the line and decides.

    Exact: the IOCTL's eight characters and the input's up to the next quote are hex digits
    and nothing else (``unhexlify`` takes nothing else: no escape, no control character, no
    quote), so they are the strings' values and end where the strings end; the rest is
    parsed as the object it is without those two members, and must hold members (``{}``
    would take a trailing comma that the line's parse refuses) and neither key again (a
    later duplicate wins in the line's parse).  Such an object parses, and bounds its
    depth and strings, as the line does.  The caller has bounded the line's size.
    """
    if (type(text) is not str or not text.startswith(_LINE_IOCTL)
            or text[_IOCTL_AT + 8:_IN_AT] != _LINE_IN):
        return None
    end = text.find('"', _IN_AT)
    try:
        ioctl = int.from_bytes(unhexlify(text[_IOCTL_AT:_IOCTL_AT + 8]), "big")
        data_in = unhexlify(text[_IN_AT:end]) if end > 0 else None
    except ValueError:
        return None
    rest = text[end + 1:]
    if data_in is None or (rest != "}" and rest[:1] != ","):
        return None
    obj: Any = {}
    if rest != "}":
        try:
            obj = read_json("{" + rest[1:], error=InputFormatError, max_record_bytes=None)
        except InputFormatError:
            return None  # (the line's parse words the error)
        if not obj or "ioctl" in obj or "in" in obj:
            return None
    return _plain_rest(obj, ioctl, data_in)


def _plain_rest(
    obj: dict[str, Any], ioctl: int, data_in: bytes,
) -> tuple[int, bytes, bytes | None, dict[str, object]] | None:
    """:func:`plain_record`'s reading of the output and the metadata of ``obj``."""
    data_out = obj.get("out")
    if data_out is not None and type(data_out) is not str:
        return None
    meta: dict[str, object] = {}
    if not obj.keys() <= _PLAIN_KEYS and not _plain_meta(obj, meta):
        return None
    try:
        return ioctl, data_in, None if data_out is None else bytes.fromhex(data_out), meta
    except ValueError:
        return None


def _plain_meta(obj: dict[str, Any], meta: dict[str, object]) -> bool:
    """Fill ``meta`` from a record's metadata keys; ``False`` when one is not of the usual
    kind (a version key, an integer written as text, ...): the general path reads it."""
    keys = tuple(obj)
    plan = _META_PLANS.get(keys)
    if plan is None:
        plan = _meta_plan(keys)
    if plan is False:
        return False
    stated, known = plan
    for key, bounds in stated:
        value = obj[key]
        if value is None:
            continue
        if bounds is None:
            if type(value) is not str:
                return False
        elif type(value) is not int or not bounds[0] <= value <= bounds[1]:
            return False
        meta[key] = value
    if known is not None:  # the other keys, in order: a copy less the known ones
        extra = meta["extra"] = dict(obj)
        for key in known:
            del extra[key]
    return True


#: What :func:`_plain_meta` reads of an object, by its keys in order: the metadata keys it
#: holds, in ``meta``'s order (with the range of an integer one; ``None``: text), and the
#: known keys it holds when it holds others (``extra`` is the object less those, in its
#: order; ``None``: no other key); ``False`` for a version key.  A capture's lines come in
#: a handful of key sequences (one per tool and kind of record); bounded.
_MetaPlan = tuple[tuple[tuple[str, tuple[int, int] | None], ...], tuple[str, ...] | None]
_META_PLANS: dict[tuple[str, ...], _MetaPlan | Literal[False]] = {}


def _meta_plan(keys: tuple[str, ...]) -> _MetaPlan | Literal[False]:
    plan: _MetaPlan | Literal[False] = False
    if "v" not in keys:
        stated = tuple((key, None if text else _INT_RANGES[key])
                       for key, text in _META_KEYS if key in keys)
        known = tuple(k for k in keys if k in _KNOWN_KEYS)
        plan = stated, None if len(known) == len(keys) else known
    if len(_META_PLANS) >= 256:
        _META_PLANS.clear()
    _META_PLANS[keys] = plan
    return plan


def parse_line(
    line: str | bytes, lineno: int = 1, *, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> CaptureRecord | None:
    """Parse one line (text, or bytes that must be UTF-8); ``None`` for a blank or ``#`` line.

    Raises :class:`InputFormatError` (path ``line N...``) for anything malformed, including
    JSON that :func:`~iscsitgt_spt.codec.safejson.read_json` refuses and lines longer than
    ``max_record_bytes``.
    """
    text = line.strip()
    if not text or text[:1] in ("#", b"#"):
        return None
    where = f"line {lineno}"
    obj = read_json(text, where, error=InputFormatError, max_record_bytes=max_record_bytes)
    return record_from_json(obj, where)


def parse_lines(
    lines: Iterable[str | bytes], start: int = 1, *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[tuple[int, CaptureRecord | InputFormatError]]:
    """Yield ``(line number, record or error)`` for every non-blank line.

    A broken line yields its error and reading goes on: nothing after it is lost.
    """
    for lineno, line in enumerate(lines, start):
        try:
            record = parse_line(line, lineno, max_record_bytes=max_record_bytes)
        except InputFormatError as exc:
            yield lineno, exc
            continue
        if record is not None:
            yield lineno, record


def record_to_json(record: CaptureRecord) -> dict[str, Any]:
    """The JSON object for ``record``: known keys first (IOCTL as 0x-hex text), extras after."""
    obj: dict[str, Any] = {"ioctl": f"0x{record.ioctl:08x}", "in": record.data_in.hex()}
    if record.data_out is not None:
        obj["out"] = record.data_out.hex()
    for key in ("abi", "cookie", "time", "pid", "status"):
        value = getattr(record, key)
        if value is not None:
            obj[key] = value
    for key, value in record.extra.items():
        obj.setdefault(key, value)
    return obj


def record_to_line(record: CaptureRecord) -> str:
    """One line of JSON (no trailing newline), compact and key-order stable."""
    return json.dumps(record_to_json(record), separators=(",", ":"), ensure_ascii=False)
