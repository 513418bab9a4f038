"""Sense data descriptors that SBC-4 defines for direct-access block devices.

- **User data segment referral** (type 0Bh; SBC-4's "User data segment referral sense data
  descriptor" and "User data segment referral descriptor" tables, the latter shared with
  REPORT REFERRALS): byte 2 bit 0 NOT_ALL_R, then user data segment referral descriptors of
  20 + 4·n bytes — byte 3 the number n of target port group descriptors, bytes 4-11 FIRST USER
  DATA SEGMENT LBA, 12-19 LAST USER DATA SEGMENT LBA, then n descriptors of 4 bytes: byte 0
  bits 3-0 ASYMMETRIC ACCESS STATE, bytes 2-3 TARGET PORT GROUP.
- **Direct-access block device** (type 0Dh, ADDITIONAL LENGTH 16h; SBC-4's "Direct-access
  block device sense data descriptor" table, 24 bytes in all): byte 2 VALID (bit 7) and ILI
  (bit 5), bytes 4-6 the sense-key-specific field (byte 4 bit 7 SKSV), byte 7 FIELD
  REPLACEABLE UNIT CODE, bytes 8-15 INFORMATION, bytes 16-23 COMMAND-SPECIFIC INFORMATION —
  descriptors 00h-03h in one.  (sg3_utils 1.46 wants 1Ch and calls a correct one too short.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from iscsitgt_spt.codec.sense.descriptors import (
    DescriptorContext,
    FieldPointer,
    SenseDescriptor,
    SenseKeySpecific,
    _decode_sks,
    _Jsonable,
    hex_bytes,
)

__all__ = [
    "DirectAccessBlockDescriptor", "TargetPortGroup", "UserDataSegmentReferral",
    "UserDataSegmentReferralDescriptor",
]

# ASYMMETRIC ACCESS STATE values (SPC-5, REPORT TARGET PORT GROUPS parameter data).
_ACCESS_STATES = {
    0x0: "active/optimized", 0x1: "active/non-optimized", 0x2: "standby", 0x3: "unavailable",
    0x4: "logical block dependent", 0xE: "offline", 0xF: "transitioning between states",
}


@dataclass(frozen=True)
class TargetPortGroup(_Jsonable):
    """One target port group descriptor of a referral: the group and its access state."""

    asymmetric_access_state: int
    target_port_group: int

    @property
    def state_name(self) -> str:
        return _ACCESS_STATES.get(self.asymmetric_access_state,
                                  f"reserved [0x{self.asymmetric_access_state:x}]")

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "state_name": self.state_name}


@dataclass(frozen=True)
class UserDataSegmentReferral(_Jsonable):
    """An LBA range and the target port groups through which it can be reached."""

    first_lba: int
    last_lba: int
    target_port_groups: tuple[TargetPortGroup, ...]


@dataclass(frozen=True)
class UserDataSegmentReferralDescriptor(SenseDescriptor):
    """SBC-4 user data segment referral (0Bh); ``unparsed`` holds a cut-off last referral."""

    kind: ClassVar[str] = "user_data_segment_referral"
    not_all_referrals: bool
    referrals: tuple[UserDataSegmentReferral, ...]
    unparsed: bytes

    def describe(self) -> str:
        lines = [f"User data segment referral: NOT_ALL_R={int(self.not_all_referrals)}"]
        for number, ref in enumerate(self.referrals, 1):
            lines.append(f"    Referral {number}: LBA 0x{ref.first_lba:x}-0x{ref.last_lba:x}")
            lines += [f"      target port group {g.target_port_group}: {g.state_name}"
                      for g in ref.target_port_groups]
        if self.unparsed:
            lines.append(f"    (truncated referral: {hex_bytes(self.unparsed)})")
        return "\n".join(lines)


def decode_referral(dtype: int, offset: int, body: bytes,
                    ctx: DescriptorContext) -> SenseDescriptor:
    referrals: list[UserDataSegmentReferral] = []
    pos = 2  # body index of descriptor byte 4, where the referral list starts
    while pos < len(body):
        count = body[pos + 3] if pos + 3 < len(body) else 0
        size = 20 + 4 * count
        if pos + size > len(body):
            ctx.warnings.append(
                f"user data segment referral descriptor at byte {offset}: referral "
                f"{len(referrals) + 1} needs {size} bytes, {len(body) - pos} present; kept raw")
            break
        rec = body[pos:pos + size]
        groups = tuple(TargetPortGroup(rec[k] & 0x0F, int.from_bytes(rec[k + 2:k + 4], "big"))
                       for k in range(20, size, 4))
        referrals.append(UserDataSegmentReferral(int.from_bytes(rec[4:12], "big"),
                                                 int.from_bytes(rec[12:20], "big"), groups))
        pos += size
    return UserDataSegmentReferralDescriptor(dtype, offset, body, bool(body[0] & 0x01),
                                             tuple(referrals), body[pos:])


@dataclass(frozen=True)
class DirectAccessBlockDescriptor(SenseDescriptor):
    """SBC-4 direct-access block device descriptor (0Dh): descriptors 00h-03h in one.

    ``specific`` is decoded whatever SKSV says (its ``sksv`` tells); the record's summary
    takes it only when SKSV is set, and the information only as VALID qualifies it.
    """

    kind: ClassVar[str] = "direct_access_block_device"
    valid: bool
    ili: bool
    specific: SenseKeySpecific
    fru: int
    information: int
    command_specific: int

    def describe(self) -> str:
        lines = ["Direct-access block device"]
        if self.ili:
            lines.append("    ILI (incorrect length indication) set")
        if self.specific.sksv:
            label = "Field pointer: " if isinstance(self.specific, FieldPointer) else ""
            lines.append(f"    Sense key specific: {label}{self.specific.describe()}")
        lines.append(f"    Field replaceable unit code: 0x{self.fru:x}")
        valid = "" if self.valid else "Valid=0 (-> vendor specific) "
        lines.append(f"    Information: {valid}0x{self.information:016x}")
        lines.append(f"    Command specific: 0x{self.command_specific:016x}")
        return "\n".join(lines)


#: SBC-4's ADDITIONAL LENGTH for the direct-access block device descriptor.
DIRECT_ACCESS_LENGTH = 0x16


def decode_direct_access(dtype: int, offset: int, body: bytes,
                         ctx: DescriptorContext) -> SenseDescriptor:
    d = bytes(2) + body  # d[k] is descriptor byte k
    if len(body) > DIRECT_ACCESS_LENGTH:  # (e.g. 1Ch, the length sg3_utils expects)
        ctx.warnings.append(
            f"direct-access block device descriptor at byte {offset}: additional length "
            f"{len(body)}, SBC-4 gives {DIRECT_ACCESS_LENGTH}; bytes "
            f"{2 + DIRECT_ACCESS_LENGTH}-{len(body) + 1} not decoded")
    return DirectAccessBlockDescriptor(
        dtype, offset, body, valid=bool(d[2] & 0x80), ili=bool(d[2] & 0x20),
        specific=_decode_sks(ctx.sense_key, d[4:7]), fru=d[7],
        information=int.from_bytes(d[8:16], "big"),
        command_specific=int.from_bytes(d[16:24], "big"),
    )
