"""Designators as the Device Identification VPD page (83h) defines them, and SPC's checks.

Expected values are derived by hand from SPC-5 (T10/BSR INCITS 502), "Device Identification
VPD page" and its designator format subclauses; each test writes its bytes out.  The header
byte 0 is PROTOCOL IDENTIFIER (7-4) / CODE SET (3-0: 1h binary, 2h ASCII, 3h UTF-8), byte 1
PIV (7) / ASSOCIATION (5-4: 0 logical unit, 1 target port, 2 target device) / DESIGNATOR TYPE
(3-0), byte 3 DESIGNATOR LENGTH.  The UUID is written as RFC 4122 §3 spells it: the 16 bytes
as hex in groups of 8-4-4-4-12 digits.  The sg3_utils lines quoted come from Debian's
sg3-utils 1.46-3 (``sg_decode_sense``), run on the same descriptor inside 0Eh sense data.
"""

from __future__ import annotations

import json

import pytest
from iscsitgt_spt.codec.sense.decoder import DeviceDesignationDescriptor, decode_sense
from iscsitgt_spt.codec.sense.designation import Designator, decode_designator

WHERE = "device designation descriptor at byte 8"


def _designator(head: str, value: str) -> tuple[Designator, list[str]]:
    """Decode ``head`` (bytes 0-1 of the designation descriptor) with ``value`` after it."""
    data = bytes.fromhex(head) + b"\x00" + bytes([len(bytes.fromhex(value))]) + \
        bytes.fromhex(value)
    warnings: list[str] = []
    d = decode_designator(data, "here", warnings)
    assert d is not None
    assert warnings == [f"here: {f}" for f in d.findings]
    return d, list(d.findings)


def _values(d: Designator) -> dict[str, object]:
    return {f.key: f.value for f in d.fields}


def test_naa_2_ieee_extended() -> None:
    # 01 03: binary, LU, NAA.  200abc0014051234 in nibbles: NAA 2h | VENDOR SPECIFIC
    # IDENTIFIER A 00ah (bits 59-48) | IEEE COMPANY_ID bc0014h (47-24) | VENDOR SPECIFIC
    # IDENTIFIER B 051234h (23-0).
    d, findings = _designator("01 03", "20 0a bc 00 14 05 12 34")
    assert findings == []
    assert _values(d) == {"naa": 2, "vendor_specific_identifier_a": 0x00A,
                          "company_id": 0xBC0014, "vendor_specific_identifier_b": 0x051234}
    assert d.format_name == "NAA 2 (IEEE Extended)"


def test_naa_3_locally_assigned() -> None:
    # 3122334455667788: NAA 3h | LOCALLY ADMINISTERED VALUE 122334455667788h (60 bits).
    d, findings = _designator("01 03", "31 22 33 44 55 66 77 88")
    assert findings == []
    assert _values(d) == {"naa": 3, "locally_administered_value": 0x122334455667788}


def test_naa_5_ieee_registered() -> None:
    # 50 01 40 5a bc de f0 12: NAA 5h | company ID 001405h (bits 59-36) | VSI abcdef012h.
    d, findings = _designator("01 03", "50 01 40 5a bc de f0 12")
    assert findings == []
    assert _values(d) == {"naa": 5, "company_id": 0x001405,
                          "vendor_specific_identifier": 0xABCDEF012}
    # sg3_utils (sg_vpd --long) names the same split "AOI: 0x1405, Vendor Specific
    # Identifier: 0xabcdef012"; its default text is the hex alone.
    assert "    IEEE company ID: 0x001405" in d.describe_lines("")


@pytest.mark.parametrize(("value", "finding"), [
    # NAA 5 with 16 bytes: SPC gives it 8.
    ("50 01 40 5a bc de f0 12 00 00 00 00 00 00 00 00",
     "NAA 5h (IEEE Registered) designator has 16 bytes, 8 expected"),
    # NAA 6 with 8 bytes: SPC gives it 16.
    ("60 01 40 5a bc de f0 12", "NAA 6h (IEEE Registered Extended) designator has 8 bytes, "
     "16 expected"),
    # NAA 1h is not defined by SPC (it is Fibre Channel's IEEE 48-bit form, not SCSI's).
    ("10 00 00 00 00 00 00 01", "NAA 1h is reserved (SPC defines 2h, 3h, 5h and 6h)"),
])
def test_naa_findings(value: str, finding: str) -> None:
    assert _designator("01 03", value)[1] == [finding]


