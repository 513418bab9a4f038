"""Which capture format is this, and read it: the public entry points of the capture readers.

:func:`detect_format` looks at the start of the input (at most :data:`SNIFF_LINES` lines) and
decides, in this order of precedence:

1. empty input: :class:`InputFormatError`;
2. ``IRPMNLOG`` magic: ``irpmon-binary`` (reading it raises, asking for a text/JSON export);
3. a first line of content (not blank, not a ``#`` comment) starting with ``{`` or ``[``:
   ``irpmon-json`` if it has IRPMon columns (``"ID"``, ``"Type"``, ``"IRP address"``,
   ``"Parsers"``), else ``jsonl`` for ``{``;
4. the first line that names its tool, none before it doing so: an ``ID = n`` line,
   ``irpmon-text``; an ``IOCTL Code: 0x...`` line, ``ioctlbf``; a WinDbg prompt with a
   ``db``/``dc``/``dd``/``dq`` command, that ``windbg-*`` format;

   (3 and 4 decide on the text up to the end of that line: what follows cannot change them,
   so a reader of a live pipe detects as soon as that line has come -- see
   :func:`detection_settled` -- and a later line that is not text is that record's error);
5. bytes that are not text (NUL or other control bytes) in the first lines: ``raw``;
6. the first dump row, taken apart by :mod:`~iscsitgt_spt.codec.capture.anatomy`, decides:
   ``xxd`` (``offset:``), ``hexdump-C`` (``|ascii|``), WinDbg ``db`` (backtick address or
   ``-`` between bytes 8 and 9), ``dq`` (backticked 64-bit words), ``dd``/``dc`` (32-bit
   words; ``dc`` with an ascii column), ``frida`` (header row, ANSI escapes, or single-spaced
   bytes after an address);
7. text that reads as plain hex: ``hex``; other text with data in it (a dump of another tool,
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

from iscsitgt_spt.codec._lazy import lazy_pattern
from iscsitgt_spt.codec.bounded import split_lines, until_error
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
    "detection_settled",
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

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BOM = b"\xef\xbb\xbf"  # UTF-8's: what "utf-8-sig" strips, once
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
#: The same, in bytes: every character it finds is one byte in UTF-8 and in Latin-1 alike.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_IRPMON_KEYS = ('"ID"', '"Type"', '"IRP address"', '"Parsers"')
_C_INITIALISER = lazy_pattern(r"^\{\s*(?:0[xX])?[0-9a-fA-F]|^\[byte\[\]\]", re.I)
_IRPMON_ID = lazy_pattern(r"^ID = \d+\s*$")
_IOCTLBF = lazy_pattern(r"^\s*IOCTL Code:\s*0x[0-9a-fA-F]+")
_FRIDA_HEADER = lazy_pattern(r"^\s*0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+A\s+B\s+C\s+D\s+E"
                           r"\s+F\s+0123456789ABCDEF\s*$")
_DB_DASH = lazy_pattern(r"\s[0-9a-fA-F?]{2}-[0-9a-fA-F?]{2}\s")
_WINDBG_COMMAND = lazy_pattern(r"^\s*(d[bcdq])\b", re.I)


def decode_text(data: bytes) -> str | None:
    """``data`` as text, or ``None`` when it is binary (control bytes, not decodable)."""
    text = _as_text(data)
    return None if text is None or _CONTROL.search(text) else text


def _as_text(data: bytes) -> str | None:
    """``data`` decoded, control bytes and all; ``None`` for UTF-16 that does not decode."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.removeprefix(_BOM).decode("utf-8")  # ("utf-8-sig" loads a module)
    except UnicodeDecodeError:
        # Legacy tools (IRPMon's ascii column) write 8-bit code pages.
        return data.decode("latin-1")


def _row_format(line: str) -> str | None:
    """The named format whose first row ``line`` could be (its label only), or ``None``."""
    from iscsitgt_spt.codec.capture.anatomy import parse_row, strip_line
    from iscsitgt_spt.codec.capture.tools import HINTS, tool_name

    if "\x1b" in line or _FRIDA_HEADER().match(line):
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
        return "windbg-db" if _DB_DASH().search(text) else "frida"
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


