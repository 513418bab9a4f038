"""Sense-buffer decoding, fixed and descriptor format (codec/sense/_layouts.py, through the
:mod:`~iscsitgt_spt.codec.sense.decoder` facade).

Expected values are derived by hand from the T10 SPC layouts (written next to each case) and,
where noted, checked against ``sg_decode_sense`` from Debian's sg3-utils 1.46-3, run here
(``sg_decode_sense <hex bytes>``): lines marked "sg_decode_sense:" are its output with the
trailing blank trimmed.  Fixed layout: byte 0 VALID|response code, byte 2 FILEMARK/EOM/ILI/
SDAT_OVFL|sense key, 3-6 information, 7 additional length, 8-11 command-specific, 12 ASC,
13 ASCQ, 14 FRU, 15-17 sense-key specific (15 bit 7 SKSV).  Descriptor layout: byte 1 sense
key, 2 ASC, 3 ASCQ, 4 bit 7 SDAT_OVFL, 7 additional length, then [type][length][body].
"""

from __future__ import annotations

import json

import pytest
from _sense_buffers import DESCRIPTORS, SENSE_LIKE
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.sense.decoder import (
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
    SenseInfo,
    SenseKeySpecificDescriptor,
    StreamCommandsDescriptor,
    UnitAttentionQueue,
    decode_sense,
)
from iscsitgt_spt.spec.constants import SenseKey, SenseResponseCode
from iscsitgt_spt.spec.errors import ParseError

# The example in sg3_utils' sg_decode_sense documentation.
PUBLISHED = bytes.fromhex("f0 00 03 00 00 12 34 0a 00 00 00 00 11 00 00 00 00 00")


def _decode(text: str) -> SenseInfo:
    return decode_sense(bytes.fromhex(text))


# --- fixed format ---------------------------------------------------------------------------
def test_published_example() -> None:
    # f0 = VALID(80h) | 70h fixed/current; 03 = Medium Error; 00 00 12 34 = information
    # 1234h; 0a = 10 more bytes (18 in all); 11 00 = ASC/ASCQ "Unrecovered read error".
    info = decode_sense(PUBLISHED)
    assert info.response_code is SenseResponseCode.FIXED_CURRENT
    assert not info.descriptor_format and not info.deferred
    assert info.valid is True
    assert info.sense_key is SenseKey.MEDIUM_ERROR
    assert (info.asc, info.ascq) == (0x11, 0x00)
    assert info.asc_ascq_text == "Unrecovered read error"
    assert info.information == 0x1234
    assert info.additional_length == 10
    assert info.sense_key_specific is None  # byte 15 = 00: SKSV clear
    assert info.warnings == ()
    # sg_decode_sense:
    assert info.format_text().splitlines() == [
        "Fixed format, current; Sense key: Medium Error",
        "Additional sense: 11h/00h  Unrecovered read error",
        "  Info fld=0x1234 [4660]",
    ]


def test_illegal_request_field_pointer_in_cdb() -> None:
    # 05 = Illegal Request; 24 00 = "Invalid field in cdb"; byte 15 c0 = 1100 0000b:
    # SKSV=1, C/D=1 (CDB), BPV=0 (no bit pointer); bytes 16-17 00 02 = field pointer 2.
    info = _decode("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 c0 00 02")
    sks = info.sense_key_specific
    assert isinstance(sks, FieldPointer)
    assert (sks.sksv, sks.command, sks.bit_pointer, sks.field_pointer) == (True, True, None, 2)
    assert info.valid is False and info.information == 0
    # sg_decode_sense:
    assert info.format_text().splitlines() == [
        "Fixed format, current; Sense key: Illegal Request",
        "Additional sense: 24h/00h  Invalid field in cdb",
        "  Sense Key Specific: Error in Command: byte 2",
    ]


def test_field_pointer_with_bit_pointer() -> None:
    # byte 15 cb = 1100 1011b: SKSV, C/D=1, BPV=1, bit pointer 011b = 3; bytes 16-17 = 1.
    info = _decode("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 cb 00 01")
    assert info.sense_key_specific == FieldPointer(True, bytes.fromhex("cb0001"), True, 3, 1)
    # sg_decode_sense:
    assert info.format_text().splitlines()[2] == (
        "  Sense Key Specific: Error in Command: byte 1 bit 3")


