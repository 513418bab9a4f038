"""Descriptor-format sense data (SPC-4 §4.5.2) and the sense-key-specific bytes.

Split out of :mod:`iscsitgt_spt.codec.sense.decoder` to keep each module to one concern: that module
reads the sense buffer's header and decides its layout; this one holds the value classes for
what the buffer carries beyond the header — the sense data descriptors of the descriptor
format (72h/73h: information, command specific, sense key specific, FRU, stream commands,
block commands, another progress indication, and any other type kept as raw bytes) and the
sense-key-specific field (fixed bytes 15-17, descriptor 02h bytes 4-6, SPC-4 §4.5.2.4) that
both layouts share — and how to decode each from its bytes.  Everything public here is
re-exported by :mod:`iscsitgt_spt.codec.sense.decoder`, which callers should keep importing from.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import ClassVar

from iscsitgt_spt.spec.constants import SenseKey

__all__ = [
    "ActualRetryCount", "AnotherProgressDescriptor", "BlockCommandsDescriptor",
    "CommandSpecificDescriptor", "FieldPointer", "FruDescriptor", "InformationDescriptor",
    "OpaqueSenseKeySpecific", "ProgressIndication", "RawDescriptor", "SegmentPointer",
    "SenseDescriptor", "SenseKeySpecific", "SenseKeySpecificDescriptor",
    "StreamCommandsDescriptor", "UnitAttentionQueue",
]


_PLAIN = (int, bool, str, type(None))


def _to_json(value: object) -> object:
    if type(value) in _PLAIN:  # most fields: no conversion (exact types, so no IntEnum)
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, enum.IntEnum):
        return int(value)
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, _Jsonable):
        return value.to_dict()
    return value


#: The dataclass field names of each class, read once (``dataclasses.fields`` per call is slow).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class _Jsonable:
    """Mixin: ``to_dict()`` over the dataclass fields, led by a ``kind`` tag."""

    kind: ClassVar[str] = ""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind} if self.kind else {}
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(
                f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]
        fields = self.__dict__  # frozen dataclasses keep their fields there
        for name in names:
            value = fields[name]
            out[name] = value if type(value) in _PLAIN else _to_json(value)
        return out


def _percent_text(progress: int) -> str:
    # sg3_utils' integer arithmetic, so 4000h prints "25.00%" exactly as sg_decode_sense does.
    return f"{progress * 100 // 65536}.{(progress * 100) % 65536 // 656:02d}%"


# --- sense-key specific information (fixed bytes 15-17, descriptor 02h bytes 4-6) -----------
@dataclass(frozen=True)
class SenseKeySpecific(_Jsonable):
    """Three sense-key-specific bytes; subclasses interpret them per sense key (SPC)."""

    sksv: bool
    raw: bytes

    def describe(self) -> str:
        return f"0x{self.raw.hex()} (no layout defined for this sense key)"


@dataclass(frozen=True)
class FieldPointer(SenseKeySpecific):
    """ILLEGAL REQUEST: which CDB (C/D=1) or parameter-list (C/D=0) byte, and bit, is bad."""

    kind: ClassVar[str] = "field_pointer"
    command: bool
    bit_pointer: int | None
    field_pointer: int

    def describe(self) -> str:
        where = "Command" if self.command else "Data parameters"
        bit = "" if self.bit_pointer is None else f" bit {self.bit_pointer}"
        return f"Error in {where}: byte {self.field_pointer}{bit}"


@dataclass(frozen=True)
class ProgressIndication(SenseKeySpecific):
    """NO SENSE / NOT READY: progress of a long operation, as a fraction of 65536."""

    kind: ClassVar[str] = "progress_indication"
    progress: int

    @property
    def percent(self) -> float:
        return self.progress * 100 / 65536

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "percent": self.percent}

    def describe(self) -> str:
        return f"Progress indication: {_percent_text(self.progress)}"


@dataclass(frozen=True)
class ActualRetryCount(SenseKeySpecific):
    """RECOVERED / MEDIUM / HARDWARE ERROR: retries the recovery algorithm made."""

    kind: ClassVar[str] = "actual_retry_count"
    count: int

    def describe(self) -> str:
        return f"Actual retry count: {self.count}"


@dataclass(frozen=True)
class SegmentPointer(SenseKeySpecific):
    """COPY ABORTED: the byte (and bit) of the segment descriptor or parameter list at fault."""

    kind: ClassVar[str] = "segment_pointer"
    segment_descriptor: bool
    bit_pointer: int | None
    field_pointer: int

    def describe(self) -> str:
        where = "segment descriptor" if self.segment_descriptor else "parameter list"
        bit = "" if self.bit_pointer is None else f" bit {self.bit_pointer}"
        return f"Segment pointer: Relative to start of {where}, byte {self.field_pointer}{bit}"


@dataclass(frozen=True)
class UnitAttentionQueue(SenseKeySpecific):
    """UNIT ATTENTION: whether the unit attention condition queue overflowed."""

    kind: ClassVar[str] = "unit_attention_queue"
    overflow: bool

    def describe(self) -> str:
        return f"Unit attention condition queue: overflow flag is {int(self.overflow)}"


@dataclass(frozen=True)
class OpaqueSenseKeySpecific(SenseKeySpecific):
    """A sense key for which SPC defines no sense-key-specific layout: bytes kept as they are."""

    kind: ClassVar[str] = "opaque"


def _decode_sks(sense_key: SenseKey | None, raw: bytes) -> SenseKeySpecific:
    flags, value = raw[0], int.from_bytes(raw[1:3], "big")
    sksv = bool(flags & 0x80)
    bit = flags & 0x07 if flags & 0x08 else None  # BPV: bit pointer valid
    if sense_key == SenseKey.ILLEGAL_REQUEST:
        return FieldPointer(sksv, raw, bool(flags & 0x40), bit, value)
    if sense_key in (SenseKey.NO_SENSE, SenseKey.NOT_READY):
        return ProgressIndication(sksv, raw, value)
    if sense_key in (SenseKey.RECOVERED_ERROR, SenseKey.MEDIUM_ERROR, SenseKey.HARDWARE_ERROR):
        return ActualRetryCount(sksv, raw, value)
    if sense_key == SenseKey.COPY_ABORTED:
        return SegmentPointer(sksv, raw, bool(flags & 0x20), bit, value)
    if sense_key == SenseKey.UNIT_ATTENTION:
        return UnitAttentionQueue(sksv, raw, bool(flags & 0x01))
    return OpaqueSenseKeySpecific(sksv, raw)


# --- sense data descriptors (descriptor format) -----------------------------------------------
@dataclass(frozen=True)
class SenseDescriptor(_Jsonable):
    """One descriptor; ``offset`` is its type byte's offset, ``raw`` the bytes after its header."""

    descriptor_type: int
    offset: int
    raw: bytes

    def describe(self) -> str:
        return f"0x{self.raw.hex()}"


