"""The command line as a script runs it: ``python -m iscsitgt_spt`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

Cli = Callable[..., "subprocess.CompletedProcess[str]"]


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """Run ``iscsitgt-spt ARGS``; stdout and stderr as text (undecodable bytes replaced)."""
    result = subprocess.run([sys.executable, "-m", "iscsitgt_spt", *args], input=stdin,
                            capture_output=True, timeout=120)
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8", "replace"),
                                       result.stderr.decode("utf-8", "replace"))


@pytest.fixture
def cli() -> Cli:
    return run_cli
