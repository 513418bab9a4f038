"""The fuzz corpus: reproducibility, output formats, and what each mode puts in it.

Expected numbers are hand-derived from the public layouts (documented next to each), never
read back from the generator: e.g. ISCSITGT_SPT_TMF on win64 is 64 bytes with
``SRB_IO_CONTROL.Length`` at offset 24; SCSI_PASS_THROUGH_DIRECT is 56 bytes on win64 and 44
on win32 (ntddscsi.h: 8 UCHAR/USHORT bytes, padding to 12, two ULONGs, a pointer, a ULONG,
16 CDB bytes, rounded to the pointer alignment).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from iscsitgt_spt.cli import main
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.capture.jsonl import parse_lines
from iscsitgt_spt.codec.dispatch import decode_buffer
from iscsitgt_spt.codec.fuzzing.corpus import Case, boundary_cases, generate
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH_DIRECT
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.primitives import WcharText
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

EVERYTHING = ["--all", "-n", "4", "--mode", "all", "--abi", "all", "--cookie", "all"]


def _run(*argv: str) -> int:
    return main(["fuzz", *argv])


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- reproducibility ------------------------------------------------------------------------
def test_same_seed_gives_a_byte_identical_jsonl_corpus(tmp_path: Path) -> None:
    one, two, other = tmp_path / "one.jsonl", tmp_path / "two.jsonl", tmp_path / "other.jsonl"
    assert _run(*EVERYTHING, "--seed", "7", "--output", str(one)) == 0
    assert _run(*EVERYTHING, "--seed", "7", "--output", str(two)) == 0
    assert _run(*EVERYTHING, "--seed", "8", "--output", str(other)) == 0
    assert one.read_bytes() == two.read_bytes()
    assert one.read_bytes() != other.read_bytes()


def test_same_seed_gives_a_byte_identical_directory_corpus(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert _run(*EVERYTHING, "--seed", "7", "--output", str(one)) == 0
    assert _run(*EVERYTHING, "--seed", "7", "--output", str(two)) == 0
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    assert "index.jsonl" in names and len(names) > 100
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_corpus_does_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"h{hash_seed}.jsonl"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        subprocess.run(
            [sys.executable, "-m", "iscsitgt_spt", "fuzz", *EVERYTHING, "--output", str(out)],
            check=True, env=env, capture_output=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_adding_a_structure_does_not_change_the_others() -> None:
    alone = [c.data for c in generate(["ISCSITGT_SPT_TMF"], PROFILES[:1], ["valid"], count=5)]
    both = [c.data for c in generate(["SENSE_DATA", "ISCSITGT_SPT_TMF"], PROFILES[:1],
                                     ["valid"], count=5) if c.structure == "ISCSITGT_SPT_TMF"]
    assert alone == both


# -- output formats -------------------------------------------------------------------------
def test_jsonl_records_are_capture_records_with_intents(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    assert _run("ISCSITGT_SPT_TMF", "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "SENSE_DATA",
                "-n", "3", "--mode", "valid", "--mode", "boundary", "--output", str(out)) == 0
    parsed = list(parse_lines(out.read_text(encoding="utf-8").splitlines()))
    records = [r for _, r in parsed]
    assert all(not isinstance(r, Exception) for r in records)
    assert [r.extra["case"] for r in records] == list(range(len(records)))  # type: ignore[union-attr]
    ioctls = {r.extra["structure"]: r.ioctl for r in records}  # type: ignore[union-attr]
    # ntddscsi.h: IOCTL_SCSI_MINIPORT = CTL_CODE(4, 0x402, 0, 3) = 0x0004D008, and the
    # assumed pass-through IOCTL_SCSI_PASS_THROUGH_DIRECT = CTL_CODE(4, 0x405, 0, 3).
    assert ioctls == {"ISCSITGT_SPT_TMF": 0x0004D008,
                      "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": 0x0004D014, "SENSE_DATA": 0}
    assert IOCTL_SCSI_MINIPORT == 0x0004D008 and IOCTL_SCSI_PASS_THROUGH_DIRECT == 0x0004D014
    for record in records:
        assert record.abi == "win64" and record.cookie == "u64"  # type: ignore[union-attr]
        assert record.extra["mode"] in ("valid", "boundary")  # type: ignore[union-attr]
        assert isinstance(record.extra["intent"], str) and record.extra["intent"]  # type: ignore[union-attr]


def test_directory_has_one_bin_per_case_and_an_index(tmp_path: Path) -> None:
    out = tmp_path / "seeds"
    assert _run("SENSE_DATA", "-n", "5", "--abi", "win32", "--output", str(out)) == 0
    index = _records(out / "index.jsonl")
    assert len(index) == 5
    for entry in index:
        data = (out / str(entry["file"])).read_bytes()
        assert len(data) == entry["size"] == 18  # SENSE_DATA: 18 bytes, packed
        assert entry["structure"] == "SENSE_DATA" and entry["abi"] == "win32"
    assert len(list(out.glob("*.bin"))) == 5


def test_existing_output_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seeds"
    assert _run("SENSE_DATA", "-n", "5", "--output", str(out)) == 0
    capsys.readouterr()
    assert _run("SENSE_DATA", "-n", "2", "--output", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--force" in err[0]
    assert _run("SENSE_DATA", "-n", "2", "--output", str(out), "--force") == 0
    assert len(list(out.glob("*.bin"))) == 2  # the old five are gone


def test_no_structure_is_a_one_line_error(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--output", str(tmp_path / "x.jsonl")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no structure" in err[0]


def test_no_progress_bar_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("SENSE_DATA", "-n", "60", "--output", str(tmp_path / "x.jsonl")) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "\r" not in captured.err
    assert captured.err.strip().splitlines() == [
        f"iscsitgt-spt fuzz: 60 cases written to {tmp_path / 'x.jsonl'}"
    ]


# -- valid ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(STRUCTURES))
@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_valid_cases_are_canonical(name: str, profile: Profile) -> None:
    layout = get_layout(name, profile)
    for case in generate([name], [profile], ["valid"], count=10, seed=3):
        value = api.decode(name, case.data, profile=profile)
        for member in layout.leaves():
            item = value.get_path(member.path)
            if member.kind == "padding":
                assert item == bytes(member.size), member.path
            if member.kind == "wchar":
                assert isinstance(item, str), member.path
            if member.path in layout.rules:
                assert item == layout.rules[member.path][1], member.path


def test_valid_tmf_header_is_derived() -> None:
    for case in generate(["ISCSITGT_SPT_TMF"], [Profile()], ["valid"], count=5):
        data = case.data
        # SRB_IO_CONTROL: HeaderLength 28, ControlCode 0x102 at 16, Length 64 - 28 at 24.
        assert data[0:4] == bytes([28, 0, 0, 0])
        assert data[16:20] == bytes([0x02, 0x01, 0, 0])
        assert data[24:28] == bytes([36, 0, 0, 0])


# -- boundary -------------------------------------------------------------------------------
def _boundary(name: str, profile: Profile = PROFILES[0]) -> dict[str, bytes]:
    return {intent: data for data, intent in boundary_cases(get_layout(name, profile))}


def test_boundary_sets_header_length_to_its_maximum() -> None:
    cases = _boundary("ISCSITGT_SPT_TMF")
    data = cases["Header.Length=0xffffffff (max)"]
    assert data[24:28] == b"\xff\xff\xff\xff"
    assert len(data) == 64


def test_boundary_covers_codes_outside_the_meaning() -> None:
    tmf = _boundary("ISCSITGT_SPT_TMF")
    # TaskManagementFunction is at byte 44 (28-byte header, 8-byte cookie at 32, Lun at 40);
    # RFC 7143 defines 1..12 (+ RFC 7144 up to 12), so 13 is the first code past the end.
    assert tmf["TaskManagementFunction=0xd (largest known code + 1)"][44] == 13
    # Response (byte 56, after the 8-aligned ReferenceTaskCookie at 48): 0-7 and 255 are
    # defined (RFC 7143 11.6.1, RFC 7144), so 8 is the first unknown code.
    assert tmf["Response=0x8 (first code TmfResponse does not define)"][56] == 8
    start = _boundary("ISCSITGT_SPT_SESSION_START")
    assert start["IsReinstated=0x2 (BOOL neither 0 nor 1)"][28:32] == bytes([2, 0, 0, 0])
    sptd = _boundary("SCSI_PASS_THROUGH_DIRECT")
    # DataIn (byte 8): 0 out, 1 in, 2 unspecified (ntddscsi.h) -> 3 is outside.
    assert sptd["DataIn=0x3 (first code DataIn does not define)"][8] == 3


def test_boundary_gives_a_length_of_the_other_abi() -> None:
    sptd = _boundary("SCSI_PASS_THROUGH_DIRECT")
    assert sptd["Length=0x2c (its value under win32/u64)"][0:2] == bytes([44, 0])


def test_boundary_strings_and_buffer_lengths() -> None:
    start = _boundary("ISCSITGT_SPT_SESSION_START")
    full = start["PeerAddress full length, no terminator"]
    assert api.decode("ISCSITGT_SPT_SESSION_START", full).PeerAddress == "A" * 64
    tail = start["PeerAddress bytes after the terminator"]
    assert isinstance(api.decode("ISCSITGT_SPT_SESSION_START", tail).PeerAddress, WcharText)
    with pytest.raises(ParseError) as info:
        api.decode("ISCSITGT_SPT_SESSION_START", start["buffer 1 byte short"])
    assert info.value.path == "ISCSITGT_SPT_SESSION_START.ChapUserName"  # the last member
    long = decode_buffer(start["buffer 1 byte long"], name="ISCSITGT_SPT_SESSION_START")
    assert long.trailing == b"\0"


def test_boundary_yields_at_most_n_in_order() -> None:
    cases = list(generate(["SRB_IO_CONTROL"], PROFILES[:1], ["boundary"], count=5, seed=1))
    everything = [intent for _, intent in boundary_cases(get_layout("SRB_IO_CONTROL"))]
    assert len(cases) == 5
    positions = [everything.index(c.intent) for c in cases]
    assert positions == sorted(positions)


# -- mutate ---------------------------------------------------------------------------------
def test_mutate_uses_capture_records_as_seeds(tmp_path: Path) -> None:
    seed_file = tmp_path / "capture.jsonl"
    canonical = api.encode(api.build("ISCSITGT_SPT_SESSION_STOP", {"ITNexusHandle": 5}))
    seed_file.write_text(json.dumps({"ioctl": "0x0004d008", "in": canonical.hex()}) + "\n")
    out = tmp_path / "m.jsonl"
    assert _run("ISCSITGT_SPT_SESSION_STOP", "--mode", "mutate", "--from", str(seed_file),
                "-n", "30", "--output", str(out)) == 0
    records = _records(out)
    assert len(records) == 30
    assert all(str(r["intent"]).startswith("capture.jsonl record 1: ") for r in records)
    # Splices take members from other cases (here generated ones), so nearly every case
    # differs from the seed; a splice can still copy an equal member.
    assert sum(bytes.fromhex(str(r["in"])) != canonical for r in records) >= 25
    intents = " ".join(str(r["intent"]) for r in records)
    assert "flipped" in intents and "inserted" in intents and "deleted" in intents


def test_mutate_without_seeds_mutates_valid_cases() -> None:
    cases = list(generate(["SCSI_PASS_THROUGH_AUXILIARY"], PROFILES[:1], ["mutate"], count=20))
    assert all(c.intent.startswith("generated valid seed") for c in cases)
    assert any("spliced from generated valid seed" in c.intent for c in cases)


def test_bad_capture_for_mutate_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_file = tmp_path / "capture.jsonl"
    seed_file.write_text('{"ioctl": 1}\n')
    assert _run("SENSE_DATA", "--mode", "mutate", "--from", str(seed_file),
                "--output", str(tmp_path / "m.jsonl")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 1" in err[0] and "'in'" in err[0]


def test_generate_rejects_unknown_modes() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        list(generate(["SENSE_DATA"], PROFILES, ["chaos"]))
    assert list(generate(["SENSE_DATA"], PROFILES, ["valid"], count=0)) == []
    assert isinstance(next(generate(["SENSE_DATA"], PROFILES, ["valid"], count=1)), Case)
