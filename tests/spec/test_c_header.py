"""The text of the generated C header (the compiler proof is in test_compiler_layout.py)."""

from __future__ import annotations

import re

import pytest
from iscsitgt_spt.spec.assumptions import ASSUMPTIONS
from iscsitgt_spt.spec.c_header import HEADER_GUARD, render_header
from iscsitgt_spt.spec.errors import UnknownStructureError
from iscsitgt_spt.spec.profiles import PROFILES, Profile

WIN32_PTR = Profile("win32", "ptr")


def body_of(header: str, name: str) -> str:
    match = re.search(rf"typedef struct _{name} \{{\n(.*?)\n\}} {name}, \*P{name};", header,
                      re.S)
    assert match is not None, name
    return match.group(1)


def declarations(body: str) -> list[str]:
    """Member declarations, comments stripped."""
    text = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_cookie_typedef_follows_the_profile(profile: Profile) -> None:
    header = render_header(profile)
    base = {"u64": "ULONGLONG", "ptr": "PVOID"}[profile.cookie]
    assert f"typedef {base} SESSION_COOKIE;" in header
    assert f"typedef {base} TASK_COOKIE;" in header


def test_members_in_microsoft_order_without_padding_members() -> None:
    header = render_header(WIN32_PTR)
    # Order and types as on the Win32 DevNotes page iscsitgt-spt-tmf.md.
    assert declarations(body_of(header, "ISCSITGT_SPT_TMF")) == [
        "SRB_IO_CONTROL Header;",
        "SESSION_COOKIE ITNexusHandle;",
        "ULONG Lun;",
        "BYTE TaskManagementFunction;",
        "TASK_COOKIE ReferenceTaskCookie;",
        "BYTE Response;",
    ]
    assert "_pad" not in header
    # Padding shows as comments: win32/ptr TMF has 3 bytes after the BYTE at 36, 3 after 44.
    body = body_of(header, "ISCSITGT_SPT_TMF")
    assert "/* 3 bytes padding (offset 37) */" in body
    assert "/* 3 bytes padding (offset 45) */" in body


def test_member_docs_become_comments() -> None:
    body = body_of(render_header(WIN32_PTR), "ISCSITGT_SPT_TMF")
    assert re.search(r"/\* Initiator-visible logical unit number[^*]*\*/\n\s*ULONG Lun;", body)


def test_sense_data_is_packed_with_bit_fields() -> None:
    header = render_header(Profile())
    start = header.index("#pragma pack(push, 1)")
    end = header.index("#pragma pack(pop)")
    assert start < header.index("typedef struct _SENSE_DATA {") < end
    assert declarations(body_of(header, "SENSE_DATA"))[:8] == [
        "UCHAR ErrorCode : 7;", "UCHAR Valid : 1;", "UCHAR SegmentNumber;",
        "UCHAR SenseKey : 4;", "UCHAR Reserved : 1;", "UCHAR IncorrectLength : 1;",
        "UCHAR EndOfMedia : 1;", "UCHAR FileMark : 1;",
    ]
    # offsetof cannot name bit-fields, so there must be no such assert.
    assert "offsetof(SENSE_DATA, ErrorCode)" not in header


def test_sdk_flavour_uses_the_sdk_declarations() -> None:
    header = render_header(Profile())
    assert "#include <windows.h>" in header and "#include <ntddscsi.h>" in header
    assert "typedef struct _SRB_IO_CONTROL" not in header
    assert "typedef struct _SCSI_PASS_THROUGH_DIRECT {" not in header
    # ...but still asserts their layout.
    assert "_Static_assert(sizeof(SRB_IO_CONTROL) == 28," in header
    assert "#ifndef _NTSCSI_" in header


def test_standalone_flavour_declares_everything_on_stdint() -> None:
    header = render_header(Profile(), standalone=True)
    assert "#include <windows.h>" not in header and "#include <stdint.h>" in header
    for line in ("typedef uint32_t ULONG;", "typedef uint16_t USHORT;", "typedef uint8_t UCHAR;",
                 "typedef uint8_t BYTE;", "typedef uint64_t ULONGLONG;",
                 "typedef int32_t BOOL;", "typedef uint16_t WCHAR;", "typedef void *PVOID;"):
        assert line in header
    assert "typedef struct _SRB_IO_CONTROL {" in header
    assert "typedef struct _SCSI_PASS_THROUGH_DIRECT {" in header
    # IOCTL_SCSI_MINIPORT = CTL_CODE(4, 0x402, METHOD_BUFFERED, FILE_READ|WRITE) = 0x4D008.
    assert "#define IOCTL_SCSI_MINIPORT 0x0004D008UL" in header