def _content(lines: list[str]) -> tuple[list[str], list[str]]:
    """(the lines that are not blank; those of them that are not comments)."""
    content = [line for line in lines if line.strip()]
    # Comment lines (allowed by our JSONL format and by plain hex) say nothing about the format.
    return content, [line for line in content
                     if not line.lstrip("\ufeff").lstrip().startswith("#")]


def _detect_lines(lines: list[str]) -> str:
    lines = [_sniffed(line) for line in lines]
    content, uncommented = _content(lines)
    if not content:
        raise InputFormatError("empty input: no capture to read")
    first = (uncommented or content)[0].lstrip("\ufeff").lstrip()
    return _json_format(first) or _detect_text(lines, content)


def _json_format(first: str) -> str | None:
    """The JSON format the first line of content (not blank, not a comment) starts, if any."""
    if first.startswith(("{", "[")) and not _C_INITIALISER().match(first):
        if any(key in first for key in _IRPMON_KEYS):
            return "irpmon-json"
        if first.startswith("{"):
            return "jsonl"
    return None


def _settled(data: bytes) -> str | None:
    """The format of ``data`` when its whole lines already decide it, whatever follows;
    ``None`` when they do not (yet).

    :func:`_detect_lines` decides early in two ways: the first line of content is JSON, or
    a line names its tool (an IRPMon ``ID =`` line, an ioctlbf ``IOCTL Code:`` line, a
    debugger's dump command) with none before it doing so.  Such a line decides on the text
    up to its end alone, so a longer read of the same input decides the same, and a later
    line that is not text is that record's problem, not a reason to take the whole input for
    one binary buffer.
    """
    if data.startswith(_UTF16_BOMS):
        return None  # (detection_settled reads UTF-16 to its end or 64 KiB)
    prefix = _sniffed_bytes(data[: data.rfind(b"\n") + 1])
    control = _CONTROL_BYTE.search(prefix)
    if control is not None:  # only the lines before the first that is not text
        prefix = prefix[: prefix.rfind(b"\n", 0, control.start()) + 1]
    content, uncommented = _content([_sniffed(line) for line in _lines_each(prefix)])
    if not uncommented:
        return None  # the first line of content that is not a comment has not come yet
    return _json_format(uncommented[0].lstrip("\ufeff").lstrip()) or _named_format(content)


def _lines_each(data: bytes) -> list[str]:
    """The text lines of ``data`` (whole lines), each line decoded on its own (UTF-8, else
    Latin-1, as :func:`decode_text` decodes a whole input): a line's text never depends on
    the bytes after it, so a longer read of the same input has the same first lines."""
    lines: list[str] = []
    for number, raw in enumerate(data.split(b"\n")[:-1]):
        try:
            text = (raw.removeprefix(_BOM) if number == 0 else raw).decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        lines.extend(split_lines(text))
    return lines


def detection_settled(head: bytes) -> bool:
    """Whether :func:`detect_format` of ``head`` decides what it would decide on more bytes of
    the same input: what a reader of a live pipe needs before it detects (and so decodes)
    anything."""
    if head.startswith(_UTF16_BOMS):
        return False  # a UTF-16 newline is two bytes: its lines are not counted here
    return head.count(b"\n") >= SNIFF_LINES or _settled(head) is not None


def _named_format(content: list[str]) -> str | None:
    """The format the first line naming its tool names, if any line does."""
    from iscsitgt_spt.codec.capture.splitter import prompt_of

    for line in content:
        if _IRPMON_ID().match(line):
            return "irpmon-text"
        if _IOCTLBF().match(line):
            return "ioctlbf"
        command = _WINDBG_COMMAND().match(prompt_of(line, debugger_only=True) or "")
        if command:
            return "windbg-" + command.group(1).lower()
    return None


