"""detect_profile: ABI/cookie detection from sizes and self-describing members.

Expected sizes are read from the layouts (themselves checked against mingw-w64 elsewhere); the
few numbers written here are hand derivations given in comments.
"""

from __future__ import annotations

import pytest
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.analysis.detect_profile import describe_profiles, detect_profile
from iscsitgt_spt.spec import PROFILES, STRUCTURES, Profile, get_layout
from iscsitgt_spt.spec.errors import ProfileError

WIN64 = Profile("win64", "u64")
WIN32_U64 = Profile("win32", "u64")
WIN32_PTR = Profile("win32", "ptr")
DISPATCHED = ("ISCSITGT_SPT_SESSION_START", "ISCSITGT_SPT_SESSION_STOP", "ISCSITGT_SPT_TMF",
              "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY")


def canonical(name: str, profile: Profile) -> bytes:
    return encode(build(name, {}, profile=profile))


def shape(name: str, profile: Profile) -> list[tuple[str, int, int]]:
    return [(m.path, m.offset, m.size) for m in get_layout(name, profile).walk()]


def put(data: bytes, name: str, profile: Profile, path: str, value: int) -> bytes:
    member = get_layout(name, profile).member(path)
    out = bytearray(data)
    out[member.offset : member.end] = value.to_bytes(member.size, "little")
    return bytes(out)


@pytest.mark.parametrize("name", list(STRUCTURES))
@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_every_structure_on_every_profile_decodes_as_built(name: str, profile: Profile) -> None:
    data = canonical(name, profile)
    guess = detect_profile(data, name=None if name in DISPATCHED else name)
    assert guess.name == name
    assert profile in guess.candidates
    # The profile chosen may differ only where it cannot change a single decoded byte.
    assert shape(name, guess.profile) == shape(name, profile)
    assert not guess.ambiguous


def test_win32_ptr_tmf_is_recognised_by_its_size() -> None:
    data = canonical("ISCSITGT_SPT_TMF", WIN32_PTR)
    guess = detect_profile(data)
    assert guess.profile == WIN32_PTR
    assert guess.candidates == (WIN32_PTR,)
    # Hand derivation (win32, 4-byte cookies): header 28, ITNexusHandle 4 @28, Lun 4 @32,
    # TaskManagementFunction 1 @36, pad 3, ReferenceTaskCookie 4 @40, Response 1 @44, tail
    # pad 3 -> 48 bytes.
    assert len(data) == 48
    assert "buffer is 48 bytes: ISCSITGT_SPT_TMF is 48 bytes only on win32/ptr" in guess.evidence
    assert "SRB_IO_CONTROL.Length = 20 → payload of 20 bytes: win32/ptr" in guess.evidence


def test_win64_tmf_leaves_equivalent_profiles_and_says_so() -> None:
    guess = detect_profile(canonical("ISCSITGT_SPT_TMF", WIN64))
    assert guess.profile == WIN64
    assert guess.candidates == (WIN64, Profile("win64", "ptr"), WIN32_U64)
    assert not guess.ambiguous
    assert "identically" in guess.reason
    # 64 - 28 = 36 payload bytes under win64 (either cookie) and win32/u64.
    assert ("SRB_IO_CONTROL.Length = 36 → payload of 36 bytes: win64 (either cookie) or "
            "win32/u64") in guess.evidence


@pytest.mark.parametrize("profile", [WIN32_U64, WIN32_PTR], ids=str)
def test_win32_pass_through_reads_the_sptd_length(profile: Profile) -> None:
    data = canonical("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", profile)
    guess = detect_profile(data)
    assert guess.profile == profile
    # ntddscsi.h SCSI_PASS_THROUGH_DIRECT on x86: 2+6*1+1 = 9, pad to 12, 2 ULONGs -> 20,
    # 4-byte PVOID -> 24, SenseInfoOffset -> 28, Cdb[16] -> 44.
    assert "SCSI_PASS_THROUGH_DIRECT.Length = 44 → win32 (either cookie)" in guess.evidence


def test_ambiguous_buffer_prefers_the_primary_abi_and_explains() -> None:
    name = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
    longest = max(get_layout(name, p).size for p in PROFILES)
    guess = detect_profile(bytes(longest + 8), name=name)
    assert guess.candidates == PROFILES
    assert guess.ambiguous
    assert guess.profile == WIN64
    assert "primary ABI" in guess.reason and "win64/u64" in guess.reason
    assert any("size tells nothing" in line for line in guess.evidence)