def test_naa_code_set_must_be_binary() -> None:
    # 02 03: ASCII code set with an NAA designator.
    assert _designator("02 03", "50 01 40 5a bc de f0 12")[1] == [
        "NAA designator with code set ASCII; SPC gives it Binary"]


def test_t10_vendor_id_split() -> None:
    # 02 01: ASCII, LU, T10 vendor ID based | "LIO-ORG " then "disk0001".
    d, findings = _designator("02 01", "4c 49 4f 2d 4f 52 47 20 64 69 73 6b 30 30 30 31")
    assert findings == []
    assert _values(d) == {"t10_vendor_id": "LIO-ORG", "vendor_specific": "disk0001"}
    # sg_decode_sense prints "vendor id: LIO-ORG " and "vendor specific: disk0001".
    assert d.describe_lines("")[-2:] == ["    vendor id: LIO-ORG",
                                         "    vendor specific: disk0001"]


def test_t10_vendor_id_shorter_than_the_vendor_field() -> None:
    assert _designator("02 01", "41 42 43")[1] == [
        "T10 vendor ID based designator has 3 bytes; the T10 VENDOR IDENTIFICATION alone is 8"]


@pytest.mark.parametrize(("value", "fields"), [
    # EUI-64: company ID 0-2, vendor specific extension identifier 3-7.
    ("00 11 22 33 44 55 66 77",
     {"company_id": 0x001122, "vendor_specific_extension": 0x3344556677}),
    # EUI-64 based 12-byte: the same, then DIRECTORY ID 8-11.
    ("00 11 22 33 44 55 66 77 de ad be ef",
     {"company_id": 0x001122, "vendor_specific_extension": 0x3344556677,
      "directory_id": 0xDEADBEEF}),
    # EUI-64 based 16-byte: IDENTIFIER EXTENSION 0-7, company ID 8-10, extension 11-15.
    ("01 02 03 04 05 06 07 08 00 11 22 33 44 55 66 77",
     {"identifier_extension": 0x0102030405060708, "company_id": 0x001122,
      "vendor_specific_extension": 0x3344556677}),
])
def test_eui64_forms(value: str, fields: dict[str, int]) -> None:
    d, findings = _designator("01 02", value)
    assert findings == [] and _values(d) == fields


def test_eui64_length_outside_the_three_forms() -> None:
    d, findings = _designator("01 02", "00 11 22 33 44 55")
    assert findings == ["EUI-64 based designator of 6 bytes; SPC gives it 8, 12, 16"]
    assert d.fields == ()


def test_relative_target_port() -> None:
    # 61 94: SAS (6h), binary | PIV 1, association 1 (target port), type 4 | 00 00 00 02.
    d, findings = _designator("61 94", "00 00 00 02")
    assert findings == [] and _values(d) == {"relative_target_port": 2}
    # sg_decode_sense 1.46: "Relative target port: 0x2"
    assert "      Relative target port: 0x2" in d.describe_lines("  ")
    assert d.protocol_name == "SAS serial SCSI (SPL)"


def test_relative_target_port_checks() -> None:
    # association 0 (LU), length 2, and the value would be reserved 0 if it were whole.
    assert _designator("01 04", "00 00")[1] == [
        "Relative target port designator associated with the addressed logical unit; SPC "
        "associates it with the target port",
        "Relative target port designator of 2 bytes; SPC gives it 4"]
    assert _designator("01 14", "00 00 00 00")[1] == [
        "relative target port identifier 0 is reserved"]


def test_target_port_group_and_logical_unit_group() -> None:
    tpg, findings = _designator("01 15", "00 00 80 01")  # target port, type 5
    assert findings == [] and _values(tpg) == {"target_port_group": 0x8001}
    lug, findings = _designator("01 06", "00 00 00 07")  # logical unit, type 6
    assert findings == [] and _values(lug) == {"logical_unit_group": 7}
    # a logical unit group associated with a target port: SPC says logical unit
    assert _designator("01 16", "00 00 00 07")[1] == [
        "Logical unit group designator associated with the target port; SPC associates it "
        "with the addressed logical unit"]


def test_md5_logical_unit_identifier() -> None:
    value = "d4 1d 8c d9 8f 00 b2 04 e9 80 09 98 ec f8 42 7e"  # MD5("")
    d, findings = _designator("01 07", value)
    assert findings == []
    assert _values(d) == {"md5": "0xd41d8cd98f00b204e9800998ecf8427e"}
    assert _designator("01 07", "d4 1d 8c d9")[1] == [
        "MD5 logical unit identifier designator of 4 bytes; SPC gives it 16"]