def test_field_pointer_in_parameter_list() -> None:
    # byte 15 80: SKSV only, so C/D=0 (parameter data); bytes 16-17 00 0c = byte 12.
    info = _decode("70 00 05 00 00 00 00 0a 00 00 00 00 26 00 00 80 00 0c")
    # sg_decode_sense:
    assert info.format_text().splitlines()[1:] == [
        "Additional sense: 26h/00h  Invalid field in parameter list",
        "  Sense Key Specific: Error in Data parameters: byte 12",
    ]


@pytest.mark.parametrize(
    ("progress", "percent", "text"),
    [
        # 4000h / 10000h = 1/4; sg_decode_sense: "25.00%"
        ("40 00", 25.0, "25.00%"),
        # 8000h / 10000h = 1/2
        ("80 00", 50.0, "50.00%"),
        # FFFFh: 6553500 // 65536 = 99, (6553500 % 65536) // 656 = 65436 // 656 = 99;
        # sg_decode_sense: "99.99%"
        ("ff ff", 65535 * 100 / 65536, "99.99%"),
    ],
)
def test_not_ready_progress_indication(progress: str, percent: float, text: str) -> None:
    # 02 = Not Ready; 04 04 = "Logical unit not ready, format in progress"; byte 15 80 = SKSV.
    info = _decode(f"70 00 02 00 00 00 00 0a 00 00 00 00 04 04 00 80 {progress}")
    sks = info.sense_key_specific
    assert isinstance(sks, ProgressIndication)
    assert sks.percent == pytest.approx(percent)
    assert info.format_text().splitlines()[2] == f"  Progress indication: {text}"


def test_retry_count_unit_attention_and_segment_pointer() -> None:
    # 01 = Recovered Error; 17 01 = "Recovered data with retries"; 80 00 07 = SKSV, 7 retries.
    recovered = _decode("70 00 01 00 00 00 00 0a 00 00 00 00 17 01 00 80 00 07")
    assert recovered.sense_key_specific == ActualRetryCount(True, bytes.fromhex("800007"), 7)
    # (sg_decode_sense prints this count as "0x0007"; we print decimal in both formats.)
    assert recovered.format_text().splitlines()[2] == "  Actual retry count: 7"

    # 71 = fixed/deferred; 06 = Unit Attention; 81 = SKSV | overflow bit 0.
    ua = _decode("71 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 81 00 00")
    assert ua.deferred and isinstance(ua.sense_key_specific, UnitAttentionQueue)
    assert ua.sense_key_specific.overflow is True
    # sg_decode_sense:
    assert ua.format_text().splitlines() == [
        "Fixed format, <<<deferred>>>; Sense key: Unit Attention",
        "Additional sense: 29h/00h  Power on, reset, or bus device reset occurred",
        "  Unit attention condition queue: overflow flag is 1",
    ]

    # 0a = Copy Aborted; a8 = 1010 1000b: SKSV, SD=1 (segment descriptor), BPV=1, bit 0;
    # 00 10 = byte 16.
    copy = _decode("70 00 0a 00 00 00 00 0a 00 00 00 00 0d 00 00 a8 00 10")
    assert copy.sense_key_specific == SegmentPointer(True, bytes.fromhex("a80010"), True, 0, 16)
    # sg_decode_sense:
    assert copy.format_text().splitlines()[2] == (
        "  Segment pointer: Relative to start of segment descriptor, byte 16 bit 0")


def test_fixed_flags_fru_and_command_specific() -> None:
    # byte 2 e3 = FILEMARK(80h) | EOM(40h) | ILI(20h) | Medium Error(3).
    flags = _decode("f0 00 e3 00 00 12 34 0a 00 00 00 00 00 00 00 00 00 00")
    assert (flags.filemark, flags.eom, flags.ili, flags.sdat_ovfl) == (True, True, True, False)
    assert flags.sense_key is SenseKey.MEDIUM_ERROR
    # (sg_decode_sense prints two spaces before FMK; we print one.)
    assert flags.format_text().splitlines()[2] == "  Info fld=0x1234 [4660] FMK EOM ILI"

    # byte 14 2a = FRU code 42; sg_decode_sense: "  Field replaceable unit code: 42"
    fru = _decode("70 00 04 00 00 00 00 0a 00 00 00 00 44 00 2a 00 00 00")
    assert fru.fru == 42
    assert fru.format_text().splitlines()[2] == "  Field replaceable unit code: 42"

    # bytes 8-11 de ad be ef = command-specific information
    cmd = _decode("70 00 03 00 00 00 00 0a de ad be ef 11 00 00 00 00 00")
    assert cmd.command_specific == 0xDEADBEEF


