"""Decoding of a bare SCSI sense buffer, the way sg3_utils' ``sg_decode_sense`` reads one.

SCSI_PASS_THROUGH_DIRECT captures carry the target's sense data, and a failed TMF or a
CHECK CONDITION is only explained there.  This module turns those bytes into frozen,
comparable dataclasses (JSON-ready via ``to_dict()``, human text via ``format_text()``) for
both T10 SPC layouts: fixed (response codes 70h/71h, the Windows ``SENSE_DATA``) and
descriptor (72h/73h).  Real buffers are often short or padded, so the decoder reads what is
present and reports what is not as warnings; response code 7Fh (vendor specific) keeps its
bytes undecoded, with a note; only input that is not sense data at all (empty, or a response
code other than 70h-73h and 7Fh) raises :class:`~iscsitgt_spt.spec.errors.ParseError`.

For descriptor format the summary fields of :class:`SenseInfo` (information, FRU, ILI, ...)
are filled from the matching descriptors, like sg3_utils' ``sg_get_sense_info_fld``, so a
consumer need not care which layout the device chose; the descriptors stay in ``descriptors``.
SBC-4's direct-access block device descriptor (0Dh) fills them too when it alone carries them.
The descriptor classes live in :mod:`.descriptors` (SPC-4's and the sense-key-specific field),
:mod:`.ata` (SAT-4's ATA registers, also the fixed format's for ASC/ASCQ 00h/1Dh), :mod:`.sbc`
and :mod:`.spc` (SPC-5's newer types, with :mod:`.designation`), walked by :mod:`.walk`; all
are re-exported here.
"""

from __future__ import annotations

from typing import NamedTuple

from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.codec.sense.asc import (
    asc_ascq_code,
    asc_ascq_text,
    describe_asc,
    describe_asc_ascq,
)
from iscsitgt_spt.codec.sense.ata import (
    AtaPassThroughFixed,
    AtaStatusReturnDescriptor,
    ata_information_finding,
    decode_ata_pass_through_fixed,
)
from iscsitgt_spt.codec.sense.descriptors import (
    ActualRetryCount,
    AnotherProgressDescriptor,
    BlockCommandsDescriptor,
    CommandSpecificDescriptor,
    DescriptorContext,
    FieldPointer,
    FruDescriptor,
    InformationDescriptor,
    OpaqueSenseKeySpecific,
    ProgressIndication,
    SegmentPointer,
    SenseDescriptor,
    SenseKeySpecific,
    SenseKeySpecificDescriptor,
    StreamCommandsDescriptor,
    UnitAttentionQueue,
    _decode_sks,
    _Jsonable,
)
from iscsitgt_spt.codec.sense.designation import Designator
from iscsitgt_spt.codec.sense.hextext import parse_hex_sense
from iscsitgt_spt.codec.sense.sbc import (
    DirectAccessBlockDescriptor,
    TargetPortGroup,
    UserDataSegmentReferral,
    UserDataSegmentReferralDescriptor,
)
from iscsitgt_spt.codec.sense.spc import (
    DeviceDesignationDescriptor,
    ForwardedSenseDescriptor,
    MicrocodeActivationDescriptor,
)
from iscsitgt_spt.codec.sense.walk import RawDescriptor, walk_descriptors
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.constants import SenseKey, SenseResponseCode
from iscsitgt_spt.spec.errors import ParseError, count_of

__all__ = [
    "MAX_FORWARDED_DEPTH", "VENDOR_SPECIFIC_RESPONSE_CODE", "ActualRetryCount",
    "AnotherProgressDescriptor", "AtaPassThroughFixed", "AtaStatusReturnDescriptor",
    "BlockCommandsDescriptor", "CommandSpecificDescriptor", "Designator",
    "DeviceDesignationDescriptor", "DirectAccessBlockDescriptor", "FieldPointer",
    "ForwardedSenseDescriptor", "FruDescriptor", "InformationDescriptor",
    "MicrocodeActivationDescriptor", "OpaqueSenseKeySpecific", "ProgressIndication",
    "RawDescriptor", "SegmentPointer", "SenseDescriptor", "SenseInfo", "SenseKeySpecific",
    "SenseKeySpecificDescriptor", "StreamCommandsDescriptor", "TargetPortGroup",
    "UnitAttentionQueue", "UserDataSegmentReferral", "UserDataSegmentReferralDescriptor",
    "decode_sense", "parse_hex_sense", "sense_json_text",
]

