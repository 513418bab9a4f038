"""The decoded sense buffer, :class:`SenseInfo`: its fields, JSON form and sg3_utils text.

Split out of :mod:`iscsitgt_spt.codec.sense.decoder` (which re-exports it): the value a sense
buffer decodes to, apart from the reading of its bytes (:mod:`._layouts`).  ``to_dict`` and
``to_json_text`` put what the codes mean (layout, key and ASC/ASCQ names) before the fields;
``format_text`` writes the lines ``sg_decode_sense`` prints.
"""

from __future__ import annotations

from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.codec.sense.asc import (
    asc_ascq_code,
    asc_ascq_text,
    describe_asc,
    describe_asc_ascq,
)
from iscsitgt_spt.codec.sense.ata import AtaPassThroughFixed
from iscsitgt_spt.codec.sense.descriptors import (
    FieldPointer,
    OpaqueSenseKeySpecific,
    SenseDescriptor,
    SenseKeySpecific,
    _Jsonable,
)
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.constants import SenseKey, SenseResponseCode

__all__ = ["VENDOR_SPECIFIC_RESPONSE_CODE", "SenseInfo"]

#: SPC-5: response code 7Fh marks vendor-specific sense data, whose format SPC leaves to the
#: vendor.  It is not a member of SenseResponseCode (the layouts this decoder reads).
VENDOR_SPECIFIC_RESPONSE_CODE = 0x7F


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

