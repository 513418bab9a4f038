"""decode / encode / build, with expected bytes derived by hand from the declarations."""

from __future__ import annotations

import pytest
from iscsitgt_spt.codec import (
    BuildError,
    ParseError,
    ProfileError,
    StructValue,
    UnknownFieldError,
    UnknownStructureError,
    WcharText,
    build,
    decode,
    decode_from,
    encode,
    sizeof,
)
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

# ISCSITGT_SPT_TMF, win64, written out by hand from the declaration (structures.md):
#   0  HeaderLength 28 -> 1c000000          4  Signature "ISCSITGT"
#  12  Timeout 60 -> 3c000000              16  ControlCode 0x102 -> 02010000
#  20  ReturnCode 0                        24  Length 64-28 = 36 -> 24000000
#  28  4 bytes padding (the cookie is 8-aligned)
#  32  ITNexusHandle 0x1122334455667788    40  Lun 1
#  44  TaskManagementFunction 1            45  3 bytes padding
#  48  ReferenceTaskCookie 0x0102030405060708
#  56  Response 0                          57  7 bytes tail padding (size rounds to 8)
TMF_WIN64 = bytes.fromhex(
    "1c000000" "4953435349544754" "3c000000" "02010000" "00000000" "24000000" "00000000"
    "8877665544332211" "01000000" "01" "000000" "0807060504030201" "00" "00000000000000"
)


def _tmf() -> StructValue:
    return build("ISCSITGT_SPT_TMF", {
        "ITNexusHandle": 0x1122334455667788, "Lun": 1, "TaskManagementFunction": 1,
        "ReferenceTaskCookie": 0x0102030405060708,
    })


def test_canonical_build_fills_derived_members_and_matches_hand_bytes() -> None:
    assert len(TMF_WIN64) == 64
    assert encode(_tmf()) == TMF_WIN64


def test_decode_reads_the_hand_bytes() -> None:
    v = decode("ISCSITGT_SPT_TMF", TMF_WIN64)
    assert v.Header.HeaderLength == 28
    assert v["Header"]["Length"] == 36
    assert v.get_path("Header.ControlCode") == 0x102
    assert v.Header.Signature == b"ISCSITGT"
    assert v.ITNexusHandle == 0x1122334455667788
    assert v.ReferenceTaskCookie == 0x0102030405060708
    assert v == _tmf()
    assert hash(v) == hash(_tmf())


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_decode_accepts_every_buffer_type(kind: type) -> None:
    assert decode("ISCSITGT_SPT_TMF", kind(TMF_WIN64)) == _tmf()


def test_win32_pointer_cookies_layout_by_hand() -> None:
    # win32/ptr: cookies are 4 bytes, 4-aligned: ITNexusHandle 28, Lun 32, TMF 36,
    # 3 pad, ReferenceTaskCookie 40, Response 44, 3 tail pad -> 48 bytes; Length = 20.
    data = encode(build("ISCSITGT_SPT_TMF", {"ITNexusHandle": 0xAABBCCDD, "Lun": 7,
                                             "TaskManagementFunction": 2},
                        abi="win32", cookie="ptr"))
    assert len(data) == 48
    assert data[24:28] == (20).to_bytes(4, "little")
    assert data[28:32] == bytes.fromhex("ddccbbaa")
    assert data[32:36] == (7).to_bytes(4, "little")
    assert data[36] == 2


def test_values_are_immutable() -> None:
    v = _tmf()
    with pytest.raises(AttributeError):
        v.Lun = 2  # type: ignore[misc]
    assert v.replace(Lun=2).Lun == 2 and v.Lun == 1


def test_lossless_for_odd_bools_padding_string_tails_and_reserved_bits() -> None:
    layout = get_layout("ISCSITGT_SPT_SESSION_START")
    raw = bytearray(encode(build("ISCSITGT_SPT_SESSION_START", {"PeerAddress": "10.0.0.1"})))
    off = layout.member("IsReinstated").offset
    raw[off:off + 4] = (-2).to_bytes(4, "little", signed=True)
    peer = layout.member("PeerAddress").offset
    raw[peer + 40] = 0x41  # a byte after the terminator
    v = decode("ISCSITGT_SPT_SESSION_START", bytes(raw))
    assert v.IsReinstated == -2
    assert isinstance(v.PeerAddress, WcharText) and v.PeerAddress.text == "10.0.0.1"
    assert encode(v) == bytes(raw)
    sense = bytes([0xF0, 0, 0x13]) + bytes(15)  # Reserved bit (bit 4 of byte 2) set
    s = decode("SENSE_DATA", sense)
    assert (s.ErrorCode, s.Valid, s.SenseKey, s.Reserved) == (0x70, 1, 3, 1)
    assert encode(s) == sense


def test_canonical_strings_read_as_plain_str() -> None:
    v = build("ISCSITGT_SPT_SESSION_START", {"ChapUserName": "café 𝄞"})
    back = decode("ISCSITGT_SPT_SESSION_START", encode(v))
    assert back.ChapUserName == "café 𝄞" and isinstance(back.ChapUserName, str)


def test_full_length_string_without_terminator_round_trips() -> None:
    v = build("ISCSITGT_SPT_SESSION_START", {"PeerAddress": "x" * 64})
    assert decode("ISCSITGT_SPT_SESSION_START", encode(v)).PeerAddress == "x" * 64


