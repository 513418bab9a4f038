"""The sense data a pass-through buffer carries: where SenseInfoOffset/SenseInfoLength
point, else the SenseData member; decoded (or written as JSON text) by the sense decoder,
imported on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from iscsitgt_spt.codec.api import encode
from iscsitgt_spt.codec.dispatch import Decoded
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY

if TYPE_CHECKING:  # sense decoding is imported on first use: most buffers carry none
    from iscsitgt_spt.codec.sense.decoder import SenseInfo


_PASS_THROUGH = SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.c_name
_T = TypeVar("_T")


def sense_of(decoded: Decoded, raw: bytes | LongBuffer) -> SenseInfo | None:
    """The sense data a pass-through buffer carries, when it holds any.

    The sense buffer is where ``SenseInfoOffset``/``SenseInfoLength`` say (that is what the
    driver writes); a pointer outside the buffer falls back on the ``SenseData`` member.  In a
    :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` the pointer can lead past its head: the
    (at most SenseInfoLength) bytes there are read from its chunks.
    """
    value = decoded.value
    if value.name != _PASS_THROUGH:
        return None
    sptd = value["ScsiPassThroughDirect"]
    sense_data = value["SenseData"]
    assert isinstance(sptd, StructValue) and isinstance(sense_data, StructValue)
    return decode_sense_at(raw, sptd.SenseInfoOffset, sptd.SenseInfoLength,
                           lambda: encode(sense_data))


def decode_sense_at(
    raw: bytes | LongBuffer, start: int, length: int, sense_data: bytes | Callable[[], bytes]
) -> SenseInfo | None:
    """:func:`sense_of` once ``SenseInfoOffset``/``SenseInfoLength`` are read: the sense bytes
    they point at in ``raw``, else the ``SenseData`` member's bytes (or the function giving
    them), decoded (``None`` when they are all zero or are not sense data)."""
    return _sense_at(raw, start, length, sense_data, _sense_decoders()[0])


def sense_text_at(raw: bytes, start: int, length: int, sense_data: bytes) -> str | None:
    """``decode_sense_at(...)``'s JSON text (``to_json_text``), the usual fixed-format
    sense data written straight from its bytes."""
    sense = raw[start : start + length] if length else b""
    if len(sense) != length or not sense:
        sense = sense_data
    if not sense.strip(b"\0"):  # all zero: no sense data
        return None
    try:
        return (_SENSE_DECODER[0] if _SENSE_DECODER else _sense_decoders())[1](sense)
    except ParseError:
        return None


def _sense_at(
    raw: bytes | LongBuffer, start: int, length: int, sense_data: bytes | Callable[[], bytes],
    decode: Callable[[bytes], _T],
) -> _T | None:
    sense = _sense_bytes_at(raw, start, length, sense_data)
    if sense is None:
        return None
    try:
        return decode(sense)
    except ParseError:
        return None


def _sense_bytes_at(
    raw: bytes | LongBuffer, start: int, length: int, sense_data: bytes | Callable[[], bytes]
) -> bytes | None:
    """The sense bytes :func:`decode_sense_at` decodes, ``None`` when they are all zero."""
    sense = raw[start : start + length] if length else b""
    if len(sense) != length or not sense:
        sense = sense_data if type(sense_data) is bytes else sense_data()  # type: ignore[operator]
    return sense if any(sense) else None


# Sense decoding is imported on first use (most buffers carry no sense data), once: an import
# statement in decode_sense_at would cost a lookup per record.
_SENSE_DECODER: list[tuple[Callable[[bytes], SenseInfo], Callable[[bytes], str]]] = []


def _sense_decoders() -> tuple[Callable[[bytes], SenseInfo], Callable[[bytes], str]]:
    if not _SENSE_DECODER:
        from iscsitgt_spt.codec.sense.decoder import decode_sense, sense_json_text

        _SENSE_DECODER.append((decode_sense, sense_json_text))
    return _SENSE_DECODER[0]
