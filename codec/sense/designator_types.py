"""The designator of a VPD page 83h designation descriptor, read per DESIGNATOR TYPE (SPC-5).

SPC-5's Device Identification VPD page (83h) defines, for each designator type, what the
DESIGNATOR field holds and which CODE SET, ASSOCIATION and DESIGNATOR LENGTH go with it.  This
module is that table, once: each type's rule (:data:`RULES`) names the type, the code set,
associations and lengths SPC gives it, and a function that splits the designator into its
fields.  :func:`read_designator` applies the rule and returns the fields and the findings
(every place the descriptor departs from the rule).  The fields, by type (bytes of the
DESIGNATOR field; "company ID" is SPC-5's IEEE COMPANY_ID, the AOI of SPC-6):

- 1h T10 vendor ID based: 0-7 T10 VENDOR IDENTIFICATION (ASCII), 8-n VENDOR SPECIFIC IDENTIFIER.
- 2h EUI-64 based, code set binary, length 8, 12 or 16: EUI-64 (8) is 0-2 company ID, 3-7
  VENDOR SPECIFIC EXTENSION IDENTIFIER; 12-byte adds 8-11 DIRECTORY ID; 16-byte is 0-7
  IDENTIFIER EXTENSION, 8-10 company ID, 11-15 vendor specific extension identifier.
- 3h NAA, code set binary; the NAA field is byte 0 bits 7-4: 2h IEEE Extended (8 bytes:
  VENDOR SPECIFIC IDENTIFIER A bits 59-48, company ID bits 47-24, VENDOR SPECIFIC IDENTIFIER B
  bits 23-0); 3h Locally Assigned (8 bytes: LOCALLY ADMINISTERED VALUE, bits 59-0); 5h IEEE
  Registered (8 bytes: company ID bits 59-36, VENDOR SPECIFIC IDENTIFIER bits 35-0); 6h IEEE
  Registered Extended (16 bytes: as 5h, then 8-15 VENDOR SPECIFIC IDENTIFIER EXTENSION);
  other NAA values are reserved.
- 4h relative target port identifier (binary, target port, length 4): bytes 2-3; 0 is
  reserved, 1 is relative port 1 (port A), 2 port 2 (port B).
- 5h target port group (binary, target port, length 4): bytes 2-3 TARGET PORT GROUP.
- 6h logical unit group (binary, logical unit, length 4): bytes 2-3 LOGICAL UNIT GROUP.
- 7h MD5 logical unit identifier (binary, logical unit, length 16).
- 8h SCSI name string (UTF-8, length a multiple of 4, null-terminated and null-padded).
- 9h protocol specific port identifier (binary, target port, PIV set, length 4): for USB
  (UAS, protocol 9h) byte 0 bits 6-0 DEVICE ADDRESS and byte 2 INTERFACE NUMBER; for PCI
  Express (SOP, protocol Ah) bytes 0-1 the PCIe ROUTING ID (bus number, then device number
  in bits 7-3 and function number in bits 2-0 of byte 1, or an 8-bit function number with ARI).
- Ah UUID (binary, length 12h): byte 0 bits 7-4 UUID TYPE (1h: locally assigned, the only
  value defined), bytes 2-17 the UUID, written as RFC 4122 spells it (8-4-4-4-12 hex digits).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["RULES", "DesignatorRule", "Field", "read_designator"]

BINARY, ASCII, UTF8 = 0x1, 0x2, 0x3
LOGICAL_UNIT, TARGET_PORT = 0x0, 0x1
UAS, SOP = 0x9, 0xA  # PROTOCOL IDENTIFIER values: USB attached SCSI, SCSI over PCI Express


class Field(NamedTuple):
    """One decoded part of a designator: JSON key, label for text, value (int or text).

    ``digits`` is how many hex digits the text shows of a number (the field's width, so a
    company ID reads 0x001405 as the IEEE writes it); 0 shows no leading zeros.
    """

    key: str
    label: str
    value: int | str
    digits: int = 0

    def text(self) -> str:
        value = self.value
        if isinstance(value, int):
            return f"{self.label}: 0x{value:0{self.digits}x}"
        return f"{self.label}: {value}"


class _Header(NamedTuple):
    """The designation descriptor's header fields a rule checks against."""

    code_set: int
    association: int
    piv: bool
    protocol: int


_Reader = Callable[[bytes, _Header, list[str]], list[Field]]


