"""A designation descriptor, the unit of the Device Identification VPD page (83h, SPC-5).

Layout: byte 0 PROTOCOL IDENTIFIER (bits 7-4) and CODE SET (bits 3-0); byte 1 PIV (bit 7),
ASSOCIATION (bits 5-4) and DESIGNATOR TYPE (bits 3-0); byte 3 DESIGNATOR LENGTH (n-3); bytes
4-n the DESIGNATOR.  The protocol identifier means something only with PIV set and an
association of target port (1h) or SCSI target device (2h).  The designator is split into the
fields its type defines and checked against what SPC gives the type (code set, association,
length) by :mod:`.designator_types`; a departure is a finding, reported with the descriptor's
place among the buffer's warnings and kept in the designator's ``findings``.  Text reads like
``sg_vpd --page=di``: the type and code set, the association, the designator as hex (or text
for ASCII/UTF-8), then its fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from iscsitgt_spt.codec.sense.descriptors import _Jsonable
from iscsitgt_spt.codec.sense.designator_types import (
    ASSOCIATION_NAMES,
    CODE_SET_NAMES,
    NAA_FORMATS,
    RULES,
    Field,
    read_designator,
)

__all__ = ["Designator", "decode_designator"]

# PROTOCOL IDENTIFIER values (SPC-5 "Protocol identifier values" table).
_PROTOCOLS = {
    0x0: "Fibre Channel (FCP)", 0x1: "parallel SCSI (SPI, obsolete)", 0x2: "SSA",
    0x3: "IEEE 1394 (SBP)", 0x4: "SCSI RDMA (SRP)", 0x5: "iSCSI", 0x6: "SAS serial SCSI (SPL)",
    0x7: "automation/drive interface (ADT)", 0x8: "AT Attachment (ACS)",
    0x9: "USB attached SCSI (UAS)", 0xA: "SCSI over PCI Express (SOP)", 0xB: "PCI Express",
    0xF: "no specific protocol",
}
_EUI64 = {8: "EUI-64", 12: "EUI-64 based 12-byte", 16: "EUI-64 based 16-byte"}


@dataclass(frozen=True)
class Designator(_Jsonable):
    """One designation descriptor; ``designator`` holds the bytes present (maybe cut short).

    ``fields`` are the parts its type defines (empty when the length does not fit the type),
    ``findings`` where it departs from SPC.
    """

    protocol_identifier: int
    code_set: int
    piv: bool
    association: int
    designator_type: int
    designator: bytes
    fields: tuple[Field, ...] = ()
    findings: tuple[str, ...] = ()

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
    def type_name(self) -> str:
        rule = RULES.get(self.designator_type)
        return rule.name if rule else f"Reserved [0x{self.designator_type:x}]"

    @property
    def format_name(self) -> str | None:
        """NAA n (its name) or the EUI-64 variant, for binary designators of those types."""
        if self.designator_type == 0x3 and self.designator:
            naa = self.designator[0] >> 4
            name = NAA_FORMATS.get(naa, ("reserved", 0))[0]
            return f"NAA {naa:x} ({name})"
        if self.designator_type == 0x2:
            return _EUI64.get(len(self.designator), "EUI-64 based (unexpected length)")
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol_identifier": self.protocol_identifier, "code_set": self.code_set,
            "piv": self.piv, "association": self.association,
            "designator_type": self.designator_type, "designator": self.designator.hex(),
            "code_set_name": CODE_SET_NAMES.get(self.code_set, "reserved"),
            "association_name": ASSOCIATION_NAMES.get(self.association, "reserved"),
            "designator_type_name": self.type_name,
            "protocol_name": self.protocol_name, "text": self.text,
            "format_name": self.format_name,
            "value": {f.key: f.value for f in self.fields},
            "findings": list(self.findings),
        }

    def describe_lines(self, indent: str) -> list[str]:
        code = CODE_SET_NAMES.get(self.code_set, f"Reserved [0x{self.code_set:x}]")
        lines = [f"{indent}designator type: {self.type_name},  code set: {code}",
                 f"{indent}associated with the "
                 f"{ASSOCIATION_NAMES.get(self.association, 'reserved [0x3]')}"]
        if self.protocol_name is not None:
            lines.append(f"{indent}transport: {self.protocol_name}")
        text = self.text
        if text is not None:
            if not self.fields:  # (a text type with fields: they say it, split)
                lines.append(f"{indent}  {text}")
        else:
            label = self.format_name
            value = f"0x{self.designator.hex()}" if self.designator else "(empty)"
            lines.append(f"{indent}  {label}: {value}" if label else f"{indent}  {value}")
        lines += [f"{indent}    {f.text()}" for f in self.fields]
        return lines


def decode_designator(data: bytes, where: str, warnings: list[str]) -> Designator | None:
    """The designation descriptor at the start of ``data``; ``None`` when under 4 bytes.

    Findings (a cut designator, SPC's rules for its type) go to ``warnings`` after ``where``.
    """
    if len(data) < 4:
        warnings.append(f"{where}: designation descriptor has {len(data)} bytes, at least 4 "
                        "expected")
        return None
    length = data[3]
    value = data[4:4 + length]
    head = (data[0] >> 4, data[0] & 0x0F, bool(data[1] & 0x80), (data[1] >> 4) & 0x3,
            data[1] & 0x0F)
    protocol, code_set, piv, association, dtype = head
    if len(value) < length:
        warnings.append(f"{where}: designator length {length}, {len(value)} bytes present")
        return Designator(*head, value)  # a cut designator: its fields are not all there
    fields, findings = read_designator(dtype, code_set, association, piv, protocol, value)
    warnings.extend(f"{where}: {finding}" for finding in findings)
    return Designator(*head, value, tuple(fields), tuple(findings))
