"""Opening a capture for ``decode`` (and ``demo``, ``fuzz --check``): the input's format,
detected from its first bytes or given, and its records, streamed.

A text format is read block by block from a bounded line reader (:func:`_text_lines`: UTF-8
or UTF-16, no line held past the bound), so several dumps in one file are several records and
memory stays flat; only a single binary buffer is read whole, and never past the record-size
limit.  With ``--jobs`` a JSON-Lines capture is handed over as its lines (cli/_many.py).
"""

from __future__ import annotations

import codecs
import io
import itertools
import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, BinaryIO

from iscsitgt_spt.cli._input import read_head, read_some, regular_file
from iscsitgt_spt.cli._long_input import read_long_raw
from iscsitgt_spt.codec.bounded import ended_lines, line_too_long, text_line_bound
from iscsitgt_spt.codec.capture.detect import (
    SNIFF_LINES,
    RawRecord,
    detect_format,
    detection_settled,
    open_capture_lines,
    read_capture,
)
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.spec.errors import InputFormatError, SptError

__all__ = ["MULTI_RECORD_FORMATS", "open_input", "open_records"]

#: Formats that usually hold many records: always reported record by record, streamed.
MULTI_RECORD_FORMATS = frozenset({"jsonl", "irpmon-text", "irpmon-json", "ioctlbf"})
_HEAD = 1 << 16

def _text_lines(head: bytes, stream: BinaryIO, bound: int, first_line: int = 1) -> Iterator[str]:
    """Lines of a text stream (UTF-8, or UTF-16 after its BOM, as PowerShell 5.1 saves)
    whose first bytes were already read for detection (the first of them line
    ``first_line`` of the input).

    No line is held past ``bound`` characters: a longer one ends the input with one error
    naming it (an endless line from ``/dev/zero`` or a pipe included).  Each read takes what
    has come (:func:`~iscsitgt_spt.cli._input.read_some`): the lines of a live pipe are given
    as they come, not once a megabyte has.
    """
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    # The start of a line that has not ended yet, in pieces: a line of many chunks (a JSON
    # array export on one line) is joined once, not re-copied and re-split per chunk.
    pending: list[str] = []
    held, lineno = 0, first_line - 1  # characters in ``pending``; lines given so far
    chunk = head
    carried = ""  # a "\r" that ended a read: the "\n" of its "\r\n" may come in the next
    while True:
        text = carried + decoder.decode(chunk, final=not chunk)
        carried = ""
        if chunk and text.endswith("\r"):
            text, carried = text[:-1], "\r"
        lines, tail = ended_lines(text)
        if lines or tail:
            if lines and pending:
                pending.append(lines[0])
                lines[0] = "".join(pending)
                pending, held = [], 0
            if tail:
                pending.append(tail)
                held += len(tail)
            lineno += len(lines)
            lines.reverse()
            while lines:  # a line taken is not held here: a long one is the reader's alone
                yield lines.pop()
            # (after the whole lines before it: which lines come before the error does not
            # depend on where a read happened to end)
            if held > bound:
                raise line_too_long(lineno + 1, bound, bound, "input")
        if not chunk:
            break
        chunk = read_some(stream, 1 << 20)
    if pending:
        yield _joined(pending)


def _joined(pieces: list[str]) -> str:
    """The pieces as one line, the list emptied: only the reader holds the line then."""
    line = "".join(pieces)
    pieces.clear()
    return line


def _read_bounded(head: bytes, stream: BinaryIO, most: int) -> bytes:
    """``head`` and what follows it in ``stream``, at most ``most`` bytes in all, held once.

    ``head + stream.read(n)`` would hold the input twice at its peak (the rest, then the
    joined copy).  A regular file is read again from the start in one read of the size it
    has (never of ``most``, a number the user chose: a read allocates what it asks for); a
    pipe goes into a BytesIO, which grows in place and hands its buffer over without a copy.
    """
    size = _size_of(stream)
    if size is not None and stream.seekable():
        start = stream.seek(-len(head), io.SEEK_CUR)
        return stream.read(min(most, max(size - start, 0) + 1))
    whole = io.BytesIO()
    whole.write(head)
    while whole.tell() < most:
        chunk = stream.read(min(_HEAD << 4, most - whole.tell()))
        if not chunk:
            break
        whole.write(chunk)
    return whole.getvalue()


