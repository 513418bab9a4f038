"""``sphinx-build ARGS`` in this process, as a subprocess would report it.

A small project's build costs less than starting Python and importing Sphinx again; Sphinx's
own ``build_main`` is what the ``sphinx-build`` script runs.  Standard output and error are
captured, and the translators Sphinx keeps per process are cleared first (a translated build
run before would otherwise answer for this one's messages).

Import it as ``from _sphinx import sphinx_build`` (pyproject puts ``tests/`` on pytest's path).
"""

from __future__ import annotations

import contextlib
import io
import subprocess

__all__ = ["sphinx_build"]


def sphinx_build(*args: str) -> subprocess.CompletedProcess[str]:
    """The exit status and the text of standard output and error of ``sphinx-build ARGS``."""
    from sphinx import locale
    from sphinx.cmd.build import build_main

    locale.translators.clear()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = build_main(list(args))
    return subprocess.CompletedProcess(["sphinx-build", *args], status, out.getvalue(),
                                       err.getvalue())
