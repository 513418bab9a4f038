"""Capture formats: from whatever a debugger, IRP monitor or fuzzer printed, to records.

Readers are sans-I/O (text or bytes in, :class:`RawRecord` out).  :func:`read_capture`
detects the format (or takes one of :data:`FORMATS`) and reads a whole input;
:func:`iter_capture_lines` / :func:`open_capture_lines` stream a line-based format in bounded
memory.  Detected text captures are read block by block by :func:`iter_text_records` (any
tool's dump rows, bytes written as text), and every reader shares one record-size bound,
:data:`MAX_RECORD_SIZE` by default.  The project's own
JSON-Lines format is :mod:`iscsitgt_spt.codec.capture.jsonl`.
"""

from __future__ import annotations

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
from iscsitgt_spt.codec.capture.splitter import iter_text_records

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
    "record_to_line",
]
