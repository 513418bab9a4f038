"""Where the suite's CPU goes (opt-in): ``pytest --cpu-report=cpu.json``.

The house keeps the whole suite under two CPU minutes (user + sys of pytest and every process it
starts).  A wall-clock ``--durations`` misleads on a shared machine, and it cannot see a test's
subprocesses at all; this plugin records, with ``getrusage``, the CPU of this process
(``RUSAGE_SELF``) and of the children it waited for (``RUSAGE_CHILDREN``, which includes their
own waited-for children) across each test's set-up, call and tear-down, and:

* per test file: the sum of its tests, how many
  processes its tests started through ``subprocess`` and how many of those were Python (each
  Python start-up costs about 0.1-0.3 s of CPU), and how many examples its Hypothesis tests ran;
* per fixture: how many times it was set up, and its set-up CPU (a fixture built in several
  modules, or per test, shows here);
* the collection (importing every test module, making the tests), as one number.

The terminal summary shows the largest; ``PATH`` gets every number as JSON.  Off unless asked
for: without the option nothing here is loaded.  CPU time is less sensitive to a busy machine
than wall time, but not immune (cores shared with other work run slower): compare runs made
under similar load, or count instructions (valgrind) for a single piece.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections import defaultdict
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CpuReport"]

#: A test's row: CPU of this process, CPU of children, processes started, Python ones,
#: Hypothesis examples run.
Row = list[float]
Wrapper = Generator[None, None, None]


def _cpu() -> tuple[float, float]:
    here = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return here.ru_utime + here.ru_stime, children.ru_utime + children.ru_stime


def _is_python(args: Any) -> bool:
    """Whether ``args`` (a Popen argument) starts a Python interpreter or our console script."""
    first = args if isinstance(args, (str, bytes, os.PathLike)) else next(iter(args), "")
    text = os.fsdecode(first).split()[0] if os.fsdecode(first).strip() else ""
    name = os.path.basename(text)
    return text == sys.executable or name.startswith("python") or name == "iscsitgt-spt"


class CpuReport:
    """The plugin object: registered by tests/conftest.py when ``--cpu-report`` is given."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, Row] = {}
        self.collection = 0.0
        self.fixtures: dict[tuple[str, str, str], Row] = defaultdict(lambda: [0, 0.0])
        self.current = "(outside any test)"
        self.start = _cpu()
        self._popen_init = subprocess.Popen.__init__

    def _row(self, nodeid: str) -> Row:
        return self.tests.setdefault(nodeid, [0.0, 0.0, 0, 0, 0])

    # -- processes started through subprocess (run, Popen, check_output ...) ----------------
    def pytest_configure(self) -> None:
        report, original = self, self._popen_init

        def counting_init(popen: subprocess.Popen[Any], args: Any, *rest: Any,
                          **options: Any) -> None:
            row = report._row(report.current)
            row[2] += 1
            row[3] += _is_python(args)
            original(popen, args, *rest, **options)

        subprocess.Popen.__init__ = counting_init  # type: ignore[method-assign]

    def pytest_unconfigure(self) -> None:
        subprocess.Popen.__init__ = self._popen_init  # type: ignore[method-assign]

    # -- collection: importing the test modules, making the tests -----------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection(self) -> Wrapper:
        before = sum(_cpu())
        yield
        self.collection = sum(_cpu()) - before

    # -- each test: set-up, call and tear-down -------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Wrapper:
        self.current = item.nodeid
        row = self._row(item.nodeid)
        handle = getattr(getattr(item, "obj", None), "hypothesis", None)
        inner = getattr(handle, "inner_test", None)
        if inner is not None:  # Hypothesis calls handle.inner_test once per example

            def counted(*args: Any, **kwargs: Any) -> Any:
                row[4] += 1
                return inner(*args, **kwargs)

            handle.inner_test = counted
        before = _cpu()
        try:
            yield
        finally:
            after = _cpu()
            row[0] += after[0] - before[0]
            row[1] += after[1] - before[1]
            if inner is not None:
                handle.inner_test = inner
            self.current = "(outside any test)"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Wrapper:
        before = sum(_cpu())
        yield
        row = self.fixtures[fixturedef.argname, fixturedef.scope, fixturedef.baseid]
        row[0] += 1
        row[1] += sum(_cpu()) - before

    # -- the report ----------------------------------------------------------------------------
    def files(self) -> dict[str, Row]:
        """Per test file: [CPU here, CPU of children, processes, Python ones, examples, tests]."""
        out: dict[str, Row] = {}
        for nodeid, row in self.tests.items():
            total = out.setdefault(nodeid.split("::")[0], [0.0, 0.0, 0, 0, 0, 0])
            for i, value in enumerate(row):
                total[i] += value
            total[5] += 1
        return out

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        end = _cpu()
        here, children = end[0] - self.start[0], end[1] - self.start[1]
        files = self.files()
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", "CPU by test file (--cpu-report)")
        write(f"session: {here:.1f} s here + {children:.1f} s in children; collection "
              f"{self.collection:.1f} s; "
              f"{sum(r[2] for r in files.values()):.0f} processes started "
              f"({sum(r[3] for r in files.values()):.0f} Python)")
        write(f"{'CPU s':>6} {'here':>6} {'child':>6} {'procs':>5} {'py':>4} {'examples':>8} "
              f"{'tests':>5}  file")
        for name, row in sorted(files.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:25]:
            write(f"{row[0] + row[1]:6.1f} {row[0]:6.1f} {row[1]:6.1f} {row[2]:5.0f} "
                  f"{row[3]:4.0f} {row[4]:8.0f} {row[5]:5.0f}  {name}")
        again = [(key, row) for key, row in self.fixtures.items()
                 if row[0] > 1 and key[1] != "function" and row[1] >= 0.05]
        for (name, scope, where), (count, cpu) in sorted(again, key=lambda kv: -kv[1][1]):
            write(f"fixture {name} ({scope}, {where or 'plugin'}): set up {count:.0f} "
                  f"times, {cpu:.1f} s")
        write(f"every test file, test and fixture: {self.path}")
        self.path.write_text(json.dumps({
            "session": {"here": here, "children": children},
            "files": files, "tests": self.tests, "collection": self.collection,
            "fixtures": [[*key, *row] for key, row in self.fixtures.items()],
        }, indent=1), encoding="utf-8")


def compare(before: Path, after: Path) -> list[str]:
    """CPU per test file of two reports, largest change first (``python tests/_cpu_report.py
    BEFORE.json AFTER.json``)."""
    old, new = (json.loads(p.read_text(encoding="utf-8"))["files"] for p in (before, after))
    cpu = {name: (sum(old.get(name, [0, 0])[:2]), sum(new.get(name, [0, 0])[:2]))
           for name in {*old, *new}}
    rows = sorted(cpu.items(), key=lambda kv: kv[1][1] - kv[1][0])
    lines = [f"{b:7.2f} {a:7.2f} {a - b:+7.2f}  {name}" for name, (b, a) in rows
             if abs(a - b) >= 0.05]
    total = [sum(v[i] for v in cpu.values()) for i in (0, 1)]
    return [*lines, f"{total[0]:7.2f} {total[1]:7.2f} {total[1] - total[0]:+7.2f}  (every file)"]


if __name__ == "__main__":
    print("\n".join(compare(Path(sys.argv[1]), Path(sys.argv[2]))))
