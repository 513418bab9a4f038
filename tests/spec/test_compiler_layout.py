"""The spec's layouts, proven by a real compiler (mingw-w64 gcc, MSVC layout rules).

The generated header ends with ``_Static_assert`` on every sizeof/_Alignof/offsetof; compiling
it with the compiler of the profile's ABI is the check.  The SDK flavour asserts our numbers
against mingw-w64's own declarations of SRB_IO_CONTROL and SCSI_PASS_THROUGH_DIRECT (and, in
kernel mode, the DDK's SENSE_DATA).  Negative tests show the asserts can fail: a win64 header
under the i686 compiler, and a header with one number changed.  Bit-field positions, which
offsetof cannot reach, are read back from the bytes gcc emits for designated initialisers.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from _tools import need_file, need_tool
from iscsitgt_spt.spec.c_header import HEADER_NAME, render_header
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

COMPILERS = {"win64": "x86_64-w64-mingw32", "win32": "i686-w64-mingw32"}
CFLAGS = ["-c", "-std=c11", "-Wall", "-Werror"]
INSTALL_COMPILERS = "apt-get install gcc-mingw-w64-x86-64 gcc-mingw-w64-i686"


def tool(abi: str, name: str) -> str:
    """Path of a mingw-w64 tool; skip (or fail, in CI) when it is not installed."""
    return need_tool(f"{COMPILERS[abi]}-{name}", INSTALL_COMPILERS)


def compile_c(
    tmp: Path, abi: str, header: str, source: str, extra: tuple[str, ...] = (),
    *, object_code: bool = False,
) -> subprocess.CompletedProcess[str]:
    """gcc's verdict on ``source`` with ``header`` beside it.  ``_Static_assert`` and ``#error``
    are the front end's: without ``object_code`` (t.o, for objcopy) it stops there
    (``-fsyntax-only``) and runs no assembler."""
    (tmp / HEADER_NAME).write_text(header, encoding="utf-8")
    (tmp / "t.c").write_text(source, encoding="utf-8")
    output = ["-o", str(tmp / "t.o")] if object_code else ["-fsyntax-only"]
    return subprocess.run(
        [tool(abi, "gcc"), *CFLAGS, *extra, "-I", str(tmp), *output, str(tmp / "t.c")],
        capture_output=True, text=True, timeout=120, check=False,
    )


#: What the SDK header includes, in its order, before its own declarations (user mode).  gcc
#: parses it into a precompiled header once per ABI (``sdk_prelude``); a test that includes it
#: first then sees the same mingw-w64 declarations without parsing <windows.h> again (the
#: header's own includes of them are then no-ops behind mingw's include guards).
PRELUDE = "#include <windows.h>\n#include <ntddscsi.h>\n#include <stddef.h>\n"
PRELUDE_NAME = "sdk_prelude.h"
#: A header's conditionals and includes, which decide what it includes.
PREPROCESSOR = re.compile(r"^#(?:if|ifdef|else|elif|endif|include)\b.*$", re.MULTILINE)

Prelude = Callable[[str], tuple[str, tuple[str, ...]]]


@pytest.fixture(scope="module")
def sdk_prelude(tmp_path_factory: pytest.TempPathFactory) -> Prelude:
    """For an ABI: the line that includes ``PRELUDE`` and the gcc options that find it,
    precompiled (``-x c-header``) with the flags the tests compile with, once per module."""
    done: dict[str, tuple[str, tuple[str, ...]]] = {}

    def prelude(abi: str) -> tuple[str, tuple[str, ...]]:
        if abi not in done:
            where = tmp_path_factory.mktemp(f"prelude-{abi}")
            (where / PRELUDE_NAME).write_text(PRELUDE, encoding="utf-8")
            subprocess.run(
                [tool(abi, "gcc"), *CFLAGS, "-x", "c-header", str(where / PRELUDE_NAME),
                 "-o", str(where / f"{PRELUDE_NAME}.gch")],
                check=True, capture_output=True, timeout=120,
            )
            done[abi] = (f'#include "{PRELUDE_NAME}"\n', ("-I", str(where)))
        return done[abi]

    return prelude


def ids(p: Profile) -> str:
    return f"{p.abi}-{p.cookie}"


@pytest.mark.parametrize("standalone", [False, True], ids=["sdk", "standalone"])
@pytest.mark.parametrize("profile", PROFILES, ids=ids)
def test_header_compiles_and_asserts_hold(
    tmp_path: Path, sdk_prelude: Prelude, profile: Profile, standalone: bool
) -> None:
    header = render_header(profile, standalone=standalone)
    # Each ABI's u64 header (and every standalone one) is compiled as a user includes it, on
    # its own: that proves its own includes suffice.  The ptr header, whose preprocessor lines
    # are the same, is compiled after the precompiled prelude.
    first, extra = ("", ())
    if profile.cookie == "ptr" and not standalone:
        same_abi = render_header(Profile.of(profile.abi, "u64"))
        assert PREPROCESSOR.findall(header) == PREPROCESSOR.findall(same_abi)
        first, extra = sdk_prelude(profile.abi)
    result = compile_c(tmp_path, profile.abi, header, f'{first}#include "{HEADER_NAME}"\n',
                       extra)
    assert result.returncode == 0, result.stderr
    # The proof only counts if every member really has its assert.
    expected = sum(
        1 for name in STRUCTURES for m in get_layout(name, profile).walk()
        if m.kind not in ("padding", "bits")
    )
    assert header.count("_Static_assert(offsetof(") == expected
    assert header.count("_Static_assert(sizeof(") == len(STRUCTURES) + 1  # + sizeof(void *)


@pytest.mark.parametrize("profile", PROFILES, ids=ids)
def test_sense_data_matches_the_ddk_declaration(tmp_path: Path, profile: Profile) -> None:
    """Kernel mode: scsi.h declares SENSE_DATA first, so the asserts check mingw's own."""
    ddk = Path(f"/usr/{COMPILERS[profile.abi]}/include/ddk")
    need_file(ddk / "scsi.h", f"the mingw-w64 DDK headers ({ddk}/scsi.h)",
              f"apt-get install mingw-w64-{'x86-64' if profile.abi == 'win64' else 'i686'}-dev")
    header = render_header(profile)
    source = (
        "#include <ntddk.h>\n#include <ntddscsi.h>\n#include <scsi.h>\n"
        f'#include "{HEADER_NAME}"\n'
        # Prove that it was the DDK's declaration the asserts saw, not ours.
        "#ifndef _NTSCSI_\n#error scsi.h was not included\n#endif\n"
    )
    result = compile_c(tmp_path, profile.abi, header, source, ("-I", str(ddk)))
    assert result.returncode == 0, result.stderr


