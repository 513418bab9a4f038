"""One captured request, fully explained: what ``decode`` prints for each record.

A :class:`RecordReport` holds, for a :class:`~iscsitgt_spt.codec.capture.records.RawRecord`:
the profile chosen (with the evidence, or the override), the decoded request and response
buffers (each with its lint findings, or the error that stopped it), what the driver changed
between them, and the decoded sense data when the response carries some.  A record that cannot
be decoded yields a report with an ``error``; it never raises, so one bad record in a capture
costs nothing but itself.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis._report.diff import (
    changed_slots,
    changes_text,
    diff_buffers,
    diff_values,
)
from iscsitgt_spt.codec.analysis._report.model import BufferReport, Change, RecordReport
from iscsitgt_spt.codec.analysis._report.record import (
    choose_profile,
    report_record,
    stated_structure,
)
from iscsitgt_spt.codec.analysis._report.sense import decode_sense_at, sense_of, sense_text_at
from iscsitgt_spt.codec.analysis._report.texts import (
    findings_text,
    guess_json,
    guess_text,
    head_json,
    head_text,
    line_head,
    record_head_text,
)

__all__ = [
    "BufferReport",
    "Change",
    "RecordReport",
    "changed_slots",
    "changes_text",
    "choose_profile",
    "decode_sense_at",
    "diff_buffers",
    "diff_values",
    "findings_text",
    "guess_json",
    "guess_text",
    "head_json",
    "head_text",
    "line_head",
    "record_head_text",
    "report_record",
    "sense_of",
    "sense_text_at",
    "stated_structure",
]
