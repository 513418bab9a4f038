"""The facade's ``decode_buffer`` detects the profile as ``decode`` does, unless it is fixed.

Sizes by hand (MSVC rules; the derivation is written out in tests/export/test_sphinxext.py):
ISCSITGT_SPT_TMF is 64 bytes on win64 and 48 on win32 with pointer-sized cookies, so its
SRB_IO_CONTROL.Length is 64 - 28 = 36 and 48 - 28 = 20.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _inprocess import run_main
from iscsitgt_spt.codec import build, decode_buffer, encode
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.profiles import Profile

WIN32_PTR = encode(build("ISCSITGT_SPT_TMF", {"ITNexusHandle": 7, "Lun": 1,
                                               "TaskManagementFunction": 1},
                         abi="win32", cookie="ptr"))


def test_a_win32_buffer_is_decoded_as_win32_with_the_evidence() -> None:
    assert len(WIN32_PTR) == 48
    decoded = decode_buffer(WIN32_PTR)
    assert decoded.profile == Profile("win32", "ptr")
    assert decoded.value.ITNexusHandle == 7 and decoded.value.Lun == 1
    assert any("SRB_IO_CONTROL.Length = 20" in line for line in decoded.evidence)
    assert decoded.to_json()["profile_evidence"] == list(decoded.evidence)
    assert json.loads(decoded.to_json_text()) == decoded.to_json()


def test_the_same_evidence_as_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "tmf.bin"
    path.write_bytes(WIN32_PTR)
    run = run_main("decode", str(path), "--json")  # in this process (tests/_inprocess.py)
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)
    assert cli["profile_evidence"] == list(decode_buffer(WIN32_PTR).evidence)


def test_a_fixed_profile_is_not_second_guessed() -> None:
    with pytest.raises(ParseError, match="truncated"):
        decode_buffer(WIN32_PTR, profile=Profile("win64", "u64"))
    with pytest.raises(ParseError, match="truncated"):
        decode_buffer(WIN32_PTR, abi="win64")  # half fixed: the cookie alone is detected
    fixed = decode_buffer(WIN32_PTR, profile=Profile("win32", "ptr"))
    assert fixed.evidence == () and "profile_evidence" not in fixed.to_json()
    with pytest.raises(ValueError):
        decode_buffer(WIN32_PTR, profile=Profile(), abi="win32")
