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
The descriptor and sense-key-specific classes live in
:mod:`iscsitgt_spt.codec.sense.descriptors` and are re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iscsitgt_spt.codec.sense.asc import asc_ascq_text, describe_asc_ascq
from iscsitgt_spt.codec.sense.descriptors import (
    ActualRetryCount,
    AnotherProgressDescriptor,
    BlockCommandsDescriptor,
    CommandSpecificDescriptor,
    FieldPointer,
    FruDescriptor,
    InformationDescriptor,
    OpaqueSenseKeySpecific,
    ProgressIndication,
    RawDescriptor,
    SegmentPointer,
    SenseDescriptor,
    SenseKeySpecific,
    SenseKeySpecificDescriptor,
    StreamCommandsDescriptor,
    UnitAttentionQueue,
    _decode_sks,
    _Jsonable,
    _walk_descriptors,
)
from iscsitgt_spt.spec.constants import SenseKey, SenseResponseCode
from iscsitgt_spt.spec.errors import InputFormatError, ParseError

__all__ = [
    "ActualRetryCount", "AnotherProgressDescriptor", "BlockCommandsDescriptor",
    "CommandSpecificDescriptor", "FieldPointer", "FruDescriptor", "InformationDescriptor",
    "OpaqueSenseKeySpecific", "ProgressIndication", "RawDescriptor", "SegmentPointer",
    "SenseDescriptor", "SenseInfo", "SenseKeySpecific", "SenseKeySpecificDescriptor",
    "StreamCommandsDescriptor", "UnitAttentionQueue", "decode_sense", "parse_hex_sense",
]


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
