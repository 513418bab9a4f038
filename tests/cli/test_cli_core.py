"""The CLI contract, run as a user runs it: a subprocess, bytes and text in and out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "vectors" / "captures"
# The 64-byte win64 ISCSITGT_SPT_TMF written out by hand in tests/vectors/README.md
# (Capture formats section) and tests/codec/test_api.py.
TMF = (CAPTURES / "tmf_abort_task.bin").read_bytes()


def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "iscsitgt_spt", *args], input=stdin,
                          capture_output=True, timeout=120)


def test_the_sample_is_the_hand_derived_buffer() -> None:
    assert len(TMF) == 64
    assert TMF[16:20] == bytes.fromhex("02010000")  # ControlCode 0x102


def test_layout_json_contract() -> None:
    out = cli("layout", "ISCSITGT_SPT_TMF", "--abi", "win32", "--cookie", "ptr", "--json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert (doc["name"], doc["abi"], doc["cookie"], doc["size"]) == (
        "ISCSITGT_SPT_TMF", "win32", "ptr", 48)
    by_path = {f["path"]: f for f in doc["fields"]}
    assert by_path["Header.HeaderLength"]["offset"] == 0
    assert by_path["ReferenceTaskCookie"]["offset"] == 40  # hand-derived in test_api.py
    assert by_path["_pad_before_ReferenceTaskCookie"]["padding"] is True
    sense = json.loads(cli("layout", "SENSE_DATA", "--json").stdout)
    valid = next(f for f in sense["fields"] if f["path"] == "Valid")
    assert (valid["bit_offset"], valid["bit_width"]) == (7, 1)


def test_layout_text_is_a_table() -> None:
    out = cli("layout", "iscsitgt_spt_tmf")
    assert out.returncode == 0
    assert b"ReferenceTaskCookie" in out.stdout and b"[padding]" in out.stdout


@pytest.mark.parametrize("source", ["tmf_abort_task.bin", "tmf_abort_task.hex",
                                    "tmf_abort_task.xxd", "tmf_abort_task.hexdump",
                                    "windbg_db.txt", "windbg_dd.txt", "windbg_dq.txt",
                                    "frida_hexdump.txt", "frida_hexdump_ansi.txt"])
def test_decode_json_then_encode_reproduces_the_bytes(source: str) -> None:
    out = cli("decode", str(CAPTURES / source), "--json")
    assert out.returncode in (0, 1), out.stderr
    lines = out.stdout.decode().strip().splitlines()
    if not lines[0].startswith('{"record"'):
        doc = json.loads(out.stdout)  # one buffer: the decode document itself
    else:  # several dumps in the sample: JSON Lines, the first record is our buffer
        doc = json.loads(lines[0])["input"]["document"]
    assert doc["name"] == "ISCSITGT_SPT_TMF" and doc["size"] == 64
    assert doc["value"]["Header"]["ControlCode"] == 0x102
    back = cli("encode", stdin=json.dumps(doc).encode())
    assert back.returncode == 0, back.stderr
    assert back.stdout == TMF


def test_decode_reads_stdin_and_plain_hex_with_prefixes() -> None:
    text = ", ".join(f"0x{b:02x}" for b in TMF).encode()
    out = cli("decode", "-", "--json", stdin=text)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["value"]["Lun"] == 1


def test_decode_as_and_ioctl_options() -> None:
    out = cli("decode", str(CAPTURES / "tmf_abort_task.bin"), "--as", "SRB_IO_CONTROL",
              "--json")
    doc = json.loads(out.stdout)
    assert doc["name"] == "SRB_IO_CONTROL" and len(bytes.fromhex(doc["trailing"])) == 36
    assert cli("encode", stdin=out.stdout).stdout == TMF


def test_decode_any_right_size_buffer_round_trips() -> None:
    noise = bytes((i * 97 + 5) & 0xFF for i in range(64))
    out = cli("decode", "-", "--as", "ISCSITGT_SPT_TMF", "--json", stdin=noise)
    assert out.returncode in (0, 1), out.stderr  # findings expected on noise
    assert cli("encode", stdin=out.stdout).stdout == noise


def test_decode_truncated_input_is_one_line_exit_2() -> None:
    out = cli("decode", "-", "--as", "ISCSITGT_SPT_TMF", stdin=TMF[:42])
    assert out.returncode == 2
    lines = out.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "ISCSITGT_SPT_TMF.Lun" in lines[0] and "42" in lines[0]
    assert b"Traceback" not in out.stderr


def test_decode_text_view_and_hexdump() -> None:
    out = cli("decode", str(CAPTURES / "tmf_abort_task.bin"), "--hexdump", "--color", "never")
    text = out.stdout.decode()
    assert "TaskManagementFunction" in text and "ABORT_TASK" in text
    assert "00000000  1c 00 00 00 49 53 43 53" in text  # hexdump -C style row


def test_multi_record_capture_emits_json_lines_with_errors_kept() -> None:
    lines = [
        json.dumps({"ioctl": "0x0004d008", "in": TMF.hex()}),
        "this is not json",
        json.dumps({"ioctl": 315400, "in": TMF[:30].hex()}),
        json.dumps({"ioctl": 315400, "in": TMF.hex(), "out": TMF.hex(), "custom": 1}),
    ]
    out = cli("decode", "-", "--json", stdin="\n".join(lines).encode())
    assert out.returncode == 1  # broken records are errors, the rest decoded
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 4
    assert rows[0]["input"]["document"]["name"] == "ISCSITGT_SPT_TMF"
    assert "error" in rows[1] and "line 2" in rows[1]["error"]
    assert "error" in rows[2]["input"]
    assert rows[3]["meta"]["extra"] == {"custom": 1}


def test_encode_errors_are_one_line() -> None:
    out = cli("encode", "ISCSITGT_SPT_TMF", "--hex", stdin=b'{"Lun": 4294967296}')
    assert out.returncode == 2
    assert out.stderr.decode().count("\n") == 1
    assert b"ISCSITGT_SPT_TMF.Lun" in out.stderr and b"byte 40" in out.stderr
    assert cli("encode", "ISCSITGT_SPT_TMF", stdin=b"{").returncode == 2
    assert cli("encode", stdin=b'{"Lun": 1}').returncode == 2  # no structure named


def test_unknown_structure_is_a_usage_error() -> None:
    out = cli("layout", "NOPE")
    assert out.returncode == 2 and b"unknown structure" in out.stderr


def test_missing_file_is_one_line() -> None:
    out = cli("decode", "/nonexistent/capture.bin")
    assert out.returncode == 2 and out.stderr.decode().count("\n") == 1


def test_sense_decodes_the_published_example() -> None:
    # sg3_utils documentation: fixed, current; Medium Error; 11h/00h; information 0x1234.
    out = cli("sense", "f0 00 03 00 00 12 34 0a 00 00 00 00 11 00 00 00 00 00")
    text = out.stdout.decode()
    assert out.returncode == 0
    assert "Medium Error" in text and "Unrecovered read error" in text and "0x1234" in text
    doc = json.loads(cli("sense", "f0000300001234", "--json").stdout)
    assert doc
    assert cli("sense", "zz").returncode == 2


def test_demo_decodes_every_structure_and_keeps_going_after_a_broken_record() -> None:
    out = cli("demo", "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    names = {r["input"]["document"]["name"] for r in rows if "document" in r.get("input", {})}
    assert {"ISCSITGT_SPT_SESSION_START", "ISCSITGT_SPT_TMF", "ISCSITGT_SPT_SESSION_STOP",
            "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "SRB_IO_CONTROL"} <= names
    assert any("error" in r.get("input", {}) for r in rows)
    assert rows[-1]["input"]["document"]["name"] == "ISCSITGT_SPT_SESSION_STOP"
    assert any(r.get("sense") for r in rows)


def test_header_command_writes_c() -> None:
    out = cli("header", "ISCSITGT_SPT_TMF", "--abi", "win32", "--standalone")
    assert out.returncode == 0
    assert b"_Static_assert" in out.stdout and b"ISCSITGT_SPT_TMF" in out.stdout


def test_decode_reads_a_fuzz_corpus_including_structures_without_an_ioctl(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c.jsonl"
    made = cli("fuzz", "SENSE_DATA", "ISCSITGT_SPT_TMF", "--out", str(corpus), "-n", "3")
    assert made.returncode == 0, made.stderr
    out = cli("decode", str(corpus), "--json")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 6
    assert {r["input"]["document"]["name"] for r in rows} == {"SENSE_DATA", "ISCSITGT_SPT_TMF"}


def test_bulk_mode_skips_diagnostics() -> None:
    line = json.dumps({"ioctl": "0x0004d008", "in": TMF.hex(), "abi": "win64", "cookie": "u64"})
    out = cli("decode", "-", "--json", "--no-diagnostics", stdin=line.encode())
    row = json.loads(out.stdout)
    assert row["input"]["document"]["name"] == "ISCSITGT_SPT_TMF"
    assert row["input"]["findings"] == [] and "profile_evidence" not in row


def test_profile_evidence_says_where_the_abi_came_from() -> None:
    line = json.dumps({"ioctl": "0x0004d008", "in": TMF.hex(), "abi": "win64", "cookie": "u64"})
    from_record = json.loads(cli("decode", "-", "--json", stdin=line.encode()).stdout)
    assert from_record["profile_evidence"][0].startswith("the capture record states abi=win64")
    from_option = json.loads(cli("decode", "-", "--json", "--abi", "win64",
                                 stdin=line.encode()).stdout)
    assert from_option["profile_evidence"][0].startswith("--abi win64")


def test_issue12_case13_endless_binary_input_ends_with_one_line() -> None:
    # /dev/zero never ends: decode must stop after the record-size limit + 1 bytes.
    out = subprocess.run([sys.executable, "-m", "iscsitgt_spt", "decode", "/dev/zero"],
                         capture_output=True, timeout=120)
    assert out.returncode == 2 and out.stdout == b""
    lines = out.stderr.decode().splitlines()
    assert len(lines) == 1 and "record-size limit" in lines[0]


def test_issue12_case1_star_bomb_and_max_record_size() -> None:
    out = cli("decode", "-", stdin=b"0000: 00\n*\nffffffff: 00\n")
    assert out.returncode == 2 and len(out.stderr.decode().splitlines()) == 1
    assert b"record-size limit" in out.stderr
    small = cli("decode", "--max-record-size", "32", str(CAPTURES / "tmf_abort_task.xxd"))
    assert small.returncode == 2 and b"limit of 32 bytes" in small.stderr


def test_records_name_their_line_range() -> None:
    text = (CAPTURES / "windbg_session.txt").read_bytes()
    out = cli("decode", "--json", "-", stdin=text)
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(d["line"], d["end_line"]) for d in docs] == [(1, 5), (6, 14), (15, 19), (20, 24)]
    text_out = cli("decode", "-", stdin=text).stdout.decode()
    assert "record 2 · lines 6-14 · " in text_out


def test_powershell_51_utf16_capture_and_skipped_lines_are_shown() -> None:
    out = cli("decode", str(CAPTURES / "ps51_format_hex.txt"))
    assert out.returncode == 0 and "record 1 · lines 7-10" in out.stdout.decode()
    text = b"Banner line\n\n" + TMF.hex().encode() + b"\n"
    shown = cli("decode", "-", stdin=text).stdout.decode()
    assert "note: not data, skipped: line 1: Banner line" in shown
    doc = json.loads(cli("decode", "--json", "-", stdin=text).stdout)
    assert (doc["line"], doc["end_line"], doc["skipped_lines"]) == (3, 3, ["line 1: Banner line"])