def test_control_codes_and_lengths_are_guarded_defines() -> None:
    header = render_header(Profile())
    # Values from the DevNotes pages (0x100-0x102; 64, 512, 256 WCHARs; 8-byte signature).
    for name, value in [
        ("CTLCODE_ISCSITGT_SPT_SESSION_START", "0x100"),
        ("CTLCODE_ISCSITGT_SPT_SESSION_END", "0x101"),
        ("CTLCODE_ISCSITGT_SPT_TMF", "0x102"),
        ("SCSI_PASS_THROUGH_MAX_IPADDR_STRING_LENGTH", "64"),
        ("SCSI_PASS_THROUGH_MAX_ITNEXUS_STRING_LENGTH", "512"),
        ("SCSI_PASS_THROUGH_MAX_CHAP_USERNAME_LENGTH", "256"),
        ("SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE", "8"),
    ]:
        assert f"#ifndef {name}\n#define {name} {value}\n#endif" in header


def test_nested_offsets_are_asserted_with_member_designators() -> None:
    header = render_header(WIN32_PTR)
    # Hand derivation, win32/ptr: SCSI_PASS_THROUGH_DIRECT is 44 bytes, so the auxiliary
    # starts at 44, its SessionCookie at 44 + 4 (Size) + 8 (Signature) = 56.
    assert ("_Static_assert(offsetof(SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY, "
            "ScsiPassThroughAuxiliary.SessionCookie) == 56,") in header
    assert "_Static_assert(offsetof(ISCSITGT_SPT_TMF, Header.Length) == 24," in header


def test_header_comment_guard_and_abi_check() -> None:
    header = render_header(Profile("win64", "u64"))
    assert header.startswith("/*")
    assert "profile win64/u64" in header
    for assumption in ASSUMPTIONS:
        assert assumption.name in header
    assert f"#ifndef {HEADER_GUARD}\n#define {HEADER_GUARD}" in header
    assert header.rstrip().endswith(f"#endif /* {HEADER_GUARD} */")
    assert "#if (defined(_WIN32) && !defined(_WIN64))" in header
    assert "#if defined(_WIN64)" in render_header(WIN32_PTR)


def test_asserts_can_be_left_out() -> None:
    assert "_Static_assert" not in render_header(Profile(), asserts=False)


def test_a_subset_brings_its_nested_structures() -> None:
    header = render_header(Profile(), standalone=True,
                           structures=["SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"])
    names = re.findall(r"typedef struct _(\w+) \{", header)
    assert names == [
        "SCSI_PASS_THROUGH_DIRECT", "SCSI_PASS_THROUGH_AUXILIARY", "SENSE_DATA",
        "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
    ]
    only_srb = render_header(Profile(), standalone=True, structures=["srb_io_control"])
    assert re.findall(r"typedef struct _(\w+) \{", only_srb) == ["SRB_IO_CONTROL"]
    assert "SESSION_COOKIE" not in only_srb


def test_unknown_structure_is_a_spec_error() -> None:
    with pytest.raises(UnknownStructureError):
        render_header(Profile(), structures=["NOT_A_STRUCT"])


def test_output_is_deterministic() -> None:
    assert render_header(WIN32_PTR) == render_header(WIN32_PTR)


def test_one_structures_declaration_is_the_headers_block() -> None:
    """The docs' single declaration (codec.export.declaration) is rendered from the definition,
    and it is, character for character, the block the compiled header holds for it (the header
    is what tests/spec/test_compiler_layout.py proves with mingw-w64)."""
    from iscsitgt_spt.codec.export.declaration import c_declaration
    from iscsitgt_spt.spec.registry import STRUCTURES

    for profile in PROFILES:
        header = render_header(profile, standalone=True, asserts=False)
        blocks = header.split("\n\n")
        for name in STRUCTURES:
            declaration = c_declaration(name, profile)
            assert declaration.splitlines()[-1] == f"}} {name}, *P{name};" or (
                declaration.splitlines()[-1] == "#pragma pack(pop)")
            assert any(block.strip("\n") == declaration for block in blocks), (name, profile)
