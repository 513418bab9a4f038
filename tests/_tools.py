"""External tools a test runs, or why it cannot run: one rule for every test that needs one.

A test that checks our output against a real tool (gdb, hexyl, sg_decode_sense, node, ...)
asks for it here.  Locally a missing tool skips the test with a reason that names the tool and
the command that installs it; ``.ci/run`` installs every tool and sets
``ISCSITGT_REQUIRE_TOOLS=1``, and then a missing tool fails the test instead, so CI cannot pass
by skipping.  tests/conftest.py groups these skips by tool in pytest's closing summary.

Import it as ``from _tools import need_tool`` (pyproject puts ``tests/`` on pytest's path).
"""

from __future__ import annotations

import os
import shutil

import pytest

#: The start of every skip reason written here; the summary in tests/conftest.py keys on it.
SKIP_PREFIX = "needs "

#: Set by .ci/run after it has installed every tool.  The two older, narrower variables
#: (compilers only, export tools only) are still honoured, for one release, as the same switch.
REQUIRE_VARIABLES = ("ISCSITGT_REQUIRE_TOOLS", "ISCSITGT_REQUIRE_COMPILERS",
                     "ISCSITGT_REQUIRE_EXPORT_TOOLS")
REQUIRED = any(os.environ.get(name) for name in REQUIRE_VARIABLES)


def missing(what: str, install: str) -> None:
    """Skip (or, where the tools are required, fail) because ``what`` is not installed."""
    reason = f"{SKIP_PREFIX}{what} (install: {install})"
    if REQUIRED:
        pytest.fail(f"{reason}; ISCSITGT_REQUIRE_TOOLS is set", pytrace=False)
    pytest.skip(reason)


def need_tool(command: str, install: str) -> str:
    """The path of ``command`` on PATH; skip or fail (see ``missing``) when it is absent.

    ``install`` is the whole command that brings it, e.g. ``"apt-get install hexyl"``.
    """
    path = shutil.which(command)
    if path is None:
        missing(command, install)
    assert path is not None
    return path


def need_file(path: str | os.PathLike[str], what: str, install: str) -> str:
    """``path`` when it exists (a header, a browser binary, an npm package); otherwise skip or
    fail as ``missing`` does, naming ``what`` and the command that installs it."""
    if not os.path.exists(path):
        missing(what, install)
    return os.fspath(path)
