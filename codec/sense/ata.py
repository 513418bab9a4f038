"""ATA registers in sense data, as SAT-4 returns them for ATA PASS-THROUGH (SAT-4 §12.2.2).

A SCSI/ATA translation layer reports the ATA device's output registers in one of two shapes:

- descriptor format: the **ATA Status Return** sense data descriptor (type 09h, additional
  length 0Ch; SAT-4 §12.2.2.6), with the 48-bit LBA and 16-bit COUNT split across the bytes
  the way the ATA taskfile holds them (byte 4 COUNT(15:8), 5 COUNT(7:0), 6 LBA(31:24),
  7 LBA(7:0), 8 LBA(39:32), 9 LBA(15:8), 10 LBA(47:40), 11 LBA(23:16));
- fixed format with ASC/ASCQ 00h/1Dh (ATA PASS THROUGH INFORMATION AVAILABLE; SAT-4 §12.2.2.7):
  the INFORMATION field (bytes 3-6) becomes ERROR, STATUS, DEVICE, COUNT(7:0) and the
  COMMAND-SPECIFIC INFORMATION field (bytes 8-11) becomes the EXTEND / COUNT UPPER NONZERO /
  LBA UPPER NONZERO flags with LOG INDEX, then LBA(7:0), LBA(15:8), LBA(23:16).

The status and error bit names are those of ACS-4's normal outputs (BSY, DRDY, DF, DRQ, ERR;
ICRC, UNC, IDNF, ABRT); bits whose meaning depends on the command are left unnamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from iscsitgt_spt.codec.sense.descriptors import DescriptorContext, SenseDescriptor, _Jsonable
from iscsitgt_spt.spec.constants import SenseKey

__all__ = ["AtaPassThroughFixed", "AtaStatusReturnDescriptor", "ata_information_finding",
           "decode_ata_pass_through_fixed"]

_STATUS_BITS = ((0x80, "BSY"), (0x40, "DRDY"), (0x20, "DF"), (0x08, "DRQ"), (0x01, "ERR"))
_ERROR_BITS = ((0x80, "ICRC"), (0x40, "UNC"), (0x10, "IDNF"), (0x04, "ABRT"))


def _bits(value: int, names: tuple[tuple[int, str], ...]) -> str:
    set_ = [name for mask, name in names if value & mask]
    return f" ({' '.join(set_)})" if set_ else ""


def _registers_text(error: int, status: int, device: int) -> str:
    return (f"error=0x{error:02x}{_bits(error, _ERROR_BITS)} "
            f"status=0x{status:02x}{_bits(status, _STATUS_BITS)} device=0x{device:02x}")


@dataclass(frozen=True)
class AtaStatusReturnDescriptor(SenseDescriptor):
    """SAT-4 ATA Status Return descriptor (09h): the ATA registers after the command.

    ``count`` and ``lba`` hold every bit the descriptor carries; with ``extend`` clear the
    command was a 28-bit one: only COUNT(7:0) and LBA(23:0) are filled (its LBA(27:24) is in
    DEVICE bits 3-0), so the text shows those, as ``sg_decode_sense`` does.
    """

    kind: ClassVar[str] = "ata_status_return"
    extend: bool
    error: int
    count: int
    lba: int
    device: int
    status: int

    def describe(self) -> str:
        if self.extend:
            count, lba = f"0x{self.count:04x}", f"0x{self.lba:012x}"
        else:
            count, lba = f"0x{self.count & 0xFF:02x}", f"0x{self.lba & 0xFFFFFF:06x}"
        return (f"ATA Status Return: extend={int(self.extend)} "
                f"{_registers_text(self.error, self.status, self.device)}\n"
                f"        count={count} lba={lba}")


def decode_ata_status_return(dtype: int, offset: int, body: bytes,
                             ctx: DescriptorContext) -> SenseDescriptor:
    # body[k] is descriptor byte k + 2 (the 2-byte header is not in the body)
    d = bytes(2) + body
    lba = (d[10] << 40 | d[8] << 32 | d[6] << 24 | d[11] << 16 | d[9] << 8 | d[7])
    return AtaStatusReturnDescriptor(dtype, offset, body, bool(d[2] & 0x01), d[3],
                                     d[4] << 8 | d[5], lba, d[12], d[13])


@dataclass(frozen=True)
class AtaPassThroughFixed(_Jsonable):
    """Fixed-format bytes 3-11 as SAT-4 redefines them for ASC/ASCQ 00h/1Dh."""

    kind: ClassVar[str] = "ata_pass_through"
    error: int
    status: int
    device: int
    count: int  # COUNT(7:0)
    extend: bool
    count_upper_nonzero: bool
    lba_upper_nonzero: bool
    log_index: int
    lba: int  # LBA(23:0)

    def describe_lines(self) -> list[str]:
        # A "+" after a value marks upper bits the fixed format cannot carry (SAT-4's
        # COUNT UPPER NONZERO / LBA UPPER NONZERO), as sg_decode_sense marks them.
        count_more = "+" if self.count_upper_nonzero else ""
        lba_more = "+" if self.lba_upper_nonzero else ""
        return [
            f"  ATA registers: {_registers_text(self.error, self.status, self.device)} "
            f"count(7:0)=0x{self.count:02x}{count_more}",
            f"  extend={int(self.extend)} log_index=0x{self.log_index:x} "
            f"lba(23:0)=0x{self.lba:06x}{lba_more}",
        ]


def decode_ata_pass_through_fixed(buf: bytes) -> AtaPassThroughFixed:
    """Bytes 3-11 of a fixed-format buffer that holds at least 12 bytes."""
    flags = buf[8]
    return AtaPassThroughFixed(
        error=buf[3], status=buf[4], device=buf[5], count=buf[6], extend=bool(flags & 0x80),
        count_upper_nonzero=bool(flags & 0x40), lba_upper_nonzero=bool(flags & 0x20),
        log_index=flags & 0x0F, lba=buf[11] << 16 | buf[10] << 8 | buf[9],
    )


def ata_information_finding(sense_key: SenseKey | None, asc: int | None,
                            ascq: int | None) -> str | None:
    """SAT-4's rule for ASC/ASCQ 00h/1Dh: it comes with sense key RECOVERED ERROR.

    SAT-4 §12.2.2 (ATA PASS-THROUGH returned sense data): when CK_COND asks for the ATA
    registers and the command completed, the SATL returns CHECK CONDITION with sense key
    RECOVERED ERROR and additional sense code ATA PASS-THROUGH INFORMATION AVAILABLE; another
    sense key with that code is a finding (sg3_utils warns the same, "expected Sense key:
    Recovered Error").
    """
    if asc != 0x00 or ascq != 0x1D or sense_key is None:
        return None
    if sense_key == SenseKey.RECOVERED_ERROR:
        return None
    return (f"ASC/ASCQ 00h/1Dh (ATA pass through information available) with sense key "
            f"{sense_key.title}; SAT-4 returns it with RECOVERED ERROR")