def test_standalone_win64_header_on_the_host_compiler(tmp_path: Path) -> None:
    """The standalone flavour needs no Windows headers: an x86-64 Linux gcc (LP64, 8-byte
    pointers, natural alignment) must agree with every win64 assert too."""
    if os.uname().machine != "x86_64":
        pytest.skip("the host is not x86-64 (the standalone win64 header wants LP64 x86-64 gcc)")
    gcc = need_tool("gcc", "apt-get install gcc")
    (tmp_path / HEADER_NAME).write_text(render_header(Profile(), standalone=True))
    (tmp_path / "t.c").write_text(f'#include "{HEADER_NAME}"\n')
    result = subprocess.run(
        [gcc, *CFLAGS, "-I", str(tmp_path), "-fsyntax-only", str(tmp_path / "t.c")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("standalone", [False, True], ids=["sdk", "standalone"])
@pytest.mark.parametrize(("profile", "other_abi"), [
    (Profile("win64", "u64"), "win32"),
    (Profile("win32", "u64"), "win64"),
    (Profile("win32", "ptr"), "win64"),
], ids=["win64-u64-under-i686", "win32-u64-under-x86_64", "win32-ptr-under-x86_64"])
def test_header_for_the_other_abi_fails(
    tmp_path: Path, profile: Profile, other_abi: str, standalone: bool
) -> None:
    header = render_header(profile, standalone=standalone)
    # The guard is the header's first error: gcc stops at it (-Wfatal-errors) instead of going
    # on through <windows.h> to errors this test does not look at.
    result = compile_c(tmp_path, other_abi, header, f'#include "{HEADER_NAME}"\n',
                       ("-Wfatal-errors",))
    assert result.returncode != 0
    assert "was generated for" in result.stderr


def test_wrong_abi_is_caught_by_asserts_without_the_guard(
    tmp_path: Path, sdk_prelude: Prelude
) -> None:
    """Even with the #error guard removed, the layout asserts themselves reject the header."""
    header = render_header(Profile("win64", "ptr"))
    unguarded = re.sub(r"#if [^\n]*__SIZEOF_POINTER__[^\n]*\n#error[^\n]*\n#endif\n", "", header)
    assert unguarded != header
    first, extra = sdk_prelude("win32")
    result = compile_c(tmp_path, "win32", unguarded, f'{first}#include "{HEADER_NAME}"\n', extra)
    assert result.returncode != 0
    assert "static assertion failed" in result.stderr
    assert "SCSI_PASS_THROUGH_DIRECT" in result.stderr


@pytest.mark.parametrize(("profile", "pattern", "replacement", "message"), [
    # Hand derivation for win32/ptr: ReferenceTaskCookie follows the 1-byte
    # TaskManagementFunction at 36, 4-aligned pointer -> 40.  Claim 41 instead.
    (Profile("win32", "ptr"),
     "offsetof(ISCSITGT_SPT_TMF, ReferenceTaskCookie) == 40",
     "offsetof(ISCSITGT_SPT_TMF, ReferenceTaskCookie) == 41",
     "ReferenceTaskCookie"),
    # win64: DataBuffer is 8-aligned after TimeOutValue (16..19) -> 24.  Claim 20 (no padding).
    (Profile("win64", "u64"),
     "offsetof(SCSI_PASS_THROUGH_DIRECT, DataBuffer) == 24",
     "offsetof(SCSI_PASS_THROUGH_DIRECT, DataBuffer) == 20",
     "DataBuffer"),
    # A nested path: SenseData inside the win64 wrapper (56 + 48 = 104).
    (Profile("win64", "u64"),
     "offsetof(SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY, SenseData.SenseKeySpecific) == 119",
     "offsetof(SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY, SenseData.SenseKeySpecific) == 118",
     "SenseKeySpecific"),
    # win32/u64 TMF is 64 bytes (8-byte cookies stay 8-aligned on x86 under MSVC rules).
    (Profile("win32", "u64"),
     "sizeof(ISCSITGT_SPT_TMF) == 64",
     "sizeof(ISCSITGT_SPT_TMF) == 48",
     "sizeof(ISCSITGT_SPT_TMF)"),
], ids=["tmf-offset", "sptd-offset", "nested-offset", "tmf-size"])
def test_a_tampered_number_fails(
    tmp_path: Path, sdk_prelude: Prelude, profile: Profile, pattern: str, replacement: str,
    message: str,
) -> None:
    header = render_header(profile)
    assert pattern in header
    first, extra = sdk_prelude(profile.abi)
    result = compile_c(
        tmp_path, profile.abi, header.replace(pattern, replacement),
        f'{first}#include "{HEADER_NAME}"\n', extra,
    )
    assert result.returncode != 0
    assert "static assertion failed" in result.stderr
    assert message in result.stderr


# --- bit-field positions ----------------------------------------------------------------------

#: Designated initialisers and the bytes 0 and 2 the T10 SPC fixed-format sense layout puts
#: them at (byte 0: VALID is bit 7, RESPONSE CODE bits 0-6; byte 2: FILEMARK bit 7, EOM bit 6,
#: ILI bit 5, reserved bit 4, SENSE KEY bits 0-3).  Worked by hand: 0x80|0x70 = 0xF0,
#: 0x80|0x03 = 0x83.
BITFIELD_CASES: dict[str, tuple[str, int, int]] = {
    "spc": (".ErrorCode = 0x70, .Valid = 1, .SenseKey = 3, .FileMark = 1", 0xF0, 0x83),
    "errorcode": (".ErrorCode = 0x7F", 0x7F, 0x00),
    "valid": (".Valid = 1", 0x80, 0x00),
    "sensekey": (".SenseKey = 0xF", 0x00, 0x0F),
    "reserved": (".Reserved = 1", 0x00, 0x10),
    "ili": (".IncorrectLength = 1", 0x00, 0x20),
    "eom": (".EndOfMedia = 1", 0x00, 0x40),
    "filemark": (".FileMark = 1", 0x00, 0x80),
}


def sense_bytes_from_compiler(
    tmp: Path, abi: str, standalone: bool, prelude: tuple[str, tuple[str, ...]] = ("", ()),
) -> dict[str, bytes]:
    """Compile one SENSE_DATA per case, each in its own section, and read the bytes back
    (``prelude``: what ``sdk_prelude`` gives, for the SDK flavour)."""
    first, extra = prelude
    source = [f'{first}#include "{HEADER_NAME}"']
    for name, (init, _b0, _b2) in BITFIELD_CASES.items():
        source.append(
            f'__attribute__((section(".sense_{name}"), used)) '
            f"const SENSE_DATA sense_{name} = {{ {init} }};"
        )
    header = render_header(Profile.of(abi, "u64"), standalone=standalone)
    result = compile_c(tmp, abi, header, "\n".join(source) + "\n", extra, object_code=True)
    assert result.returncode == 0, result.stderr
    out: dict[str, bytes] = {}
    for name in BITFIELD_CASES:
        target = tmp / f"{name}.bin"
        subprocess.run(
            [tool(abi, "objcopy"), "-O", "binary", f"--only-section=.sense_{name}",
             str(tmp / "t.o"), str(target)],
            check=True, capture_output=True, timeout=60,
        )
        out[name] = target.read_bytes()
    return out


Compiled = Callable[[str, bool], dict[str, bytes]]


@pytest.fixture(scope="module")
def compiled_sense(tmp_path_factory: pytest.TempPathFactory, sdk_prelude: Prelude) -> Compiled:
    """``sense_bytes_from_compiler`` of an ABI and flavour, compiled once per module (two tests
    read the win64 SDK build)."""
    done: dict[tuple[str, bool], dict[str, bytes]] = {}

    def compiled(abi: str, standalone: bool) -> dict[str, bytes]:
        if (abi, standalone) not in done:
            where = tmp_path_factory.mktemp(f"sense-{abi}-{standalone}")
            prelude = sdk_prelude(abi) if not standalone else ("", ())
            done[abi, standalone] = sense_bytes_from_compiler(where, abi, standalone, prelude)
        return done[abi, standalone]

    return compiled


@pytest.mark.parametrize("standalone", [False, True], ids=["sdk", "standalone"])
@pytest.mark.parametrize("abi", ["win64", "win32"])
def test_bitfield_positions_from_compiled_initialisers(
    compiled_sense: Compiled, abi: str, standalone: bool
) -> None:
    compiled = compiled_sense(abi, standalone)
    for name, (_init, byte0, byte2) in BITFIELD_CASES.items():
        data = compiled[name]
        assert len(data) >= 18, name  # the section may be padded past sizeof
        assert (data[0], data[2]) == (byte0, byte2), name
        assert data[1] == 0 and not any(data[3:18]), name


def test_layout_bit_offsets_agree_with_the_compiler(compiled_sense: Compiled) -> None:
    """Our layout's bit_offset/bit_width predict every byte gcc produced."""
    compiled = compiled_sense("win64", False)
    bits = {m.name: m for m in get_layout("SENSE_DATA", Profile()).walk() if m.kind == "bits"}
    # The declared order and widths, from the Windows declaration (scsi.h / sense-data page).
    assert [(n, m.offset, m.bit_offset, m.bit_width) for n, m in bits.items()] == [
        ("ErrorCode", 0, 0, 7), ("Valid", 0, 7, 1), ("SenseKey", 2, 0, 4),
        ("Reserved", 2, 4, 1), ("IncorrectLength", 2, 5, 1), ("EndOfMedia", 2, 6, 1),
        ("FileMark", 2, 7, 1),
    ]
    for name, (init, _b0, _b2) in BITFIELD_CASES.items():
        predicted = bytearray(18)
        for assignment in init.split(","):
            field, value = (part.strip() for part in assignment.split("="))
            member = bits[field.lstrip(".")]
            assert member.bit_offset is not None
            predicted[member.offset] |= int(value, 0) << member.bit_offset
        assert compiled[name][:18] == bytes(predicted), name
