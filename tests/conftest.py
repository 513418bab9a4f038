"""Shared pytest configuration: the Hypothesis profiles, and what a plain run skipped.

``default`` keeps the regular suite fast on a small shared machine; ``long`` is for a
deliberate soak (``pytest --hypothesis-profile long``; the option comes from Hypothesis'
own pytest plugin, which loads the named profile after this file has registered it).

A test that needs an outside tool (mingw-w64, Node and the Kaitai Struct compiler, Chromium,
hexdump, ...) skips without it (tests/_tools.py; CI sets ISCSITGT_REQUIRE_TOOLS and fails
instead).  A skip shows only with ``-rs``, so the closing summary counts every skip and says
why, grouped by the tool that was missing, with the command that installs it.
"""

from __future__ import annotations

import re

import pytest
from _docs_site import DocsSite
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")

@pytest.fixture(scope="session")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> DocsSite:
    """The docs site, built once (``-W``: any warning fails it) for every test that reads it
    (tests/docs, the page-layout checks in a browser)."""
    pytest.importorskip("sphinx.cmd.build")
    root = tmp_path_factory.mktemp("docs")
    site = DocsSite(html=root / "html", doctrees=root / "doctrees")
    status, warnings, _ = site.build("html")
    assert status == 0, f"sphinx-build -W failed:\n{warnings}"
    return site

#: A skip reason written by tests/_tools.py: "needs WHAT (install: COMMAND)".
NEEDS = re.compile(r"^needs (?P<what>.*) \(install: (?P<install>[^()]*)\)$")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def skip_groups(reasons: list[str]) -> list[tuple[int, str, str]]:
    """(count, what, install or "") per group, largest first: the skips of a missing tool are
    grouped by the command that installs it (both mingw-w64 compilers are one group); any other
    skip by its reason, verbatim."""
    groups: dict[tuple[str, str], list[str]] = {}
    for reason in reasons:
        match = NEEDS.match(reason)
        key = ("needs", match["install"]) if match else ("other", reason)
        groups.setdefault(key, []).append(match["what"] if match else reason)
    rows = [(len(whats), ", ".join(dict.fromkeys(whats)), value if kind == "needs" else "")
            for (kind, value), whats in groups.items()]
    return sorted(rows, key=lambda row: (-row[0], row[1]))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reasons = [_skip_reason(r) for r in terminalreporter.stats.get("skipped", [])]
    if not reasons:
        return
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", f"{len(reasons)} skipped, by reason", yellow=True)
    for count, what, install in skip_groups(reasons):
        if install:
            write(f"{count:4} needs {what}")
            write(f"     install: {install}")
        else:
            write(f"{count:4} {what}")
    if any(NEEDS.match(r) for r in reasons):
        write("A test that needs a tool is a check that did not run here (without mingw-w64 the "
              "layouts were")
        write("not checked against a real compiler). .ci/run installs every tool and sets "
              "ISCSITGT_REQUIRE_TOOLS=1,")
        write("which turns these skips into failures.")
