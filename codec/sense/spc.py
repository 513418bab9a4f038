"""The sense data descriptors SPC-5 added after SPC-4's first set.

- **Forwarded sense data** (type 0Ch): byte 2 FSDT (bit 7, the forwarded sense data was
  truncated) and SENSE DATA SOURCE (bits 3-0), byte 3 FORWARDED STATUS (a SAM-5 status byte),
  bytes 4-n the sense data a copy source or destination returned — decoded here by the same
  decoder, one level deeper, up to a fixed bound.
- **Device designation** (type 0Eh): byte 3 DESCRIPTOR USAGE REASON, bytes 4-n one
  designation descriptor (:mod:`.designation`).
- **Microcode activation** (type 0Fh, additional length 06h): bytes 6-7 MICROCODE ACTIVATION
  TIME, the seconds the device expects activating new microcode to take (0: unknown).

SENSE DATA SOURCE: 0h unknown, 1h the EXTENDED COPY command's copy source, 2h-9h its copy
destinations 1-8, others reserved.  This reading follows FreeBSD's ``scsi_all.h``
(``SSD_FORWARDED_SDS_*``: 0 unknown, 1 source, 2 destination) and sg3_utils' newest (JSON)
decoder; ``sg_decode_sense`` 1.46's text decoder instead reads 0h as the source and 1h-7h as
destinations 0-6 (see the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from iscsitgt_spt.codec.sense.descriptors import DescriptorContext, SenseDescriptor, hex_bytes
from iscsitgt_spt.codec.sense.designation import Designator, decode_designator
from iscsitgt_spt.spec.errors import ParseError

if TYPE_CHECKING:  # the decoder imports this module; only the annotation looks back
    from iscsitgt_spt.codec.sense.decoder import SenseInfo

__all__ = [
    "DeviceDesignationDescriptor", "ForwardedSenseDescriptor", "MicrocodeActivationDescriptor",
    "scsi_status_name",
]

# SAM-5 status codes (the FORWARDED STATUS byte).
_STATUS = {
    0x00: "GOOD", 0x02: "CHECK CONDITION", 0x04: "CONDITION MET", 0x08: "BUSY",
    0x10: "INTERMEDIATE (obsolete)", 0x14: "INTERMEDIATE-CONDITION MET (obsolete)",
    0x18: "RESERVATION CONFLICT", 0x22: "COMMAND TERMINATED (obsolete)",
    0x28: "TASK SET FULL", 0x30: "ACA ACTIVE", 0x40: "TASK ABORTED",
}
# DESCRIPTOR USAGE REASON values of the device designation descriptor (SPC-5).
_USAGE_REASONS = {
    0x00: "unknown", 0x01: "resend this and further commands to the designated device",
    0x02: "resend this command to the designated device",
    0x03: "new subsidiary logical unit added to this administrative logical unit",
    0x04: "administrative logical unit associated with a preferred binding",
}


def scsi_status_name(status: int) -> str:
    return _STATUS.get(status, f"reserved [0x{status:02x}]")


def _source_name(source: int) -> str:
    if source == 0:
        return "unknown"
    if source == 1:
        return "EXTENDED COPY command copy source"
    if source <= 9:
        return f"EXTENDED COPY command copy destination {source - 1}"
    return f"reserved [0x{source:x}]"


@dataclass(frozen=True)
class ForwardedSenseDescriptor(SenseDescriptor):
    """SPC-5 forwarded sense data (0Ch); ``sense`` is ``None`` when it could not be decoded."""

    kind: ClassVar[str] = "forwarded_sense_data"
    truncated: bool  # FSDT
    source: int
    status: int
    sense: SenseInfo | None

    @property
    def source_name(self) -> str:
        return _source_name(self.source)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "source_name": self.source_name,
                "status_name": scsi_status_name(self.status)}

    def describe(self) -> str:
        lines = ["Forwarded sense data",
                 f"    FSDT: {'set (truncated)' if self.truncated else 'clear'}",
                 f"    Sense data source: {self.source_name}",
                 f"    Forwarded status: {scsi_status_name(self.status)}"]
        if self.sense is not None:
            lines.append("    Forwarded sense data:")
            lines += ["      " + line for line in self.sense.format_text().splitlines()]
        elif len(self.raw) > 2:
            lines.append(f"    Forwarded sense bytes (not decoded): {hex_bytes(self.raw[2:])}")
        return "\n".join(lines)


def decode_forwarded(dtype: int, offset: int, body: bytes,
                     ctx: DescriptorContext) -> SenseDescriptor:
    nested_bytes = body[2:]
    sense = None
    where = f"forwarded sense data descriptor at byte {offset}"
    if nested_bytes and any(nested_bytes):
        if ctx.decode_nested is None:
            ctx.warnings.append(f"{where}: nested deeper than the decoder follows; kept as bytes")
        else:
            try:
                sense = ctx.decode_nested(nested_bytes)
            except ParseError:  # (the bytes are not empty here: a bad response code)
                ctx.warnings.append(f"{where}: forwarded bytes are not sense data (response "
                                    f"code 0x{nested_bytes[0] & 0x7F:02x}); kept as bytes")
            else:
                ctx.warnings.extend(f"{where}: {w}" for w in sense.warnings)
    return ForwardedSenseDescriptor(dtype, offset, body, bool(body[0] & 0x80), body[0] & 0x0F,
                                    body[1], sense)


@dataclass(frozen=True)
class DeviceDesignationDescriptor(SenseDescriptor):
    """SPC-5 device designation (0Eh): why, and which device, by its VPD 83h designator."""

    kind: ClassVar[str] = "device_designation"
    usage_reason: int
    designator: Designator | None

    @property
    def usage_reason_name(self) -> str:
        return _USAGE_REASONS.get(self.usage_reason, f"reserved [0x{self.usage_reason:x}]")

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "usage_reason_name": self.usage_reason_name}

    def describe(self) -> str:
        lines = ["Device designation", f"    Usage reason: {self.usage_reason_name}"]
        if self.designator is not None:
            lines += self.designator.describe_lines("    ")
        return "\n".join(lines)


def decode_device_designation(dtype: int, offset: int, body: bytes,
                              ctx: DescriptorContext) -> SenseDescriptor:
    where = f"device designation descriptor at byte {offset}"
    return DeviceDesignationDescriptor(dtype, offset, body, body[1],
                                       decode_designator(body[2:], where, ctx.warnings))


@dataclass(frozen=True)
class MicrocodeActivationDescriptor(SenseDescriptor):
    """SPC-5 microcode activation time (0Fh): seconds to activate new microcode; 0 unknown."""

    kind: ClassVar[str] = "microcode_activation"
    activation_time: int

    def describe(self) -> str:
        time = "unknown" if self.activation_time == 0 else f"{self.activation_time} seconds"
        return f"Microcode activation time: {time}"


def decode_microcode_activation(dtype: int, offset: int, body: bytes,
                                ctx: DescriptorContext) -> SenseDescriptor:
    return MicrocodeActivationDescriptor(dtype, offset, body, int.from_bytes(body[4:6], "big"))
