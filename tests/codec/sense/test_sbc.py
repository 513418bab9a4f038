"""SBC-4's sense data descriptors: user data segment referral (0Bh), direct-access block (0Dh).

Expected values are derived by hand from SBC-4 (T10/BSR INCITS 506):

- "User data segment referral sense data descriptor": byte 0 type 0Bh, byte 1 ADDITIONAL
  LENGTH (n-1), byte 2 bit 0 NOT_ALL_R, bytes 4-n user data segment referral descriptors;
  each of those ("User data segment referral descriptor", shared with REPORT REFERRALS):
  byte 3 NUMBER OF TARGET PORT GROUP DESCRIPTORS, bytes 4-11 FIRST USER DATA SEGMENT LBA,
  12-19 LAST USER DATA SEGMENT LBA, then 4-byte target port group descriptors: byte 0 bits
  3-0 ASYMMETRIC ACCESS STATE (SPC-5: 0h active/optimized, 1h active/non-optimized, 2h
  standby, 3h unavailable, 4h logical block dependent, Eh offline, Fh transitioning), bytes
  2-3 TARGET PORT GROUP;
- "Direct-access block device sense data descriptor" (SBC-4 §4.18.2.3, table "Direct-access
  block device sense data descriptor format"): byte 0 type 0Dh, byte 1 ADDITIONAL LENGTH 16h
  (22: the descriptor is 24 bytes), byte 2 bit 7 VALID, bit 5 ILI, bytes 4-6
  sense-key-specific (byte 4 bit 7 SKSV), byte 7 FIELD REPLACEABLE UNIT CODE, bytes 8-15
  INFORMATION, 16-23 COMMAND-SPECIFIC INFORMATION.  sg3_utils (1.46 and 1.49) wants 1Ch and
  calls an SBC-conforming descriptor "too short"; the tests below follow SBC.

Lines marked "sg_decode_sense:" are the output of Debian's sg3-utils 1.46-3 for the same bytes.
"""

from __future__ import annotations

import json

from iscsitgt_spt.codec.sense.decoder import (
    ActualRetryCount,
    DirectAccessBlockDescriptor,
    FieldPointer,
    RawDescriptor,
    SenseInfo,
    TargetPortGroup,
    UserDataSegmentReferral,
    UserDataSegmentReferralDescriptor,
    decode_sense,
)


def _decode(text: str) -> SenseInfo:
    return decode_sense(bytes.fromhex(text))


# 72; 05 Illegal Request; 24 00; byte 7 34h = 52 bytes: one 0Bh descriptor of 2 + 32h.
#   0b 32 | 01 NOT_ALL_R | 00
#   referral 1 (20 + 2*4 = 28 bytes): 00 00 00 02 (two groups)
#     00 00 00 00 00 00 10 00  first LBA 1000h;  00 00 00 00 00 00 1f ff  last LBA 1fffh
#     00 00 00 01  state 0h, group 1;  01 00 00 02  state 1h, group 2
#   referral 2 (20 bytes): 00 00 00 00 (no groups); first 2000h; last 2fffh
#   2 + 28 + 20 = 50 = 32h
_REFERRAL = ("72 05 24 00 00 00 00 34 0b 32 01 00"
             " 00 00 00 02 00 00 00 00 00 00 10 00 00 00 00 00 00 00 1f ff"
             " 00 00 00 01 01 00 00 02"
             " 00 00 00 00 00 00 00 00 00 00 20 00 00 00 00 00 00 00 2f ff")