#: SPC-5: response code 7Fh marks vendor-specific sense data, whose format SPC leaves to the
#: vendor.  It is not a member of SenseResponseCode (the layouts this decoder reads).
VENDOR_SPECIFIC_RESPONSE_CODE = 0x7F

#: How deep forwarded sense data (SPC-5 descriptor 0Ch) inside forwarded sense data is
#: decoded; deeper levels are kept as bytes with a warning.  A descriptor body is at most 255
#: bytes, so the input bounds the work anyway; this bounds the output's nesting.
MAX_FORWARDED_DEPTH = 3


# --- the decoded buffer -----------------------------------------------------------------------
@frozen
class SenseInfo(_Jsonable):
    """A decoded sense buffer.  ``None`` marks a field the buffer does not hold."""

    response_code: SenseResponseCode | int  # an int only for 7Fh, vendor specific
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
    #: fixed format with ASC/ASCQ 00h/1Dh: bytes 3-11 as SAT-4's ATA registers (then
    #: ``information`` and ``command_specific`` are None: those bytes are not that)
    ata_pass_through: AtaPassThroughFixed | None = None

    @property
    def vendor_specific(self) -> bool:
        return self.response_code == VENDOR_SPECIFIC_RESPONSE_CODE

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

    def _summary_head(self) -> dict[str, object]:
        """The keys ``to_dict`` puts before the fields: what the codes mean."""
        if self.vendor_specific:
            layout = "vendor specific"
        else:
            layout = "descriptor" if self.descriptor_format else "fixed"
        return {
            "format": layout,
            "deferred": self.deferred,
            "response_code_name": (self.response_code.name
                                   if isinstance(self.response_code, SenseResponseCode)
                                   else "VENDOR_SPECIFIC"),
            "sense_key_name": None if self.sense_key is None else self.sense_key.title,
            "asc_ascq": None if self.asc is None else asc_ascq_code(self.asc, self.ascq),
            "asc_ascq_text": self.asc_ascq_text,
        }

    def to_dict(self) -> dict[str, object]:
        out = self._summary_head()
        out.update(super().to_dict())
        if self.vendor_specific:
            out["note"] = _VENDOR_NOTE
        return out

    def to_json_text(self) -> str:
        """``compact_dumps(self.to_dict())``, the fields through the generated template."""
        if self.vendor_specific:
            return compact_dumps(self.to_dict())
        # The head is a function of four codes, which a capture repeats: encoded once each.
        key = (self.response_code, self.sense_key, self.asc, self.ascq)
        head = _HEAD_TEXTS.get(key)
        if head is None:
            if len(_HEAD_TEXTS) >= 256:
                _HEAD_TEXTS.clear()
            head = _HEAD_TEXTS[key] = compact_dumps(self._summary_head())[:-1] + ","
        return head + self._fields_json_text()[1:]

    def format_text(self) -> str:
        """Multi-line text in the manner of ``sg_decode_sense``."""
        if self.vendor_specific:
            return "\n".join(_vendor_lines(self.raw))
        layout = "Descriptor format" if self.descriptor_format else "Fixed format"
        when = "<<<deferred>>>" if self.deferred else "current"
        key = "(missing)" if self.sense_key is None else self.sense_key.title
        lines = [f"{layout}, {when}; Sense key: {key}"]
        if self.sdat_ovfl:
            lines.append("<<<Sense data overflow (SDAT_OVFL)>>>")
        if self.asc is not None:  # (an ASC without its ASCQ is still shown, with its code)
            lines.append(describe_asc(self.asc) if self.ascq is None
                         else describe_asc_ascq(self.asc, self.ascq))
        if self.descriptor_format:
            lines += [f"  Descriptor type: {d.describe()}" for d in self.descriptors]
        else:
            if self.ata_pass_through is not None:  # (then no Info fld line follows)
                lines += self.ata_pass_through.describe_lines()
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


# The summary head's JSON text (all but the closing brace) by its four codes: a target
# repeats a few, a fuzz corpus a new one per record (so at most 256 are kept).
_HEAD_TEXTS: dict[tuple[object, ...], str] = {}

_VENDOR_NOTE = ("response code 7Fh: the vendor defines this sense data's format (SPC-5); "
                "the bytes are shown undecoded")


def _vendor_lines(raw: bytes) -> list[str]:
    # sg_decode_sense's heading, 16 bytes a line, and what the bytes are
    lines = ["Vendor specific sense buffer, in hex:"]
    lines += ["  " + " ".join(f"{b:02x}" for b in raw[k:k + 16]) for k in range(0, len(raw), 16)]
    lines.append(f"  Note: {_VENDOR_NOTE}")
    return lines