def test_scsi_name_string() -> None:
    # 53 98: iSCSI, UTF-8 | PIV, target port, type 8 | "iqn.2003-01.org.x" + NUL pad to 20.
    name = b"iqn.2003-01.org.x".hex() + "00 00 00"
    d, findings = _designator("53 98", name)
    assert findings == [] and _values(d) == {"scsi_name_string": "iqn.2003-01.org.x"}
    assert d.describe_lines("")[-1] == "    SCSI name string: iqn.2003-01.org.x"


def test_scsi_name_string_checks() -> None:
    # binary code set, 5 bytes (not a multiple of 4), no NUL
    assert _designator("51 98", b"iqn.x".hex())[1] == [
        "SCSI name string designator with code set Binary; SPC gives it UTF-8",
        "SCSI name string length 5 is not a multiple of 4",
        "SCSI name string is not null-terminated"]


def test_usb_target_port() -> None:
    # 91 99: UAS (9h), binary | PIV, target port, type 9 | byte 0 85h: device address 05h
    # (bit 7 reserved) | 00 | interface number 02h | 00.
    d, findings = _designator("91 99", "85 00 02 00")
    assert findings == []
    assert _values(d) == {"usb_device_address": 5, "usb_interface_number": 2}


def test_pcie_routing_id() -> None:
    # a1 99: SOP (Ah) | routing ID 0312h: bus 03h, byte 1 12h = 00010 010b: device 2,
    # function 2 (or, with ARI, function 12h).
    d, findings = _designator("a1 99", "03 12 00 00")
    assert findings == []
    assert _values(d) == {"pcie_routing_id": 0x0312, "pcie_bus": 3, "pcie_device": 2,
                          "pcie_function": 2, "pcie_ari_function": 0x12}


def test_protocol_specific_port_identifier_checks() -> None:
    # PIV clear and FCP (0h): SPC defines it for USB and PCI Express only, with PIV set.
    assert _designator("01 19", "03 12 00 00")[1] == [
        "protocol specific port identifier without PIV set (its meaning depends on the "
        "protocol identifier)",
        "protocol specific port identifier for protocol 0h; SPC defines it for USB (9h) and "
        "PCI Express (Ah)"]


def test_uuid_formatted_per_rfc_4122() -> None:
    # 01 0a: binary, LU, UUID | 10: UUID TYPE 1h (locally assigned) | 00 | 16 bytes.
    # RFC 4122 §3: time_low (4 bytes) - time_mid (2) - time_hi_and_version (2) -
    # clock_seq (2) - node (6), lower-case hex.
    d, findings = _designator("01 0a", "10 00 f8 1d 4f ae 7d ec 11 d0 a7 65 00 a0 c9 1e 6b f6")
    assert findings == []
    assert _values(d) == {"uuid_type": 1, "uuid": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}
    # sg_decode_sense 1.46: "Locally assigned UUID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
    assert d.describe_lines("")[-1] == (
        "    locally assigned UUID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6")


def test_uuid_checks() -> None:
    assert _designator("01 0a", "20 00" + " 00" * 16)[1] == [
        "UUID TYPE 2h is reserved (1h: locally assigned)"]
    assert _designator("02 0a", "10 00" + " 00" * 14)[1] == [
        "UUID identifier designator with code set ASCII; SPC gives it Binary",
        "UUID identifier designator of 16 bytes; SPC gives it 18"]


def test_reserved_type_code_set_and_association() -> None:
    # 0f 3b: code set Fh (reserved) | association 3 (reserved), type Bh (reserved)
    d, findings = _designator("0f 3b", "01")
    assert findings == ["code set fh is reserved", "association 3h is reserved",
                        "designator type bh is reserved"]
    assert d.type_name == "Reserved [0xb]" and d.fields == ()


def test_findings_reach_the_sense_buffer_and_json() -> None:
    # 72 06 .. | 0e 0a 00 01 | 01 04 00 04 00 00 00 01: relative target port with LU assoc.
    info = decode_sense(bytes.fromhex("72 06 00 00 00 00 00 0c 0e 0a 00 01 01 04 00 04"
                                      " 00 00 00 01"))
    (desc,) = info.descriptors
    assert isinstance(desc, DeviceDesignationDescriptor)
    finding = ("Relative target port designator associated with the addressed logical unit; "
               "SPC associates it with the target port")
    assert info.warnings == (f"{WHERE}: {finding}",)
    out = json.loads(json.dumps(info.to_dict()))["descriptors"][0]["designator"]
    assert out["findings"] == [finding] and out["value"] == {"relative_target_port": 1}