@dataclass(frozen=True)
class InformationDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "information"
    valid: bool
    information: int

    def describe(self) -> str:
        valid = "" if self.valid else "Valid=0 (-> vendor specific) "
        return f"Information: {valid}0x{self.information:016x}"


@dataclass(frozen=True)
class CommandSpecificDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "command_specific"
    information: int

    def describe(self) -> str:
        return f"Command specific: 0x{self.information:016x}"


@dataclass(frozen=True)
class SenseKeySpecificDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "sense_key_specific"
    specific: SenseKeySpecific

    def describe(self) -> str:
        valid = "" if self.specific.sksv else "SKSV=0 "
        label = "Field pointer: " if isinstance(self.specific, FieldPointer) else ""
        return f"Sense key specific: {valid}{label}{self.specific.describe()}"


@dataclass(frozen=True)
class FruDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "field_replaceable_unit"
    code: int

    def describe(self) -> str:
        return f"Field replaceable unit code: 0x{self.code:x}"


@dataclass(frozen=True)
class StreamCommandsDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "stream_commands"
    filemark: bool
    eom: bool
    ili: bool

    def describe(self) -> str:
        flags = [n for n, on in (("FILEMARK", self.filemark), ("End Of Medium (EOM)", self.eom),
                                 ("Incorrect Length Indicator (ILI)", self.ili)) if on]
        return "Stream commands: " + (" ".join(flags) or "no flags set")


@dataclass(frozen=True)
class BlockCommandsDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "block_commands"
    ili: bool

    def describe(self) -> str:
        return f"Block commands: Incorrect Length Indicator (ILI) {'set' if self.ili else 'clear'}"


@dataclass(frozen=True)
class AnotherProgressDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "another_progress_indication"
    sense_key: int
    asc: int
    ascq: int
    progress: int

    def describe(self) -> str:
        return (f"Another progress indication: {_percent_text(self.progress)} "
                f"[sense_key=0x{self.sense_key:x} asc,ascq=0x{self.asc:x},0x{self.ascq:x}]")


