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

#: Set by .ci/run after it has installed every tool.
REQUIRED = bool(os.environ.get("ISCSITGT_REQUIRE_TOOLS"))


def missing(what: str, install: str) -> None:
    """Skip (or, where the tools are required, fail) because ``what`` is not installed."""
    reason = f"{SKIP_PREFIX}{what} (install: {install})"
    if REQUIRED:
        pytest.fail(f"{reason}; ISCSITGT_REQUIRE_TOOLS is set")
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