def test_ambiguous_tmf_with_trailing_bytes_and_zeroed_length() -> None:
    data = put(canonical("ISCSITGT_SPT_TMF", WIN64), "ISCSITGT_SPT_TMF", WIN64,
               "Header.Length", 0) + b"\xee" * 4
    guess = detect_profile(data, name="ISCSITGT_SPT_TMF")
    assert guess.ambiguous
    assert guess.profile == WIN64
    assert WIN32_PTR in guess.candidates
    assert any("matches no profile considered" in line for line in guess.evidence)


def test_abi_override_restricts_candidates() -> None:
    data = canonical("ISCSITGT_SPT_TMF", WIN64)
    guess = detect_profile(data, abi="win32")
    assert guess.profile == WIN32_U64
    assert all(p.abi == "win32" for p in guess.candidates)
    assert guess.evidence[0].startswith("--abi win32 given")
    by_cookie = detect_profile(data, cookie="ptr")
    assert by_cookie.profile == Profile("win64", "ptr")


def test_override_names_are_validated() -> None:
    with pytest.raises(ProfileError):
        detect_profile(b"", abi="win16")


def test_members_outvote_one_corrupted_member_even_when_size_is_exact() -> None:
    # Was "size wins over a contradicting member": the length used to be a hard filter.  The
    # members now outrank the length; here two of them (SenseInfoOffset, Auxiliary.Size) still
    # say win64, which the exact size confirms, and the corrupted one is outweighed.
    name = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
    win32_sptd = get_layout("SCSI_PASS_THROUGH_DIRECT", WIN32_U64).size
    data = put(canonical(name, WIN64), name, WIN64, "ScsiPassThroughDirect.Length", win32_sptd)
    guess = detect_profile(data)
    assert guess.profile.abi == "win64"
    assert guess.truncated is None
    assert any(line.startswith("SCSI_PASS_THROUGH_DIRECT.Length = 44")
               and "outweighed by the other members" in line for line in guess.evidence)
    assert guess.evidence[-1] == (
        "decided by SCSI_PASS_THROUGH_DIRECT.SenseInfoOffset and "
        "SCSI_PASS_THROUGH_AUXILIARY.Size, confirmed by the buffer's length; "
        "outweighed: SCSI_PASS_THROUGH_DIRECT.Length")


def test_members_outvote_one_corrupted_member_when_size_is_silent() -> None:
    name = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
    win32_sptd = get_layout("SCSI_PASS_THROUGH_DIRECT", WIN32_U64).size
    data = put(canonical(name, WIN64), name, WIN64, "ScsiPassThroughDirect.Length", win32_sptd)
    guess = detect_profile(data + b"\0" * 3, name=name)
    assert guess.profile.abi == "win64"
    assert any("outweighed by the other members" in line for line in guess.evidence)


def test_truncated_buffer_still_reads_the_header() -> None:
    data = canonical("ISCSITGT_SPT_TMF", WIN32_PTR)[:40]
    guess = detect_profile(data, name="ISCSITGT_SPT_TMF")
    assert guess.profile == WIN32_PTR
    assert any("truncated" in line for line in guess.evidence)


def test_unrecognised_buffer_defaults_without_raising() -> None:
    guess = detect_profile(b"\x01" * 10)
    assert guess.name is None
    assert guess.profile == WIN64
    assert guess.ambiguous
    assert guess.evidence[0].startswith("structure not recognised")


def test_to_json_is_plain_data() -> None:
    doc = detect_profile(canonical("ISCSITGT_SPT_TMF", WIN32_PTR)).to_json()
    assert doc["profile"] == "win32/ptr" and doc["candidates"] == ["win32/ptr"]


def test_describe_profiles() -> None:
    assert describe_profiles(PROFILES) == "every profile"
    assert describe_profiles([WIN64, Profile("win64", "ptr"), WIN32_U64]) == (
        "win64 (either cookie) or win32/u64")
    assert describe_profiles([WIN32_PTR]) == "win32/ptr"
    assert describe_profiles([]) == "no profile"


def test_restriction_lines_name_what_was_given_and_by_whom() -> None:
    # Hand-derived from the evidence format: the options as the command line spells them
    # (``--abi X --cookie Y``) or, when a capture record stated them, ``key=value`` joined by
    # ", "; then describe_profiles' wording: one profile is ``abi/cookie``, both cookies of
    # one ABI are ``abi (either cookie)``.
    data = canonical("ISCSITGT_SPT_TMF", WIN64)
    given = detect_profile(data, abi="win32", cookie="u64")
    assert given.evidence[0] == "--abi win32 --cookie u64 given: only win32/u64 considered"
    stated = detect_profile(data, abi="win64", stated_by="the capture record")
    assert stated.evidence[0] == (
        "the capture record states abi=win64: only win64 (either cookie) considered")
    both = detect_profile(data, abi="win64", cookie="ptr", stated_by="the capture record")
    assert both.evidence[0] == (
        "the capture record states abi=win64, cookie=ptr: only win64/ptr considered")