@pytest.mark.parametrize("name", list(STRUCTURES))
@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_patterned_buffers_round_trip(name: str, profile: object) -> None:
    size = sizeof(name, profile=profile)
    data = bytes((i * 37 + 11) & 0xFF for i in range(size))
    assert encode(decode(name, data, profile=profile)) == data


def test_truncated_input_names_the_member_cut() -> None:
    with pytest.raises(ParseError) as info:
        decode("ISCSITGT_SPT_TMF", TMF_WIN64[:42])
    # Byte 42 lies inside Lun (40..43).
    assert info.value.path == "ISCSITGT_SPT_TMF.Lun"
    assert info.value.offset == 42
    assert "64 bytes" in str(info.value) and "42 bytes" in str(info.value)


def test_too_long_input_is_reported_at_the_end_of_the_structure() -> None:
    with pytest.raises(ParseError) as info:
        decode("ISCSITGT_SPT_TMF", TMF_WIN64 + b"\0")
    assert info.value.offset == 64


def test_decode_from_reads_at_an_offset() -> None:
    assert decode_from("ISCSITGT_SPT_TMF", b"xx" + TMF_WIN64 + b"yy", 2) == _tmf()
    with pytest.raises(ParseError):
        decode_from("ISCSITGT_SPT_TMF", TMF_WIN64, 1)


def test_non_buffer_input_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        decode("ISCSITGT_SPT_TMF", "not bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "path", "offset", "error"),
    [
        ({"Lun": 1 << 32}, "ISCSITGT_SPT_TMF.Lun", 40, BuildError),
        ({"Lun": -1}, "ISCSITGT_SPT_TMF.Lun", 40, BuildError),
        ({"Lun": True}, "ISCSITGT_SPT_TMF.Lun", 40, BuildError),
        ({"TaskManagementFunction": 256}, "ISCSITGT_SPT_TMF.TaskManagementFunction", 44,
         BuildError),
        ({"Header": {"Signature": b"123456789"}}, "ISCSITGT_SPT_TMF.Header.Signature", 4,
         BuildError),
        ({"Header": {"Bogus": 1}}, "ISCSITGT_SPT_TMF.Header.Bogus", None, UnknownFieldError),
        ({"Nope": 1}, "ISCSITGT_SPT_TMF.Nope", None, UnknownFieldError),
        ({"Header": 5}, "ISCSITGT_SPT_TMF.Header", 0, BuildError),
    ],
)
def test_build_errors_name_path_and_offset(
    fields: dict[str, object], path: str, offset: int | None, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        build("ISCSITGT_SPT_TMF", fields)
    assert info.value.path == path  # type: ignore[attr-defined]
    assert info.value.offset == offset  # type: ignore[attr-defined]
    assert "\n" not in str(info.value)


def test_string_longer_than_field() -> None:
    with pytest.raises(BuildError, match="longer than its field") as info:
        build("ISCSITGT_SPT_SESSION_START", {"PeerAddress": "1" * 65})
    # PeerAddress follows Header (28), IsReinstated (4), ITNexusHandle (8 at offset 32).
    assert info.value.offset == 40
    with pytest.raises(BuildError, match="NUL"):
        build("ISCSITGT_SPT_SESSION_START", {"PeerAddress": "a\0b"})


def test_bit_fields_are_range_checked() -> None:
    with pytest.raises(BuildError, match="out of range") as info:
        build("SENSE_DATA", {"SenseKey": 16})
    assert info.value.expected is not None and "4-bit" in info.value.expected


def test_explicit_values_override_derived_ones() -> None:
    v = build("ISCSITGT_SPT_TMF", {"Header": {"HeaderLength": 99, "Length": 1}})
    assert (v.Header.HeaderLength, v.Header.Length, v.Header.ControlCode) == (99, 1, 0x102)
    raw = build("ISCSITGT_SPT_TMF", canonical=False)
    assert raw.Header.HeaderLength == 0 and raw.Header.Signature == bytes(8)


def test_pass_through_derived_members() -> None:
    # win64: SPTD is 56 bytes; AUX (Size 48) starts at 56; SenseData at 56 + 48 = 104.
    v = build("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY")
    assert v.ScsiPassThroughDirect.Length == 56
    assert v.ScsiPassThroughAuxiliary.Size == 48
    assert v.ScsiPassThroughDirect.SenseInfoOffset == 104
    assert v.ScsiPassThroughDirect.SenseInfoLength == 18


def test_unknown_structure_and_profile() -> None:
    with pytest.raises(UnknownStructureError, match="unknown structure"):
        decode("NOPE", b"")
    with pytest.raises(ProfileError):
        decode("ISCSITGT_SPT_TMF", TMF_WIN64, abi="win16")


def test_encode_requires_a_value() -> None:
    with pytest.raises(BuildError):
        encode({"Lun": 1})  # type: ignore[arg-type]


def test_repr_is_readable() -> None:
    text = repr(_tmf())
    assert text.startswith("ISCSITGT_SPT_TMF(Header=SRB_IO_CONTROL(")
    assert "Lun=1" in text and "_pad" not in text
