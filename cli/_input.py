"""The one way the command line opens and reads what it is given.

* :func:`open_source` is every input file (or ``-``, standard input): opened for reading
  only, never seeked unless it is a regular file (pipes, FIFOs and process substitutions
  ``<(...)`` are read straight through), and refused when it is also where standard output
  goes (``decode c.jsonl >> c.jsonl`` would read its own output for ever).
* :func:`read_bounded` is every read of a whole input: at most ``limit`` + 1 bytes are read,
  so an endless input (``/dev/zero``) or a huge one costs that much and ends with one line.
* :func:`read_head` is the first read of an input whose format is to be found, and
  :func:`read_some` every later read of a text input: a live pipe (a monitor, a debugger's
  log followed as it grows) is not waited on for more than detection needs, so its records
  are decoded as they come.
* Line inputs go through :func:`~iscsitgt_spt.codec.bounded.bounded_lines`.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import BinaryIO

from iscsitgt_spt.cli._outfile import check_path
from iscsitgt_spt.cli._output import one_line
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.errors import InputFormatError, SptError

__all__ = [
    "Source", "open_source", "read_bounded", "read_bounded_path", "read_head", "read_some",
    "regular_file",
]


@frozen
class Source:
    """An opened input: the stream; its size and read position when it is a regular file
    (``None`` for a pipe, a FIFO, a terminal, a device: they have neither)."""

    stream: BinaryIO
    size: int | None
    position: Callable[[], int] | None


def _regular(stream: BinaryIO) -> os.stat_result | None:
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def regular_file(stream: BinaryIO) -> bool:
    """Whether ``stream`` is a regular file that can be read again from any offset (``decode
    --jobs`` cuts a JSON-Lines capture from its bytes: :mod:`iscsitgt_spt.cli._plain_parts`)."""
    try:
        return _regular(stream) is not None and stream.seekable()
    except (OSError, ValueError):
        return False


def _refuse_own_output(info: os.stat_result | None, name: str) -> None:
    if info is None:
        return
    try:
        out = os.fstat(1)
    except OSError:
        return
    if stat.S_ISREG(out.st_mode) and (out.st_dev, out.st_ino) == (info.st_dev, info.st_ino):
        raise SptError(f"{one_line(name)} is also standard output: the command would read its "
                       "own output", path="input")


def open_source(path: str, stack: ExitStack, what: str = "FILE") -> Source:
    """The input ``path`` (``-``: standard input), closed by ``stack``."""
    if path == "-":
        stream: BinaryIO = sys.stdin.buffer
    else:
        check_path(path, what)
        stream = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - the stack closes it
    info = _regular(stream)
    _refuse_own_output(info, "standard input" if path == "-" else path)
    if info is None or not stream.seekable():
        return Source(stream, None, None)
    return Source(stream, info.st_size or None, stream.tell)


def read_some(stream: BinaryIO, most: int) -> bytes:
    """Up to ``most`` bytes of ``stream``: what one read gives (``b""`` only at the end).

    ``read(most)`` of a buffered pipe waits until ``most`` bytes have come or the writer has
    closed it; a reader of a live capture must take what has come.  A regular file gives the
    same bytes either way.
    """
    read = getattr(stream, "read1", None)
    return read(most) if read is not None else stream.read(most)


def read_head(stream: BinaryIO, most: int, enough: Callable[[bytes], bool]) -> bytes:
    """The first bytes of ``stream``: ``most`` of them, or all of it when shorter, or -- on an
    input that comes as it is written (a pipe, a terminal) -- fewer, once ``enough`` says
    the bytes read (at least four: a whole byte-order mark) are enough.

    ``enough`` is asked after each read that brought the end of a line (reads of a live
    input come as they were written: a hostile writer of one byte at a time costs one
    question per line, not per byte).
    """
    first = read_some(stream, most)
    if not first or len(first) >= most:
        return first
    head, ask = bytearray(first), True
    while len(head) < most:
        if ask and len(head) >= 4 and enough(bytes(head)):
            break
        more = read_some(stream, most - len(head))
        if not more:
            break
        ask = b"\n" in more or len(head) < 4
        head += more
    return bytes(head)


def read_bounded(stream: BinaryIO, limit: int, what: str) -> bytes:
    """All of ``stream``, which must hold at most ``limit`` bytes; never more is read."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputFormatError(f"longer than {limit} bytes (an endless input, or not what "
                               "was asked for)", path=what, expected=f"at most {limit} bytes")
    return data


def read_bounded_path(path: str, limit: int, what: str) -> bytes:
    """:func:`read_bounded` of the input ``path`` (``-``: standard input)."""
    with ExitStack() as stack:
        return read_bounded(open_source(path, stack, what).stream, limit, what)
