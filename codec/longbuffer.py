"""A buffer too long to hold: its leading bytes, its true length, and the rest on demand.

A raw capture can be megabytes long while the structure it holds is a few hundred bytes.
Decoding needs only the leading bytes — at most :func:`leading_size`, the largest structure
under any profile, taken from the spec — and everything past them is *trailing* (or
*payload*) bytes that are counted, dumped and written out, but never interpreted.  A
:class:`LongBuffer` is such a buffer: the leading bytes, held, the total length, and a
function the caller supplies that reads the bytes past the head again, in chunks, each time it
is called.  The codec never opens anything: the command line feeds the chunks from the file it
opened (or from a spool of a pipe), and memory stays flat however long the buffer.

It stands where the codec takes a buffer's bytes
(:func:`~iscsitgt_spt.codec.dispatch.decode_available`, the analysis functions) and gives
what they ask of one: ``len()`` (the true length), truthiness, a bounded slice, ``hex()``
(which builds the whole text: a writer that must not hold it streams :meth:`chunks` instead),
and :meth:`after`, the bytes past an offset as another :class:`LongBuffer` (the trailing bytes
of a decoded structure).  It deliberately has no ``__bytes__``: turning it into one ``bytes``
object would hold the buffer, so code that does has to say so (:meth:`tobytes`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from iscsitgt_spt.spec.errors import InputFormatError
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import DERIVED_CACHES, STRUCTURES, get_layout

__all__ = ["HexSplicer", "LongBuffer", "leading", "leading_size", "stream_with_hex"]

#: Reads the bytes past a buffer's head, in chunks, from the start each time it is called.
Rest = Callable[[], Iterable[bytes | memoryview]]


@functools.cache
def leading_size() -> int:
    """The most bytes decoding can read: the largest structure of the spec under any profile.

    Identification, profile detection, decoding and lint read nothing past the structure; the
    bytes after it only count (and are shown) as trailing bytes.
    """
    return max(get_layout(name, p).size for name in STRUCTURES for p in PROFILES)


DERIVED_CACHES.append(leading_size.cache_clear)


class LongBuffer:
    """The bytes of a buffer held only in part (see the module docstring).

    ``head`` is the buffer's first bytes: all of them, or at least :func:`leading_size`;
    ``length`` the buffer's true length; ``rest()`` gives the ``length - len(head)`` bytes
    that follow ``head``, in chunks of any size, afresh on every call.  A source that gives
    fewer or more bytes than that (a file that changed while it was read) is an
    :class:`~iscsitgt_spt.spec.errors.InputFormatError` when it is read.
    """

    __slots__ = ("_rest", "_skip", "head", "length")

    def __init__(self, head: bytes | memoryview, length: int, rest: Rest | None = None,
                 *, _skip: int = 0) -> None:
        if length < len(head) or (rest is None and length != len(head)):
            raise ValueError(f"{len(head)} leading bytes, {length} in all and no source "
                             "for the rest" if rest is None else
                             f"{len(head)} leading bytes cannot be more than {length} in all")
        self.head = head
        self.length = length
        self._rest = rest
        self._skip = _skip  # bytes of rest() that come before this view (see after())

    def __len__(self) -> int:
        return self.length

    def __bool__(self) -> bool:
        return self.length > 0

    def __repr__(self) -> str:
        return f"LongBuffer({len(self.head)} of {self.length} bytes held)"

    def chunks(self, start: int = 0) -> Iterator[bytes | memoryview]:
        """The bytes from offset ``start`` on, in chunks (never all at once)."""
        start = max(start, 0)
        if start < len(self.head):
            yield self.head[start:]
        wanted = self.length - len(self.head)
        if wanted <= 0 or start >= self.length:
            return
        skip = self._skip + max(start - len(self.head), 0)
        seen = 0  # bytes of rest() read so far, including those skipped
        assert self._rest is not None
        for chunk in self._rest():
            if not chunk:
                continue
            end = seen + len(chunk)
            if end > skip:
                first = max(skip - seen, 0)
                last = min(len(chunk), self._skip + wanted - seen)
                if last > first:
                    yield chunk[first:last] if (first, last) != (0, len(chunk)) else chunk
            seen = end
            if seen >= self._skip + wanted:
                return
        raise InputFormatError(
            f"the input changed while it was read: {self.length} bytes expected, "
            f"{self.length - (self._skip + wanted - seen)} read", path="input")

    def __getitem__(self, key: slice) -> bytes:
        """``buffer[a:b]`` as ``bytes`` would give it (no step): read from the chunks."""
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("a LongBuffer is read by contiguous slices only")
        start, stop, _ = key.indices(self.length)
        if stop <= len(self.head):
            return bytes(self.head[start:stop])
        out = bytearray()
        for chunk in self.chunks(start):
            out += chunk[: stop - start - len(out)]
            if len(out) >= stop - start:
                break
        return bytes(out)

    def after(self, offset: int) -> LongBuffer:
        """The bytes past ``offset``, still held only in part."""
        offset = min(max(offset, 0), self.length)
        if offset <= len(self.head):
            return LongBuffer(memoryview(self.head)[offset:], self.length - offset,
                              self._rest, _skip=self._skip)
        return LongBuffer(b"", self.length - offset, self._rest,
                          _skip=self._skip + offset - len(self.head))

    def iter_hex(self) -> Iterator[str]:
        """The hex text of every byte, a chunk at a time (joined, it is :meth:`hex`); no
        chunk's text is longer than 128 KiB, whatever the size of the head or of a chunk."""
        for chunk in self.chunks():
            view = memoryview(chunk)
            for start in range(0, len(view), _HEX_PIECE):
                yield view[start : start + _HEX_PIECE].hex()

    def hex(self) -> str:
        """The whole buffer as hex text: held whole (see :meth:`iter_hex`)."""
        return "".join(self.iter_hex())

    def tobytes(self) -> bytes:
        """The whole buffer as one ``bytes`` object: held whole."""
        return b"".join(self.chunks())