@pytest.mark.parametrize("bit", [7, 6, 5, 4])
def test_each_fixed_field_lands_in_its_own_place(bit: int) -> None:
    # SPC-5 fixed format, by hand: byte 0 = 70h (VALID clear) or F0h; byte 2 = one of
    # FILEMARK (bit 7), EOM (6), ILI (5), SDAT_OVFL (4) over sense key 4 (HARDWARE ERROR);
    # bytes 3-6 INFORMATION 01020304h; byte 7 additional length 0Ah; bytes 8-11
    # COMMAND-SPECIFIC INFORMATION 05060708h; byte 12 ASC 3Eh, 13 ASCQ 01h; 14 FRU 33h;
    # 15-17 sense-key specific with SKSV clear.  Every field differs from every other.
    data = bytes([0x70, 0, (1 << bit) | 0x04, 1, 2, 3, 4, 0x0A, 5, 6, 7, 8, 0x3E, 0x01, 0x33,
                  0, 0, 0])
    info = decode_sense(data)
    flags = {7: "filemark", 6: "eom", 5: "ili", 4: "sdat_ovfl"}
    assert {name: getattr(info, name) for name in flags.values()} == {
        name: on == bit for on, name in flags.items()}
    assert (info.response_code, info.valid, info.sense_key) == (0x70, False, 4)
    assert (info.information, info.additional_length, info.command_specific) == (
        0x01020304, 10, 0x05060708)
    assert (info.asc, info.ascq, info.fru) == (0x3E, 0x01, 0x33)
    assert info.raw == data and info.trailing == b"" and info.descriptors == ()
    assert info.sense_key_specific is None and info.ata_pass_through is None
    assert info.warnings == ()
    assert decode_sense(bytes([0xF0]) + data[1:]).valid is True


def test_sense_key_without_specific_layout_keeps_bytes() -> None:
    # 07 = Data Protect, for which SPC defines no sense-key-specific layout; 27 00 = "Write
    # protected"; bytes 15-17 80 12 34 = SKSV set, the rest kept as they are.
    info = _decode("70 00 07 00 00 00 00 0a 00 00 00 00 27 00 00 80 12 34")
    assert info.sense_key_specific == OpaqueSenseKeySpecific(True, bytes.fromhex("801234"))
    assert info.format_text().splitlines()[1:] == [
        "Additional sense: 27h/00h  Write protected",
        "  Sense Key Specific: 0x801234 (no layout defined for this sense key)",
    ]


def test_fixed_deferred_response_code() -> None:
    info = _decode("71 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00")
    assert info.response_code is SenseResponseCode.FIXED_DEFERRED
    assert info.deferred and not info.descriptor_format
    assert info.to_dict()["format"] == "fixed"


def test_zero_padding_is_quiet_other_leftovers_warn() -> None:
    # A 32-byte buffer whose additional length (0a) covers 18 bytes: 14 bytes of padding.
    padded = decode_sense(PUBLISHED + bytes(14))
    assert padded.trailing == bytes(14) and padded.warnings == ()
    assert padded.information == 0x1234
    leftover = decode_sense(PUBLISHED + b"\x01")
    assert leftover.trailing == b"\x01"
    assert leftover.warnings == (
        "1 byte after the 18-byte sense data (as the additional sense length gives it) "
        "not decoded",
    )


