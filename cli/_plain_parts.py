"""``decode --jobs N`` of a JSON-Lines capture in a regular file: parts cut from its bytes.

The main process of ``--jobs N`` is the one reader and the one writer; whatever it does per
line, the workers wait for.  Cut from lines (``line_parts`` in
:mod:`iscsitgt_spt.cli._many`), a part costs it the text's decoding, an object and a look
per line (0.7-0.8 µs a line in all), and the part's pickling and piping.
Here it reads the file into one buffer, a window of
:data:`~iscsitgt_spt.cli._jobs.CHUNK_BYTES` at a time, and finds the line breaks of at most
:data:`~iscsitgt_spt.cli._jobs.CHUNK_RECORDS` lines with one C search each (no object, no
decoding); the part's bytes travel to its worker in its shared slot
(:class:`~iscsitgt_spt.cli._jobs.Carried`), never pickled.

A part so cut is numbered as if every line were a record and the ``\\n`` bytes its only line
breaks; the worker decodes it and checks that before it reports a record
(:func:`plain_lines`):

* every line begins with ``{``: every line is a record (no blank or ``#`` line, nothing
  before a record), so a record's index is its line number less one;
* as many lines as ``\\n`` bytes: no other line end (a lone ``\\r``;
  :func:`~iscsitgt_spt.codec.bounded.split_lines`), and a part's bytes
  decode alone as they decode within the file (it starts after a ``\\n``, where a UTF-8
  decoder holds nothing back; invalid bytes are replaced alike);
* every line is shorter than the window, and the reader's line bound at least the window:
  no line of a part is one the reader would stop at.

A part that is not so raises :class:`NotPlain` in its worker: the output stops before it
and its lines take over from its start (``emit_many``), with their own pool.  A window
that holds no whole line or does not begin with ``{`` (a long line, a comment line, the
last line without a line break) is seen here: the lines take over from the start of the
last part cut, which is held back until the next one is cut (:func:`plain_parts` says
where).  What the lines read is exactly what one reader reads from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from iscsitgt_spt.cli._jobs import CHUNK_BYTES, CHUNK_RECORDS, Carried
from iscsitgt_spt.codec.bounded import split_lines

__all__ = ["NotPlain", "plain_lines", "plain_parts"]

class NotPlain(Exception):
    """A part cut from bytes whose text is not what its bytes were taken for (raised by the
    worker, :func:`plain_lines`): the lines take over from the part's start (its byte
    offset, line number and record index)."""

    def __init__(self, offset: int, line: int, index: int) -> None:
        super().__init__(offset, line, index)
        self.offset, self.line, self.index = offset, line, index


def _cut(window: bytearray, have: int) -> tuple[int, int]:
    """Where the next part ends in ``window[:have]`` (after a ``\\n``; 0: nowhere) and its
    number of lines (at most :data:`CHUNK_RECORDS`): one C search per line, no object."""
    end = lines = 0
    find = window.find
    while lines < CHUNK_RECORDS:
        found = find(b"\n", end, have)
        if found < 0:
            break
        end, lines = found + 1, lines + 1
    return end, lines


def plain_parts(stream: BinaryIO, start: int, bound: int, rest: list[int]) -> Iterator[Carried]:
    """The parts of the file ``stream`` from byte ``start`` (past a byte order mark) that
    can be cut from bytes, each ``Carried((its byte offset, the number of its first line,
    the index of its first record, its number of lines), its bytes)``; where the lines must
    take over, ``rest`` is given ``[byte offset, line number, record index]`` (nothing when
    the parts reach the end of the file).  ``bound``: the reader's longest line."""
    readinto: Callable[[memoryview], int] = stream.readinto  # type: ignore[attr-defined]
    window = bytearray(CHUNK_BYTES)  # (one buffer, read into: no memory taken per read)
    view = memoryview(window)
    have, offset, line, end_of_file = 0, start, 1, False
    held: Carried | None = None  # the last part cut, given once the next one is
    stream.seek(start)
    try:
        while bound >= CHUNK_BYTES:
            while have < CHUNK_BYTES and not end_of_file:
                got = readinto(view[have:])
                have += got or 0
                end_of_file = not got
            end, lines = _cut(window, have) if have and window[0] == 0x7B else (0, 0)  # "{"
            if not end:
                break
            if held is not None:
                yield held
            # (every line a record, as the worker checks: a record's index is its line less 1)
            held = Carried((offset, line, line - 1, lines), bytes(view[:end]))
            view[:have - end] = view[end:have]
            have, offset, line = have - end, offset + end, line + lines
    finally:
        view.release()
    if held is not None and not have and end_of_file:
        yield held
    else:
        rest[:] = list(held.meta[:3]) if held is not None else [0, 1, 0]


def plain_lines(part: Carried) -> list[str]:
    """In a worker: the lines of a part cut from bytes, as the reader gives them; raises
    :class:`NotPlain` unless each is a record and their line breaks are its ``\\n`` bytes
    (see the module docstring)."""
    offset, line, index, count = part.meta
    lines = split_lines(str(part.data, "utf-8", "replace"), keepends=True)
    # Every line starts with "{": the least is not below "{", the greatest is below "|".
    if len(lines) != count or min(lines) < "{" or max(lines) >= "|":
        raise NotPlain(offset, line, index)
    return lines
