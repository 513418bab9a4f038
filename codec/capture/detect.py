"""Which capture format is this, and read it: the public entry points of the capture readers.

:func:`detect_format` looks at the start of the input (at most :data:`SNIFF_LINES` lines) and
decides, in this order of precedence:

1. empty input: :class:`InputFormatError`;
2. ``IRPMNLOG`` magic: ``irpmon-binary`` (reading it raises, asking for a text/JSON export);
3. bytes that are not text (NUL or other control bytes, undecodable): ``raw``;
4. a first character ``{`` or ``[``: ``irpmon-json`` if the first record has IRPMon columns
   (``"ID"``, ``"Type"``, ``"IRP address"``, ``"Parsers"``), else ``jsonl`` for ``{``;
5. an ``ID = n`` line: ``irpmon-text``;
6. an ``IOCTL Code: 0x...`` line: ``ioctlbf``;
7. a WinDbg prompt with a ``db``/``dc``/``dd``/``dq`` command: that ``windbg-*`` format;
8. the first dump row, taken apart by :mod:`~iscsitgt_spt.codec.capture.anatomy`, decides:
   ``xxd`` (``offset:``), ``hexdump-C`` (``|ascii|``), WinDbg ``db`` (backtick address or
   ``-`` between bytes 8 and 9), ``dq`` (backticked 64-bit words), ``dd``/``dc`` (32-bit
   words; ``dc`` with an ascii column), ``frida`` (header row, ANSI escapes, or single-spaced
   bytes after an address);
9. text that reads as plain hex: ``hex``; other text with data in it (a dump of another tool,
   bytes written as source text, base64): ``text``; anything else: :class:`InputFormatError`.

The name detected for a text capture only labels it: when the format is detected (``fmt=None``)
every dump and text format is read by :mod:`~iscsitgt_spt.codec.capture.splitter`, block by
block, so a file mixing tools and a session mixing commands lose nothing.  A dump format named
by the caller goes through the same reader as a hint: it only fixes what the rows leave open
(the address radix, the byte order its command implies; see
:data:`~iscsitgt_spt.codec.capture.tools.HINTS`).

:func:`read_capture` reads a whole input held in memory; :func:`iter_capture_lines` reads a
line-based format from any iterable of lines and yields records one at a time, so a capture
of several gigabytes is processed in memory bounded by its largest record.  Every reader
works within one record-size bound (``limit``, :data:`MAX_RECORD_SIZE` by default).
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from iscsitgt_spt.codec.capture.records import (
    BINARY_MAGIC,
    MAX_RECORD_SIZE,
    CaptureReadResult,
    RawRecord,
    bound_records,
    raw_from_capture_record,
    read_raw,
)
from iscsitgt_spt.spec.errors import InputFormatError

# Each reader's module is imported when its format is read (and the dump classifiers when a
# text input gets past the JSON check): a command decoding one raw buffer or a JSON-Lines
# capture loads none of the dump readers and compiles none of their patterns.

__all__ = [
    "FORMATS",
    "LINE_FORMATS",
    "SNIFF_LINES",
    "TEXT_FORMATS",
    "CaptureReadResult",
    "RawRecord",
    "decode_text",
    "detect_format",
    "iter_capture_lines",
    "open_capture_lines",
    "raw_from_capture_record",
    "read_capture",
]

#: Every format a reader exists for.
FORMATS = (
    "raw", "hex", "xxd", "hexdump-C", "windbg-db", "windbg-dc", "windbg-dd", "windbg-dq",
    "frida", "ioctlbf", "irpmon-text", "irpmon-json", "jsonl", "text",
)
#: The formats read block by block by the splitter when the format is detected.
TEXT_FORMATS = frozenset({
    "hex", "xxd", "hexdump-C", "windbg-db", "windbg-dc", "windbg-dd", "windbg-dq", "frida", "text",
})
#: The formats :func:`iter_capture_lines` can stream.
LINE_FORMATS = FORMATS[1:]
SNIFF_LINES = 200

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_IRPMON_KEYS = ('"ID"', '"Type"', '"IRP address"', '"Parsers"')
_C_INITIALISER = re.compile(r"^\{\s*(?:0[xX])?[0-9a-fA-F]|^\[byte\[\]\]", re.I)
_IRPMON_ID = re.compile(r"^ID = \d+\s*$")
_IOCTLBF = re.compile(r"^\s*IOCTL Code:\s*0x[0-9a-fA-F]+")
_FRIDA_HEADER = re.compile(r"^\s*0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+A\s+B\s+C\s+D\s+E"
                           r"\s+F\s+0123456789ABCDEF\s*$")
_DB_DASH = re.compile(r"\s[0-9a-fA-F?]{2}-[0-9a-fA-F?]{2}\s")
_WINDBG_COMMAND = re.compile(r"^\s*(d[bcdq])\b", re.I)


def decode_text(data: bytes) -> str | None:
    """``data`` as text, or ``None`` when it is binary (control bytes, not decodable)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Legacy tools (IRPMon's ascii column) write 8-bit code pages.
            text = data.decode("latin-1")
    return None if _CONTROL.search(text) else text


def _row_format(line: str) -> str | None:
    """The named format whose first row ``line`` could be (its label only), or ``None``."""
    from iscsitgt_spt.codec.capture.anatomy import parse_row, strip_line
    from iscsitgt_spt.codec.capture.tools import HINTS, tool_name

    if "\x1b" in line or _FRIDA_HEADER.match(line):
        return "frida"  # colour escapes or the header row of Frida's hexdump()
    text = strip_line(line)
    row = parse_row(text)
    if row is None or row.tail is not None:
        return None
    name = tool_name(row, "")
    if name in HINTS:
        return name
    if row.width == 1 and not row.marked and len(row.address) >= 8:
        # WinDbg db on a 32-bit target (a '-' after the eighth byte); else Frida's rows,
        # single-spaced after an address of at least 8 digits.
        return "windbg-db" if _DB_DASH.search(text) else "frida"
    return None


#: Detection looks at this much of a line: the format shows in its start, and a line of
#: megabytes taken apart token by token would cost many times its size (issue 24).
SNIFF_WIDTH = 4096


def _sniffed(line: str) -> str:
    """The start of a long line, cut at white space (not inside a token)."""
    if len(line) <= SNIFF_WIDTH:
        return line
    head = line[:SNIFF_WIDTH]
    cut = max(head.rfind(" "), head.rfind("\t"))
    return head[:cut] if cut > 0 else head


def _detect_lines(lines: list[str]) -> str:
    lines = [_sniffed(line) for line in lines]
    content = [line for line in lines if line.strip()]
    if not content:
        raise InputFormatError("empty input: no capture to read")
    # Comment lines (allowed by our JSONL format and by plain hex) say nothing about the format.
    uncommented = [line for line in content if not line.lstrip("\ufeff").lstrip().startswith("#")]
    first = (uncommented or content)[0].lstrip("\ufeff").lstrip()
    if first.startswith(("{", "[")) and not _C_INITIALISER.match(first):
        if any(key in first for key in _IRPMON_KEYS):
            return "irpmon-json"
        if first.startswith("{"):
            return "jsonl"
    return _detect_text(lines, content)


def _detect_text(lines: list[str], content: list[str]) -> str:
    """The format of text that is not JSON: the dump and log readers' own classifiers."""
    from iscsitgt_spt.codec.capture.hextext import hex_line_bytes
    from iscsitgt_spt.codec.capture.splitter import iter_text_records, prompt_of

    for line in content:
        if _IRPMON_ID.match(line):
            return "irpmon-text"
        if _IOCTLBF.match(line):
            return "ioctlbf"
        command = _WINDBG_COMMAND.match(prompt_of(line, debugger_only=True) or "")
        if command:
            return "windbg-" + command.group(1).lower()
    for line in content:
        if line.lstrip().startswith("#"):
            continue
        named = _row_format(line)
        if named is not None:
            return named
        break
    try:
        for number, line in enumerate(lines, 1):
            hex_line_bytes(line, number)
    except ValueError as exc:
        # Other tools' dumps, bytes written as text, or data among commentary.
        if any(True for _ in iter_text_records(lines)):
            return "text"
        raise InputFormatError(
            f"not a capture format this reader knows ({exc}); choices: {', '.join(FORMATS)}"
        ) from None
    return "hex"


def detect_format(data: bytes) -> str:
    """The name of the format of ``data`` (see the module docstring for the precedence)."""
    if not data.strip():
        raise InputFormatError("empty input: no capture to read")
    if data.startswith(BINARY_MAGIC):
        return "irpmon-binary"
    text = decode_text(data[: 1 << 20])
    if text is None:
        return "raw"
    return _detect_lines(text.splitlines()[:SNIFF_LINES])


def _refuse_binary() -> None:
    from iscsitgt_spt.codec.capture.irpmon import refuse_binary

    refuse_binary(BINARY_MAGIC)


def _check_format(fmt: str, choices: tuple[str, ...]) -> None:
    if fmt not in choices:
        raise InputFormatError(
            f"unknown capture format {fmt!r}; choices: {', '.join(choices)}",
            expected="one of " + ", ".join(choices), actual=repr(fmt),
        )


def _line_reader(lines: Iterable[str], fmt: str, limit: int) -> Iterator[RawRecord]:
    return bound_records(_unbounded_reader(lines, fmt, limit), limit)


#: format -> (module under ``iscsitgt_spt.codec.capture``, reader), imported on first use.
#: Every other line format (``text``, ``hex`` and the named dumps) is read by the one block
#: reader, :func:`~iscsitgt_spt.codec.capture.splitter.iter_text_records`, with its hint.
_READERS: dict[str, tuple[str, str]] = {
    "ioctlbf": ("fuzzlogs", "iter_ioctlbf"),
    "irpmon-text": ("irpmon", "iter_irpmon_text"),
    "irpmon-json": ("irpmon_json", "iter_irpmon_json"),
    "jsonl": ("records", "iter_jsonl"),
}


def _load(module: str, name: str) -> Callable[..., Any]:
    reader: Callable[..., Any] = getattr(
        importlib.import_module(f"iscsitgt_spt.codec.capture.{module}"), name
    )
    return reader


def _unbounded_reader(lines: Iterable[str], fmt: str, limit: int) -> Iterator[RawRecord]:
    records: Iterator[RawRecord]
    if fmt not in _READERS:  # checked against the format names before this
        read_blocks = _load("splitter", "iter_text_records")
        if fmt == "text":
            records = read_blocks(lines, limit)
        else:
            records = read_blocks(lines, limit, hint=fmt)
    elif fmt == "irpmon-text":  # takes no limit: bound_records (in _line_reader) applies it
        records = _load(*_READERS[fmt])(lines)
    else:
        records = _load(*_READERS[fmt])(lines, limit=limit)
    return records


def open_capture_lines(
    lines: Iterable[str], fmt: str | None = None, limit: int = MAX_RECORD_SIZE
) -> tuple[str, Iterator[RawRecord]]:
    """(format, records) of a line-based capture, streamed; ``fmt=None`` detects the format.

    A detected dump or text format is read block by block (the splitter); a named one by that
    tool's reader.  Bad records come out with ``error`` set; nothing is raised for them.  Only
    an unknown format name (or an undetectable input) raises :class:`InputFormatError`.
    """
    iterator = iter(lines)
    reader = fmt
    if fmt is None:
        head = list(itertools.islice(iterator, SNIFF_LINES))
        if head and head[0].startswith("IRPMNLOG"):
            _refuse_binary()
        fmt = _detect_lines([line.rstrip("\r\n") for line in head])
        reader = "text" if fmt in TEXT_FORMATS else fmt
        iterator = itertools.chain(_handed_over(head), iterator)
    _check_format(fmt, LINE_FORMATS)
    assert reader is not None
    return fmt, _line_reader(iterator, reader, limit)


def _handed_over(lines: list[str]) -> Iterator[str]:
    """The lines, each let go by the list once taken (a line can be a whole export)."""
    lines.reverse()
    while lines:
        yield lines.pop()


def iter_capture_lines(
    lines: Iterable[str], fmt: str | None = None, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Stream the records of a line-based capture (:func:`open_capture_lines` without the name)."""
    return open_capture_lines(lines, fmt, limit)[1]


def read_capture(
    data: bytes, fmt: str | None = None, limit: int = MAX_RECORD_SIZE
) -> CaptureReadResult:
    """Read a whole capture held in memory: the format used and every record, in order.

    Raises :class:`InputFormatError` for an unknown ``fmt``, an IRPMon binary log, input that
    is not text for a text format, and input in which no record could be read at all (the
    message is the first record's error); otherwise broken records carry their ``error``.
    """
    reader = fmt
    if fmt is None:
        fmt = detect_format(data)
        reader = "text" if fmt in TEXT_FORMATS else fmt
    if fmt == "irpmon-binary" or (fmt != "raw" and data.startswith(BINARY_MAGIC)):
        _refuse_binary()
    _check_format(fmt, FORMATS)
    if fmt == "raw":
        return CaptureReadResult(fmt, read_raw(data, limit))
    text = decode_text(data)
    if text is None:
        raise InputFormatError(f"input is binary, not {fmt} text (use format 'raw')")
    assert reader is not None
    records = list(_line_reader(text.lstrip("\ufeff").splitlines(), reader, limit))
    if not records:
        raise InputFormatError(f"no {fmt} records found in the input")
    if all(record.error is not None for record in records):
        raise InputFormatError(str(records[0].error))
    return CaptureReadResult(fmt, records)
