"""Reading a sense buffer's bytes: the layout its response code selects, into :class:`SenseInfo`.

Split out of :mod:`iscsitgt_spt.codec.sense.decoder` (which re-exports :func:`decode_sense`):
fixed format (70h/71h, the Windows ``SENSE_DATA``; bytes 3-11 as SAT-4's ATA registers for
ASC/ASCQ 00h/1Dh), descriptor format (72h/73h: the descriptor list walked by :mod:`.walk`, the
summary fields filled from the descriptors like sg3_utils' ``sg_get_sense_info_fld``) and
vendor specific (7Fh: the bytes kept).  What is short or cut becomes a warning; only input that
is not sense data at all raises :class:`~iscsitgt_spt.spec.errors.ParseError`.
"""

from __future__ import annotations

from typing import NamedTuple

from iscsitgt_spt.codec.sense._info import VENDOR_SPECIFIC_RESPONSE_CODE, SenseInfo
from iscsitgt_spt.codec.sense.ata import ata_information_finding, decode_ata_pass_through_fixed
from iscsitgt_spt.codec.sense.descriptors import (
    BlockCommandsDescriptor,
    CommandSpecificDescriptor,
    DescriptorContext,
    FruDescriptor,
    InformationDescriptor,
    SenseDescriptor,
    SenseKeySpecific,
    SenseKeySpecificDescriptor,
    StreamCommandsDescriptor,
    _decode_sks,
)
from iscsitgt_spt.codec.sense.sbc import DirectAccessBlockDescriptor
from iscsitgt_spt.codec.sense.walk import walk_descriptors
from iscsitgt_spt.spec.constants import SenseKey, SenseResponseCode
from iscsitgt_spt.spec.errors import ParseError, count_of

__all__ = ["MAX_FORWARDED_DEPTH", "decode_sense"]

#: How deep forwarded sense data (SPC-5 descriptor 0Ch) inside forwarded sense data is
#: decoded; deeper levels are kept as bytes with a warning.  A descriptor body is at most 255
#: bytes, so the input bounds the work anyway; this bounds the output's nesting.
MAX_FORWARDED_DEPTH = 3


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
