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

import contextlib
import gc
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

# Bytecode is cached (PYTHONDONTWRITEBYTECODE dropped, below) *before* Hypothesis is first
# imported: pytest rewrites the asserts of every module of a package that registers a pytest
# plugin (Hypothesis does), and it caches the rewritten modules only while
# sys.dont_write_bytecode is false.  Importing Hypothesis first rewrote its ~75 modules from
# source in every run (about 2 s of CPU) on a machine that exports PYTHONDONTWRITEBYTECODE.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

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
# Nor PYTHONDONTWRITEBYTECODE (our machines export it too; dropped above, before the first
# import of Hypothesis): a user's Python caches bytecode in __pycache__ (gitignored), so a
# command's start-up and the suite's imports read compiled modules from the second run on, as
# they do for a user, instead of compiling every module again in every subprocess.  The same
# for this process: the modules the tests import, and pytest's rewritten test modules (and
# Hypothesis' own), are cached like any other.


# The cyclic garbage collector, tuned for a test run: the suite allocates a lot (Sphinx's
# doctrees, Hypothesis' examples) and keeps little, and with CPython's default thresholds
# (700, 10, 10) the collector's full passes over a heap of some 300,000 objects took a fifth
# of the docs tests' CPU.  Collections run less often (the docs tests' peak memory is about
# 10% higher), and what collection loaded (modules, test functions, parameters) is moved out
# of their way.
gc.set_threshold(20_000, 20, 20)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-report", metavar="PATH", default=None,
                     help="record the CPU of each test file, test and fixture (this process "
                          "and its children), the processes they start and the Hypothesis "
                          "examples they run; print the largest, write all to PATH as JSON "
                          "(tests/_cpu_report.py)")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--cpu-report")
    if path:  # opt-in: nothing of it is loaded otherwise
        from _cpu_report import CpuReport

        report = CpuReport(Path(path))
        config.pluginmanager.register(report, "cpu-report")
        report.pytest_configure()


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


def _no_terminal_size() -> None:
    """Neither COLUMNS nor LINES for the commands tests run: output compared byte for byte must
    not wrap to whatever width the person running pytest has.  GNU readline sets both in the C
    environment (not in ``os.environ``) when a module loads it while standard input is a
    terminal, and subprocesses inherit the C environment: so both are unset there too.  Tests
    about the width set COLUMNS themselves, in the environment they pass."""
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
        os.unsetenv(name)


_no_terminal_size()


@pytest.fixture(autouse=True)
def _terminal_size_unset() -> None:
    _no_terminal_size()  # again per test: readline may have been loaded by the one before

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: What the translated test builds leave out: the API reference (autodoc of the docstrings,
#: English in every language, and most of a build's time).
WITHOUT_API = ["-D", "exclude_patterns=_build,structures/_*,api",
               "-D", "suppress_warnings=toc.not_readable"]
#: What else the translated HTML builds leave out, which no test reads: the pages' reST
#: sources (``_sources``).  Their search index is left out too (``_no_search_index``).
TRANSLATED_HTML = ["-D", "html_copy_source=0"]

Build = Callable[..., Path]


@contextlib.contextmanager
def _no_search_index(active: bool) -> Iterator[None]:
    """While ``active``: HTML builds write no search index (nor search.html), and so run no
    stemmer over every page.  The tests read the translated sites' pages only, never their
    search (the English site keeps its own); Sphinx has no setting for this, the builder's
    ``search`` attribute is what HTML Help and similar builders switch off."""
    from sphinx.builders.html import StandaloneHTMLBuilder

    with pytest.MonkeyPatch.context() as patch:
        if active:
            patch.setattr(StandaloneHTMLBuilder, "search", False)
        yield


@contextlib.contextmanager
def _no_i18n_debug_text() -> Iterator[None]:
    """Sphinx's check of which nodes are translatable (``sphinx.util.nodes.is_translatable``,
    run on every node by the translated builds and by the gettext builder) writes no debug
    text.  For each node it skips it serialises the node to XML (``repr_domxml``) and makes a
    log record, both dropped by the log handlers (debug output shows at ``-vv`` only, never in
    these builds): about a sixth of a translated build, a third of the gettext build.  What
    the builds write is unchanged; Sphinx's function and logger level are restored after."""
    import logging

    from sphinx.util import nodes

    debug = logging.getLogger("sphinx." + nodes.__name__)  # the logger of Sphinx's adapter
    level = debug.level
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nodes, "repr_domxml", lambda node, length=80: "")
        debug.setLevel(logging.INFO)
        try:
            yield
        finally:
            debug.setLevel(level)


@pytest.fixture(scope="session")
def docs_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``docs_build(builder, language="en")`` -> the output directory, built once.

    One Sphinx build per builder and language per test session, shared by every test that
    reads the site (tests/docs, the page-layout checks in a browser in tests/export).  The
    translated builds leave out the API reference (see ``WITHOUT_API``).  Builders of one
    language share its environment (``-d``): the doctest build after the HTML build reads no
    page again."""
    sphinx_cmd = pytest.importorskip("sphinx.cmd.build")
    base = tmp_path_factory.mktemp("docs")
    done: dict[tuple[str, str], Path] = {}

    def build(builder: str, language: str = "en") -> Path:
        key = (builder, language)
        if key in done:
            return done[key]
        out = base / (language if builder == "html" else f"{builder}-{language}")
        warnings = base / f"warnings-{builder}-{language}.txt"
        translated = language != "en" and builder == "html"
        options = ["-D", f"language={language}"] + (WITHOUT_API if language != "en" else [])
        options += TRANSLATED_HTML if translated else []
        if builder == "gettext":
            options = WITHOUT_API  # the catalogs' sources: every page but the API reference
        # Sphinx keeps its translators per process: a French build would otherwise leave its
        # catalogs in front of the next build's (theme strings included).
        from sphinx import locale

        locale.translators.clear()
        with _no_search_index(translated), _no_i18n_debug_text():
            status = sphinx_cmd.build_main([
                "-q", *([] if builder == "gettext" else ["-W"]), "-b", builder,
                "-d", str(base / f"doctrees-{'gettext' if builder == 'gettext' else language}"),
                "-w", str(warnings),
                *options, str(DOCS), str(out),
            ])
        text = warnings.read_text(encoding="utf-8") if warnings.exists() else ""
        assert status == 0, f"sphinx-build -b {builder} -D language={language} failed:\n{text}"
        done[key] = out
        return out

    return build


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
