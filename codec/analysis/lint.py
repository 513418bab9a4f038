"""Lint a decoded buffer: what a miniport would reject, and what merely looks odd.

Decoding is lossless and accepts every byte pattern, so a capture with a wrong HeaderLength, a
win32 length in a win64 buffer or stack garbage in the padding decodes without complaint.  The
lint pass says what is wrong or unusual about such a buffer, one :class:`Finding` per
problem, each naming the member path and absolute byte offset so that the hex view can point
at it.

Every expected value is read from the layouts and the constants — ``sizeof(SRB_IO_CONTROL)``,
the SenseInfoOffset rule, the enumerations — never typed here.  :data:`RULES` lists every
finding code with its severity and explanation; the documentation is generated from it.  That
catalogue, with :class:`Finding` and the severity helpers, lives in
:mod:`iscsitgt_spt.codec.analysis.lint_rules` and is re-exported here.

Session cookies: ISCSITGT_SPT_SESSION_STOP, ISCSITGT_SPT_TMF and SCSI_PASS_THROUGH_AUXILIARY
refer to an existing session, so a zero cookie there is flagged (unless the caller passes
``expect_session=False``).  ISCSITGT_SPT_SESSION_START is where the session — and its handle —
comes into being; whether the caller or the miniport picks the handle is not published, so a
zero ITNexusHandle in a START request is *not* flagged.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis._lint.checks import wchar_issue
from iscsitgt_spt.codec.analysis._lint.run import (
    lint,
    lint_bytes,
    lint_cut,
    lint_cut_interpreted,
    lint_interpreted,
    lint_whole,
)
from iscsitgt_spt.codec.analysis.lint_rules import (
    RULES,
    Finding,
    RuleInfo,
    Severity,
    rule,
    summarize,
    worst,
)

__all__ = [
    "RULES",
    "Finding",
    "RuleInfo",
    "Severity",
    "lint",
    "lint_bytes",
    "lint_cut",
    "lint_cut_interpreted",
    "lint_interpreted",
    "lint_whole",
    "rule",
    "summarize",
    "wchar_issue",
    "worst",
]
