"""SPC-5's newer sense data descriptors: forwarded sense data (0Ch), device designation (0Eh),
microcode activation (0Fh).

Expected values are derived by hand from SPC-5 (T10/BSR INCITS 502):

- "Forwarded sense data sense data descriptor": byte 0 type 0Ch, byte 1 ADDITIONAL LENGTH
  (n-1), byte 2 bit 7 FSDT, bits 3-0 SENSE DATA SOURCE, byte 3 FORWARDED STATUS (SAM-5 status
  codes: 02h CHECK CONDITION ...), bytes 4-n the forwarded sense data;
- "Device designation sense data descriptor": byte 0 type 0Eh, byte 1 ADDITIONAL LENGTH (n-1),
  byte 3 DESCRIPTOR USAGE REASON, bytes 4-n one designation descriptor laid out as in the
  Device Identification VPD page (byte 0 PROTOCOL IDENTIFIER 7-4 / CODE SET 3-0, byte 1 PIV 7 /
  ASSOCIATION 5-4 / DESIGNATOR TYPE 3-0, byte 3 DESIGNATOR LENGTH, then the designator);
- "Microcode activation time sense data descriptor": byte 0 type 0Fh, byte 1 ADDITIONAL
  LENGTH 06h, bytes 6-7 MICROCODE ACTIVATION TIME in seconds (0: unknown).

Lines marked "sg_decode_sense:" are the output of Debian's sg3-utils 1.46-3 for the same bytes.
"""

from __future__ import annotations

import json

import pytest
from iscsitgt_spt.codec.sense.decoder import (
    MAX_FORWARDED_DEPTH,
    DeviceDesignationDescriptor,
    ForwardedSenseDescriptor,
    MicrocodeActivationDescriptor,
    RawDescriptor,
    SenseInfo,
    decode_sense,
)
from iscsitgt_spt.spec.constants import SenseKey

# sg3_utils' documented example: fixed/current, Medium Error, 11h/00h, information 1234h.
NESTED = "f0 00 03 00 00 12 34 0a 00 00 00 00 11 00 00 00 00 00"


def _decode(text: str) -> SenseInfo:
    return decode_sense(bytes.fromhex(text))


def _forward(inner: bytes, head: int = 0x82, status: int = 0x02) -> bytes:
    """72h/0Ah (Copy Aborted) sense data holding one 0Ch descriptor around ``inner``."""
    body = bytes([head, status]) + inner
    return bytes([0x72, 0x0A, 0, 0, 0, 0, 0, 2 + len(body), 0x0C, len(body)]) + body


def test_forwarded_sense_data_is_decoded_recursively() -> None:
    # 72 0a 00 00 .. 16h | 0c 14h | 82 = FSDT | source 2h | 02 CHECK CONDITION | 18 bytes
    info = decode_sense(_forward(bytes.fromhex(NESTED)))
    (desc,) = info.descriptors
    assert isinstance(desc, ForwardedSenseDescriptor)
    assert (desc.truncated, desc.source, desc.status) == (True, 2, 0x02)
    assert desc.source_name == "EXTENDED COPY command copy destination 1"
    assert desc.sense == decode_sense(bytes.fromhex(NESTED))
    assert desc.sense is not None and desc.sense.sense_key is SenseKey.MEDIUM_ERROR
    assert info.warnings == ()
    # sg_decode_sense: "FSDT: set / Sense data source: Extended copy command destination
    # device 1 / Forwarded status: Check Condition", then the nested decode between
    # vvvv / ^^^^ markers.
    assert info.format_text().splitlines()[2:] == [
        "  Descriptor type: Forwarded sense data",
        "    FSDT: set (truncated)",
        "    Sense data source: EXTENDED COPY command copy destination 1",
        "    Forwarded status: CHECK CONDITION",
        "    Forwarded sense data:",
        "      Fixed format, current; Sense key: Medium Error",
        "      Additional sense: 11h/00h  Unrecovered read error",
        "        Info fld=0x1234 [4660]",
    ]
    out = json.loads(json.dumps(info.to_dict()))["descriptors"][0]
    assert out["status_name"] == "CHECK CONDITION"
    assert out["sense"]["information"] == 0x1234


