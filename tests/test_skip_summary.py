"""A plain ``pytest`` on a machine without the outside tools says in its summary why every
skipped test did not run, grouped by the missing tool, with the command that installs it.

The tests that need a tool skip when it is missing (tests/_tools.py; CI sets
ISCSITGT_REQUIRE_TOOLS and fails instead).  A skip is easy to miss, so tests/conftest.py
counts them all in the closing summary.  Run here on the test files of every kind of tool
(compilers and headers, hexdump, Node, Chromium) with a PATH that holds only the
interpreter's folder, the browser pointed at a path that does not exist and an empty npm
prefix — a bare machine, whatever this one has installed.  pytest's own ``-rs`` lines are the
independent account the summary is checked against.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["tests/spec/test_compiler_layout.py", "tests/cli/views/test_hexview.py",
         "tests/device/test_errors.py", "tests/export/test_kaitai.py",
         "tests/export/test_html_report.py"]
#: pytest's ``-rs`` line: "SKIPPED [3] tests/x.py:12: reason".
RS_LINE = re.compile(r"^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$")
GROUP_LINE = re.compile(r"^ +(\d+) (.*)$")
INSTALL_LINE = re.compile(r"^ +install: (.*)$")
NEEDS = re.compile(r"^needs (.*) \(install: ([^()]*)\)$")


def run_bare(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISCSITGT_")}
    env.update(PATH=str(Path(sys.executable).parent), ISCSITGT_KSC_DIR=str(tmp_path / "npm"),
               ISCSITGT_CHROMIUM=str(tmp_path / "no-chromium"),
               ISCSITGT_CHROMEDRIVER=str(tmp_path / "no-chromedriver"))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", *FILES], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def pytest_reasons(lines: list[str]) -> dict[str, int]:
    """Skip reason -> count, from pytest's own ``-rs`` lines (the independent account)."""
    by_pytest: dict[str, int] = {}
    for line in lines:
        if match := RS_LINE.match(line):
            by_pytest[match[2]] = by_pytest.get(match[2], 0) + int(match[1])
    return by_pytest


def summary_groups(lines: list[str]) -> dict[str, int]:
    """Group -> count, from our summary: "  28 needs WHAT" + "     install: COMMAND" (keyed
    "needs WHAT (install: COMMAND)"), or "  N reason"."""
    start = next(i for i, line in enumerate(lines) if "skipped, by reason" in line)
    groups: dict[str, int] = {}
    for line, after in zip(lines[start + 1:], lines[start + 2:]):
        if INSTALL_LINE.match(line):
            continue
        if not (group := GROUP_LINE.match(line)):
            break
        install = INSTALL_LINE.match(after)
        text = group[2] if install is None else f"{group[2]} (install: {install[1]})"
        groups[text] = int(group[1])
    return groups


def test_summary_explains_every_skip_by_its_missing_tool(tmp_path: Path) -> None:
    result = run_bare(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    lines = result.stdout.splitlines()
    by_pytest = pytest_reasons(lines)
    total = int(re.search(r"(\d+) skipped", lines[-1])[1])  # type: ignore[index]
    assert sum(by_pytest.values()) == total
    assert f"{total} skipped, by reason" in result.stdout
    groups = summary_groups(lines)
    assert sum(groups.values()) == total
    # Every reason pytest gave is in a group: a tool's skips under its install command (the
    # two mingw-w64 compilers are one group), any other reason verbatim.
    for reason, count in by_pytest.items():
        needs = NEEDS.match(reason)
        if needs is None:
            assert groups[reason] == count
            continue
        group = next(g for g in groups if g.endswith(f"(install: {needs[2]})"))
        assert needs[1] in group
    mingw = "(install: apt-get install gcc-mingw-w64-x86-64 gcc-mingw-w64-i686)"
    # Every compiler proof of both ABIs (28 when this test was written; more may come).
    assert sum(n for g, n in groups.items() if g.endswith(mingw)) >= 28
    for install in ("apt-get install bsdextrautils", "apt-get install nodejs npm",
                    "apt-get install chromium chromium-driver"):
        assert any(g.endswith(f"(install: {install})") for g in groups), install
