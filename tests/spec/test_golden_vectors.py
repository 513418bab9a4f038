"""Golden vectors laid out by a C compiler: our layouts and codec must read them exactly.

``tests/vectors/c/<abi>-<cookie>/<STRUCT>.bin`` are the bytes mingw-w64 gcc emitted for the
designated initialisers in ``golden.c``; ``<STRUCT>.expected.json`` holds the values of those
initialisers (both written by ``tests/vectors/c/generate.py`` from one table, without our
encoder; see tests/vectors/README.md).  Padding bytes are the compiler's choice, so they are
compared only through the lossless round trip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from iscsitgt_spt.codec import decode, encode
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "c"

CASES = [(p, name) for p in PROFILES for name in STRUCTURES]


def vector(profile: Profile, name: str) -> tuple[bytes, dict[str, Any]]:
    folder = VECTORS / f"{profile.abi}-{profile.cookie}"
    data = (folder / f"{name}.bin").read_bytes()
    expected = json.loads((folder / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert isinstance(expected, dict)
    return data, expected


def without_padding(tree: dict[str, Any]) -> dict[str, Any]:
    """A ``to_json`` tree minus the padding members (named ``_pad_...`` by the layout)."""
    return {
        key: without_padding(item) if isinstance(item, dict) else item
        for key, item in tree.items()
        if not key.startswith("_pad")
    }


def test_every_structure_and_profile_has_a_vector() -> None:
    found = sorted(p.relative_to(VECTORS).as_posix() for p in VECTORS.glob("*/*.bin"))
    assert found == sorted(f"{p.abi}-{p.cookie}/{n}.bin" for p, n in CASES)


@pytest.mark.parametrize(("profile", "name"), CASES, ids=[f"{p.abi}-{p.cookie}-{n}"
                                                          for p, n in CASES])
def test_compiler_size_is_our_size(profile: Profile, name: str) -> None:
    data, expected = vector(profile, name)
    assert len(data) == expected["size"]  # the compiler's sizeof, recorded by the generator
    assert get_layout(name, profile).size == len(data)


@pytest.mark.parametrize(("profile", "name"), CASES, ids=[f"{p.abi}-{p.cookie}-{n}"
                                                          for p, n in CASES])
def test_decode_gives_the_initialiser_values(profile: Profile, name: str) -> None:
    data, expected = vector(profile, name)
    value = decode(name, data, abi=profile.abi, cookie=profile.cookie)
    assert without_padding(value.to_json()) == expected["values"]


@pytest.mark.parametrize(("profile", "name"), CASES, ids=[f"{p.abi}-{p.cookie}-{n}"
                                                          for p, n in CASES])
def test_encode_of_decode_is_the_compiler_bytes(profile: Profile, name: str) -> None:
    data, _ = vector(profile, name)
    assert encode(decode(name, data, abi=profile.abi, cookie=profile.cookie)) == data


def test_spot_checks_against_the_hexdump() -> None:
    """A few values read off ``xxd`` of the vectors, independent of the JSON."""
    tmf, _ = vector(Profile("win32", "ptr"), "ISCSITGT_SPT_TMF")
    # xxd: 0x1c: a8a7 a6a5 (ITNexusHandle), 0x24: 01 (TMF), 0x28: b8b7 b6b5, 0x2c: ff.
    value = decode("ISCSITGT_SPT_TMF", tmf, abi="win32", cookie="ptr")
    assert (value["ITNexusHandle"], value["TaskManagementFunction"]) == (0xA5A6A7A8, 1)
    assert (value["ReferenceTaskCookie"], value["Response"]) == (0xB5B6B7B8, 0xFF)
    sense, _ = vector(Profile("win64", "u64"), "SENSE_DATA")
    # xxd: f1 5e fb: ErrorCode 0x71 + Valid; SenseKey 0xB + Reserved, ILI, EOM, FileMark.
    assert sense[:3] == bytes.fromhex("f15efb")
    decoded = decode("SENSE_DATA", sense)
    assert (decoded["ErrorCode"], decoded["Valid"], decoded["SenseKey"]) == (0x71, 1, 0xB)
    start, _ = vector(Profile("win64", "u64"), "ISCSITGT_SPT_SESSION_START")
    started = decode("ISCSITGT_SPT_SESSION_START", start)
    assert started["IsReinstated"] == 2  # an odd BOOL survives
    assert started["PeerAddress"] == "fe80::caf\u00e9%12"
    nexus, chap = started["ITNexus"], started["ChapUserName"]
    assert isinstance(nexus, str) and isinstance(chap, str)
    assert "\U0001F600" in nexus  # a surrogate pair from L"\U0001F600"
    assert len(chap) == 256  # fills the field: no terminating NUL