# byte ranges [start, stop) of the header fields, for "missing" warnings
_FIXED_FIELDS = (("sense key", 2, 3), ("information", 3, 7), ("additional sense length", 7, 8),
                 ("command-specific information", 8, 12), ("ASC", 12, 13), ("ASCQ", 13, 14),
                 ("FRU code", 14, 15), ("sense-key specific", 15, 18))
_DESCRIPTOR_FIELDS = (("sense key", 1, 2), ("ASC", 2, 3), ("ASCQ", 3, 4),
                      ("SDAT_OVFL", 4, 5), ("additional sense length", 7, 8))
# _extent reads the last field's end as the end of them all.
assert all(sorted(f, key=lambda field: field[2]) == list(f)
           for f in (_FIXED_FIELDS, _DESCRIPTOR_FIELDS))


def _extent(buf: bytes, fields: tuple[tuple[str, int, int], ...],
            warnings: list[str]) -> tuple[int | None, int]:
    """Additional length and the end of the sense data, recording what is absent or cut."""
    n = len(buf)
    add_len = buf[7] if n >= 8 else None
    end = n if add_len is None else min(n, 8 + add_len)
    if add_len is not None and 8 + add_len > n:
        warnings.append(f"additional sense length claims {add_len} bytes, {n - 8} present")
    if end < fields[-1][2]:  # (the fields are in byte order: the last ends last)
        missing = [name for name, _start, stop in fields if stop > end]
        warnings.append(f"sense data ends after {end} bytes; missing: {', '.join(missing)}")
    return add_len, end


def _trailing(buf: bytes, end: int, warnings: list[str]) -> bytes:
    rest = buf[end:]
    # Zero padding (a fixed-size sense buffer) is normal; other leftover bytes deserve a note.
    if any(rest):
        warnings.append(f"{count_of(len(rest))} after the {end}-byte sense data (as the additional "
                        "sense length gives it) not decoded")
    return rest


#: SenseKey by the four bits that hold it (every value 0-Fh is a key): an index, not an
#: enumeration call per buffer.
_SENSE_KEYS = tuple(SenseKey(value) for value in range(16))


def _decode_fixed(buf: bytes, rc: SenseResponseCode) -> SenseInfo:
    warnings: list[str] = []
    add_len, end = _extent(buf, _FIXED_FIELDS, warnings)
    # A field is read when the sense data (as far as it goes) holds it whole; written out per
    # field rather than through a helper, since most pass-through records carry sense data.
    sense_key = _SENSE_KEYS[buf[2] & 0x0F] if end >= 3 else None
    flags = buf[2] if end >= 3 else None
    sks_raw = buf[15:18] if end >= 18 else b""
    sks = _decode_sks(sense_key, sks_raw) if sks_raw and sks_raw[0] & 0x80 else None
    asc = buf[12] if end >= 13 else None
    ascq = buf[13] if end >= 14 else None
    information = int.from_bytes(buf[3:7], "big") if end >= 7 else None
    command_specific = int.from_bytes(buf[8:12], "big") if end >= 12 else None
    ata = None
    if asc == 0x00 and ascq == 0x1D:  # SAT-4: bytes 3-11 are ATA registers (end >= 14 here)
        ata = decode_ata_pass_through_fixed(buf)
        information = command_specific = None
        _add(warnings, ata_information_finding(sense_key, asc, ascq))
    # Positional, in SenseInfo's field order (keywords cost a microsecond per buffer here).
    return SenseInfo(
        rc, buf, sense_key, asc, ascq,  # response_code, raw, sense_key, asc, ascq
        add_len, bool(buf[0] & 0x80), information,  # additional_length, valid, information
        command_specific, buf[14] if end >= 15 else None,  # command_specific, fru
        None if flags is None else bool(flags & 0x80),  # filemark
        None if flags is None else bool(flags & 0x40),  # eom
        None if flags is None else bool(flags & 0x20),  # ili
        None if flags is None else bool(flags & 0x10),  # sdat_ovfl
        sks, (), _trailing(buf, end, warnings),  # sense_key_specific, descriptors, trailing
        tuple(warnings), ata,  # warnings, ata_pass_through
    )


def _add(warnings: list[str], finding: str | None) -> None:
    if finding is not None:
        warnings.append(finding)