class DesignatorRule(NamedTuple):
    name: str
    code_sets: tuple[int, ...] = ()  # allowed CODE SET values (empty: any)
    associations: tuple[int, ...] = ()  # allowed ASSOCIATION values (empty: any)
    lengths: tuple[int, ...] = ()  # allowed DESIGNATOR LENGTH values (empty: any)
    read: _Reader | None = None


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _t10_vendor(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
    if len(d) < 8:
        findings.append(f"T10 vendor ID based designator has {len(d)} bytes; the T10 VENDOR "
                        "IDENTIFICATION alone is 8")
        return []
    out = [Field("t10_vendor_id", "vendor id",
                 d[:8].decode("ascii", "backslashreplace").rstrip(" \x00"))]
    rest = d[8:]
    if rest:
        text = head.code_set in (ASCII, UTF8)
        out.append(Field("vendor_specific", "vendor specific",
                         rest.decode("utf-8", "backslashreplace") if text else "0x" + rest.hex()))
    return out


def _eui64(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
    if len(d) == 16:
        return [Field("identifier_extension", "identifier extension", _int(d[:8])),
                Field("company_id", "IEEE company ID", _int(d[8:11]), 6),
                Field("vendor_specific_extension", "vendor specific extension identifier",
                      _int(d[11:16]))]
    if len(d) not in (8, 12):
        return []
    out = [Field("company_id", "IEEE company ID", _int(d[:3]), 6),
           Field("vendor_specific_extension", "vendor specific extension identifier",
                 _int(d[3:8]))]
    if len(d) == 12:
        out.append(Field("directory_id", "directory ID", _int(d[8:12])))
    return out


# NAA value -> (name, length SPC gives it)
NAA_FORMATS = {0x2: ("IEEE Extended", 8), 0x3: ("Locally Assigned", 8),
               0x5: ("IEEE Registered", 8), 0x6: ("IEEE Registered Extended", 16)}


def _naa(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
    if not d:
        return []
    naa = d[0] >> 4
    known = NAA_FORMATS.get(naa)
    if known is None:
        findings.append(f"NAA {naa:x}h is reserved (SPC defines 2h, 3h, 5h and 6h)")
        return [Field("naa", "NAA", naa)]
    name, length = known
    if len(d) != length:
        findings.append(f"NAA {naa:x}h ({name}) designator has {len(d)} bytes, {length} "
                        "expected")
        return [Field("naa", "NAA", naa)]
    value = _int(d[:8]) & ((1 << 60) - 1)  # the 60 bits after the NAA field
    out = [Field("naa", "NAA", naa)]
    if naa == 0x2:
        out += [Field("vendor_specific_identifier_a", "vendor specific identifier A",
                      value >> 48),
                Field("company_id", "IEEE company ID", (value >> 24) & 0xFFFFFF, 6),
                Field("vendor_specific_identifier_b", "vendor specific identifier B",
                      value & 0xFFFFFF)]
    elif naa == 0x3:
        out.append(Field("locally_administered_value", "locally administered value", value))
    else:
        out += [Field("company_id", "IEEE company ID", value >> 36, 6),
                Field("vendor_specific_identifier", "vendor specific identifier",
                      value & ((1 << 36) - 1))]
        if naa == 0x6:
            out.append(Field("vendor_specific_identifier_extension",
                             "vendor specific identifier extension", _int(d[8:16])))
    return out


def _two_byte(key: str, label: str) -> _Reader:
    """Types 4h-6h: a 16-bit number in bytes 2-3 of a 4-byte designator."""

    def read(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
        if len(d) != 4:
            return []
        if key == "relative_target_port" and _int(d[2:4]) == 0:
            findings.append("relative target port identifier 0 is reserved")
        return [Field(key, label, _int(d[2:4]))]

    return read


def _md5(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
    return [Field("md5", "MD5 logical unit identifier", "0x" + d.hex())] if d else []


def _name_string(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
    if len(d) % 4:
        findings.append(f"SCSI name string length {len(d)} is not a multiple of 4")
    if 0 not in d:
        findings.append("SCSI name string is not null-terminated")
    name = d.split(b"\x00", 1)[0].decode("utf-8", "backslashreplace")
    return [Field("scsi_name_string", "SCSI name string", name)]


def _port_identifier(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
    if not head.piv:
        findings.append("protocol specific port identifier without PIV set (its meaning "
                        "depends on the protocol identifier)")
    if len(d) != 4:
        return []
    if head.protocol == UAS:
        return [Field("usb_device_address", "USB device address", d[0] & 0x7F),
                Field("usb_interface_number", "USB interface number", d[2])]
    if head.protocol == SOP:
        return [Field("pcie_routing_id", "PCIe routing ID", _int(d[:2])),
                Field("pcie_bus", "bus number", d[0]),
                Field("pcie_device", "device number", d[1] >> 3),
                Field("pcie_function", "function number", d[1] & 0x07),
                Field("pcie_ari_function", "function number (ARI)", d[1])]
    findings.append(f"protocol specific port identifier for protocol {head.protocol:x}h; "
                    "SPC defines it for USB (9h) and PCI Express (Ah)")
    return []


def _uuid(d: bytes, head: _Header, findings: list[str]) -> list[Field]:
    if len(d) != 18:
        return []
    kind = d[0] >> 4
    if kind != 0x1:
        findings.append(f"UUID TYPE {kind:x}h is reserved (1h: locally assigned)")
    return [Field("uuid_type", "UUID type", kind),
            Field("uuid", "locally assigned UUID" if kind == 1 else "UUID",
                  str(uuid.UUID(bytes=d[2:18])))]


#: DESIGNATOR TYPE -> what SPC-5 says of it.  Names as sg3_utils prints them.
RULES: dict[int, DesignatorRule] = {
    0x0: DesignatorRule("Vendor specific [0x0]"),
    0x1: DesignatorRule("T10 vendor identification", read=_t10_vendor),
    0x2: DesignatorRule("EUI-64 based", (BINARY,), (), (8, 12, 16), _eui64),
    0x3: DesignatorRule("NAA", (BINARY,), read=_naa),
    0x4: DesignatorRule("Relative target port", (BINARY,), (TARGET_PORT,), (4,),
                        _two_byte("relative_target_port", "Relative target port")),
    0x5: DesignatorRule("Target port group", (BINARY,), (TARGET_PORT,), (4,),
                        _two_byte("target_port_group", "Target port group")),
    0x6: DesignatorRule("Logical unit group", (BINARY,), (LOGICAL_UNIT,), (4,),
                        _two_byte("logical_unit_group", "Logical unit group")),
    0x7: DesignatorRule("MD5 logical unit identifier", (BINARY,), (LOGICAL_UNIT,), (16,),
                        _md5),
    0x8: DesignatorRule("SCSI name string", (UTF8,), read=_name_string),
    0x9: DesignatorRule("Protocol specific port identifier", (BINARY,), (TARGET_PORT,), (4,),
                        _port_identifier),
    0xA: DesignatorRule("UUID identifier", (BINARY,), (), (18,), _uuid),
}

CODE_SET_NAMES = {0x1: "Binary", 0x2: "ASCII", 0x3: "UTF-8"}
ASSOCIATION_NAMES = {0x0: "addressed logical unit", 0x1: "target port",
                     0x2: "SCSI target device that contains the addressed logical unit"}


def _header_findings(rule: DesignatorRule, head: _Header, length: int) -> list[str]:
    out: list[str] = []
    if rule.code_sets and head.code_set not in rule.code_sets:
        want = " or ".join(CODE_SET_NAMES[c] for c in rule.code_sets)
        have = CODE_SET_NAMES.get(head.code_set, f"reserved {head.code_set:x}h")
        out.append(f"{rule.name} designator with code set {have}; SPC gives it {want}")
    if rule.associations and head.association not in rule.associations:
        want = " or ".join(ASSOCIATION_NAMES[a] for a in rule.associations)
        out.append(f"{rule.name} designator associated with the "
                   f"{ASSOCIATION_NAMES.get(head.association, 'reserved association 3h')}; "
                   f"SPC associates it with the {want}")
    if rule.lengths and length not in rule.lengths:
        want = ", ".join(str(n) for n in rule.lengths)
        out.append(f"{rule.name} designator of {length} bytes; SPC gives it {want}")
    return out


def read_designator(designator_type: int, code_set: int, association: int, piv: bool,
                    protocol: int, designator: bytes) -> tuple[list[Field], list[str]]:
    """The designator's fields and SPC's findings on it (empty when it keeps every rule)."""
    findings: list[str] = []
    if code_set not in CODE_SET_NAMES:
        findings.append(f"code set {code_set:x}h is reserved")
    if association not in ASSOCIATION_NAMES:
        findings.append("association 3h is reserved")
    rule = RULES.get(designator_type)
    if rule is None:
        findings.append(f"designator type {designator_type:x}h is reserved")
        return [], findings
    head = _Header(code_set, association, piv, protocol)
    findings += _header_findings(rule, head, len(designator))
    fields = rule.read(designator, head, findings) if rule.read is not None else []
    return fields, findings
