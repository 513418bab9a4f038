"""Directives with a bad argument are Sphinx errors at their line, not a crashed build (issue 24).

The expected form is Sphinx's own: ``FILE:LINE: ERROR: ...`` on stderr for each directive,
the build going on with the rest of the page.
"""

from __future__ import annotations

from pathlib import Path

from _sphinx import sphinx_build

PAGE = """Errors
======

.. spt-structure:: NOPE

.. spt-enum:: NOPE

.. spt-enum:: Profile

.. spt-fields:: NOPE

.. spt-fields:: ISCSITGT_SPT_TMF
"""


def test_bad_directive_arguments_are_errors_at_their_lines(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text('extensions = ["iscsitgt_spt.cli.sphinxext"]\n',
                                      encoding="utf-8")
    (tmp_path / "index.rst").write_text(PAGE, encoding="utf-8")
    run = sphinx_build("-q", "-b", "html", str(tmp_path), str(tmp_path / "_build"))
    assert run.returncode == 0, run.stderr  # errors reported, the build finished
    assert "Traceback" not in run.stderr and "Exception occurred" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if ": ERROR:" in line]
    lines = [int(line.split("index.rst:")[1].split(":")[0]) for line in errors]
    assert lines == [4, 6, 8, 10], run.stderr  # the lines of the four bad directives
    html = (tmp_path / "_build" / "index.html").read_text(encoding="utf-8")
    assert "ITNexusHandle" in html  # the good directive after them still rendered
