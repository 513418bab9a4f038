"""Shared pytest configuration: the Hypothesis profiles, and what a plain run skipped.

``default`` keeps the regular suite fast on a small shared machine; ``long`` is for a
deliberate soak (``pytest --hypothesis-profile long``; the option comes from Hypothesis'
own pytest plugin, which loads the named profile after this file has registered it).

Without mingw-w64 the compiler-layout proofs skip (CI sets ISCSITGT_REQUIRE_COMPILERS and
fails instead); a skip shows only with ``-rs``, so the terminal summary says it in words,
with the command that installs the compilers.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")

# Every command a test runs in a subprocess sees what a user's shell gives it: no
# PYTHONUNBUFFERED (our machines export it, and it hid lost output: issue 24).  Tests that
# want it set it explicitly, in the environment they pass.
os.environ.pop("PYTHONUNBUFFERED", None)

#: The start of the skip reason of tests/spec/test_compiler_layout.py's ``tool()``.
COMPILER_SKIP = "compiler-layout proof: "


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reasons = [_skip_reason(r) for r in terminalreporter.stats.get("skipped", [])]
    proofs = [r for r in reasons if r.startswith(COMPILER_SKIP)]
    if not proofs:
        return
    install = proofs[0].rpartition("(install the compilers: ")[2].rstrip(")")
    terminalreporter.write_sep("=", "compiler-layout proofs not run", yellow=True)
    terminalreporter.write_line(
        f"{len(proofs)} compiler-layout proofs were skipped: mingw-w64 is not installed, so "
        "the layouts were not checked against a real compiler.")
    terminalreporter.write_line(f"Install the compilers with: {install}")
