"""Buffer analysis: what a decoded buffer means and what is wrong with it.

Beside the codec core (which only turns bytes into values and back), this package answers the
questions a person asks of a captured buffer: which ABI profile was it laid out for
(:func:`detect_profile`), what would a miniport reject or find odd (:func:`lint`) and what
does a whole capture record say (:func:`report_record`, streamed by
:func:`report_json_lines`).  Showing it to a person (the text tree, the hex view, the HTML
report) is a front end's job: :mod:`iscsitgt_spt.cli.views`.  Sans-I/O like the rest of the
codec: values and text in and out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iscsitgt_spt.codec._lazy import lazy_attributes

# ``detect_profile`` and ``lint`` name both a function and its module, and importing a
# submodule binds the module's name on the package, which would hide the function from the
# lazy look-up below; so these two are bound now (everything here uses them anyway).
from iscsitgt_spt.codec.analysis.detect_profile import detect_profile
from iscsitgt_spt.codec.analysis.lint import lint

if TYPE_CHECKING:  # type checkers see the names; at run time they load on first use
    from iscsitgt_spt.codec.analysis.bulk import bulk_json_line
    from iscsitgt_spt.codec.analysis.detect_profile import (
        ProfileGuess,
        describe_profiles,
        detect_profile,
    )
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
    from iscsitgt_spt.codec.analysis.report import (
        BufferReport,
        Change,
        RecordReport,
        diff_values,
        report_record,
    )
    from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines, report_json_lines

# Each public name and the module it lives in: importing the package imports none of them,
# so a command loads only the modules it uses.
_WHERE: dict[str, str] = {
    'ProfileGuess': 'iscsitgt_spt.codec.analysis.detect_profile',
    'describe_profiles': 'iscsitgt_spt.codec.analysis.detect_profile',
    'bulk_json_line': 'iscsitgt_spt.codec.analysis.bulk',
    'RULES': 'iscsitgt_spt.codec.analysis.lint',
    'Finding': 'iscsitgt_spt.codec.analysis.lint',
    'RuleInfo': 'iscsitgt_spt.codec.analysis.lint',
    'Severity': 'iscsitgt_spt.codec.analysis.lint',
    'lint_bytes': 'iscsitgt_spt.codec.analysis.lint',
    'summarize': 'iscsitgt_spt.codec.analysis.lint',
    'worst': 'iscsitgt_spt.codec.analysis.lint',
    'BufferReport': 'iscsitgt_spt.codec.analysis.report',
    'Change': 'iscsitgt_spt.codec.analysis.report',
    'RecordReport': 'iscsitgt_spt.codec.analysis.report',
    'diff_values': 'iscsitgt_spt.codec.analysis.report',
    'report_record': 'iscsitgt_spt.codec.analysis.report',
    'decode_jsonl_lines': 'iscsitgt_spt.codec.analysis.stream',
    'report_json_lines': 'iscsitgt_spt.codec.analysis.stream',
}

__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = [
    "RULES",
    "BufferReport",
    "Change",
    "Finding",
    "ProfileGuess",
    "RecordReport",
    "RuleInfo",
    "Severity",
    "bulk_json_line",
    "decode_jsonl_lines",
    "describe_profiles",
    "detect_profile",
    "diff_values",
    "lint",
    "lint_bytes",
    "report_json_lines",
    "report_record",
    "summarize",
    "worst",
]
