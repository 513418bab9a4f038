"""Capture formats: from whatever a debugger, IRP monitor or fuzzer printed, to records.

Readers are sans-I/O (text or bytes in, :class:`RawRecord` out).  :func:`read_capture`
detects the format (or takes one of :data:`FORMATS`) and reads a whole input;
:func:`iter_capture_lines` streams a line-based format in bounded memory.  The project's own
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
    read_capture,
)
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, parse_lines, record_to_line

__all__ = [
    "FORMATS",
    "LINE_FORMATS",
    "CaptureReadResult",
    "CaptureRecord",
    "RawRecord",
    "detect_format",
    "iter_capture_lines",
    "parse_lines",
    "read_capture",
    "record_to_line",
]
