"""SAT-4's ATA registers in sense data: descriptor 09h and fixed format with ASC/ASCQ 00h/1Dh.

Expected values are derived by hand from SAT-4 (T10/BSR INCITS 491):

- §12.2.2.6, ATA Status Return sense data descriptor: byte 0 DESCRIPTOR TYPE (09h), byte 1
  ADDITIONAL LENGTH (0Ch), byte 2 bit 0 EXTEND, byte 3 ERROR, 4 COUNT(15:8), 5 COUNT(7:0),
  6 LBA(31:24), 7 LBA(7:0), 8 LBA(39:32), 9 LBA(15:8), 10 LBA(47:40), 11 LBA(23:16),
  12 DEVICE, 13 STATUS;
- §12.2.2.7, fixed format sense data for ATA PASS-THROUGH (ASC/ASCQ 00h/1Dh, ATA PASS THROUGH
  INFORMATION AVAILABLE): bytes 3 ERROR, 4 STATUS, 5 DEVICE, 6 COUNT(7:0) (the INFORMATION
  field); byte 8 bit 7 EXTEND, bit 6 COUNT UPPER NONZERO, bit 5 LBA UPPER NONZERO, bits 3-0
  LOG INDEX; 9 LBA(7:0), 10 LBA(15:8), 11 LBA(23:16) (the COMMAND-SPECIFIC INFORMATION field).

Lines marked "sg_decode_sense:" are the output of Debian's sg3-utils 1.46-3 for the same bytes.
"""

from __future__ import annotations

import json

from iscsitgt_spt.codec.sense.decoder import (
    AtaPassThroughFixed,
    AtaStatusReturnDescriptor,
    RawDescriptor,
    SenseInfo,
    decode_sense,
)
from iscsitgt_spt.spec.constants import SenseKey


def _decode(text: str) -> SenseInfo:
    return decode_sense(bytes.fromhex(text))


# 72 descriptor/current; 01 Recovered Error; 00 1d ATA PASS THROUGH INFORMATION AVAILABLE;
# byte 7 0e = 14 bytes: one 09h descriptor, 2 header + 0Ch.
_HEADER = "72 01 00 1d 00 00 00 0e"
# 09 0c | 01 EXTEND | 04 ERROR | 12 34 COUNT(15:8),(7:0) | 56 LBA(31:24) 78 LBA(7:0)
# 9a LBA(39:32) bc LBA(15:8) de LBA(47:40) f0 LBA(23:16) | 40 DEVICE | 51 STATUS
_EXTENDED = "09 0c 01 04 12 34 56 78 9a bc de f0 40 51"


def test_ata_status_return_extended() -> None:
    info = _decode(f"{_HEADER} {_EXTENDED}")
    (desc,) = info.descriptors
    assert isinstance(desc, AtaStatusReturnDescriptor) and desc.offset == 8
    # LBA(47:0) = de | 9a | 56 | f0 | bc | 78, from bytes 10, 8, 6, 11, 9, 7
    assert (desc.extend, desc.error, desc.count, desc.lba, desc.device, desc.status) == (
        True, 0x04, 0x1234, 0xDE9A56F0BC78, 0x40, 0x51)
    assert info.warnings == ()
    # sg_decode_sense: "ATA Status Return: extend=1 error=0x4 /
    #                   count=0x1234 lba=0xde9a56f0bc78 device=0x40 status=0x51"
    # We also name the bits: error 04h = ABRT (bit 2); status 51h = DRDY (bit 6) | ERR (bit 0).
    assert info.format_text().splitlines()[2:] == [
        "  Descriptor type: ATA Status Return: extend=1 error=0x04 (ABRT) "
        "status=0x51 (DRDY ERR) device=0x40",
        "        count=0x1234 lba=0xde9a56f0bc78",
    ]
    out = json.loads(json.dumps(info.to_dict()))["descriptors"][0]
    assert out["kind"] == "ata_status_return"
    assert (out["count"], out["lba"], out["status"]) == (0x1234, 0xDE9A56F0BC78, 0x51)