@pytest.mark.parametrize(
    ("source", "name"),
    [
        # sg_decode_sense 1.46 reads 0h as "Extended copy command source device" and 1h as
        # "... destination device 0"; FreeBSD's SSD_FORWARDED_SDS_* and sg3_utils' later JSON
        # decoder read 0h unknown, 1h source, 2h.. destinations — we follow the latter.
        (0x0, "unknown"),
        (0x1, "EXTENDED COPY command copy source"),
        (0x9, "EXTENDED COPY command copy destination 8"),
        (0xA, "reserved [0xa]"),
    ],
)
def test_sense_data_source_names(source: int, name: str) -> None:
    (desc,) = decode_sense(_forward(b"", head=source)).descriptors
    assert isinstance(desc, ForwardedSenseDescriptor)
    assert desc.source_name == name and desc.sense is None


def test_forwarded_findings_reach_the_record() -> None:
    # nested: 10 bytes whose additional length (0ah) claims 10 more, 2 present.
    info = decode_sense(_forward(bytes.fromhex("70 00 03 00 00 00 00 0a 00 00")))
    (desc,) = info.descriptors
    assert isinstance(desc, ForwardedSenseDescriptor) and desc.sense is not None
    assert info.warnings[0] == ("forwarded sense data descriptor at byte 8: additional sense "
                                "length claims 10 bytes, 2 present")


def test_forwarded_bytes_that_are_not_sense_data_are_kept() -> None:
    info = decode_sense(_forward(bytes.fromhex("01 12 34")))  # response code 01h
    (desc,) = info.descriptors
    assert isinstance(desc, ForwardedSenseDescriptor) and desc.sense is None
    assert desc.raw[2:] == bytes.fromhex("011234")
    assert info.warnings == ("forwarded sense data descriptor at byte 8: forwarded bytes are "
                             "not sense data (response code 0x01); kept as bytes",)
    assert "    Forwarded sense bytes (not decoded): 01 12 34" in info.format_text().splitlines()


def test_forwarding_is_followed_to_a_bound() -> None:
    data = bytes.fromhex(NESTED)
    for _ in range(MAX_FORWARDED_DEPTH + 2):
        data = _forward(data)
    info = decode_sense(data)
    levels = 0
    while True:
        (desc,) = info.descriptors
        assert isinstance(desc, ForwardedSenseDescriptor)
        if desc.sense is None:
            break
        info, levels = desc.sense, levels + 1
    # the outermost decode and MAX_FORWARDED_DEPTH nested ones; the next level is bytes
    assert levels == MAX_FORWARDED_DEPTH
    assert info.warnings == ("forwarded sense data descriptor at byte 8: nested deeper than "
                             "the decoder follows; kept as bytes",)


# 72; 06 Unit Attention; 3f 00; byte 7 18h | 0e 16h | 00 | 01 usage reason 1
#   01: protocol 0, code set 1 (binary) | 03: PIV 0, association 0 (LU), type 3 (NAA)
#   00 | 10: 16 bytes | 60 01 40 5a ...: NAA 6 (IEEE Registered Extended)
_NAA = ("72 06 3f 00 00 00 00 18 0e 16 00 01 01 03 00 10"
        " 60 01 40 5a bc de f0 12 34 56 78 9a bc de f0 12")


def test_device_designation_naa() -> None:
    info = _decode(_NAA)
    (desc,) = info.descriptors
    assert isinstance(desc, DeviceDesignationDescriptor) and desc.usage_reason == 1
    d = desc.designator
    assert d is not None
    assert (d.protocol_identifier, d.code_set, d.piv, d.association, d.designator_type) == (
        0, 1, False, 0, 3)
    assert d.designator == bytes.fromhex("6001405abcdef0123456789abcdef012")
    assert d.format_name == "NAA 6 (IEEE Registered Extended)" and d.text is None
    assert d.protocol_name is None  # PIV clear
    # sg_decode_sense: "Usage reason: resend this and further commands to: / Addressed
    # logical unit: / designator type: NAA,  code set: Binary / 0x6001405abcdef012...012".
    # SPC-5 NAA 6h: NAA (bits 127-124) 6h, IEEE COMPANY_ID (123-100) 001405h, VENDOR SPECIFIC
    # IDENTIFIER (99-64) abcdef012h, VENDOR SPECIFIC IDENTIFIER EXTENSION (63-0).
    assert info.format_text().splitlines()[2:] == [
        "  Descriptor type: Device designation",
        "    Usage reason: resend this and further commands to the designated device",
        "    designator type: NAA,  code set: Binary",
        "    associated with the addressed logical unit",
        "      NAA 6 (IEEE Registered Extended): 0x6001405abcdef0123456789abcdef012",
        "        NAA: 0x6",
        "        IEEE company ID: 0x001405",
        "        vendor specific identifier: 0xabcdef012",
        "        vendor specific identifier extension: 0x3456789abcdef012",
    ]
    out = json.loads(json.dumps(info.to_dict()))["descriptors"][0]["designator"]
    assert out["designator"] == "6001405abcdef0123456789abcdef012"
    assert (out["designator_type_name"], out["code_set_name"]) == ("NAA", "Binary")