def open_records(
    stream: BinaryIO, fmt: str = "auto", limit: int = MAX_RECORD_SIZE
) -> tuple[str, Iterator[RawRecord], bool]:
    """(format, records, multi) for a binary stream; every text format is streamed.

    A detected text format is read block by block (several dumps in one file are several
    records); only a single binary buffer is read whole, and never more than ``limit`` + 1
    bytes of it (:func:`open_input` does not hold it: ``decode`` reads through that).
    """
    head, detected = _detect(stream, fmt)
    if detected in ("raw", "irpmon-binary"):
        result = read_capture(_read_bounded(head, stream, limit + 1), detected, limit)
        return result.format, iter(result.records), False
    return _open_text(head, stream, fmt, detected, limit)


def open_input(
    stream: BinaryIO, fmt: str, limit: int, stack: ExitStack, jobs: int = 1,
) -> tuple[str, Iterator[RawRecord], bool, LongBuffer | None]:
    """:func:`open_records`, except that a raw buffer longer than the leading bytes is not
    read into memory: its one record comes with the :class:`LongBuffer` to decode instead of
    the record's bytes (see :mod:`iscsitgt_spt.cli._long_input`; ``stack`` closes its spool).
    """
    head, detected = _detect(stream, fmt)
    if detected == "raw":
        data = read_long_raw(head, stream, limit, stack)
        if isinstance(data, LongBuffer):
            record = RawRecord(index=0, data_in=bytes(data.head), data_out=None, ioctl=None,
                               source_format="raw", line=None, meta={"size": len(data)})
            return "raw", iter([record]), False, data
        result = read_capture(data, detected, limit)
        return result.format, iter(result.records), False, None
    if detected == "irpmon-binary":
        result = read_capture(_read_bounded(head, stream, limit + 1), detected, limit)
        return result.format, iter(result.records), False, None
    return (*_open_text(head, stream, fmt, detected, limit, jobs), None)


def _given(head: bytes) -> bool:
    return True


def _detect(stream: BinaryIO, fmt: str) -> tuple[bytes, str]:
    """(the first bytes, read for detection; the format given or detected)."""
    # A live pipe is waited on only until detection is settled (a given format needs none).
    head = read_head(stream, _HEAD, detection_settled if fmt == "auto" else _given)
    if not head:
        raise InputFormatError("the input is empty", path="input")
    return head, detect_format(head) if fmt == "auto" else fmt


def _open_text(
    head: bytes, stream: BinaryIO, fmt: str, detected: str, limit: int, jobs: int = 1,
) -> tuple[str, Iterator[RawRecord], bool]:
    lines = _text_lines(head, stream, text_line_bound(limit))
    # With workers, the lines format detection reads are kept: a JSON-Lines capture is then
    # handed over as its lines (cli/_many.py cuts them into parts for the workers).
    sniffed: list[str] = []
    if jobs > 1:
        try:
            for line in itertools.islice(lines, SNIFF_LINES):
                sniffed.append(line)
        except SptError as exc:  # (met where one reader meets it: after the lines before it)
            lines = _raising(exc)
    name, records = open_capture_lines(itertools.chain(sniffed, lines) if sniffed else lines,
                                       None if fmt == "auto" else fmt, limit,
                                       detected=detected if fmt == "auto" else None)
    if detected in MULTI_RECORD_FORMATS:
        if name == "jsonl" and jobs > 1:
            from iscsitgt_spt.cli._many import JsonLines

            return name, JsonLines(itertools.chain(_handed_over(sniffed), lines), limit,
                                   _byte_file(head, stream, limit)), True
        return name, records, True
    first = list(itertools.islice(records, 2))
    if not first:
        raise InputFormatError(f"no {name} records found in the input", path="input")
    if len(first) == 1 and first[0].error is not None:
        raise InputFormatError(str(first[0].error), path="input")
    return name, itertools.chain(first, records), len(first) > 1


def _byte_file(head: bytes, stream: BinaryIO, limit: int) -> Any:
    """A regular UTF-8 file, which ``--jobs`` cuts into parts from its bytes
    (:mod:`iscsitgt_spt.cli._plain_parts`): (the stream, the offset of its text, the lines
    from a byte offset (a line's start) numbered from a line number); ``None`` for another
    input."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or not regular_file(stream):
        return None
    bound = text_line_bound(limit)

    def lines_from(offset: int, first_line: int) -> Iterator[str]:
        stream.seek(offset)
        return _text_lines(read_some(stream, _HEAD), stream, bound, first_line)

    return stream, len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0, lines_from


def _raising(error: SptError) -> Iterator[str]:
    raise error
    yield  # (a generator: raises when its first line is asked for)


def _handed_over(lines: list[str]) -> Iterator[str]:
    """The lines, each let go by the list once taken (a line can be a whole export)."""
    lines.reverse()
    while lines:
        yield lines.pop()


def _size_of(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size or None
    except (OSError, io.UnsupportedOperation, AttributeError):
        return None