def _detect_text(lines: list[str], content: list[str]) -> str:
    """The format of text that is not JSON: the dump and log readers' own classifiers."""
    from iscsitgt_spt.codec.capture.hextext import hex_line_bytes
    from iscsitgt_spt.codec.capture.splitter import iter_text_records

    named = _named_format(content)
    if named is not None:
        return named
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


def _sniffed_bytes(data: bytes) -> bytes:
    """The bytes of the first :data:`SNIFF_LINES` lines of ``data`` (all of it when it holds
    fewer, or is UTF-16, whose newline is two bytes).

    Detection reads no more: the same input gives the same format whether it is a file read
    64 KiB at a time or a live pipe read as it comes (``cli._input.read_head``), and what
    follows these lines is left to the reader of the format (a dump with a binary tail is
    text: the tail's lines are reported as unread, not the whole input taken as one buffer).
    """
    if data.startswith(_UTF16_BOMS):
        return data
    end = -1
    for _ in range(SNIFF_LINES):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data
    return data[: end + 1]


def detect_format(data: bytes) -> str:
    """The name of the format of ``data`` (see the module docstring for the precedence)."""
    if not data.strip():
        raise InputFormatError("empty input: no capture to read")
    if data.startswith(BINARY_MAGIC):
        return "irpmon-binary"
    data = data[: 1 << 20]
    settled = _settled(data)
    if settled is not None:
        return settled
    text = decode_text(_sniffed_bytes(data))
    if text is None:
        return "raw"
    return _detect_lines(split_lines(text)[:SNIFF_LINES])


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
    lines: Iterable[str], fmt: str | None = None, limit: int = MAX_RECORD_SIZE,
    *, detected: str | None = None,
) -> tuple[str, Iterator[RawRecord]]:
    """(format, records) of a line-based capture, streamed; ``fmt=None`` detects the format.

    A detected dump or text format is read block by block (the splitter); a named one by that
    tool's reader.  Bad records come out with ``error`` set; nothing is raised for them.  Only
    an unknown format name (or an undetectable input) raises :class:`InputFormatError`.
    ``detected`` is the format :func:`detect_format` found in the first bytes of the same
    input: read as detected, and the lines are not read ahead to detect it again (a live
    pipe's first records are not held back until its 200th line).
    """
    failed: list[Exception] = []
    iterator = until_error(lines, failed)
    reader = fmt
    if fmt is None:
        if detected is None:
            head = list(itertools.islice(iterator, SNIFF_LINES))
            if head and head[0].startswith("IRPMNLOG"):
                _refuse_binary()
            try:
                detected = _detect_lines([line.rstrip("\r\n") for line in head])
            except InputFormatError:
                if failed:  # (what ended the input first says why: not "empty input")
                    raise failed[0] from None
                raise
            iterator = itertools.chain(_handed_over(head), iterator)
        fmt = detected
        reader = "text" if fmt in TEXT_FORMATS else fmt
    _check_format(fmt, LINE_FORMATS)
    assert reader is not None
    return fmt, _then_raised(_line_reader(iterator, reader, limit), failed)


def _then_raised(records: Iterator[RawRecord], failed: list[Exception]) -> Iterator[RawRecord]:
    """``records``, then the error that ended their lines (:func:`until_error`), if one did."""
    yield from records
    if failed:
        raise failed[0]


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
    # Binary is refused where detection looks (a line after them that is not text is that
    # record's error, as when the capture is streamed), unless a line before it decided.
    text = _as_text(data)
    if text is None or (decode_text(_sniffed_bytes(data)) is None and _settled(data) is None):
        raise InputFormatError(f"input is binary, not {fmt} text (use format 'raw')")
    assert reader is not None
    records = list(_line_reader(split_lines(text.lstrip("\ufeff")), reader, limit))
    if not records:
        raise InputFormatError(f"no {fmt} records found in the input")
    if all(record.error is not None for record in records):
        raise InputFormatError(str(records[0].error))
    return CaptureReadResult(fmt, records)
