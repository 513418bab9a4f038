"""How the records a command decoded become its exit status.

The contract (see the package docstring): findings are output, not failure.  A run whose
every record decoded exits 0 whatever its findings; a record that could not be decoded makes
it exit 1; ``--fail-on LEVEL`` makes findings of that severity or worse exit 1 too, for
gating in CI.  One line on stderr says why a run exits 1, so a script's log explains itself.
"""

from __future__ import annotations

import argparse
from typing import get_args

from iscsitgt_spt.cli import EXIT_FAILED, EXIT_OK
from iscsitgt_spt.codec.analysis.lint import Finding, Severity
from iscsitgt_spt.codec.analysis.report import RecordReport

__all__ = ["FAIL_ON_LEVELS", "Verdict", "add_fail_on_option"]

#: The severities, most severe first (the order the lint catalogue declares them in).
FAIL_ON_LEVELS: tuple[str, ...] = get_args(Severity)


def add_fail_on_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on", choices=FAIL_ON_LEVELS, metavar="LEVEL",
        help="exit 1 when a finding of LEVEL or worse is found: "
        + ", ".join(FAIL_ON_LEVELS) + " (default: findings never change the exit status)",
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


class Verdict:
    """Counts, record by record, what decides the exit status of a decoding run."""

    def __init__(self, fail_on: str | None = None) -> None:
        if fail_on is not None and fail_on not in FAIL_ON_LEVELS:
            raise ValueError(f"fail_on must be one of {FAIL_ON_LEVELS}, not {fail_on!r}")
        # Severities at or above the threshold: "warning" gates on errors and warnings.
        self._gating = (frozenset(FAIL_ON_LEVELS[: FAIL_ON_LEVELS.index(fail_on) + 1])
                        if fail_on is not None else frozenset())
        self.fail_on = fail_on
        self.records = 0
        self.undecoded = 0
        self.gated = 0

    def add(self, report: RecordReport) -> None:
        self.add_outcome(report.undecoded, report.findings)

    def add_outcome(self, undecoded: bool, findings: tuple[Finding, ...]) -> None:
        """Count a record by what its report said (a worker process sends only this)."""
        if undecoded:
            self.undecoded += 1
        self.add_decoded(findings)

    def add_decoded(self, findings: tuple[Finding, ...]) -> None:
        """Count a record with these findings; on its own, a record decoded whole (a bulk
        line)."""
        self.records += 1
        if findings and any(f.severity in self._gating for f in findings):  # (most: none)
            self.gated += 1

    def counts(self) -> tuple[int, int, int]:
        """(records, undecoded, gated): what a worker process sends back for its part."""
        return self.records, self.undecoded, self.gated

    def add_counts(self, counts: tuple[int, int, int]) -> None:
        """Count the records another Verdict (a worker's, with the same ``fail_on``) counted."""
        self.records += counts[0]
        self.undecoded += counts[1]
        self.gated += counts[2]

    def exit_code(self, *, undecoded_fails: bool = True) -> int:
        """1 for an undecoded record (unless ``undecoded_fails`` is off) or a gated finding."""
        failed = (undecoded_fails and self.undecoded) or self.gated
        return EXIT_FAILED if failed else EXIT_OK

    def reasons(self, *, undecoded_fails: bool = True) -> str | None:
        """Why :meth:`exit_code` is 1, as one line (``None`` when it is 0)."""
        parts = []
        if undecoded_fails and self.undecoded:
            parts.append(f"{self.undecoded} of {_plural(self.records, 'record')} could not "
                         "be decoded")
        if self.gated:
            parts.append(f"{_plural(self.gated, 'record')} with findings at or above "
                         f"{self.fail_on} (--fail-on {self.fail_on})")
        return "; ".join(parts) if parts else None
