"""Layouts against hand derivations of the MSVC rules, and the padding bookkeeping.

Each expected number below is worked out by hand in the comment next to it (natural
alignment, 8-byte integers 8-aligned on x86 too, size rounded up to the largest alignment,
SENSE_DATA packed to 1), not copied from the layout engine.  The compiler cross-check of the
same numbers is in test_compiler_layout.py.
"""

from __future__ import annotations

import pytest
from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

W64U, W64P, W32U, W32P = (Profile("win64", "u64"), Profile("win64", "ptr"),
                          Profile("win32", "u64"), Profile("win32", "ptr"))

SIZES: dict[str, dict[Profile, int]] = {
    # 4 ULONG + UCHAR[8] = 28, 4-aligned: no padding anywhere.
    "SRB_IO_CONTROL": {W64U: 28, W64P: 28, W32U: 28, W32P: 28},
    # Header 0-27, IsReinstated 28-31, 8-byte cookie 32-39, PeerAddress 40+128,
    # ITNexus 168+1024, ChapUserName 1192+512 = 1704 (a multiple of 8).
    # win32/ptr: 4-byte cookie 32-35, then 36+128, 164+1024, 1188+512 = 1700.
    "ISCSITGT_SPT_SESSION_START": {W64U: 1704, W64P: 1704, W32U: 1704, W32P: 1700},
    # Header 0-27, 4 pad, cookie 32-39 = 40.  win32/ptr: cookie 28-31 = 32.
    "ISCSITGT_SPT_SESSION_STOP": {W64U: 40, W64P: 40, W32U: 40, W32P: 32},
    # 8-byte cookies: Header 0-27, pad 28-31, ITNexusHandle 32, Lun 40, TMF 44, pad 45-47,
    # ReferenceTaskCookie 48, Response 56, 7 tail pad -> 64.
    # win32/ptr: Header 0-27, ITNexusHandle 28 (4-aligned pointer), Lun 32, TMF 36, 3 pad,
    # ReferenceTaskCookie 40, Response 44, 3 tail pad -> 48.
    "ISCSITGT_SPT_TMF": {W64U: 64, W64P: 64, W32U: 64, W32P: 48},
    # Length 0-1, six UCHAR 2-7, DataIn 8, pad 9-11, DataTransferLength 12, TimeOutValue 16;
    # win64: pad 20-23, DataBuffer 24-31, SenseInfoOffset 32, Cdb 36-51, tail 52-55 -> 56;
    # win32: DataBuffer 20, SenseInfoOffset 24, Cdb 28-43 -> 44 (the cookie is irrelevant).
    "SCSI_PASS_THROUGH_DIRECT": {W64U: 56, W64P: 56, W32U: 44, W32P: 44},
    # Size 0, Signature 4-11; 8-byte cookies: pad 12-15, SessionCookie 16, TaskCookie 24,
    # SequenceByteOffset 32, IsFinal 36, Lun 40, tail 44-47 -> 48.
    # win32/ptr: SessionCookie 12, TaskCookie 16, SBO 20, IsFinal 24, Lun 28 -> 32.
    "SCSI_PASS_THROUGH_AUXILIARY": {W64U: 48, W64P: 48, W32U: 48, W32P: 32},
    # 18 UCHAR-sized bytes, packed to 1 (T10 fixed-format sense data).
    "SENSE_DATA": {W64U: 18, W64P: 18, W32U: 18, W32P: 18},
    # win64: SPTD 0-55, AUX 56-103, SenseData 104-121, rounded to 8 -> 128.
    # win32/u64: SPTD 0-43, AUX 8-aligned at 48-95, SenseData 96-113, rounded to 8 -> 120.
    # win32/ptr: SPTD 0-43, AUX 44-75, SenseData 76-93, rounded to 4 -> 96.
    "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": {W64U: 128, W64P: 128, W32U: 120, W32P: 96},
}

OFFSETS: list[tuple[str, Profile, str, int]] = [
    # See the derivations above.
    ("ISCSITGT_SPT_TMF", W32P, "ITNexusHandle", 28),
    ("ISCSITGT_SPT_TMF", W32P, "Lun", 32),
    ("ISCSITGT_SPT_TMF", W32P, "TaskManagementFunction", 36),
    ("ISCSITGT_SPT_TMF", W32P, "ReferenceTaskCookie", 40),
    ("ISCSITGT_SPT_TMF", W32P, "Response", 44),
    ("ISCSITGT_SPT_TMF", W32U, "ITNexusHandle", 32),
    ("ISCSITGT_SPT_TMF", W32U, "ReferenceTaskCookie", 48),
    ("ISCSITGT_SPT_TMF", W64P, "Response", 56),
    ("ISCSITGT_SPT_SESSION_START", W64U, "ITNexusHandle", 32),
    ("ISCSITGT_SPT_SESSION_START", W64U, "ChapUserName", 1192),
    ("ISCSITGT_SPT_SESSION_START", W32P, "PeerAddress", 36),
    ("ISCSITGT_SPT_SESSION_START", W32P, "ChapUserName", 1188),
    ("ISCSITGT_SPT_SESSION_STOP", W32U, "ITNexusHandle", 32),
    ("ISCSITGT_SPT_SESSION_STOP", W32P, "ITNexusHandle", 28),
    ("SCSI_PASS_THROUGH_DIRECT", W64U, "DataBuffer", 24),
    ("SCSI_PASS_THROUGH_DIRECT", W64U, "Cdb", 36),
    ("SCSI_PASS_THROUGH_DIRECT", W32U, "DataBuffer", 20),
    ("SCSI_PASS_THROUGH_DIRECT", W32U, "Cdb", 28),
    ("SCSI_PASS_THROUGH_AUXILIARY", W64P, "SessionCookie", 16),
    ("SCSI_PASS_THROUGH_AUXILIARY", W32P, "SessionCookie", 12),
    ("SCSI_PASS_THROUGH_AUXILIARY", W32U, "Lun", 40),
    ("SENSE_DATA", W64U, "Information", 3),
    ("SENSE_DATA", W64U, "SenseKeySpecific", 15),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", W64U, "ScsiPassThroughAuxiliary", 56),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", W64U, "SenseData", 104),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", W32U, "ScsiPassThroughAuxiliary", 48),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", W32U, "ScsiPassThroughAuxiliary.TaskCookie", 72),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", W32U, "SenseData", 96),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", W32P, "SenseData.SenseKeySpecific", 91),
]

