"""The lines of a text input, read a chunk at a time, each line whole and no longer than a bound.

:class:`TextLines` gives the lines as strings (UTF-8, or UTF-16 after its BOM, as PowerShell
5.1 saves).  For ``decode --jobs N`` it can also give them as *pieces*
(:meth:`TextLines.pieces`): a run of whole lines in a chunk that is plain ASCII without a line
boundary other than ``\\n`` comes as the one ``bytes`` object it is in the input, which the
process that cuts the input into parts for the workers never decodes, splits or looks at line
by line (a worker gets the same lines from it: :func:`plain_lines`).  Every other line -- in
a chunk with a byte past ASCII or a ``\\r``, ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, in the first
chunk, or around a decoder that still holds bytes -- comes as the string the general reader
gives.  Either way the lines, their numbers and where a line too long stops the input are the
same, chunk for chunk.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from iscsitgt_spt.cli._input import read_some
from iscsitgt_spt.codec.bounded import line_too_long

__all__ = ["READ_BYTES", "TextLines", "plain_lines"]

#: Bytes asked for by each read after the first (a read takes what has come: see read_some).
READ_BYTES = 1 << 20

# The ASCII bytes other than "\n" that str.splitlines takes for a line boundary (looked for one
# by one: a search for each is a memchr, a regular expression's character class is not).
_OTHER_BREAKS = (b"\r", b"\v", b"\f", b"\x1c", b"\x1d", b"\x1e")


def plain_lines(piece: bytes) -> list[str]:
    """The lines of a plain piece, as the general reader gives them (ASCII: decoding cannot
    fail or replace; ``\\n`` is its only line boundary)."""
    return piece.decode("ascii").splitlines(keepends=True)


class TextLines(Iterator[str]):
    """The lines of a text stream whose first bytes ``head`` were already read for detection.

    No line is held past ``bound`` characters: a longer one ends the input with one error
    naming it (an endless line from ``/dev/zero`` or a pipe included), raised before the lines
    that ended in the same chunk are given.  Each read takes what has come
    (:func:`~iscsitgt_spt.cli._input.read_some`): the lines of a live pipe are given as they
    come, not once a megabyte has.
    """

    def __init__(self, head: bytes, stream: BinaryIO, bound: int) -> None:
        self.encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
        self.decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        self.stream, self.bound = stream, bound
        self.next_chunk: bytes | None = head
        # The start of a line that has not ended yet, in pieces: a line of many chunks (a JSON
        # array export on one line) is joined once, not re-copied and re-split per chunk.
        self.pending: list[str] = []
        self.held = self.lineno = 0  # characters in ``pending``; lines given so far
        self.carried = ""  # a "\r" that ended a read: the "\n" of its "\r\n" may come next
        self.ready: list[str] = []  # the lines of the last chunk not given yet, last first
        self.done = False

    def __next__(self) -> str:
        while not self.ready:
            if self.done:
                raise StopIteration
            self._general(self._read())
        return self.ready.pop()

    def pieces(self) -> Iterator[str | bytes]:
        """The lines to come, each a string, except runs of plain lines (see the module
        docstring), each a ``bytes`` object of whole lines, every one ending with ``\\n``."""
        while True:
            while self.ready:  # (a line taken is not held here: a long one is the reader's)
                yield self.ready.pop()
            if self.done:
                return
            chunk = self._read()
            if self._plain(chunk):
                yield from self._plain_pieces(chunk)
            else:
                self._general(chunk)

    def _read(self) -> bytes:
        chunk = self.next_chunk
        self.next_chunk = None
        return chunk if chunk is not None else read_some(self.stream, READ_BYTES)

    def _plain(self, chunk: bytes) -> bool:
        """Whether the general reader would give ``chunk``'s lines split at ``\\n`` alone:
        UTF-8 whose decoder holds no bytes and has seen its first (a BOM is past), no "\\r"
        carried, ASCII with no other line boundary."""
        return (bool(chunk) and self.encoding == "utf-8-sig" and not self.carried
                and self.decoder.getstate() == (b"", 0) and chunk.isascii()
                and not any(byte in chunk for byte in _OTHER_BREAKS))

    def _general(self, chunk: bytes) -> None:
        """A chunk's lines made ready (``b""``: the end of the input)."""
        text = self.carried + self.decoder.decode(chunk, final=not chunk)
        self.carried = ""
        if chunk and text.endswith("\r"):
            text, self.carried = text[:-1], "\r"
        lines = text.splitlines(keepends=True)
        if lines:
            # The last line is unfinished when it has no line boundary (splitlines' set).
            last = lines[-1]
            tail = lines.pop() if last.splitlines()[0] == last else None
            if lines and self.pending:
                self.pending.append(lines[0])
                lines[0] = _joined(self.pending)
                self.held = 0
            if tail is not None:
                self._hold(tail, len(lines))
            self.lineno += len(lines)
        if not chunk:
            self.done = True
            if self.pending:
                lines.append(_joined(self.pending))
        lines.reverse()
        self.ready = lines

    def _plain_pieces(self, chunk: bytes) -> list[str | bytes]:
        """What :meth:`_general` would make ready of a plain chunk, its whole lines after the
        first one (which may end a pending line) left in one piece."""
        end = chunk.rfind(b"\n") + 1  # 0: no line ends in this chunk
        count = chunk.count(b"\n", 0, end)
        out: list[str | bytes] = []
        if end:
            start = 0
            if self.pending:
                start = chunk.find(b"\n") + 1
                self.pending.append(chunk[:start].decode("ascii"))
                out.append(_joined(self.pending))
                self.held = 0
            if start < end:
                out.append(chunk if end == len(chunk) and not start else chunk[start:end])
        if end < len(chunk):
            self._hold(chunk[end:].decode("ascii"), count)
        self.lineno += count
        return out

    def _hold(self, tail: str, ended: int) -> None:
        """The unfinished last line of a chunk held, in which ``ended`` lines ended."""
        self.pending.append(tail)
        self.held += len(tail)
        if self.held > self.bound:
            self.done = True
            raise line_too_long(self.lineno + ended + 1, self.bound, self.bound, "input")


def _joined(pieces: list[str]) -> str:
    """The pieces as one line, the list emptied: only the reader holds the line then."""
    line = "".join(pieces)
    pieces.clear()
    return line
