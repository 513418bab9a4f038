"""The one place the command line makes its standard streams safe, before any command runs.

Every command writes with plain ``sys.stdout.write``/``print``; what can go wrong with that is
settled here, once, instead of in each command:

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

Broken pipes are not handled here: the CLI's ``main`` treats them as the reader going away.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys

__all__ = ["prepare_streams"]


class _ClosedInput(io.RawIOBase):
    """Standard input that was closed before we started: every read says so."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise OSError(errno.EBADF, "standard input is closed")


def _escape_unencodable(stream: object) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        # A stream that cannot be reconfigured any more is left as it is.
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


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
    _escape_unencodable(sys.stdout)
    return None
