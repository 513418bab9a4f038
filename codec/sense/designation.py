"""A designation descriptor, the unit of the Device Identification VPD page (83h, SPC-5).

Layout: byte 0 PROTOCOL IDENTIFIER (bits 7-4) and CODE SET (bits 3-0); byte 1 PIV (bit 7),
ASSOCIATION (bits 5-4) and DESIGNATOR TYPE (bits 3-0); byte 3 DESIGNATOR LENGTH (n-3); bytes
4-n the DESIGNATOR.  The protocol identifier means something only with PIV set and an
association of target port (1h) or SCSI target device (2h).  An ASCII or UTF-8 designator is
shown as text, any other as hex; NAA and EUI-64 designators are named by their format.
"""

from __future__ import annotations

from dataclasses import dataclass

from iscsitgt_spt.codec.sense.descriptors import _Jsonable

__all__ = ["Designator", "decode_designator"]

_CODE_SETS = {0x1: "Binary", 0x2: "ASCII", 0x3: "UTF-8"}
_ASSOCIATIONS = {0x0: "addressed logical unit", 0x1: "target port",
                 0x2: "SCSI target device that contains the addressed logical unit"}
_TYPES = {
    0x0: "vendor specific", 0x1: "T10 vendor ID based", 0x2: "EUI-64 based", 0x3: "NAA",
    0x4: "relative target port identifier", 0x5: "target port group",
    0x6: "logical unit group", 0x7: "MD5 logical unit identifier", 0x8: "SCSI name string",
    0x9: "protocol specific port identifier", 0xA: "UUID identifier",
}
# PROTOCOL IDENTIFIER values (SPC-5 "Protocol identifier values" table).
_PROTOCOLS = {
    0x0: "Fibre Channel (FCP)", 0x1: "parallel SCSI (SPI, obsolete)", 0x2: "SSA",
    0x3: "IEEE 1394 (SBP)", 0x4: "SCSI RDMA (SRP)", 0x5: "iSCSI", 0x6: "SAS serial SCSI (SPL)",
    0x7: "automation/drive interface (ADT)", 0x8: "AT Attachment (ACS)",
    0x9: "USB attached SCSI (UAS)", 0xA: "SCSI over PCI Express (SOP)", 0xB: "PCI Express",
    0xF: "no specific protocol",
}
# NAA field (designator bits 7-4 of byte 0) values defined by SPC-5.
_NAA = {0x2: "IEEE Extended", 0x3: "Locally Assigned", 0x5: "IEEE Registered",
        0x6: "IEEE Registered Extended"}
_EUI64 = {8: "EUI-64", 12: "EUI-64 based 12-byte", 16: "EUI-64 based 16-byte"}


@dataclass(frozen=True)
class Designator(_Jsonable):
    """One designation descriptor; ``designator`` holds the bytes present (maybe cut short)."""

    protocol_identifier: int
    code_set: int
    piv: bool
    association: int
    designator_type: int
    designator: bytes

    @property
    def protocol_name(self) -> str | None:
        """The protocol, when PIV and the association say the field is meaningful."""
        if not self.piv or self.association not in (0x1, 0x2):
            return None
        return _PROTOCOLS.get(self.protocol_identifier,
                              f"reserved [0x{self.protocol_identifier:x}]")

    @property
    def text(self) -> str | None:
        """The designator as text for the ASCII and UTF-8 code sets (trailing NULs dropped)."""
        if self.code_set == 0x2:
            return self.designator.decode("ascii", "backslashreplace").rstrip("\x00")
        if self.code_set == 0x3:
            return self.designator.decode("utf-8", "backslashreplace").rstrip("\x00")
        return None

    @property
    def format_name(self) -> str | None:
        """NAA n (its name) or the EUI-64 variant, for binary designators of those types."""
        if self.designator_type == 0x3 and self.designator:
            naa = self.designator[0] >> 4
            return f"NAA {naa:x} ({_NAA.get(naa, 'reserved')})"
        if self.designator_type == 0x2:
            return _EUI64.get(len(self.designator), "EUI-64 based (unexpected length)")
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "code_set_name": _CODE_SETS.get(self.code_set, "reserved"),
            "association_name": _ASSOCIATIONS.get(self.association, "reserved"),
            "designator_type_name": _TYPES.get(self.designator_type, "reserved"),
            "protocol_name": self.protocol_name, "text": self.text,
            "format_name": self.format_name,
        }

    def describe_lines(self, indent: str) -> list[str]:
        kind = _TYPES.get(self.designator_type, f"reserved [0x{self.designator_type:x}]")
        code = _CODE_SETS.get(self.code_set, f"reserved [0x{self.code_set:x}]")
        lines = [f"{indent}designator type: {kind}, code set: {code}",
                 f"{indent}associated with the "
                 f"{_ASSOCIATIONS.get(self.association, 'reserved [0x3]')}"]
        if self.protocol_name is not None:
            lines.append(f"{indent}transport: {self.protocol_name}")
        text = self.text
        if text is not None:
            lines.append(f"{indent}  {text}")
        else:
            label = self.format_name
            value = f"0x{self.designator.hex()}" if self.designator else "(empty)"
            lines.append(f"{indent}  {label}: {value}" if label else f"{indent}  {value}")
        return lines


def decode_designator(data: bytes, where: str, warnings: list[str]) -> Designator | None:
    """The designation descriptor at the start of ``data``; ``None`` when under 4 bytes."""
    if len(data) < 4:
        warnings.append(f"{where}: designation descriptor has {len(data)} bytes, at least 4 "
                        "expected")
        return None
    length = data[3]
    value = data[4:4 + length]
    if len(value) < length:
        warnings.append(f"{where}: designator length {length}, {len(value)} bytes present")
    return Designator(data[0] >> 4, data[0] & 0x0F, bool(data[1] & 0x80), (data[1] >> 4) & 0x3,
                      data[1] & 0x0F, value)
