"""The one way the command line writes a file: nothing the user had is replaced by mistake.

:func:`open_output` is every file a command writes (``decode --html``, ``header -o``,
``export -o``, ``fuzz --out``, ``samples --out``), :func:`open_append` the recording of
``send --record``.  What is at the target path decides what happens, once, here:

* nothing, or a regular file (with no other hard link): the output is written to a new
  temporary name next to it, created exclusively (``O_EXCL``: a user's own ``X.partial`` is
  never touched), and renamed onto the target only once it is complete -- a failed or
  interrupted run leaves the old file as it was;
* ``-``, or a path that is this process's standard output (``/dev/stdout``): standard output;
* a character device or a FIFO (``/dev/null``, ``>(gzip > r.gz)``): written through as a
  stream, never replaced by a regular file;
* a file that is also the command's input (the same device and inode, whatever the path), a
  symbolic link to a regular file, a directory, a block device, a socket: refused with one
  line (exit status 2) before anything is written.

A write that fails (``ENOSPC``, ``EIO``) raises :class:`~iscsitgt_spt.cli._output.OutputError`
(one line, exit status 1) and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, TextIO

from iscsitgt_spt.cli._output import GuardedWriter, OutputError, one_line
from iscsitgt_spt.spec.errors import SptError

__all__ = ["check_path", "open_append", "open_output"]

#: An input: a path, or an open file descriptor (``0`` for standard input).
Source = str | int


def check_path(path: str, what: str) -> str:
    """``path`` as given, or a usage error (exit status 2) when it is empty or only spaces:
    an empty path is never taken to mean "here"."""
    if not isinstance(path, str) or not path.strip():
        raise SptError("an empty path names no file", path=what, actual=repr(path))
    return path


def _identity(source: Source) -> tuple[int, int] | None:
    try:
        info = os.fstat(source) if isinstance(source, int) else os.stat(source)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _refuse(path: str, what: str, reason: str) -> SptError:
    return SptError(f"will not write {one_line(path)}: {reason}", path=what)


def _is_input(info: os.stat_result, inputs: Iterable[Source]) -> bool:
    return any(_identity(source) == (info.st_dev, info.st_ino) for source in inputs)


def _kind(path: str, what: str, inputs: Iterable[Source]) -> tuple[str, os.stat_result | None]:
    """("new" | "replace" | "stdout" | "stream", what is there), or a refusal."""
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        return "new", None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _refuse(path, what, "it is a symbolic link to a missing file") from None
    if _is_input(info, inputs):
        raise _refuse(path, what, "it is the command's input")
    if _identity(1) == (info.st_dev, info.st_ino):
        return "stdout", info
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return "stream", info
    if stat.S_ISDIR(info.st_mode):
        raise _refuse(path, what, "it is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, what, "it is not a regular file (a block device or a socket)")
    if stat.S_ISLNK(link.st_mode):
        raise _refuse(path, what, f"it is a symbolic link to {one_line(os.path.realpath(path))}"
                      " (give that path to replace it)")
    if info.st_nlink > 1:
        raise _refuse(path, what, "it has other hard links, which would keep the old content")
    return "replace", info


def _wrap(buffered: GuardedWriter, binary: bool) -> IO[Any]:
    if binary:
        return buffered
    return io.TextIOWrapper(buffered, encoding="utf-8", newline="\n", errors="backslashreplace")


def _new_mode(info: os.stat_result | None) -> int:
    if info is not None:
        return stat.S_IMODE(info.st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def _replacing(path: str, info: os.stat_result | None, binary: bool) -> Iterator[IO[Any]]:
    """A temporary file next to ``path``, renamed onto it when the block ends well."""
    import tempfile  # (and shutil with it) only for a command that writes a file

    folder, name = os.path.split(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial",
                                         dir=folder or ".")
    except OSError as exc:
        raise OutputError(path, exc) from None
    out = _wrap(GuardedWriter(fd, target=path), binary)
    try:
        try:
            os.fchmod(fd, _new_mode(info))
        except OSError as exc:
            raise OutputError(path, exc) from None
        yield out
        try:
            out.flush()
            os.fsync(fd)
            out.close()
            os.replace(temporary, path)
        except OSError as exc:
            raise OutputError(path, exc) from None
    finally:
        if not out.closed:
            with contextlib.suppress(Exception):
                out.close()
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # gone after the rename; removed after a failure


@contextlib.contextmanager
def _stream(path: str, binary: bool) -> Iterator[IO[Any]]:
    """A device or a FIFO, written in place (never created, never truncated)."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise OutputError(path, exc) from None
    with _wrap(GuardedWriter(fd, target=path), binary) as out:
        yield out
        out.flush()


@contextlib.contextmanager
def open_output(path: str, what: str, *, binary: bool = False,
                inputs: Iterable[Source] = ()) -> Iterator[IO[Any]]:
    """The file ``path`` (option ``what``, for messages) to write, as the module says.

    ``inputs`` are what the command reads (paths, or ``0`` for standard input): a target that
    is one of them is refused.  Text is UTF-8 with ``\\n`` line ends.
    """
    check_path(path, what)
    sources = list(inputs)
    kind, info = ("stdout", None) if path == "-" else _kind(path, what, sources)
    if kind == "stdout":
        sys.stdout.flush()
        yield sys.stdout.buffer if binary else sys.stdout
        sys.stdout.flush()
        return
    with (_stream(path, binary) if kind == "stream" else _replacing(path, info, binary)) as out:
        yield out


def open_append(path: str, what: str, *, inputs: Iterable[Source] = ()) -> tuple[TextIO, int]:
    """(the file ``path`` opened to append text lines to, the bytes it held before).

    Opened with ``O_APPEND`` (several writers never overwrite each other's lines); a file
    whose last byte is not a line end gets one first, so that the first new line is not
    glued to an old one.  A file that is also the command's input is refused: it would read
    its own new lines for ever.
    """
    check_path(path, what)
    sources = list(inputs)
    with contextlib.suppress(FileNotFoundError):
        info = os.stat(path)
        if _is_input(info, sources):
            raise _refuse(path, what, "it is the command's input (it would read its own "
                          "records for ever)")
        if stat.S_ISDIR(info.st_mode):
            raise _refuse(path, what, "it is a directory")
        if stat.S_ISBLK(info.st_mode):
            raise _refuse(path, what, "it is a block device")
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError:
        try:  # a FIFO or a device opened for writing only
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(path, exc) from None
    out = io.TextIOWrapper(GuardedWriter(fd, target=path),
                           encoding="utf-8", newline="\n", errors="backslashreplace")
    size = _ends_a_line(fd, out)
    return out, size


def _ends_a_line(fd: int, out: IO[Any]) -> int:
    """The size of the regular file ``fd``, after writing a line end when it lacks one."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        return 0
    try:
        last = os.pread(fd, 1, info.st_size - 1)
    except OSError:
        return info.st_size
    if last not in (b"\n", b""):
        out.write("\n")
        out.flush()
    return info.st_size
