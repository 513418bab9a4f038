"""The CLI contract, bytes and text in and out: ``main(argv)`` in this process with byte streams
(tests/_inprocess.py), the one start-up contract (no shutil) in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _inprocess import run_main

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "vectors" / "captures"
# The 64-byte win64 ISCSITGT_SPT_TMF written out by hand in tests/vectors/README.md
# (Capture formats section) and tests/codec/test_api.py.
TMF = (CAPTURES / "tmf_abort_task.bin").read_bytes()


def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return run_main(*args, stdin=stdin)


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


def test_decode_truncated_input_shows_what_is_whole_and_one_error_line() -> None:
    # Was "one line, exit 2": a cut buffer used to be unusable input.  Now the members it
    # holds whole are the result (exit 1: done, but the buffer could not be decoded whole) and
    # stderr still has the one line naming the member cut and the byte offset.
    out = cli("decode", "-", "--as", "ISCSITGT_SPT_TMF", "--color", "never", stdin=TMF[:42])
    assert out.returncode == 1
    lines = out.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "ISCSITGT_SPT_TMF.Lun" in lines[0] and "42" in lines[0]
    assert b"Traceback" not in out.stderr
    text = out.stdout.decode()
    # ITNexusHandle (bytes 32..39 in the README's hand derivation) is whole; Lun (40..43) is cut.
    assert "ITNexusHandle" in text and "0x1122334455667788" in text
    assert "cut: 2 of 4 bytes present (01 00)" in text


# The issue-11 reproducer: the README's hand-derived win64 TMF (tests/vectors/README.md,
# Capture formats) cut to 54 of its 64 bytes, as IRPMon or a debugger would capture it.  From
# the C declaration on win64: SRB_IO_CONTROL header 28 bytes (Header.Length = 64 - 28 = 36 at
# byte 24), 4 padding bytes to align the 8-byte ITNexusHandle at 32, Lun (ULONG) at 40,
# TaskManagementFunction (UCHAR) at 44, 3 padding bytes, ReferenceTaskCookie (8 bytes) at
# 48..55 -> byte 54 is inside it; Response at 56.  Under win32/ptr the TMF is 48 bytes, which
# is why the length alone used to pick win32/ptr "with 6 trailing bytes".
CUT_TMF = TMF[:54]


def test_truncated_win64_tmf_decodes_as_win64_truncated_without_abi() -> None:
    out = cli("decode", "-", "--color", "never", stdin=CUT_TMF)
    assert out.returncode == 1 and b"Traceback" not in out.stderr
    text = out.stdout.decode()
    assert "profile: win64/u64" in text
    assert "TRUNCATED: 54 of 64 bytes, cut inside ReferenceTaskCookie" in text
    assert "0x0020  ITNexusHandle" in text and "0x1122334455667788" in text
    assert "0x0028  Lun" in text
    assert "0x002c  TaskManagementFunction           1 (ABORT_TASK)" in text
    assert "trailing" not in text
    assert "except on win32/ptr — outweighed by SRB_IO_CONTROL.Length" in text
    assert "decided by SRB_IO_CONTROL.Length; outweighed: the buffer's length" in text
    err = out.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "ISCSITGT_SPT_TMF.ReferenceTaskCookie" in err[0] and "54" in err[0]


def test_truncated_win64_tmf_json_and_hexdump() -> None:
    out = cli("decode", "-", "--json", stdin=CUT_TMF)
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert (doc["name"], doc["abi"], doc["size"]) == ("ISCSITGT_SPT_TMF", "win64", 54)
    assert doc["truncated"] == {"path": "ISCSITGT_SPT_TMF.ReferenceTaskCookie", "offset": 54,
                                "structure_size": 64}
    value = doc["value"]
    assert value["ITNexusHandle"] == 0x1122334455667788
    assert (value["Lun"], value["TaskManagementFunction"], value["Header"]["Length"]) == (1, 1, 36)
    assert "ReferenceTaskCookie" not in value and "Response" not in value
    assert bytes.fromhex(doc["hex"]) == CUT_TMF
    assert "truncated" in {f["code"] for f in doc["findings"]}
    assert "trailing" not in doc
    # encode refuses it: the value is not a whole structure.
    back = cli("encode", stdin=out.stdout)
    assert back.returncode == 2 and b"truncated" in back.stderr
    dump = cli("decode", "-", "--hexdump", "--color", "never", stdin=CUT_TMF).stdout.decode()
    assert "ITNexusHandle, Lun, TaskManagementFunction" in dump
    assert "(the buffer ends at 0x36 inside ReferenceTaskCookie; ISCSITGT_SPT_TMF is 64 bytes" \
        in dump


def test_decode_text_view_and_hexdump() -> None:
    out = cli("decode", str(CAPTURES / "tmf_abort_task.bin"), "--hexdump", "--color", "never")
    text = out.stdout.decode()
    assert "TaskManagementFunction" in text and "ABORT_TASK" in text
    assert "00000000  1c 00 00 00 49 53 43 53" in text  # hexdump -C style row


def test_an_output_option_the_output_asked_for_leaves_unwritten_is_refused(tmp_path: Path
                                                                            ) -> None:
    # Before, each was ignored: --json with --html printed no JSON, --hexdump with --json
    # wrote no dump, and the command said nothing of it.
    tmf = str(CAPTURES / "tmf_abort_task.bin")
    page = tmp_path / "page.html"
    for args, option in ((["decode", tmf, "--json", "--hexdump"], "--hexdump"),
                         (["decode", tmf, "--json", "--html", str(page)], "--json"),
                         (["demo", "--json", "--hexdump"], "--hexdump")):
        out = cli(*args)
        assert (out.returncode, out.stdout) == (2, b""), args
        assert out.stderr.decode().count("\n") == 1 and f"error: {option}:" in out.stderr.decode()
    assert not page.exists()
    # Each alone, and --hexdump with --html (whose page holds the hex grid), are taken.
    assert cli("decode", tmf, "--html", str(page), "--hexdump").returncode == 0 and page.exists()


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
    made = cli("fuzz", "SENSE_DATA", "ISCSITGT_SPT_TMF", "--output", str(corpus), "-n", "3")
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


def test_bulk_json_lines_are_the_general_paths_and_keep_the_exit_status() -> None:
    # decode --json --no-diagnostics writes the usual record straight from its bytes
    # (codec.analysis.bulk); each line must still be report_record's, and a broken record
    # still makes the exit status 1.
    from iscsitgt_spt.codec.analysis.report import report_record
    from iscsitgt_spt.codec.capture.records import iter_jsonl

    lines = [json.dumps({"ioctl": "0x0004d008", "in": TMF.hex()}),
             json.dumps({"ioctl": "0x0004d008", "in": TMF[:40].hex()}),
             json.dumps({"ioctl": "0x0004d008", "in": (TMF + b"\x01").hex()}),
             json.dumps({"ioctl": "0x0004d008", "in": "zz"})]
    capture = "\n".join(lines).encode()
    for options in ([], ["--abi", "win64", "--cookie", "u64"]):
        out = cli("decode", "-", "--json", "--no-diagnostics", *options, stdin=capture)
        abi = cookie = None
        if options:
            abi, cookie = "win64", "u64"
        want = [report_record(r, abi=abi, cookie=cookie, diagnostics=False).to_json_line()
                for r in iter_jsonl(lines)]
        assert out.stdout.decode().splitlines() == want
        assert out.returncode == 1  # the cut and the unreadable records
    whole = cli("decode", "-", "--json", "--no-diagnostics", stdin=lines[0].encode() + b"\n"
                + lines[0].encode())
    assert whole.returncode == 0 and len(whole.stdout.splitlines()) == 2


def test_profile_evidence_says_where_the_abi_came_from() -> None:
    line = json.dumps({"ioctl": "0x0004d008", "in": TMF.hex(), "abi": "win64", "cookie": "u64"})
    from_record = json.loads(cli("decode", "-", "--json", stdin=line.encode()).stdout)
    assert from_record["profile_evidence"][0].startswith("the capture record states abi=win64")
    from_option = json.loads(cli("decode", "-", "--json", "--abi", "win64",
                                 stdin=line.encode()).stdout)
    assert from_option["profile_evidence"][0].startswith("--abi win64")


def test_issue12_case13_endless_binary_input_ends_with_one_line() -> None:
    # /dev/zero never ends: decode must stop after the record-size limit + 1 bytes.
    out = cli("decode", "/dev/zero")
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


def test_help_width_is_the_terminal_width_shutil_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    # The help formatter reads the width itself (argparse would import shutil on every run);
    # shutil.get_terminal_size is the reference, with COLUMNS set, invalid and unset.
    import shutil

    from iscsitgt_spt.cli import _columns

    for columns in ("57", "0", "wide", None):
        if columns is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", columns)
        assert _columns() == shutil.get_terminal_size().columns


def test_a_decode_run_imports_no_shutil() -> None:
    script = ("import sys, runpy; sys.argv = ['iscsitgt-spt', 'decode', '-'];\n"
              "try:\n    runpy.run_module('iscsitgt_spt', run_name='__main__')\n"
              "except SystemExit:\n    pass\n"
              "print('shutil' in sys.modules, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", script], input=TMF, capture_output=True)
    assert out.stderr.decode().strip().splitlines()[-1] == "False", out.stderr


#: What ``decode`` of one buffer (a TMF request: no sense data, one record) has no use for,
#: each loaded where it is needed (issue 25: start-up of ``decode`` <= 1.4x ``import
#: construct``): the capture readers (any module of codec.capture but detection and the record
#: type), the other subcommands and their machinery, the HTML report, fuzzing, export, the
#: device layer, the sense tables, the many-record path (workers, progress, the bulk line),
#: the general (construct) decode and encode path, and the version text.
_NOT_FOR_ONE_BUFFER = (
    "iscsitgt_spt.codec.capture.*", "iscsitgt_spt.cli.views.html", "iscsitgt_spt.cli._html_report",
    "iscsitgt_spt.codec.fuzzing", "iscsitgt_spt.codec.export", "iscsitgt_spt.device",
    "iscsitgt_spt.codec.sense", "iscsitgt_spt.cli.demo", "iscsitgt_spt.cli.encode",
    "iscsitgt_spt.cli.layout", "iscsitgt_spt.cli.header", "iscsitgt_spt.cli.export",
    "iscsitgt_spt.cli.sense", "iscsitgt_spt.cli.fuzz", "iscsitgt_spt.cli.send",
    "iscsitgt_spt.cli.samples", "iscsitgt_spt.cli._many", "iscsitgt_spt.cli._jobs",
    "iscsitgt_spt.cli._keyed", "iscsitgt_spt.cli._plain_parts", "iscsitgt_spt.cli._slots",
    "iscsitgt_spt.cli._progress", "iscsitgt_spt.cli._sessions", "iscsitgt_spt.cli._send_corpus",
    "iscsitgt_spt.cli._send_route", "iscsitgt_spt.codec.analysis.bulk",
    "iscsitgt_spt.codec.analysis.stream", "iscsitgt_spt.codec.convert", "bisect",
    "iscsitgt_spt.cli.version", "multiprocessing", "concurrent.futures", "shutil", "locale",
    "encodings.utf_8_sig",
)
#: ... of which these two are what detection and the record need.
_CAPTURE_MODULES_USED = ("iscsitgt_spt.codec.capture.detect", "iscsitgt_spt.codec.capture.records")


def _unneeded(loaded: list[str]) -> list[str]:
    found = []
    for name in loaded:
        for rule in _NOT_FOR_ONE_BUFFER:
            if rule.endswith(".*"):
                hit = name.startswith(rule[:-1]) and name not in _CAPTURE_MODULES_USED
            else:
                hit = name == rule or name.startswith(rule + ".")
            if hit:
                found.append(name)
    return found


def test_the_rule_names_what_it_should() -> None:
    # (the check below would pass on any run if the rules matched nothing)
    assert _unneeded(["iscsitgt_spt.codec.capture.jsonl", "iscsitgt_spt.codec.capture.detect",
                      "iscsitgt_spt.codec.sense.asc", "iscsitgt_spt.codec.sensed", "bisect",
                      "iscsitgt_spt.cli.decode", "iscsitgt_spt.cli.views.html.page"]) == [
        "iscsitgt_spt.codec.capture.jsonl", "iscsitgt_spt.codec.sense.asc", "bisect",
        "iscsitgt_spt.cli.views.html.page"]


@pytest.mark.parametrize("options", [[], ["--json"]])
def test_decode_of_one_buffer_imports_only_what_it_needs(options: list[str]) -> None:
    # A fresh process, as the command starts: each module it loads costs start-up time.
    # The @frozen method texts it compiles with the parser: none (spec/_frozen_code.py holds
    # them compiled; a text missing there means the module is stale: regenerate it).
    script = ("import sys\nfrom iscsitgt_spt.cli import main\n"
              "code = main(['decode', *sys.argv[2:], sys.argv[1]])\n"
              "from iscsitgt_spt.spec import _frozen, _frozen_code\n"
              "print(len(set(_frozen._CODE) - set(_frozen_code.CODE)), file=sys.stderr)\n"
              "print(code, *sorted(sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script, str(CAPTURES / "tmf_abort_task.bin"),
                           *options], capture_output=True, text=True, timeout=120)
    compiled, modules = done.stderr.split("\n")[-3:-1]
    code, *loaded = modules.split()
    assert code == "0" and "ISCSITGT_SPT_TMF" in done.stdout
    assert "iscsitgt_spt.codec.analysis.report" in loaded  # (what the run did load)
    assert _unneeded(loaded) == []
    assert compiled == "0", "spec/_frozen_code.py is stale: python tests/spec/test_frozen_code.py"


def _catalog(translations: dict[str, str]) -> bytes:
    """A GNU gettext .mo file, written by the format's definition (GNU gettext manual, "The
    Format of GNU MO Files"): magic, revision, count, the offsets of the two tables of
    (length, offset) pairs, no hash table, then the strings, each NUL-terminated."""
    import struct

    keys = sorted(translations)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(translations[k].encode() + b"\0" for k in keys)
    start = 28 + 16 * len(keys)
    table, at = [], start
    for key in keys:
        table.append((len(key.encode()), at))
        at += len(key.encode()) + 1
    values, at = [], start + len(ids)
    for key in keys:
        values.append((len(translations[key].encode()), at))
        at += len(translations[key].encode()) + 1
    head = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    pairs = b"".join(struct.pack("<2I", *pair) for pair in table + values)
    return head + pairs + ids + strs


def test_help_is_translated_where_a_catalog_is(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # build_parser skips gettext's catalog search where the catalog directory does not exist
    # (no locale import at start-up); where it does, argparse's texts are gettext's.
    import gettext

    from iscsitgt_spt.cli import build_parser

    where = tmp_path / "de" / "LC_MESSAGES"
    where.mkdir(parents=True)
    (where / "messages.mo").write_bytes(_catalog({"options": "Optionen"}))
    default = gettext.bindtextdomain("messages")
    monkeypatch.setenv("LANGUAGE", "de")
    try:
        gettext.bindtextdomain("messages", str(tmp_path))
        assert gettext.gettext("options") == "Optionen"  # (the catalog works)
        assert "\nOptionen:\n" in build_parser(["layout"]).format_help()
        gettext.bindtextdomain("messages", str(tmp_path / "none"))
        assert "\noptions:\n" in build_parser(["layout"]).format_help()
    finally:
        gettext.bindtextdomain("messages", default)
