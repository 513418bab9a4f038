"""The command line as a user runs it, two ways.

* ``cli`` (fixture) / ``run_here``: ``iscsitgt-spt ARGS`` inside the test process
  (tests/_inprocess.py): what a command prints and its exit status, without paying a Python
  start-up per call.
* ``run_cli``: ``python -m iscsitgt_spt ARGS`` in a subprocess, for what is about the process
  itself (start-up, worker processes, signals, real file descriptors).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

import pytest
from _inprocess import run_main

Cli = Callable[..., "subprocess.CompletedProcess[str]"]


def _as_text(result: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[str]:
    """stdout and stderr as text (undecodable bytes replaced)."""
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8", "replace"),
                                       result.stderr.decode("utf-8", "replace"))


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """Run ``iscsitgt-spt ARGS`` in a subprocess; stdout and stderr as text."""
    return _as_text(subprocess.run([sys.executable, "-m", "iscsitgt_spt", *args], input=stdin,
                                   capture_output=True, timeout=120))


def run_here(*args: str, stdin: bytes | BinaryIO | None = b"",
             env: Mapping[str, str] | None = None,
             cwd: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``iscsitgt-spt ARGS`` in this process; stdout and stderr as text."""
    return _as_text(run_main(*args, stdin=stdin, env=env, cwd=cwd))


@pytest.fixture
def cli() -> Cli:
    return run_here


def fuzz_corpus(path: Path, abi: str, cookie: str, n: int) -> Path:
    """``iscsitgt-spt fuzz --all --mode all -n N`` of one profile written to ``path``."""
    made = run_here("fuzz", "--all", "--mode", "all", "-n", str(n), "--abi", abi,
                    "--cookie", cookie, "-o", str(path))
    assert made.returncode == 0, made.stderr
    return path
