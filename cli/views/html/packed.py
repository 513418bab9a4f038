"""Bytes as the page holds them when there are many: deflated, then 7 bits a character.

Hex is 2 characters a byte and base64 1.33; the report's page holds a long buffer in about 1.17
bytes a byte (random bytes; far less for the zeros and text real buffers hold), still streamed
a chunk at a time, so memory stays flat however long the buffer:

1. The bytes are deflated (zlib format; the page inflates them with the browser's
   ``DecompressionStream("deflate")``).  Incompressible bytes cost 5 bytes per 64 KiB.
2. Every 7 bytes of that become 8 characters: the low 7 bits of each byte, then one character
   holding the 7 high bits (bit *j* from byte *j*).  A last group of *k* < 7 bytes is *k* + 1
   characters.
3. A character is the 7-bit value itself, except the three values an HTML parser would not hand
   back unchanged inside a ``<script>`` element: NUL (read as U+FFFD), CR (read as LF) and
   ``<`` (could end the element).  Those are U+0080 plus the value (2 bytes in UTF-8; C1
   controls, which an HTML parser passes through as they are).  Every character is then
   below U+0100, so the browser holds the text as one byte a character.

The text goes in a ``<script type="application/x-iscsitgt-spt-bytes">`` element, which the
browser never runs; it needs no other escaping there.  The same form holds the page's records
(:class:`Packer`: one stream over the whole page, cut into elements between long buffers).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Final

__all__ = ["MEDIA_TYPE", "Packer", "pack_chunks"]

MEDIA_TYPE: Final = "application/x-iscsitgt-spt-bytes"

#: Values an HTML parser changes inside a script element, and what stands for them.
_ESCAPES: Final = {value: chr(0x80 + value).encode() for value in (0x00, 0x0D, 0x3C)}
_LOW: Final = bytes(b & 0x7F for b in range(256))
#: Per position j in a group of 7: a byte's high bit, moved to bit j.
_HIGH: Final = tuple(bytes((b >> 7) << j for b in range(256)) for j in range(7))
#: Deflated bytes packed per step: a multiple of 7, large enough that the per-step work is small.
_STEP: Final = 7 * 65536


def _pack(data: bytes) -> str:
    """Characters for ``data`` (its length a multiple of 7, or the last group of the stream).

    Byte-wise work done by C loops: ``translate`` for the bit masks, strided slices for the
    interleaving, and one big integer to OR the high bits of the 7 positions together.
    """
    groups = -(-len(data) // 7)
    high = 0
    for j in range(7):
        column = data[j::7].translate(_HIGH[j])
        high |= int.from_bytes(column, "little")
    low = data.translate(_LOW)
    out = bytearray(len(data) + groups)
    full = len(data) // 7
    for j in range(7):
        out[j:8 * full:8] = low[j:7 * full:7]
    out[7:8 * full:8] = high.to_bytes(groups, "little")[:full]
    if full < groups:  # the last, short group: its k low characters, then its high one
        tail = len(data) - 7 * full
        out[8 * full:8 * full + tail] = low[7 * full:]
        out[-1] = high.to_bytes(groups, "little")[-1]
    text = bytes(out)
    for value, escape in _ESCAPES.items():
        text = text.replace(bytes((value,)), escape)
    return text.decode("utf-8")


class Packer:
    """One deflate stream, packed as it is written; :meth:`cut` ends a piece of text that reads
    back on its own (a page may spread one stream over several elements, each unpacked alone
    and the bytes of all of them inflated as one stream)."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(6)
        self._pending = b""

    def write(self, chunk: bytes | memoryview) -> Iterator[str]:
        """Packed text of what the deflater gave so far, whole groups of 7 bytes only."""
        self._pending += self._deflate.compress(chunk)
        if len(self._pending) >= _STEP:
            cut = len(self._pending) - len(self._pending) % 7
            yield _pack(self._pending[:cut])
            self._pending = self._pending[cut:]

    def cut(self, *, last: bool = False) -> Iterator[str]:
        """The rest of the text so far (its last group may be short): a sync flush, or with
        ``last`` the end of the stream."""
        self._pending += self._deflate.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
        while self._pending:
            yield _pack(self._pending[:_STEP])
            self._pending = self._pending[_STEP:]


def pack_chunks(chunks: Iterable[bytes | memoryview]) -> Iterator[str]:
    """The packed text of the bytes ``chunks`` give, a piece at a time (see the module doc)."""
    packer = Packer()
    for chunk in chunks:
        yield from packer.write(chunk)
    yield from packer.cut(last=True)