# Names from SPC-5's sense data descriptor type table, for the types kept as raw bytes.
_OTHER_DESCRIPTOR_NAMES = {
    0x06: "OSD object identification", 0x07: "OSD response integrity check value",
    0x08: "OSD attribute identification", 0x09: "ATA status return",
    0x0B: "User data segment referral", 0x0C: "Forwarded sense data",
    0x0D: "Direct-access block device", 0x0E: "Device designation",
    0x0F: "Microcode activation",
}


@dataclass(frozen=True)
class RawDescriptor(SenseDescriptor):
    """A descriptor we do not interpret (other or vendor type, or too short): bytes kept."""

    kind: ClassVar[str] = "raw"

    @property
    def name(self) -> str:
        if self.descriptor_type >= 0x80:
            return "Vendor specific"
        known = _KNOWN_DESCRIPTORS.get(self.descriptor_type)
        if known is not None:  # a type we decode, kept raw because it is too short
            return f"{known[0].capitalize()} (too short)"
        return _OTHER_DESCRIPTOR_NAMES.get(self.descriptor_type, "Unknown")

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "name": self.name}

    def describe(self) -> str:
        data = " ".join(f"{b:02x}" for b in self.raw) or "(empty)"
        return f"{self.name} [0x{self.descriptor_type:02x}]: {data}"


# type -> (name for warnings, minimum body length after the 2-byte header)
_KNOWN_DESCRIPTORS = {
    0x00: ("information", 10), 0x01: ("command specific", 10), 0x02: ("sense key specific", 6),
    0x03: ("field replaceable unit", 2), 0x04: ("stream commands", 2),
    0x05: ("block commands", 2), 0x0A: ("another progress indication", 6),
}


def _decode_descriptor(dtype: int, offset: int, body: bytes,
                       sense_key: SenseKey | None) -> SenseDescriptor:
    if dtype == 0x00:
        return InformationDescriptor(dtype, offset, body, bool(body[0] & 0x80),
                                     int.from_bytes(body[2:10], "big"))
    if dtype == 0x01:
        return CommandSpecificDescriptor(dtype, offset, body, int.from_bytes(body[2:10], "big"))
    if dtype == 0x02:
        return SenseKeySpecificDescriptor(dtype, offset, body, _decode_sks(sense_key, body[2:5]))
    if dtype == 0x03:
        return FruDescriptor(dtype, offset, body, body[1])
    if dtype == 0x04:
        flags = body[1]
        return StreamCommandsDescriptor(dtype, offset, body, bool(flags & 0x80),
                                        bool(flags & 0x40), bool(flags & 0x20))
    if dtype == 0x05:
        return BlockCommandsDescriptor(dtype, offset, body, bool(body[1] & 0x20))
    if dtype == 0x0A:
        return AnotherProgressDescriptor(dtype, offset, body, body[0] & 0x0F, body[1], body[2],
                                         int.from_bytes(body[4:6], "big"))
    return RawDescriptor(dtype, offset, body)


def _walk_descriptors(buf: bytes, end: int, sense_key: SenseKey | None,
                      warnings: list[str]) -> tuple[SenseDescriptor, ...]:
    found: list[SenseDescriptor] = []
    pos = 8
    while pos < end:
        dtype = buf[pos]
        if pos + 1 >= end:
            warnings.append(f"descriptor at byte {pos} (type 0x{dtype:02x}) has no length byte")
            found.append(RawDescriptor(dtype, pos, b""))
            break
        dlen = buf[pos + 1]
        body = buf[pos + 2:min(end, pos + 2 + dlen)]
        if len(body) < dlen:
            warnings.append(f"descriptor at byte {pos} (type 0x{dtype:02x}) claims {dlen} "
                            f"bytes, {len(body)} present")
        known = _KNOWN_DESCRIPTORS.get(dtype)
        if known is not None and len(body) < known[1]:
            if len(body) == dlen:
                warnings.append(f"{known[0]} descriptor at byte {pos} has {dlen} bytes, "
                                f"{known[1]} expected; kept raw")
            found.append(RawDescriptor(dtype, pos, body))
        else:
            found.append(_decode_descriptor(dtype, pos, body, sense_key))
        pos += 2 + dlen
    return tuple(found)