def test_device_designation_utf8_name_with_protocol() -> None:
    # 0e 0a | 00 02 | 53: protocol 5 (iSCSI), code set 3 (UTF-8) | 98: PIV 1, association 1
    # (target port), type 8 (SCSI name string) | 00 04 | "iqn1"
    info = _decode("72 06 3f 00 00 00 00 0c 0e 0a 00 02 53 98 00 04 69 71 6e 31")
    (desc,) = info.descriptors
    assert isinstance(desc, DeviceDesignationDescriptor) and desc.designator is not None
    assert desc.designator.text == "iqn1" and desc.designator.protocol_name == "iSCSI"
    # sg_decode_sense: "Target port: / designator type: SCSI name string,  code set: UTF-8
    # / transport: Internet SCSI (iSCSI) / SCSI name string: / iqn1".  SPC-5 wants the
    # string null-terminated (and its length a multiple of 4): "iqn1" has no NUL.
    assert info.format_text().splitlines()[3:] == [
        "    Usage reason: resend this command to the designated device",
        "    designator type: SCSI name string,  code set: UTF-8",
        "    associated with the target port",
        "    transport: iSCSI",
        "        SCSI name string: iqn1",
        "  Warning: device designation descriptor at byte 8: SCSI name string is not "
        "null-terminated",
    ]


def test_device_designation_eui64() -> None:
    # 01 02: binary, EUI-64 based | 00 08 | 8 bytes.  sg_decode_sense: "0x0011223344556677"
    info = _decode("72 06 3f 00 00 00 00 10 0e 0e 00 00 01 02 00 08 00 11 22 33 44 55 66 77")
    (desc,) = info.descriptors
    assert isinstance(desc, DeviceDesignationDescriptor) and desc.designator is not None
    assert desc.designator.format_name == "EUI-64"
    # SPC-5 EUI-64 (8 bytes): bytes 0-2 IEEE COMPANY_ID, 3-7 VENDOR SPECIFIC EXTENSION ID.
    assert info.format_text().splitlines()[-3:] == [
        "      EUI-64: 0x0011223344556677",
        "        IEEE company ID: 0x001122",
        "        vendor specific extension identifier: 0x3344556677"]


def test_device_designation_with_a_cut_designator() -> None:
    # designator length 10h, but the descriptor (0e 08) holds only 2 of its bytes.
    info = _decode("72 06 3f 00 00 00 00 0a 0e 08 00 01 01 03 00 10 60 01")
    (desc,) = info.descriptors
    assert isinstance(desc, DeviceDesignationDescriptor) and desc.designator is not None
    assert desc.designator.designator == bytes.fromhex("6001")
    assert info.warnings == ("device designation descriptor at byte 8: designator length 16, "
                             "2 bytes present",)


def test_device_designation_without_room_for_a_designation_header() -> None:
    info = _decode("72 06 3f 00 00 00 00 06 0e 04 00 01 01 03")
    (desc,) = info.descriptors
    assert isinstance(desc, RawDescriptor) and desc.name == "Device designation (too short)"
    assert info.warnings == (
        "device designation descriptor at byte 8 has 4 bytes, 6 expected; kept raw",)


@pytest.mark.parametrize(("time", "seconds", "text"),
                         [("00 3c", 60, "60 seconds"), ("00 00", 0, "unknown")])
def test_microcode_activation_time(time: str, seconds: int, text: str) -> None:
    # 0f 06 | 00 00 00 00 | time.  sg_decode_sense: "Microcode activation time: 60 seconds"
    # and "... time: unknown" for 0.
    info = _decode(f"72 06 3f 01 00 00 00 08 0f 06 00 00 00 00 {time}")
    (desc,) = info.descriptors
    assert isinstance(desc, MicrocodeActivationDescriptor) and desc.activation_time == seconds
    assert info.format_text().splitlines()[2] == (
        f"  Descriptor type: Microcode activation time: {text}")


def test_microcode_activation_too_short() -> None:
    info = _decode("72 06 3f 01 00 00 00 06 0f 04 00 00 00 00")
    (desc,) = info.descriptors
    assert isinstance(desc, RawDescriptor) and desc.name == "Microcode activation (too short)"
