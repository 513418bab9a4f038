"""Decoding of a bare SCSI sense buffer, the way sg3_utils' ``sg_decode_sense`` reads one.

SCSI_PASS_THROUGH_DIRECT captures carry the target's sense data, and a failed TMF or a
CHECK CONDITION is only explained there.  This module turns those bytes into frozen,
comparable dataclasses (JSON-ready via ``to_dict()``, human text via ``format_text()``) for
both T10 SPC layouts: fixed (response codes 70h/71h, the Windows ``SENSE_DATA``) and
descriptor (72h/73h).  Real buffers are often short or padded, so the decoder reads what is
present and reports what is not as warnings; only input that is not sense data at all (empty,
or a response code other than 70h-73h) raises :class:`~iscsitgt_spt.spec.errors.ParseError`.

For descriptor format the summary fields of :class:`SenseInfo` (information, FRU, ILI, ...)
are filled from the matching descriptors, like sg3_utils' ``sg_get_sense_info_fld``, so a
consumer need not care which layout the device chose; the descriptors stay in ``descriptors``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass
from typing import ClassVar

from iscsitgt_spt.codec.asc import asc_ascq_text, describe_asc_ascq
from iscsitgt_spt.spec.constants import SenseKey, SenseResponseCode
from iscsitgt_spt.spec.errors import InputFormatError, ParseError

__all__ = [
    "ActualRetryCount", "AnotherProgressDescriptor", "BlockCommandsDescriptor",
    "CommandSpecificDescriptor", "FieldPointer", "FruDescriptor", "InformationDescriptor",
    "OpaqueSenseKeySpecific", "ProgressIndication", "RawDescriptor", "SegmentPointer",
    "SenseDescriptor", "SenseInfo", "SenseKeySpecific", "SenseKeySpecificDescriptor",
    "StreamCommandsDescriptor", "UnitAttentionQueue", "decode_sense", "parse_hex_sense",
]


def _to_json(value: object) -> object:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, enum.IntEnum):
        return int(value)
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, _Jsonable):
        return value.to_dict()
    return value


class _Jsonable:
    """Mixin: ``to_dict()`` over the dataclass fields, led by a ``kind`` tag."""

    kind: ClassVar[str] = ""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind} if self.kind else {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f.name] = _to_json(getattr(self, f.name))
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


# --- the decoded buffer -----------------------------------------------------------------------
@dataclass(frozen=True)
class SenseInfo(_Jsonable):
    """A decoded sense buffer.  ``None`` marks a field the buffer does not hold."""

    response_code: SenseResponseCode
    raw: bytes
    sense_key: SenseKey | None
    asc: int | None
    ascq: int | None
    additional_length: int | None
    valid: bool | None
    information: int | None
    command_specific: int | None
    fru: int | None
    filemark: bool | None
    eom: bool | None
    ili: bool | None
    sdat_ovfl: bool | None
    sense_key_specific: SenseKeySpecific | None
    descriptors: tuple[SenseDescriptor, ...]
    trailing: bytes
    warnings: tuple[str, ...]

    @property
    def descriptor_format(self) -> bool:
        return self.response_code in (SenseResponseCode.DESCRIPTOR_CURRENT,
                                      SenseResponseCode.DESCRIPTOR_DEFERRED)

    @property
    def deferred(self) -> bool:
        return self.response_code in (SenseResponseCode.FIXED_DEFERRED,
                                      SenseResponseCode.DESCRIPTOR_DEFERRED)

    @property
    def asc_ascq_text(self) -> str | None:
        if self.asc is None or self.ascq is None:
            return None
        return asc_ascq_text(self.asc, self.ascq)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "format": "descriptor" if self.descriptor_format else "fixed",
            "deferred": self.deferred,
            "response_code_name": self.response_code.name,
            "sense_key_name": None if self.sense_key is None else self.sense_key.title,
            "asc_ascq_text": self.asc_ascq_text,
        }
        out.update(super().to_dict())
        return out

    def format_text(self) -> str:
        """Multi-line text in the manner of ``sg_decode_sense``."""
        layout = "Descriptor format" if self.descriptor_format else "Fixed format"
        when = "<<<deferred>>>" if self.deferred else "current"
        key = "(missing)" if self.sense_key is None else self.sense_key.title
        lines = [f"{layout}, {when}; Sense key: {key}"]
        if self.sdat_ovfl:
            lines.append("<<<Sense data overflow (SDAT_OVFL)>>>")
        if self.asc is not None and self.ascq is not None:
            lines.append(describe_asc_ascq(self.asc, self.ascq))
        if self.descriptor_format:
            lines += [f"  Descriptor type: {d.describe()}" for d in self.descriptors]
        else:
            lines += self._fixed_lines()
        lines += [f"  Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _fixed_lines(self) -> list[str]:
        lines: list[str] = []
        parts: list[str] = []
        if self.information is not None and (self.valid or self.information):
            valid = "" if self.valid else "Valid=0, "
            parts.append(f"{valid}Info fld=0x{self.information:x} [{self.information}]")
        parts += [n for n, on in (("FMK", self.filemark), ("EOM", self.eom), ("ILI", self.ili))
                  if on]
        if parts:
            lines.append("  " + " ".join(parts))
        if self.command_specific:
            lines.append(f"  Command specific information: 0x{self.command_specific:08x}")
        if self.fru:
            lines.append(f"  Field replaceable unit code: {self.fru}")
        sks = self.sense_key_specific
        if sks is not None:
            text = sks.describe()
            # sg_decode_sense labels only the field pointer; the others name themselves.
            labelled = isinstance(sks, (FieldPointer, OpaqueSenseKeySpecific))
            lines.append(f"  Sense Key Specific: {text}" if labelled else f"  {text}")
        return lines


# byte ranges [start, stop) of the header fields, for "missing" warnings
_FIXED_FIELDS = (("sense key", 2, 3), ("information", 3, 7), ("additional sense length", 7, 8),
                 ("command-specific information", 8, 12), ("ASC", 12, 13), ("ASCQ", 13, 14),
                 ("FRU code", 14, 15), ("sense-key specific", 15, 18))
_DESCRIPTOR_FIELDS = (("sense key", 1, 2), ("ASC", 2, 3), ("ASCQ", 3, 4),
                      ("SDAT_OVFL", 4, 5), ("additional sense length", 7, 8))


def _extent(buf: bytes, fields: tuple[tuple[str, int, int], ...],
            warnings: list[str]) -> tuple[int | None, int]:
    """Additional length and the end of the sense data, recording what is absent or cut."""
    n = len(buf)
    add_len = buf[7] if n >= 8 else None
    end = n if add_len is None else min(n, 8 + add_len)
    if add_len is not None and 8 + add_len > n:
        warnings.append(f"additional sense length claims {add_len} bytes, {n - 8} present")
    missing = [name for name, _start, stop in fields if stop > end]
    if missing:
        warnings.append(f"sense data ends after {end} bytes; missing: {', '.join(missing)}")
    return add_len, end


def _trailing(buf: bytes, end: int, warnings: list[str]) -> bytes:
    rest = buf[end:]
    # Zero padding (a fixed-size sense buffer) is normal; other leftover bytes deserve a note.
    if any(rest):
        warnings.append(f"{len(rest)} bytes after the {end}-byte sense data (as the additional "
                        "sense length gives it) not decoded")
    return rest


def _decode_fixed(buf: bytes, rc: SenseResponseCode) -> SenseInfo:
    warnings: list[str] = []
    add_len, end = _extent(buf, _FIXED_FIELDS, warnings)

    def field(start: int, stop: int) -> int | None:
        return int.from_bytes(buf[start:stop], "big") if stop <= end else None

    sense_key = None if end < 3 else SenseKey(buf[2] & 0x0F)
    flags = field(2, 3)
    sks_raw = buf[15:18] if end >= 18 else b""
    sks = _decode_sks(sense_key, sks_raw) if sks_raw and sks_raw[0] & 0x80 else None
    return SenseInfo(
        response_code=rc, raw=buf, sense_key=sense_key, asc=field(12, 13), ascq=field(13, 14),
        additional_length=add_len, valid=bool(buf[0] & 0x80), information=field(3, 7),
        command_specific=field(8, 12), fru=field(14, 15),
        filemark=None if flags is None else bool(flags & 0x80),
        eom=None if flags is None else bool(flags & 0x40),
        ili=None if flags is None else bool(flags & 0x20),
        sdat_ovfl=None if flags is None else bool(flags & 0x10),
        sense_key_specific=sks, descriptors=(), trailing=_trailing(buf, end, warnings),
        warnings=tuple(warnings),
    )


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


def _decode_descriptor_format(buf: bytes, rc: SenseResponseCode) -> SenseInfo:
    warnings: list[str] = []
    add_len, end = _extent(buf, _DESCRIPTOR_FIELDS, warnings)
    header = buf[:min(end, 8)]
    sense_key = SenseKey(header[1] & 0x0F) if len(header) > 1 else None
    descriptors = _walk_descriptors(buf, end, sense_key, warnings)

    def first(kind: type[SenseDescriptor]) -> SenseDescriptor | None:
        return next((d for d in descriptors if isinstance(d, kind)), None)

    info, cmd, fru = first(InformationDescriptor), first(CommandSpecificDescriptor), \
        first(FruDescriptor)
    sks, stream, block = first(SenseKeySpecificDescriptor), first(StreamCommandsDescriptor), \
        first(BlockCommandsDescriptor)
    ili = None
    if isinstance(stream, StreamCommandsDescriptor):
        ili = stream.ili
    if isinstance(block, BlockCommandsDescriptor):
        ili = bool(ili) or block.ili
    return SenseInfo(
        response_code=rc, raw=buf, sense_key=sense_key,
        asc=header[2] if len(header) > 2 else None, ascq=header[3] if len(header) > 3 else None,
        additional_length=add_len,
        valid=info.valid if isinstance(info, InformationDescriptor) else None,
        information=info.information if isinstance(info, InformationDescriptor) else None,
        command_specific=cmd.information if isinstance(cmd, CommandSpecificDescriptor) else None,
        fru=fru.code if isinstance(fru, FruDescriptor) else None,
        filemark=stream.filemark if isinstance(stream, StreamCommandsDescriptor) else None,
        eom=stream.eom if isinstance(stream, StreamCommandsDescriptor) else None,
        ili=ili,
        sdat_ovfl=bool(header[4] & 0x80) if len(header) > 4 else None,
        sense_key_specific=sks.specific if isinstance(sks, SenseKeySpecificDescriptor) else None,
        descriptors=descriptors, trailing=_trailing(buf, end, warnings),
        warnings=tuple(warnings),
    )


def decode_sense(data: bytes | bytearray | memoryview) -> SenseInfo:
    """Decode a sense buffer (fixed or descriptor format, current or deferred).

    Raises :class:`ParseError` only for an empty buffer or a response code other than
    70h-73h; a short, cut or padded buffer decodes as far as it goes, with ``warnings``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode_sense() takes bytes, not {type(data).__name__}")
    buf = bytes(data)
    if not buf:
        raise ParseError("sense buffer is empty", path="sense", offset=0,
                         expected="at least 1 byte", actual="0 bytes")
    code = buf[0] & 0x7F
    try:
        rc = SenseResponseCode(code)
    except ValueError:
        what = "vendor specific" if code == 0x7F else "not sense data"
        raise ParseError(f"unknown sense response code ({what})", path="sense.response_code",
                         offset=0, expected="0x70-0x73", actual=f"0x{code:02x}") from None
    if rc in (SenseResponseCode.FIXED_CURRENT, SenseResponseCode.FIXED_DEFERRED):
        return _decode_fixed(buf, rc)
    return _decode_descriptor_format(buf, rc)


_HEX_TOKEN = re.compile(r"(?:0[xX])?([0-9a-fA-F]+)")


def parse_hex_sense(text: str) -> bytes:
    """Bytes from hex text: ``f0 00 03``, ``f0,00,03``, ``0xf0 0x00`` or ``f00003``.

    Tokens are separated by white space and/or commas; a token of one or two digits is one
    byte (``sg_decode_sense`` reads ``3`` as 03h), a longer one a run of two-digit bytes.
    """
    out = bytearray()
    for match in re.finditer(r"[^\s,]+", text):
        token = match.group()
        hexed = _HEX_TOKEN.fullmatch(token)
        if hexed is None:
            raise InputFormatError("not a hex byte", path="sense", offset=match.start(),
                                   expected="hex digits", actual=repr(token))
        digits = hexed.group(1)
        if len(digits) > 2 and len(digits) % 2:
            raise InputFormatError("odd number of hex digits", path="sense",
                                   offset=match.start(), expected="whole bytes",
                                   actual=repr(token))
        out += bytes.fromhex(digits.zfill(2))
    if not out:
        raise InputFormatError("no hex bytes given", path="sense", expected="hex bytes",
                               actual=repr(text[:20]))
    return bytes(out)