# --- descriptor format -----------------------------------------------------------------------
def test_descriptor_information_and_sense_key_specific() -> None:
    # 72 = descriptor/current; 03 = Medium Error; 11 00; byte 7 14h = 20 bytes of descriptors:
    #   00 0a 80 00 <00 00 00 00 00 00 12 34>: information, VALID=1, 1234h  (12 bytes)
    #   02 06 00 00 80 00 05 00: sense key specific, SKSV=1, retry count 0005h (8 bytes)
    info = _decode("72 03 11 00 00 00 00 14 00 0a 80 00 00 00 00 00 00 00 12 34"
                   " 02 06 00 00 80 00 05 00")
    assert info.descriptor_format and not info.deferred
    assert (info.sense_key, info.asc, info.ascq) == (SenseKey.MEDIUM_ERROR, 0x11, 0x00)
    first, second = info.descriptors
    assert isinstance(first, InformationDescriptor)
    assert (first.offset, first.valid, first.information) == (8, True, 0x1234)
    assert isinstance(second, SenseKeySpecificDescriptor) and second.offset == 20
    assert second.specific == ActualRetryCount(True, bytes.fromhex("800005"), 5)
    # summary fields mirror the descriptors
    assert (info.valid, info.information) == (True, 0x1234)
    assert info.sense_key_specific == second.specific
    assert info.warnings == ()
    # sg_decode_sense:
    assert info.format_text().splitlines() == [
        "Descriptor format, current; Sense key: Medium Error",
        "Additional sense: 11h/00h  Unrecovered read error",
        "  Descriptor type: Information: 0x0000000000001234",
        "  Descriptor type: Sense key specific: Actual retry count: 5",
    ]


def test_descriptor_deferred_fru_block_stream() -> None:
    # 73 = descriptor/deferred; 01 = Recovered Error; 17 01; 0c = 12 bytes:
    #   03 02 00 2a: FRU 2ah;  05 02 00 20: block, ILI set;  04 02 00 e0: FILEMARK EOM ILI
    info = _decode("73 01 17 01 00 00 00 0c 03 02 00 2a 05 02 00 20 04 02 00 e0")
    assert info.response_code is SenseResponseCode.DESCRIPTOR_DEFERRED and info.deferred
    fru, block, stream = info.descriptors
    assert isinstance(fru, FruDescriptor) and fru.code == 0x2A
    assert isinstance(block, BlockCommandsDescriptor) and block.ili
    assert isinstance(stream, StreamCommandsDescriptor)
    assert (stream.filemark, stream.eom, stream.ili) == (True, True, True)
    assert (info.fru, info.filemark, info.eom, info.ili) == (0x2A, True, True, True)
    lines = info.format_text().splitlines()
    # sg_decode_sense (first three lines):
    assert lines[:4] == [
        "Descriptor format, <<<deferred>>>; Sense key: Recovered Error",
        "Additional sense: 17h/01h  Recovered data with retries",
        "  Descriptor type: Field replaceable unit code: 0x2a",
        "  Descriptor type: Block commands: Incorrect Length Indicator (ILI) set",
    ]


def test_descriptor_another_progress_and_command_specific() -> None:
    # 0a 06 | 02 04 04 00 80 00: sense key 2, ASC/ASCQ 04/04, progress 8000h = 50%.
    # (sg_decode_sense 1.46 prints "50.020%" here: its format string is "%d.02%d%%".)
    progress = _decode("72 00 00 00 00 00 00 08 0a 06 02 04 04 00 80 00")
    (desc,) = progress.descriptors
    assert desc == AnotherProgressDescriptor(0x0A, 8, bytes.fromhex("020404008000"),
                                             2, 4, 4, 0x8000)
    # (1.46 then prints "[sense_key=0x2 asc,ascq=0x4,0x4]"; we name the key and write the
    # pair as the header's, code and text: 04h/04h is "Logical unit not ready, format in
    # progress" in sg3_utils' table.)
    assert progress.format_text().splitlines()[2] == (
        "  Descriptor type: Another progress indication: 50.00% "
        "[sense key: Not Ready, 04h/04h  Logical unit not ready, format in progress]")
    out = json.loads(json.dumps(progress.to_dict()))["descriptors"][0]
    assert (out["sense_key_name"], out["asc_ascq"], out["asc_ascq_text"]) == (
        "Not Ready", "04h/04h", "Logical unit not ready, format in progress")
    # 01 0a 00 00 <00 00 00 00 de ad be ef>: command specific
    command = _decode("72 05 24 00 00 00 00 0c 01 0a 00 00 00 00 00 00 de ad be ef")
    assert isinstance(command.descriptors[0], CommandSpecificDescriptor)
    assert command.command_specific == 0xDEADBEEF
    # sg_decode_sense:
    assert command.format_text().splitlines()[2] == (
        "  Descriptor type: Command specific: 0x00000000deadbeef")


