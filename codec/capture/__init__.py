"""Capture formats: from whatever a debugger, IRP monitor or fuzzer printed, to records.

Readers are sans-I/O (text or bytes in, :class:`RawRecord` out).  :func:`read_capture`
detects the format (or takes one of :data:`FORMATS`) and reads a whole input;
:func:`iter_capture_lines` / :func:`open_capture_lines` stream a line-based format in bounded
memory.  Detected text captures are read block by block by :func:`iter_text_records`
(dump rows of any unit and base, language byte literals, sessions with prompts and prose), and
every reader shares one record-size bound, :data:`MAX_RECORD_SIZE` by default.
:func:`read_text` reads a ``str`` (a notebook paste) into buffers with their line ranges.
The project's own JSON-Lines format is :mod:`iscsitgt_spt.codec.capture.jsonl`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iscsitgt_spt.codec._lazy import lazy_attributes

if TYPE_CHECKING:  # type checkers see the names; at run time they load on first use
    from iscsitgt_spt.codec.capture.detect import (
        FORMATS,
        LINE_FORMATS,
        CaptureReadResult,
        RawRecord,
        detect_format,
        iter_capture_lines,
        open_capture_lines,
        read_capture,
    )
    from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, parse_lines, record_to_line
    from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE, RecordTooLarge
    from iscsitgt_spt.codec.capture.splitter import iter_text_records, read_text

# Each public name and the module it lives in: importing the package imports none of them,
# so a command loads only the modules it uses.
_WHERE: dict[str, str] = {
    'FORMATS': 'iscsitgt_spt.codec.capture.detect',
    'LINE_FORMATS': 'iscsitgt_spt.codec.capture.detect',
    'CaptureReadResult': 'iscsitgt_spt.codec.capture.detect',
    'RawRecord': 'iscsitgt_spt.codec.capture.detect',
    'detect_format': 'iscsitgt_spt.codec.capture.detect',
    'iter_capture_lines': 'iscsitgt_spt.codec.capture.detect',
    'open_capture_lines': 'iscsitgt_spt.codec.capture.detect',
    'read_capture': 'iscsitgt_spt.codec.capture.detect',
    'CaptureRecord': 'iscsitgt_spt.codec.capture.jsonl',
    'parse_lines': 'iscsitgt_spt.codec.capture.jsonl',
    'record_to_line': 'iscsitgt_spt.codec.capture.jsonl',
    'MAX_RECORD_SIZE': 'iscsitgt_spt.codec.capture.records',
    'RecordTooLarge': 'iscsitgt_spt.codec.capture.records',
    'iter_text_records': 'iscsitgt_spt.codec.capture.splitter',
    'read_text': 'iscsitgt_spt.codec.capture.splitter',
}

__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = [
    "FORMATS",
    "LINE_FORMATS",
    "MAX_RECORD_SIZE",
    "CaptureReadResult",
    "CaptureRecord",
    "RawRecord",
    "RecordTooLarge",
    "detect_format",
    "iter_capture_lines",
    "iter_text_records",
    "open_capture_lines",
    "parse_lines",
    "read_capture",
    "read_text",
    "record_to_line",
]
