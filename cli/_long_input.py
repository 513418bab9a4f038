"""One raw buffer of any length, decoded from its leading bytes and streamed past them.

``decode`` of a raw binary file (or standard input) decodes one buffer, but the structure in
it is at most :func:`~iscsitgt_spt.codec.longbuffer.leading_size` bytes long: what follows is
trailing bytes, counted, dumped and written out, never interpreted.  So the buffer is not read
into memory: the codec gets a :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` (the leading
bytes, the true length, and a function reading the rest again in chunks), and memory stays
flat however long the input.

* An input that ends within the bytes read for format detection (64 KiB) is decoded whole,
  as it always was: that is a bounded size, and it saves working out the leading size.
* A regular file is read again where the rest starts, each time the rest is needed.
* A pipe cannot be read twice, and the report needs the total length (its first line, the
  ``size`` of the JSON document) before it shows any trailing byte: the rest is copied, a
  chunk at a time, into an anonymous temporary file (the *spool*), which is then read like a
  regular file.  Either way the record-size bound applies before anything is decoded: past
  it, the same error as for any reader.

:func:`print_json_with_hex` writes a JSON document that holds such bytes with their hex text
streamed in place of a placeholder, so the document stays one valid, unchanged JSON text.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any, BinaryIO

from iscsitgt_spt.codec.capture.records import RecordTooLarge
from iscsitgt_spt.codec.longbuffer import HexSplicer, LongBuffer, leading_size, stream_with_hex

__all__ = ["CHUNK", "print_json_with_hex", "read_long_raw"]

#: Bytes read (and dumped, and written as hex) at a time.
CHUNK = 1 << 18


def _regular_size(stream: BinaryIO) -> int | None:
    """The size of a regular, seekable file (``None`` for a pipe, a terminal, a device)."""
    try:
        info = os.fstat(stream.fileno())
        return info.st_size if stat.S_ISREG(info.st_mode) and stream.seekable() else None
    except (OSError, ValueError, AttributeError):
        return None


def _file_chunks(stream: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    """``length`` bytes of ``stream`` from ``start``, a chunk at a time (fewer if it ends).

    Each read seeks first: two readers of the same file may take turns.
    """
    position, end = start, start + length
    while position < end:
        stream.seek(position)
        chunk = stream.read(min(CHUNK, end - position))
        if not chunk:
            return
        position += len(chunk)
        yield chunk


def _too_large(limit: int) -> RecordTooLarge:
    # What the in-memory reader says: it reads one byte past the bound, then refuses.
    return RecordTooLarge(limit + 1, limit, "the binary input")


def read_long_raw(
    head: bytes, stream: BinaryIO, limit: int, stack: ExitStack
) -> bytes | LongBuffer:
    """The raw buffer that starts with ``head`` (already read from ``stream``, for format
    detection) and goes on in ``stream``: ``head`` itself when that is all of it (a bounded
    size, decoded whole as it always was), else a :class:`LongBuffer`.  The spool of a pipe
    is closed (and so deleted) by ``stack``.

    Raises :class:`RecordTooLarge` past ``limit`` bytes, having read at most ``limit`` + 1.
    """
    size = _regular_size(stream)
    start = stream.tell() - len(head) if size else 0
    # A size of 0 (a /proc file) or smaller than what was read says nothing: read it as a pipe.
    if size and size - start >= len(head):
        total = size - start
        if total > limit:
            raise _too_large(limit)
        if total == len(head):
            return head
        lead = leading_size()
        return LongBuffer(head[:lead], total,
                          lambda: _file_chunks(stream, start + lead, total - lead))
    if len(head) > limit:  # as the in-memory reader, which has read the head already
        raise RecordTooLarge(len(head), limit, "the binary input")
    first = stream.read(min(CHUNK, limit + 1 - len(head)))
    if not first:  # the whole input is in ``head``
        return head
    import tempfile  # only for a pipe longer than the head

    lead = leading_size()
    chunk = first
    while len(head) < lead:
        # A stream that reads short (an unbuffered one) may not have given the leading bytes
        # yet: they are held whole, what follows them is spooled.
        if not chunk:
            chunk = stream.read(min(CHUNK, limit + 1 - len(head)))
            if not chunk:
                return head  # it ended before the leading bytes: all of it is held
        head, chunk = head + chunk[: lead - len(head)], chunk[lead - len(head) :]
        if len(head) > limit:
            raise RecordTooLarge(len(head), limit, "the binary input")
    spool = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - the stack closes it
    spool.write(memoryview(head)[lead:])
    total = len(head)
    while chunk:
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        spool.write(chunk)
        chunk = stream.read(min(CHUNK, limit + 1 - total))
    spool.flush()
    kept = total - lead
    return LongBuffer(head[:lead], total, lambda: _file_chunks(spool, 0, kept))


def print_json_with_hex(make_doc: Callable[[HexSplicer], Any]) -> None:
    """Print the document ``make_doc`` builds as ``json.dumps(doc, indent=2,
    ensure_ascii=False)`` would, the hex text of its long buffers streamed in
    (:func:`~iscsitgt_spt.codec.longbuffer.stream_with_hex`)."""
    pieces = stream_with_hex(
        lambda splicer: json.dumps(make_doc(splicer), indent=2, ensure_ascii=False))
    sys.stdout.writelines(pieces)
    sys.stdout.write("\n")