def leading(data: bytes | bytearray | memoryview | LongBuffer) -> bytes:
    """The bytes decoding reads of ``data``: all of a held buffer, the head of a long one.

    A long buffer's head must hold every byte decoding can read (:func:`leading_size`).
    """
    if not isinstance(data, LongBuffer):
        return bytes(data)
    if len(data.head) < min(data.length, leading_size()):
        raise ValueError(f"a LongBuffer to decode needs its first {leading_size()} bytes held, "
                         f"not {len(data.head)}")
    return bytes(data.head)


class HexSplicer:
    """Stands in for the hex text of long buffers while a text (a JSON document) is built.

    Called with a :class:`LongBuffer`, it returns a placeholder string to put where the
    buffer's hex text goes; :func:`stream_with_hex` then writes the text with each
    placeholder replaced by the buffer's hex, a chunk at a time.
    """

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.buffers: list[LongBuffer] = []

    def __call__(self, data: LongBuffer) -> str:
        self.buffers.append(data)
        return f"{self.marker}{len(self.buffers) - 1}"


_MARKER: Final = "iscsitgt-spt-long-buffer-hex-"
#: Bytes whose hex text :meth:`LongBuffer.iter_hex` gives at a time.
_HEX_PIECE: Final = 1 << 16


def stream_with_hex(make_text: Callable[[HexSplicer], str]) -> Iterator[str]:
    """The text ``make_text`` builds, in pieces, every long buffer's hex text streamed in.

    ``make_text`` puts the :class:`HexSplicer`'s placeholders, as JSON strings, where hex
    text goes (hex needs no escaping in JSON or HTML, so the result is the text that holding
    the hex would give).  A placeholder that also occurs as another string of the text (a
    capture can hold any string) would be ambiguous: the text is then built again with a
    longer marker, until every placeholder occurs exactly once.
    """
    marker = _MARKER
    while True:
        splicer = HexSplicer(marker)
        text = make_text(splicer)
        quoted = [f'"{marker}{index}"' for index in range(len(splicer.buffers))]
        places = [text.find(q) for q in quoted]
        if min(places, default=0) < 0:
            raise ValueError("a long buffer's placeholder is missing from the text")
        if all(text.count(q) == 1 for q in quoted):
            break
        marker += "~"  # the text holds a placeholder of its own: another marker
    start = 0
    for place, q, data in sorted(zip(places, quoted, splicer.buffers), key=lambda p: p[0]):
        yield text[start:place] + '"'
        yield from data.iter_hex()
        yield '"'
        start = place + len(q)
    yield text[start:]