def test_unknown_descriptor_kept_as_hex() -> None:
    # sdat_ovfl: byte 4 80h.  ff 04 01 02 03 04: vendor-specific type ffh, 4 bytes.
    info = _decode("72 05 24 00 80 00 00 06 ff 04 01 02 03 04")
    assert info.sdat_ovfl is True
    (desc,) = info.descriptors
    assert isinstance(desc, RawDescriptor) and desc.name == "Vendor specific"
    assert desc.to_dict()["raw"] == "01020304"
    assert "<<<Sense data overflow (SDAT_OVFL)>>>" in info.format_text().splitlines()


def test_truncated_descriptor_is_kept_raw_with_warnings() -> None:
    # additional length 08 ends the data at byte 16, but the information descriptor at byte 8
    # claims 0ah bytes: only 6 of them lie inside; the 4 bytes after byte 16 are leftovers.
    info = _decode("72 02 3a 00 00 00 00 08 00 0a 00 00 00 00 00 00 00 00 00 07")
    (desc,) = info.descriptors
    assert isinstance(desc, RawDescriptor) and desc.raw == bytes(6)
    assert info.information is None
    assert info.warnings == (
        "descriptor at byte 8 (type 0x00) claims 10 bytes, 6 present",
        "4 bytes after the 16-byte sense data (as the additional sense length gives it) "
        "not decoded",
    )


def test_descriptor_without_length_byte() -> None:
    # additional length 01: one byte of descriptors, a type with no length byte.
    info = _decode("72 05 24 00 00 00 00 01 02")
    assert info.descriptors == (RawDescriptor(0x02, 8, b""),)
    assert info.warnings == ("descriptor at byte 8 (type 0x02) has no length byte",)


# --- robustness ------------------------------------------------------------------------------
def test_empty_buffer_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as caught:
        decode_sense(b"")
    assert caught.value.offset == 0


@pytest.mark.parametrize("first", [0x00, 0x74, 0x6F, 0xF4, 0x7E])
def test_unknown_response_code_is_a_parse_error(first: int) -> None:
    # SPC-5 response codes: 70h-73h the four layouts, 7Fh vendor specific; nothing else.
    with pytest.raises(ParseError) as caught:
        decode_sense(bytes([first]) + bytes(17))
    assert caught.value.offset == 0
    assert caught.value.expected == "0x70-0x73 or 0x7f (vendor specific)"


@pytest.mark.parametrize("length", range(18))
def test_every_truncation_of_the_published_example(length: int) -> None:
    data = PUBLISHED[:length]
    if length == 0:
        with pytest.raises(ParseError):
            decode_sense(data)
        return
    info = decode_sense(data)
    assert info.warnings  # something is always missing below 18 bytes
    json.dumps(info.to_dict())
    assert info.format_text().startswith("Fixed format, current; Sense key: ")
    # byte 2 carries the sense key, bytes 3-6 the information, 12-13 the ASC/ASCQ
    assert info.sense_key == (SenseKey.MEDIUM_ERROR if length >= 3 else None)
    assert info.information == (0x1234 if length >= 7 else None)
    assert info.asc == (0x11 if length >= 13 else None)
    if length >= 8:
        # byte 7 says 10 more bytes; length - 8 of them are there
        assert info.warnings[0] == (
            f"additional sense length claims 10 bytes, {length - 8} present")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=64), SENSE_LIKE, DESCRIPTORS))
def test_arbitrary_bytes_raise_only_parse_error(data: bytes) -> None:
    try:
        info = decode_sense(data)
    except ParseError:
        return
    json.dumps(info.to_dict())
    info.format_text()
    assert info.raw == data