ALL = [(p, name) for p in PROFILES for name in STRUCTURES]
ALL_IDS = [f"{p.abi}-{p.cookie}-{name}" for p, name in ALL]


def test_the_size_table_covers_every_structure_and_profile() -> None:
    assert set(SIZES) == set(STRUCTURES)
    assert all(set(by_profile) == set(PROFILES) for by_profile in SIZES.values())


@pytest.mark.parametrize(("profile", "name"), ALL, ids=ALL_IDS)
def test_size_matches_the_hand_derivation(profile: Profile, name: str) -> None:
    assert get_layout(name, profile).size == SIZES[name][profile]


@pytest.mark.parametrize(("name", "profile", "path", "offset"), OFFSETS,
                         ids=[f"{n}-{p.abi}-{p.cookie}-{path}" for n, p, path, _ in OFFSETS])
def test_offset_matches_the_hand_derivation(
    name: str, profile: Profile, path: str, offset: int
) -> None:
    assert get_layout(name, profile).member(path).offset == offset


def test_tmf_win32_ptr_padding_is_where_the_derivation_puts_it() -> None:
    pads = [(m.offset, m.size) for m in get_layout("ISCSITGT_SPT_TMF", W32P).members
            if m.padding]
    assert pads == [(37, 3), (45, 3)]


def test_sense_data_bit_fields() -> None:
    # scsi.h: ErrorCode:7, Valid:1 in byte 0; SenseKey:4, Reserved:1, IncorrectLength:1,
    # EndOfMedia:1, FileMark:1 in byte 2; MSVC allocates from the least significant bit.
    bits = [(m.name, m.offset, m.bit_offset, m.bit_width)
            for m in get_layout("SENSE_DATA", W64U).walk() if m.kind == "bits"]
    assert bits == [("ErrorCode", 0, 0, 7), ("Valid", 0, 7, 1), ("SenseKey", 2, 0, 4),
                    ("Reserved", 2, 4, 1), ("IncorrectLength", 2, 5, 1),
                    ("EndOfMedia", 2, 6, 1), ("FileMark", 2, 7, 1)]


def storage_units(members: tuple[Member, ...]) -> list[Member]:
    """Siblings with each bit-field group counted once (its members share one unit)."""
    units: list[Member] = []
    for m in members:
        if m.kind == "bits" and units and units[-1].kind == "bits" and (
            units[-1].offset == m.offset
        ):
            continue
        units.append(m)
    return units


def assert_tiles(members: tuple[Member, ...], start: int, size: int, where: str) -> None:
    """``members`` cover [start, start+size) exactly: no hole, no overlap; recursively."""
    at = start
    for unit in storage_units(members):
        assert unit.offset == at, f"{where}: {unit.path} at {unit.offset}, expected {at}"
        assert unit.size > 0, f"{where}: {unit.path} is empty"
        if unit.kind == "struct":
            assert_tiles(unit.children, unit.offset, unit.size, unit.path)
        at = unit.end
    assert at == start + size, f"{where}: members end at {at}, not {start + size}"


@pytest.mark.parametrize(("profile", "name"), ALL, ids=ALL_IDS)
def test_padding_covers_exactly_the_gaps(profile: Profile, name: str) -> None:
    layout = get_layout(name, profile)
    assert_tiles(layout.members, 0, layout.size, name)
    units = storage_units(layout.members)
    assert sum(u.size for u in units) == layout.size
    # Padding is only ever needed before an aligned member or at the tail.
    for m in layout.walk():
        if m.padding:
            assert m.name == "_pad_tail" or m.name.startswith("_pad_before_"), m.path
    # The construct the codec parses with sees every byte as well.
    assert layout.construct.sizeof() == layout.size


def test_cookie_members_name_their_assumed_c_type() -> None:
    # The cookie width assumption, spelled as C: u64 -> ULONGLONG, ptr -> PVOID (any ABI).
    from iscsitgt_spt.spec.profiles import Profile
    from iscsitgt_spt.spec.registry import get_layout as _get

    for abi in ("win64", "win32"):
        u64 = _get("ISCSITGT_SPT_TMF", Profile(abi, "u64")).member("ReferenceTaskCookie")
        ptr = _get("ISCSITGT_SPT_TMF", Profile(abi, "ptr")).member("ITNexusHandle")
        assert (u64.ctype, u64.resolved_ctype) == ("TASK_COOKIE", "ULONGLONG")
        assert (ptr.ctype, ptr.resolved_ctype) == ("SESSION_COOKIE", "PVOID")
    data_buffer = _get("SCSI_PASS_THROUGH_DIRECT", Profile("win32")).member("DataBuffer")
    assert data_buffer.resolved_ctype == "PVOID" and data_buffer.size == 4
