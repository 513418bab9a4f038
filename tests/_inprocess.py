"""``iscsitgt-spt ARGS`` run inside the test process: ``main(argv)`` with byte streams.

Starting ``python -m iscsitgt_spt`` costs a Python start-up and the package's imports (about
0.3 s of CPU each): most CLI tests check what a command prints and its exit status, which do
not depend on the process, and run here instead.  What *is* about the process stays a real
subprocess (``run_process``; tests/cli/conftest.py): ``PYTHONUNBUFFERED`` absent, signals,
broken pipes, ``/dev/full`` and other real file descriptors, terminals, the entry-point
script, exit at interpreter shutdown.

The run sees what a subprocess with pipes would see, and leaves nothing behind:

* standard input, output and error are fresh streams over bytes, none of them a terminal or a
  regular file (``fileno()`` raises, as a pipe gives no size either); ``sys.__stdout__`` and
  friends point at them for the run, so nothing falls through to pytest's own descriptors;
* ``env`` replaces the whole environment for the run, as ``subprocess.run(env=...)`` does,
  and ``cwd`` the working directory; both are restored afterwards, as are the streams and the
  SIGINT handler;
* ``SystemExit`` (argparse, ``--help``, ``--version``) becomes the exit status, as the
  interpreter would make it.  Any other exception is *not* caught: a traceback the user would
  have seen fails the test with the traceback itself.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import BinaryIO

__all__ = ["run_main"]

PROGRAM = "iscsitgt-spt"


class _Kept(io.BytesIO):
    """A byte buffer that outlives the text stream over it (which closes it when dropped)."""

    def close(self) -> None:
        pass


@contextlib.contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    if env is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _directory(cwd: str | os.PathLike[str] | None) -> Iterator[None]:
    if cwd is None:
        yield
        return
    saved = os.getcwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved)


_STREAMS = ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__")


@contextlib.contextmanager
def _streams(stdin: io.TextIOWrapper, stdout: io.TextIOWrapper,
             stderr: io.TextIOWrapper) -> Iterator[None]:
    saved = {name: getattr(sys, name) for name in _STREAMS}
    for name, stream in zip(_STREAMS, (stdin, stdout, stderr) * 2):
        setattr(sys, name, stream)
    handler = signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        for name, stream in saved.items():
            setattr(sys, name, stream)
        signal.signal(signal.SIGINT, handler)


def _exit_status(code: object, stderr: io.TextIOWrapper) -> int:
    """What the interpreter makes of ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


def run_main(*args: str, stdin: bytes | BinaryIO | None = b"",
             env: Mapping[str, str] | None = None,
             cwd: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``iscsitgt-spt ARGS`` in this process: its exit status, standard output and error.

    ``stdin`` is the bytes standard input holds (``None``: none, as ``/dev/null``), or a binary
    file opened for reading, which becomes standard input as it is (a regular file then).
    """
    from iscsitgt_spt.cli import main

    if stdin is None or isinstance(stdin, bytes):
        source: BinaryIO = io.BufferedReader(_Kept(stdin or b""))
    else:
        source = stdin
    out, err = _Kept(), _Kept()
    text_in: io.TextIOWrapper = io.TextIOWrapper(source, encoding="utf-8")
    text_out: io.TextIOWrapper = io.TextIOWrapper(out, encoding="utf-8")
    text_err: io.TextIOWrapper = io.TextIOWrapper(err, encoding="utf-8",
                                                  errors="backslashreplace")
    with _environment(env), _directory(cwd), _streams(text_in, text_out, text_err):
        try:
            status = main(list(args))
        except SystemExit as exc:
            status = _exit_status(exc.code, text_err)
        finally:
            for stream in (text_out, text_err):
                with contextlib.suppress(ValueError):  # (a command that closed it)
                    stream.flush()
    for stream in (text_in, text_out, text_err):
        with contextlib.suppress(ValueError):
            stream.detach()  # the caller's file stays open; the buffers stay readable
    return subprocess.CompletedProcess([PROGRAM, *args], status, out.getvalue(), err.getvalue())