class _Summary(NamedTuple):
    valid: bool | None = None
    information: int | None = None
    command_specific: int | None = None
    fru: int | None = None
    filemark: bool | None = None
    eom: bool | None = None
    ili: bool | None = None
    sense_key_specific: SenseKeySpecific | None = None


def _summary(descriptors: tuple[SenseDescriptor, ...]) -> _Summary:
    """The SenseInfo summary fields from the descriptors, like sg3_utils' sg_get_sense_*.

    The single-purpose descriptors (00h-05h) come first; SBC-4's direct-access block device
    descriptor (0Dh), which carries the same fields in one, fills what they leave empty.
    """
    def first(kind: type[SenseDescriptor]) -> SenseDescriptor | None:
        return next((d for d in descriptors if isinstance(d, kind)), None)

    info, cmd, fru = first(InformationDescriptor), first(CommandSpecificDescriptor), \
        first(FruDescriptor)
    sks, stream, block = first(SenseKeySpecificDescriptor), first(StreamCommandsDescriptor), \
        first(BlockCommandsDescriptor)
    dab = first(DirectAccessBlockDescriptor)
    out = _Summary()
    if isinstance(dab, DirectAccessBlockDescriptor):
        out = out._replace(valid=dab.valid, information=dab.information, fru=dab.fru,
                           ili=dab.ili, command_specific=dab.command_specific,
                           sense_key_specific=dab.specific if dab.specific.sksv else None)
    if isinstance(info, InformationDescriptor):
        out = out._replace(valid=info.valid, information=info.information)
    if isinstance(cmd, CommandSpecificDescriptor):
        out = out._replace(command_specific=cmd.information)
    if isinstance(fru, FruDescriptor):
        out = out._replace(fru=fru.code)
    if isinstance(sks, SenseKeySpecificDescriptor) and sks.specific.sksv:
        # (one rule, as for fixed format and 0Dh: with SKSV=0 the bytes are not a value)
        out = out._replace(sense_key_specific=sks.specific)
    if isinstance(stream, StreamCommandsDescriptor):
        out = out._replace(filemark=stream.filemark, eom=stream.eom,
                           ili=bool(out.ili) or stream.ili)
    if isinstance(block, BlockCommandsDescriptor):
        out = out._replace(ili=bool(out.ili) or block.ili)
    return out


def _decode_descriptor_format(buf: bytes, rc: SenseResponseCode, depth: int) -> SenseInfo:
    warnings: list[str] = []
    add_len, end = _extent(buf, _DESCRIPTOR_FIELDS, warnings)
    header = buf[:min(end, 8)]
    sense_key = SenseKey(header[1] & 0x0F) if len(header) > 1 else None

    def nested(data: bytes) -> SenseInfo:
        return _decode(data, depth + 1)

    ctx = DescriptorContext(sense_key, warnings,
                            nested if depth < MAX_FORWARDED_DEPTH else None)
    descriptors = walk_descriptors(buf, end, ctx)
    asc, ascq = (header[2] if len(header) > 2 else None), (header[3] if len(header) > 3 else None)
    _add(warnings, ata_information_finding(sense_key, asc, ascq))
    return SenseInfo(
        response_code=rc, raw=buf, sense_key=sense_key,
        asc=asc, ascq=ascq,
        additional_length=add_len, sdat_ovfl=bool(header[4] & 0x80) if len(header) > 4 else None,
        descriptors=descriptors, trailing=_trailing(buf, end, warnings),
        warnings=tuple(warnings), **_summary(descriptors)._asdict(),
    )


def _vendor_specific(buf: bytes) -> SenseInfo:
    return SenseInfo(
        response_code=VENDOR_SPECIFIC_RESPONSE_CODE, raw=buf, sense_key=None, asc=None,
        ascq=None, additional_length=None, valid=None, information=None,
        command_specific=None, fru=None, filemark=None, eom=None, ili=None, sdat_ovfl=None,
        sense_key_specific=None, descriptors=(), trailing=b"", warnings=(),
    )


_RESPONSE_CODES = {int(code): code for code in SenseResponseCode}