def test_ata_status_return_28_bit_shows_the_low_registers() -> None:
    # byte 2 00: EXTEND clear, a 28-bit command: COUNT(7:0) = 34h, LBA(23:0) = f0 bc 78.
    info = _decode(f"{_HEADER} 09 0c 00 04 12 34 56 78 9a bc de f0 40 51")
    (desc,) = info.descriptors
    assert isinstance(desc, AtaStatusReturnDescriptor) and desc.extend is False
    assert desc.lba == 0xDE9A56F0BC78  # every byte kept; only the text narrows
    # sg_decode_sense: "count=0x34 lba=0xf0bc78 device=0x40 status=0x51"
    assert info.format_text().splitlines()[3] == "        count=0x34 lba=0xf0bc78"


def test_ata_status_return_too_short_is_kept_raw_with_a_warning() -> None:
    # Additional length 0bh: one byte short of SAT-4's 0Ch.
    info = _decode("72 01 00 1d 00 00 00 0d 09 0b 01 04 12 34 56 78 9a bc de f0 40")
    (desc,) = info.descriptors
    assert isinstance(desc, RawDescriptor) and desc.name == "ATA status return (too short)"
    assert info.warnings == (
        "ATA status return descriptor at byte 8 has 11 bytes, 12 expected; kept raw",)


# 70 fixed/current; 01 Recovered Error; 04 ERROR 51 STATUS 40 DEVICE 34 COUNT(7:0);
# 0a additional length (18 bytes); e3 = 1110 0011b: EXTEND, COUNT UPPER NONZERO,
# LBA UPPER NONZERO, LOG INDEX 3; 78 LBA(7:0) bc LBA(15:8) f0 LBA(23:16); 00 1d ASC/ASCQ.
_FIXED = "70 00 01 04 51 40 34 0a e3 78 bc f0 00 1d 00 00 00 00"


def test_fixed_format_ata_pass_through_registers() -> None:
    info = _decode(_FIXED)
    assert info.sense_key is SenseKey.RECOVERED_ERROR and (info.asc, info.ascq) == (0, 0x1D)
    assert info.ata_pass_through == AtaPassThroughFixed(
        error=0x04, status=0x51, device=0x40, count=0x34, extend=True,
        count_upper_nonzero=True, lba_upper_nonzero=True, log_index=3, lba=0xF0BC78)
    # bytes 3-11 are registers here, not INFORMATION / COMMAND-SPECIFIC INFORMATION
    assert info.information is None and info.command_specific is None
    assert info.warnings == ()
    # sg_decode_sense 1.46:
    #   "  error=0x4, status=0x51, device=0x40, count(7:0)=0x34+"
    #   "  extend=1, log_index=0x3, lba_high,mid,low(7:0)=0x78,0xbc,0xf0+"
    # Same registers; 1.46 labels byte 9 (78h) "high" although SAT-4 makes it LBA(7:0) —
    # sg3_utils' later JSON decoder reads bytes 9-11 little-endian, as we do: LBA f0bc78h.
    assert info.format_text().splitlines()[2:] == [
        "  ATA registers: error=0x04 (ABRT) status=0x51 (DRDY ERR) device=0x40 "
        "count(7:0)=0x34+",
        "  extend=1 log_index=0x3 lba(23:0)=0xf0bc78+",
    ]
    out = json.loads(json.dumps(info.to_dict()))
    assert out["ata_pass_through"]["lba"] == 0xF0BC78
    assert out["ata_pass_through"]["kind"] == "ata_pass_through"


def test_other_fixed_sense_keeps_information_fields() -> None:
    # ASC/ASCQ 00h/00h: bytes 3-11 keep their SPC meaning.
    info = _decode("70 00 01 04 51 40 34 0a e3 78 bc f0 00 00 00 00 00 00")
    assert info.ata_pass_through is None
    assert info.information == 0x04514034 and info.command_specific == 0xE378BCF0