def test_user_data_segment_referral() -> None:
    info = _decode(_REFERRAL)
    (desc,) = info.descriptors
    assert isinstance(desc, UserDataSegmentReferralDescriptor)
    assert desc.not_all_referrals is True and desc.unparsed == b""
    assert desc.referrals == (
        UserDataSegmentReferral(0x1000, 0x1FFF, (TargetPortGroup(0, 1), TargetPortGroup(1, 2))),
        UserDataSegmentReferral(0x2000, 0x2FFF, ()),
    )
    assert info.warnings == ()
    # sg_decode_sense: "Not all referrals: 1 / Descriptor 1 / first uds LBA: 0x1000 /
    #   last uds LBA: 0x1fff / tpg: 1 state: active/optimized / tpg: 2 state: active/non
    #   optimized / Descriptor 2 / first uds LBA: 0x2000 / last uds LBA: 0x2fff"
    assert info.format_text().splitlines()[2:] == [
        "  Descriptor type: User data segment referral: NOT_ALL_R=1",
        "    Referral 1: LBA 0x1000-0x1fff",
        "      target port group 1: active/optimized",
        "      target port group 2: active/non-optimized",
        "    Referral 2: LBA 0x2000-0x2fff",
    ]
    out = json.loads(json.dumps(info.to_dict()))["descriptors"][0]
    assert out["referrals"][0]["target_port_groups"][1] == {
        "asymmetric_access_state": 1, "target_port_group": 2,
        "state_name": "active/non-optimized"}


def test_referral_states_sg3_utils_does_not_name() -> None:
    # state 4h "logical block dependent" (SPC-5); sg_decode_sense 1.46 prints "unknown: 0x4".
    assert TargetPortGroup(0x4, 7).state_name == "logical block dependent"
    assert TargetPortGroup(0x5, 7).state_name == "reserved [0x5]"


def test_truncated_referral_is_kept_with_a_warning() -> None:
    # One referral that says 1 group (24 bytes) but only 20 bytes follow the 2-byte head:
    # 0b 16 (22 bytes) | 00 00 | 00 00 00 01 | first 0 | last ffh.
    info = _decode("72 05 24 00 00 00 00 18 0b 16 00 00 00 00 00 01"
                   " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ff")
    (desc,) = info.descriptors
    assert isinstance(desc, UserDataSegmentReferralDescriptor)
    assert desc.referrals == () and len(desc.unparsed) == 20
    assert info.warnings == (
        "user data segment referral descriptor at byte 8: referral 1 needs 24 bytes, "
        "20 present; kept raw",)
    assert "(truncated referral: 00 00 00 01" in info.format_text()


# 72; 03 Medium Error; 11 00; byte 7 18h = 24 bytes: one 0Dh descriptor of 2 + 16h.
#   0d 16 | a0 = VALID (80h) | ILI (20h) | 00
#   80 00 05: SKSV, Medium Error -> actual retry count 5 | 2a FRU
#   00 00 00 00 12 34 56 78 INFORMATION | 00 00 00 00 de ad be ef COMMAND-SPECIFIC
_BLOCK = ("72 03 11 00 00 00 00 18 0d 16 a0 00 80 00 05 2a"
          " 00 00 00 00 12 34 56 78 00 00 00 00 de ad be ef")


def test_direct_access_block_device() -> None:
    info = _decode(_BLOCK)
    (desc,) = info.descriptors
    assert isinstance(desc, DirectAccessBlockDescriptor)
    assert (desc.valid, desc.ili, desc.fru, desc.information, desc.command_specific) == (
        True, True, 0x2A, 0x12345678, 0xDEADBEEF)
    assert desc.specific == ActualRetryCount(True, bytes.fromhex("800005"), 5)
    assert info.warnings == ()
    # The lines sg_decode_sense 1.46 prints for the same fields in a 1Ch descriptor:
    assert info.format_text().splitlines()[2:] == [
        "  Descriptor type: Direct-access block device",
        "    ILI (incorrect length indication) set",
        "    Sense key specific: Actual retry count: 5",
        "    Field replaceable unit code: 0x2a",
        "    Information: 0x0000000012345678",
        "    Command specific: 0x00000000deadbeef",
    ]


