"""Generate the C-compiler golden vectors: bytes laid out by mingw-w64 gcc, not by our encoder.

For every profile this writes, under ``tests/vectors/c/<abi>-<cookie>/``:

* ``iscsitgt_spt.h`` — the SDK flavour of the generated header (its static asserts hold);
* ``golden.c`` — one designated initialiser per structure, each object in its own section
  (``.golden_<STRUCT>``) next to its ``sizeof`` (``.gsize_<STRUCT>``);
* ``<STRUCT>.bin`` — that section's bytes, extracted with ``objcopy -O binary`` and cut to the
  compiler's ``sizeof`` (COFF pads sections to the object's alignment);
* ``<STRUCT>.expected.json`` — the values of the initialiser (padding left out: the compiler
  chooses those bytes).

The C initialisers and the JSON come from the one table :data:`VALUES` below, so they cannot
disagree.  The codec is not used.  Run once from the repository root::

    python tests/vectors/c/generate.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iscsitgt_spt.spec.c_header import HEADER_NAME, render_header
from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

HERE = Path(__file__).resolve().parent
TRIPLETS = {"win64": "x86_64-w64-mingw32", "win32": "i686-w64-mingw32"}
CFLAGS = ["-c", "-std=c11", "-Wall", "-Werror", "-O0"]


@dataclass(frozen=True)
class Sized:
    """A value whose width depends on the profile: 8-byte and 4-byte alternatives."""

    wide: int
    narrow: int


Value = int | bytes | str | Sized

_SRB: dict[str, Value] = {
    "HeaderLength": 28,
    "Signature": b"ISCSITGT",
    "Timeout": 0x3C,
    "ReturnCode": 0xC0DE0001,
    "Length": 0x5A5A0102,
}
_CHAP = ("chap-caf\u00e9-" * 30)[:256]  # exactly 256 UTF-16 units: no terminating NUL
_SENSE: dict[str, Value] = {
    "ErrorCode": 0x71, "Valid": 1, "SegmentNumber": 0x5E,
    "SenseKey": 0xB, "Reserved": 1, "IncorrectLength": 1, "EndOfMedia": 1, "FileMark": 1,
    "Information": bytes.fromhex("a1b2c3d4"), "AdditionalSenseLength": 0x0A,
    "CommandSpecificInformation": bytes.fromhex("e5f60718"), "AdditionalSenseCode": 0x47,
    "AdditionalSenseCodeQualifier": 0x03, "FieldReplaceableUnitCode": 0x9F,
    "SenseKeySpecific": bytes.fromhex("8a0b0c"),
}
_SPTD: dict[str, Value] = {
    "Length": 0x1234, "ScsiStatus": 0x02, "PathId": 0x03, "TargetId": 0x04, "Lun": 0x05,
    "CdbLength": 0x10, "SenseInfoLength": 0x12, "DataIn": 0x01,
    "DataTransferLength": 0x00010200, "TimeOutValue": 0x1E,
    "DataBuffer": Sized(0x00007FF6DEADBEE8, 0xDEADBEE8),
    "SenseInfoOffset": 0x00000068,
    "Cdb": bytes.fromhex("8800000000000000abcd0000010000ff"),
}
_AUX: dict[str, Value] = {
    "Size": 0x30, "Signature": bytes.fromhex("4155582d53494721"),
    "SessionCookie": Sized(0x0102030405060708, 0x01020304),
    "TaskCookie": Sized(0x1112131415161718, 0x11121314),
    "SequenceByteOffset": 0x00100000, "IsFinal": -1, "Lun": 0x00000007,
}

#: Every member of every structure, nested by member name (padding excluded).
VALUES: dict[str, dict[str, Any]] = {
    "SRB_IO_CONTROL": {**_SRB, "ControlCode": 0x0000ABCD},
    "ISCSITGT_SPT_SESSION_START": {
        "Header": {**_SRB, "ControlCode": 0x100},
        "IsReinstated": 2,  # neither 0 nor 1: odd BOOLs must survive
        "ITNexusHandle": Sized(0x8877665544332211, 0x44332211),
        "PeerAddress": "fe80::caf\u00e9%12",  # not an address, just non-ASCII text
        "ITNexus": "iqn.1991-05.com.microsoft:caf\u00e9-\U0001F600,i,0x400001370000,"
        "iqn.1991-05.com.microsoft:target-\u00fc\u00df,t,0x0001",
        "ChapUserName": _CHAP,
    },
    "ISCSITGT_SPT_SESSION_STOP": {
        "Header": {**_SRB, "ControlCode": 0x101},
        "ITNexusHandle": Sized(0x0F1E2D3C4B5A6978, 0x4B5A6978),
    },
    "ISCSITGT_SPT_TMF": {
        "Header": {**_SRB, "ControlCode": 0x102},
        "ITNexusHandle": Sized(0xA1A2A3A4A5A6A7A8, 0xA5A6A7A8),
        "Lun": 0x00000003,
        "TaskManagementFunction": 0x01,
        "ReferenceTaskCookie": Sized(0xB1B2B3B4B5B6B7B8, 0xB5B6B7B8),
        "Response": 0xFF,
    },
    "SCSI_PASS_THROUGH_DIRECT": _SPTD,
    "SCSI_PASS_THROUGH_AUXILIARY": _AUX,
    "SENSE_DATA": _SENSE,
    "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": {
        "ScsiPassThroughDirect": _SPTD,
        "ScsiPassThroughAuxiliary": _AUX,
        "SenseData": _SENSE,
    },
}


def concrete(value: Value, member: Member) -> int | bytes | str:
    if isinstance(value, Sized):
        return value.wide if member.size == 8 else value.narrow
    return value


def c_wide_string(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return 'L"' + "".join(out) + '"'


def c_literal(member: Member, value: int | bytes | str, profile: Profile) -> str:
    if member.kind == "bytes":
        assert isinstance(value, bytes) and len(value) == member.count, member.path
        return "{" + ", ".join(f"0x{b:02x}" for b in value) + "}"
    if member.kind == "wchar":
        assert isinstance(value, str), member.path
        return c_wide_string(value)
    assert isinstance(value, int), member.path
    pointer = member.ctype == "PVOID" or (
        member.ctype in ("SESSION_COOKIE", "TASK_COOKIE") and profile.cookie == "ptr"
    )
    if pointer:
        return f"({member.ctype})(ULONG_PTR)0x{value:x}u"
    if value < 0:
        return str(value)
    return f"0x{value:x}{'ull' if member.size == 8 else 'u'}"


def initialiser(members: tuple[Member, ...], table: dict[str, Any], profile: Profile,
                indent: str) -> tuple[str, dict[str, Any]]:
    """The C designated initialiser and the expected JSON for one (nested) structure."""
    parts: list[str] = []
    expected: dict[str, Any] = {}
    for member in members:
        if member.kind == "padding":
            continue
        if member.name not in table:
            raise SystemExit(f"no golden value for {member.path}")
        if member.kind == "struct":
            text, sub = initialiser(member.children, table[member.name], profile, indent + "    ")
            parts.append(f"{indent}    .{member.name} = {text}")
            expected[member.name] = sub
            continue
        value = concrete(table[member.name], member)
        parts.append(f"{indent}    .{member.name} = {c_literal(member, value, profile)}")
        expected[member.name] = value.hex() if isinstance(value, bytes) else value
    return "{\n" + ",\n".join(parts) + f"\n{indent}}}", expected


def tool(abi: str, name: str) -> str:
    path = shutil.which(f"{TRIPLETS[abi]}-{name}")
    if path is None:
        raise SystemExit(f"{TRIPLETS[abi]}-{name} is required")
    return path


def generate(profile: Profile) -> None:
    out = HERE / f"{profile.abi}-{profile.cookie}"
    out.mkdir(exist_ok=True)
    (out / HEADER_NAME).write_text(render_header(profile), encoding="utf-8")
    lines = [
        f"/* Golden vectors for {profile}: generated by tests/vectors/c/generate.py. */",
        f'#include "{HEADER_NAME}"',
    ]
    expected_all: dict[str, dict[str, Any]] = {}
    for name in STRUCTURES:
        layout = get_layout(name, profile)
        text, expected = initialiser(layout.members, VALUES[name], profile, "")
        expected_all[name] = expected
        lines += [
            "",
            f'__attribute__((section(".golden_{name}"), used))',
            f"const {name} golden_{name} = {text};",
            f'__attribute__((section(".gsize_{name}"), used))',
            f"const unsigned long long golden_sizeof_{name} = sizeof({name});",
        ]
    (out / "golden.c").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        obj = Path(tmp) / "golden.o"
        subprocess.run([tool(profile.abi, "gcc"), *CFLAGS, "-I", str(out), "-o", str(obj),
                        str(out / "golden.c")], check=True)
        for name, expected in expected_all.items():
            section = Path(tmp) / "section.bin"
            size_bin = Path(tmp) / "size.bin"
            for sec, dest in ((f".golden_{name}", section), (f".gsize_{name}", size_bin)):
                subprocess.run([tool(profile.abi, "objcopy"), "-O", "binary",
                                f"--only-section={sec}", str(obj), str(dest)], check=True)
            size = int.from_bytes(size_bin.read_bytes()[:8], "little")
            data = section.read_bytes()
            if len(data) < size or any(data[size:]):
                raise SystemExit(f"{name}: section of {len(data)} bytes, sizeof {size}")
            (out / f"{name}.bin").write_bytes(data[:size])
            (out / f"{name}.expected.json").write_text(
                json.dumps({"name": name, "abi": profile.abi, "cookie": profile.cookie,
                            "size": size, "values": expected},
                           indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            print(f"{profile}: {name} {size} bytes")


def main() -> None:
    for abi in TRIPLETS:
        version = subprocess.run([tool(abi, "gcc"), "--version"], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[0]
        print(version, file=sys.stderr)
    for profile in PROFILES:
        generate(profile)


if __name__ == "__main__":
    main()
