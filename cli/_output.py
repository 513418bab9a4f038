"""The one output layer of the command line: standard output and its failures.

Every command writes with plain ``sys.stdout.write``/``print``; what can go wrong with that is
settled here, once, instead of in each command (files are :mod:`iscsitgt_spt.cli._outfile`):

* **A write that fails** (``ENOSPC`` on ``> /dev/full``, ``EIO``) raises :class:`OutputError`
  from the write itself, and ``main`` flushes standard output inside its error handling
  (:func:`finish_output`), so a failure is one line on stderr and exit status 1 -- never
  dropped at exit, where Python would only print "Exception ignored".  Standard output is
  the real file descriptor 1 behind a buffer of our own, so this holds whether or not
  ``PYTHONUNBUFFERED`` is set.
* **A reader that went away** (``| head``, ``| true``): ``BrokenPipeError``, which ``main``
  ends quietly with status 0, as the POSIX tools do (:func:`drop_output`).
* **A closed stream** (``<&-``, ``>&-``, a service started without handles): Python then sets
  ``sys.stdin``/``sys.stdout``/``sys.stderr`` to ``None`` and the first use of it is an
  ``AttributeError``.  A closed standard input becomes a stream whose every read fails with
  ``OSError(EBADF, "standard input is closed")``, which the CLI reports as one line (exit 2);
  a closed standard output stops the command before it starts (one line, exit 2); a closed
  standard error becomes a sink, so that the exit code still says what happened.
* **Text that cannot be encoded**: a lone surrogate (``"\\ud800"``) from a file name in
  ``surrogateescape`` form, or any character the output encoding lacks, is written as a
  backslash escape (``\\ud800``) instead of raising ``UnicodeEncodeError`` or writing bytes
  that are not UTF-8.  Inside a JSON string that escape is the JSON escape of the same code
  point, so ``--json`` output stays valid JSON.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = [
    "GuardedWriter", "OutputError", "drop_output", "finish_output", "one_line", "prepare_streams",
    "stdout_bytes",
]


class OutputError(Exception):
    """Output that could not be written (exit status 1): ``str()`` is the one line to show."""

    def __init__(self, target: str, error: OSError) -> None:
        self.target = target
        self.error = error
        reason = error.strerror or str(error) or type(error).__name__
        super().__init__(f"cannot write {one_line(target)}: {reason}")


def one_line(text: str) -> str:
    """``text`` with its line breaks and other control characters escaped (``\\n``), so a
    message naming a file called ``"a\\nb"`` stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class _ClosedInput(io.RawIOBase):
    """Standard input that was closed before we started: every read says so."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise OSError(errno.EBADF, "standard input is closed")


class GuardedWriter(io.BufferedWriter):
    """A file descriptor written to through a buffer, whose failed writes say they are
    output failures (:class:`OutputError` naming ``target``).

    ``EPIPE`` stays a :class:`BrokenPipeError`: the reader (of standard output, of a FIFO)
    went away, which is no failure.

    The failures are translated here, above the buffer, and the file below it is the
    interpreter's own (C) :class:`io.FileIO`: a translating ``write`` of Python code below
    the buffer could be interrupted (Ctrl-C's ``KeyboardInterrupt``) after its system call
    had written the bytes and before it returned their count; the buffer, told nothing was
    written, then wrote them again at close (a recorded line twice).  Above the buffer, an
    interrupt after the buffer took the bytes leaves them taken, written once.
    """

    def __init__(self, fd: int, *, target: str, closefd: bool = True) -> None:
        super().__init__(io.FileIO(fd, "w", closefd=closefd))
        self.target = target

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(self.target, exc) from None

    def flush(self) -> None:
        # (close() flushes through this method too.)
        try:
            super().flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(self.target, exc) from None


_STDOUT = "standard output"


def _escape_unencodable(stream: object) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        # A stream that cannot be reconfigured any more is left as it is.
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


def _guard_stdout() -> None:
    """Put file descriptor 1 behind :class:`GuardedWriter` when ``sys.stdout`` is still the
    interpreter's own (a test's capture, or a caller's redirect, is left alone)."""
    stdout: Any = sys.stdout
    if stdout is None or id(stdout) != id(sys.__stdout__):
        return
    try:
        if stdout.fileno() != 1:
            return
        stdout.flush()
    except (AttributeError, ValueError, OSError):
        return
    tty = stdout.isatty()
    guarded = io.TextIOWrapper(GuardedWriter(1, target=_STDOUT, closefd=False),
                               encoding=stdout.encoding,
                               errors="backslashreplace", line_buffering=tty,
                               write_through=bool(getattr(stdout, "write_through", False)))
    sys.stdout = guarded


def prepare_streams() -> str | None:
    """Make ``sys.stdin/stdout/stderr`` safe to use; the reason the command cannot run, if any.

    Call once, before the command runs.  A non-``None`` result is a one-line message for
    standard error (which is then always usable), and the command should exit with status 2.
    """
    if sys.stderr is None:
        # Nowhere to say anything: messages go to the null device, the exit code still tells.
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    _escape_unencodable(sys.stderr)
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_ClosedInput()), encoding="utf-8")
    if sys.stdout is None:
        return "standard output is closed"
    _guard_stdout()
    _escape_unencodable(sys.stdout)
    return None


def finish_output() -> None:
    """Flush standard output now, inside the caller's error handling (not at exit)."""
    if sys.stdout is not None:  # closed (``>&-``): prepare_streams said so
        sys.stdout.flush()


def drop_output() -> None:
    """The reader of standard output went away: what is still buffered goes nowhere, so that
    the flush at exit neither fails nor prints "Exception ignored"."""
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def stdout_bytes() -> tuple[str, str, Callable[[Any], object]]:
    """(encoding, errors, write): how text encoded elsewhere (by ``--jobs`` workers) is
    written to standard output, through this layer, byte for byte as ``sys.stdout.write``
    would have written it.

    A UTF-8 standard output with a byte buffer behind it takes the bytes as they are, after
    what it holds is flushed (its own encoding and error handler: the same bytes).  Any other
    (a stateful encoding, a text-only stream) gets the text back: the bytes are then UTF-8
    that keeps every code point (``surrogatepass``) and are decoded before the write.
    """
    stream: Any = sys.stdout
    buffer = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None) or ""
    if buffer is not None and encoding and codecs.lookup(encoding).name == "utf-8":
        stream.flush()
        return "utf-8", getattr(stream, "errors", None) or "strict", buffer.write
    return "utf-8", "surrogatepass", lambda data: stream.write(str(data, "utf-8", "surrogatepass"))