def test_issue_reproducer_decodes_fully() -> None:
    # 72 05 24 00 .. 18h | 0d 16 | a0: VALID, ILI | 00 | c8 00 03: SKSV (80h), C/D (40h),
    # BPV (08h) bit 0, field pointer 0003h -> CDB byte 3 bit 0 | 42 FRU |
    # INFORMATION 1234h | COMMAND-SPECIFIC INFORMATION 5678h.
    info = _decode("7205240000000018 0d16a000c8000342 0000000000001234 0000000000005678")
    assert info.warnings == ()
    assert (info.valid, info.information, info.command_specific, info.fru, info.ili) == (
        True, 0x1234, 0x5678, 0x42, True)
    assert info.sense_key_specific == FieldPointer(True, bytes.fromhex("c80003"), True, 0, 3)
    assert "    Sense key specific: Field pointer: Error in Command: byte 3 bit 0" in (
        info.format_text().splitlines())


def test_direct_access_block_device_feeds_the_summary() -> None:
    # Only 0Dh carries these; the record's summary fields must not stay empty.
    info = _decode(_BLOCK)
    assert (info.valid, info.information, info.command_specific, info.fru, info.ili) == (
        True, 0x12345678, 0xDEADBEEF, 0x2A, True)
    assert info.sense_key_specific == ActualRetryCount(True, bytes.fromhex("800005"), 5)
    out = json.loads(json.dumps(info.to_dict()))
    assert (out["information"], out["fru"], out["ili"]) == (0x12345678, 0x2A, True)
    assert out["sense_key_specific"]["kind"] == "actual_retry_count"


def test_direct_access_block_device_with_sksv_and_valid_clear() -> None:
    # 05 Illegal Request; byte 2 00 (VALID and ILI clear); 40 00 02: C/D set but SKSV clear.
    info = _decode("72 05 24 00 00 00 00 18 0d 16 00 00 40 00 02 00"
                   " 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 00")
    (desc,) = info.descriptors
    assert isinstance(desc, DirectAccessBlockDescriptor)
    assert desc.specific == FieldPointer(False, bytes.fromhex("400002"), True, None, 2)
    assert info.sense_key_specific is None  # SKSV clear: nothing to report
    assert (info.valid, info.information, info.ili) == (False, 7, False)
    # (sg_decode_sense omits the Information line when VALID is clear; we print it marked.)
    assert "    Information: Valid=0 (-> vendor specific) 0x0000000000000007" in (
        info.format_text().splitlines())


def test_dedicated_descriptors_win_over_direct_access_block() -> None:
    # 00 0a 80 00 <..99h>: information descriptor first, then the 0Dh one with 12345678h.
    info = _decode("72 03 11 00 00 00 00 24 00 0a 80 00 00 00 00 00 00 00 00 99"
                   " 0d 16 a0 00 80 00 05 2a 00 00 00 00 12 34 56 78"
                   " 00 00 00 00 de ad be ef")
    assert info.information == 0x99 and info.fru == 0x2A


def test_direct_access_block_device_longer_than_sbc() -> None:
    # The 1Ch length sg3_utils expects: the 22 bytes SBC defines decode, the 6 after them
    # are named in a warning (kept in ``raw``).
    info = _decode("72 03 11 00 00 00 00 1e 0d 1c a0 00 80 00 05 2a"
                   " 00 00 00 00 12 34 56 78 00 00 00 00 de ad be ef 00 00 00 00 00 00")
    (desc,) = info.descriptors
    assert isinstance(desc, DirectAccessBlockDescriptor) and desc.information == 0x12345678
    assert info.warnings == ("direct-access block device descriptor at byte 8: additional "
                             "length 28, SBC-4 gives 22; bytes 24-29 not decoded",)


def test_direct_access_block_device_too_short() -> None:
    # additional length 14h = 20: SBC-4 fixes 16h = 22.
    info = _decode("72 03 11 00 00 00 00 16 0d 14 a0 00 80 00 05 2a"
                   " 00 00 00 00 12 34 56 78 00 00 00 00 de ad")
    (desc,) = info.descriptors
    assert isinstance(desc, RawDescriptor)
    assert desc.name == "Direct-access block device (too short)"
    assert info.information is None
    assert info.warnings == (
        "direct-access block device descriptor at byte 8 has 20 bytes, 22 expected; kept raw",)
