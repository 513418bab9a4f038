"""Buffer analysis: what a decoded buffer means, what is wrong with it, and how to show it.

Beside the codec core (which only turns bytes into values and back), this package answers the
questions a person asks of a captured buffer: which ABI profile was it laid out for
(:func:`detect_profile`), what would a miniport reject or find odd (:func:`lint`), what does a
whole capture record say (:func:`report_record`, streamed by :func:`report_json_lines`), and
how to show it (:func:`render_text`, :func:`render_hexdump`).  Sans-I/O like the rest of the
codec: values and text in and out.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis.detect_profile import (
    ProfileGuess,
    describe_profiles,
    detect_profile,
)
from iscsitgt_spt.codec.analysis.hexview import render_hexdump
from iscsitgt_spt.codec.analysis.lint import (
    RULES,
    Finding,
    RuleInfo,
    Severity,
    lint,
    lint_bytes,
    summarize,
    worst,
)
from iscsitgt_spt.codec.analysis.render import render_text
from iscsitgt_spt.codec.analysis.report import (
    BufferReport,
    Change,
    RecordReport,
    diff_values,
    report_record,
)
from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines, report_json_lines

__all__ = [
    "RULES",
    "BufferReport",
    "Change",
    "Finding",
    "ProfileGuess",
    "RecordReport",
    "RuleInfo",
    "Severity",
    "decode_jsonl_lines",
    "describe_profiles",
    "detect_profile",
    "diff_values",
    "lint",
    "lint_bytes",
    "render_hexdump",
    "render_text",
    "report_json_lines",
    "report_record",
    "summarize",
    "worst",
]
