"""The project's Sphinx site as the tests see it: built once per session (tests/conftest.py's
``docs_site`` fixture), read by tests/docs and by the page-layout checks in a browser."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


@dataclass(frozen=True)
class DocsSite:
    """The project's Sphinx site, built once per test session."""

    html: Path  # the HTML build
    doctrees: Path  # its pickled environment: another builder reuses it instead of re-reading

    def build(self, builder: str) -> tuple[int, str, Path]:
        """(status, warnings, output folder) of ``sphinx-build -W -b builder`` on the same
        environment; every page was read once, by the HTML build."""
        from sphinx.cmd.build import build_main

        out = self.html.parent / builder
        warnings = self.html.parent / f"{builder}-warnings.txt"
        status = build_main(["-W", "-q", "-b", builder, "-d", str(self.doctrees),
                             "-w", str(warnings), str(DOCS), str(out)])
        return status, warnings.read_text(encoding="utf-8") if warnings.exists() else "", out