def _decode(buf: bytes, depth: int) -> SenseInfo:
    if not buf:
        raise ParseError("sense buffer is empty", path="sense", offset=0,
                         expected="at least 1 byte", actual="0 bytes")
    code = buf[0] & 0x7F
    if code == VENDOR_SPECIFIC_RESPONSE_CODE:
        return _vendor_specific(buf)
    rc = _RESPONSE_CODES.get(code)
    if rc is None:
        raise ParseError("unknown sense response code (not sense data)",
                         path="sense.response_code", offset=0,
                         expected="0x70-0x73 or 0x7f (vendor specific)",
                         actual=f"0x{code:02x}")
    if rc in (SenseResponseCode.FIXED_CURRENT, SenseResponseCode.FIXED_DEFERRED):
        return _decode_fixed(buf, rc)
    return _decode_descriptor_format(buf, rc, depth)


#: The fields of SenseInfo a usual fixed-format buffer varies (every other field is empty
#: there: no sense-key specific value, descriptors, warnings or ATA registers), in field order.
_USUAL_FIELDS = ("response_code", "raw", "sense_key", "asc", "ascq", "additional_length",
                 "valid", "information", "command_specific", "fru", "filemark", "eom", "ili",
                 "sdat_ovfl", "trailing")
_BOOL_TEXT = ("false", "true")


def _usual_fields_template() -> str:
    """The fields' JSON text of a usual fixed-format buffer as a ``%`` template: SenseInfo's
    own generated text (``_fields_json_text``) of a value holding a stand-in number for each
    field the buffer varies, each stand-in then made a ``%s``."""
    stand_ins = {name: 900000000000 + index for index, name in enumerate(_USUAL_FIELDS)}
    info = SenseInfo(sense_key_specific=None, descriptors=(), warnings=(),
                     ata_pass_through=None, **stand_ins)  # type: ignore[arg-type]
    text = info._fields_json_text().replace("%", "%%")
    at = [text.index(str(number)) for number in stand_ins.values()]
    assert at == sorted(at), "the stand-ins come out in field order"
    for number in stand_ins.values():
        text = text.replace(str(number), "%s")
    return text


_USUAL_TEMPLATE: list[str] = []


def _usual_fixed_text(buf: bytes) -> str | None:
    """``_decode_fixed(buf, rc).to_json_text()`` for the usual fixed-format buffer — response
    code 70h/71h, every field there (an additional length of 10 or more, all of it present),
    no sense-key specific value, not SAT's ATA registers, nothing but zeros after it — whose
    head is already encoded; ``None`` for any other (``to_json_text`` writes it)."""
    add_len = buf[7] if len(buf) >= 18 else 0
    code, end = buf[0] & 0x7F, 8 + add_len
    if (add_len < 10 or end > len(buf) or code not in (0x70, 0x71) or buf[15] & 0x80
            or (buf[12] == 0x00 and buf[13] == 0x1D)):
        return None
    rest = buf[end:]
    head = _HEAD_TEXTS.get((code, buf[2] & 0x0F, buf[12], buf[13]))
    if head is None or any(rest):
        return None
    template = _USUAL_TEMPLATE[0] if _USUAL_TEMPLATE else _load_usual_template()
    flags = buf[2]
    return head + (template % (
        code, '"' + buf.hex() + '"', flags & 0x0F, buf[12], buf[13], add_len,
        _BOOL_TEXT[buf[0] >> 7], int.from_bytes(buf[3:7], "big"),
        int.from_bytes(buf[8:12], "big"), buf[14], _BOOL_TEXT[flags >> 7],
        _BOOL_TEXT[flags >> 6 & 1], _BOOL_TEXT[flags >> 5 & 1], _BOOL_TEXT[flags >> 4 & 1],
        '"' + rest.hex() + '"'))[1:]


def _load_usual_template() -> str:
    _USUAL_TEMPLATE.append(_usual_fields_template())
    return _USUAL_TEMPLATE[0]


def sense_json_text(data: bytes) -> str:
    """``decode_sense(data).to_json_text()``: a usual fixed-format buffer (most pass-through
    records carry one) written straight from its bytes, any other decoded first.  Raises
    :class:`ParseError` as :func:`decode_sense` does."""
    if type(data) is bytes and data:
        text = _usual_fixed_text(data)
        if text is not None:
            return text
    return decode_sense(data).to_json_text()


def decode_sense(data: bytes | bytearray | memoryview) -> SenseInfo:
    """Decode a sense buffer (fixed or descriptor format, current or deferred).

    Response code 7Fh (vendor specific) decodes to a record that keeps the bytes and says
    what they are.  Raises :class:`ParseError` only for an empty buffer or a response code
    other than 70h-73h and 7Fh; a short, cut or padded buffer decodes as far as it goes, with
    ``warnings``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode_sense() takes bytes, not {type(data).__name__}")
    return _decode(bytes(data), 0)