# --- vendor specific (response code 7Fh) ----------------------------------------------------
@pytest.mark.parametrize("first", [0x7F, 0xFF])
def test_vendor_specific_sense_is_kept_as_bytes(first: int) -> None:
    # SPC-5: response code 7Fh = vendor-specific sense data; byte 0 bit 7 is not part of the
    # code (sg3_utils masks it too), so FFh is vendor specific as well.
    data = bytes([first]) + bytes(range(1, 18))
    info = decode_sense(data)
    assert info.vendor_specific and info.response_code == 0x7F
    assert info.raw == data and info.descriptors == () and info.warnings == ()
    assert info.sense_key is None and info.asc is None and info.information is None
    out = json.loads(json.dumps(info.to_dict()))
    assert out["format"] == "vendor specific" and out["response_code_name"] == "VENDOR_SPECIFIC"
    assert out["raw"] == data.hex() and "undecoded" in out["note"]
    # sg_decode_sense: "Vendor specific sense buffer, in hex:" then the bytes, 16 a line
    # ("7f 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f" / "10 11"); we indent them and
    # say what they are.
    assert info.format_text().splitlines() == [
        "Vendor specific sense buffer, in hex:",
        f"  {first:02x} 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
        "  10 11",
        "  Note: response code 7Fh: the vendor defines this sense data's format (SPC-5); "
        "the bytes are shown undecoded",
    ]


def test_sense_key_specific_is_null_when_sksv_is_clear_in_every_layout() -> None:
    # SPC-5: with SKSV=0 the sense-key-specific bytes hold no value.  Three layouts, each
    # with ILLEGAL REQUEST and bytes 40 00 02 (C/D=1, field pointer 2) but SKSV clear:
    fixed = _decode("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 40 00 02")
    # descriptor 02h: 02 06 00 00 | 40 00 02 | 00
    sks02 = _decode("72 05 24 00 00 00 00 08 02 06 00 00 40 00 02 00")
    # descriptor 0Dh (SBC-4, additional length 16h)
    sks0d = _decode("72 05 24 00 00 00 00 18 0d 16 00 00 40 00 02 00"
                    " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
    for info in (fixed, sks02, sks0d):
        assert info.sense_key_specific is None
        assert json.loads(json.dumps(info.to_dict()))["sense_key_specific"] is None
    # The descriptor itself keeps its bytes (and says SKSV=0).
    assert sks02.format_text().splitlines()[2].startswith(
        "  Descriptor type: Sense key specific: SKSV=0 ")
    # With SKSV set the same bytes are a field pointer, in every layout.
    on = _decode("72 05 24 00 00 00 00 08 02 06 00 00 c0 00 02 00")
    assert on.sense_key_specific == FieldPointer(True, bytes.fromhex("c00002"), True, None, 2)


def test_asc_kept_when_ascq_is_missing() -> None:
    # Fixed format cut after byte 12 (ASC 11h): the ASCQ is not there, the ASC is.
    info = _decode("70 00 03 00 00 00 00 0a 00 00 00 00 11")
    assert (info.asc, info.ascq) == (0x11, None)
    assert info.format_text().splitlines()[1] == (
        "Additional sense: 11h/--  (ASCQ missing: the pair's text needs both bytes)")
    out = json.loads(json.dumps(info.to_dict()))
    assert (out["asc"], out["ascq"], out["asc_ascq"], out["asc_ascq_text"]) == (
        0x11, None, "11h/--", None)
    # Descriptor format cut after byte 2 (ASC 24h).
    desc = _decode("72 05 24")
    assert desc.format_text().splitlines()[1].startswith("Additional sense: 24h/--  ")


@pytest.mark.parametrize(
    ("hex_text", "finding"),
    [
        # fixed, 05 ILLEGAL REQUEST with 00h/1Dh (sg_decode_sense 1.46 warns ">> expected
        # Sense key: Recovered Error ??" for this buffer)
        ("70 00 05 00 00 00 00 0a 00 00 00 00 00 1d 00 00 00 00", "Illegal Request"),
        # descriptor, 0B ABORTED COMMAND with 00h/1Dh and no descriptors
        ("72 0b 00 1d 00 00 00 00", "Aborted Command"),
    ],
)
def test_ata_pass_through_information_wants_recovered_error(hex_text: str,
                                                            finding: str) -> None:
    # SAT-4 returns ATA PASS-THROUGH INFORMATION AVAILABLE with sense key RECOVERED ERROR.
    info = _decode(hex_text)
    assert info.warnings == (
        f"ASC/ASCQ 00h/1Dh (ATA pass through information available) with sense key "
        f"{finding}; SAT-4 returns it with RECOVERED ERROR",)


def test_ata_pass_through_information_with_recovered_error_is_clean() -> None:
    assert _decode("70 00 01 00 00 00 00 0a 00 00 00 00 00 1d 00 00 00 00").warnings == ()
    assert _decode("72 01 00 1d 00 00 00 00").warnings == ()
