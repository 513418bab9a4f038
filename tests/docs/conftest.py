"""One Sphinx build per builder and language per test session, shared by the docs tests.

``docs_build("html")`` is the full English site (``-W``); ``docs_build("html", "fr")`` and
``docs_build("html", "zh_TW")`` the translated sites, written next to it (``<base>/en``,
``<base>/fr``, ``<base>/zh_TW``) as the README's commands lay them out, so the language
switcher's links between them can be followed.  The translated builds leave out the API
reference (autodoc of the docstrings: English in every language, and most of a build's
time); everything else they build with warnings as errors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: What the translated test builds leave out (see the module docs).
WITHOUT_API = ["-D", "exclude_patterns=_build,structures/_*,api",
               "-D", "suppress_warnings=toc.not_readable"]

Build = Callable[..., Path]


@pytest.fixture(scope="session")
def docs_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``docs_build(builder, language="en")`` -> the output directory, built once."""
    sphinx_cmd = pytest.importorskip("sphinx.cmd.build")
    base = tmp_path_factory.mktemp("docs")
    done: dict[tuple[str, str], Path] = {}

    def build(builder: str, language: str = "en") -> Path:
        key = (builder, language)
        if key in done:
            return done[key]
        out = base / (language if builder == "html" else f"{builder}-{language}")
        warnings = base / f"warnings-{builder}-{language}.txt"
        options = ["-D", f"language={language}"] + (WITHOUT_API if language != "en" else [])
        if builder == "gettext":
            options = WITHOUT_API  # the catalogs' sources: every page but the API reference
        # Sphinx keeps its translators per process: a French build would otherwise leave its
        # catalogs in front of the next build's (theme strings included).
        from sphinx import locale

        locale.translators.clear()
        status = sphinx_cmd.build_main([
            "-q", *([] if builder == "gettext" else ["-W"]), "-b", builder,
            "-d", str(base / f"doctrees-{builder}-{language}"), "-w", str(warnings),
            *options, str(DOCS), str(out),
        ])
        text = warnings.read_text(encoding="utf-8") if warnings.exists() else ""
        assert status == 0, f"sphinx-build -b {builder} -D language={language} failed:\n{text}"
        done[key] = out
        return out

    return build
