"""Issue #12's reproducers, exit code and stderr checked: what is about the process (closed
standard streams, the encoding of its standard error) in a subprocess, the rest in this
process with byte streams (tests/_inprocess.py).

The contract (README, HOUSE rules): a result, or ONE line on stderr and exit 2; never a
traceback; a broken record costs only itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from _inprocess import run_main
from iscsitgt_spt.cli.views.hexview import iter_hexdump

from tests.codec.capture.test_fuzz_regressions import CRASH_F03DC497

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "vectors" / "captures"
TMF = (CAPTURES / "tmf_abort_task.bin").read_bytes()  # hand-derived in tests/vectors/README.md
PYTHON = f'"{sys.executable}" -m iscsitgt_spt'


def shell(command: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["sh", "-c", command], input=stdin, capture_output=True, timeout=120)


def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return run_main(*args, stdin=stdin)


def one_line_error(out: subprocess.CompletedProcess[bytes]) -> str:
    assert out.returncode == 2, out.stderr
    text = out.stderr.decode("utf-8")
    assert "Traceback" not in text and text.count("\n") == 1, text
    return text


COMMANDS = ["decode", "encode ISCSITGT_SPT_TMF", "layout ISCSITGT_SPT_TMF", "header", "sense -"]


@pytest.mark.parametrize("command", COMMANDS)
def test_case9_closed_stdout(command: str) -> None:
    out = shell(f"{PYTHON} {command} >&-", stdin=b"{}")
    assert "standard output is closed" in one_line_error(out)


@pytest.mark.parametrize("command", COMMANDS)
def test_case9_closed_stdout_and_stderr_is_a_silent_exit_2(command: str) -> None:
    out = shell(f"{PYTHON} {command} >&- 2>&-", stdin=b"{}")
    assert out.returncode == 2 and out.stderr == b""


@pytest.mark.parametrize("command", ["decode", "encode ISCSITGT_SPT_TMF", "sense -"])
def test_case9_closed_stdin(command: str) -> None:
    out = shell(f"{PYTHON} {command} <&-")
    assert "standard input is closed" in one_line_error(out)


@pytest.mark.parametrize("command", ["layout ISCSITGT_SPT_TMF", "header"])
def test_case9_closed_stdin_does_not_matter_to_commands_that_do_not_read_it(
    command: str,
) -> None:
    assert shell(f"{PYTHON} {command} <&-").returncode == 0


@pytest.mark.parametrize("delay", ["inf", "1e300", "nan"])
def test_case10_sim_delay_out_of_range(delay: str) -> None:
    out = cli("send", "ISCSITGT_SPT_SESSION_STOP", "--device", f"sim:delay={delay}", stdin=b"{}")
    assert "delay" in one_line_error(out)


def test_case11_corpus_that_is_not_utf8(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    good = json.dumps({"ioctl": "0x0004d008", "in": TMF.hex()}).encode()
    corpus.write_bytes(good + b"\n\xff\xfe\x00garbage\n" + good + b"\n")
    out = cli("send", "--device", "sim:", "--fuzz-corpus", str(corpus), "--json")
    assert out.returncode == 1  # line 2 was not read: named on stderr
    assert b"1 line not read: line 2" in out.stderr and out.stderr.count(b"\n") == 1
    summary = json.loads(out.stdout)
    assert summary["sent"] == 2 and summary["malformed"] == 1


@pytest.mark.parametrize("name", ["5", "[]"])
def test_case3_encode_document_name_of_the_wrong_type(name: str) -> None:
    out = cli("encode", stdin=f'{{"name": {name}, "value": {{}}}}'.encode())
    assert "name" in one_line_error(out)


def test_case7_error_about_a_huge_value_is_one_line() -> None:
    out = cli("encode", "ISCSITGT_SPT_TMF", stdin=b'{"Lun": "0x' + b"f" * 3600 + b'"}')
    text = one_line_error(out)
    assert "Lun" in text and len(text) < 500


@pytest.mark.parametrize("document", [
    b'{"Lun": ' + b"1" * 5000 + b"}",            # case 4
    b"[" * 1000 + b"]" * 1000,                    # case 5
    b'{"Lun": 1, "x": "\\ud800"}',                 # case 6
    b'{"Lun": "\xff"}',                           # case 11 (not UTF-8)
])
@pytest.mark.parametrize("command", [("encode", "ISCSITGT_SPT_TMF"),
                                     ("send", "ISCSITGT_SPT_TMF", "--device", "sim:")])
def test_hostile_json_documents(document: bytes, command: tuple[str, ...]) -> None:
    assert "byte" in one_line_error(cli(*command, stdin=document))


def test_replay_file_with_a_hostile_line(tmp_path: Path) -> None:
    replay = tmp_path / "replay.jsonl"
    replay.write_text('{"ioctl": 1, "in": "00", "x": ' + "[" * 3000 + "]" * 3000 + "}\n")
    out = cli("send", "ISCSITGT_SPT_SESSION_STOP", "--device", f"replay:{replay}", stdin=b"{}")
    assert "line 1" in one_line_error(out)


def test_1000_record_capture_with_each_bad_record_at_line_500(tmp_path: Path) -> None:
    good = json.dumps({"ioctl": "0x0004d008", "in": TMF.hex()})
    bad = [
        '{"ioctl": 1, "in": "00", "x": ' + "7" * 5000 + "}",                 # case 4
        '{"ioctl": 1, "in": "00", "x": ' + "[" * 2000 + "]" * 2000 + "}",    # case 5
        '{"ioctl": 1, "in": "00", "note": "\\ud800"}',                        # case 6
        '{"ioctl": 1, "in": "00", "pid": "0x' + "f" * 5000 + '"}',           # case 8
    ]
    for line in bad:
        capture = tmp_path / "capture.jsonl"
        lines = [good] * 1000
        lines[499] = line
        capture.write_text("\n".join(lines) + "\n")
        out = cli("decode", "--json", str(capture))
        assert out.returncode == 1 and b"Traceback" not in out.stderr  # 1: a record failed
        reports = [json.loads(text) for text in out.stdout.splitlines()]
        errors = [r for r in reports if "error" in r]
        assert len(reports) == 1000 and len(errors) == 1 and errors[0]["line"] == 500
        text = cli("decode", str(capture))  # the text report prints every record too
        assert text.stdout.count(b"\nrecord ") == 1000 and b"Traceback" not in text.stderr


def test_case6_output_is_utf8_even_for_a_surrogate_in_a_file_name(tmp_path: Path) -> None:
    # A file name that is not UTF-8 reaches Python as a lone surrogate (surrogateescape);
    # the error message naming it is written escaped, as valid UTF-8.
    out = subprocess.run([sys.executable, "-m", "iscsitgt_spt", "decode", b"missing-\xff"],
                         capture_output=True, timeout=60)
    assert out.returncode == 2
    out.stderr.decode("utf-8")  # raises if an invalid byte was written


def test_case12_hexdump_streams_rows_without_a_per_byte_cost() -> None:
    data = TMF + bytes(range(256)) * (8 << 12)  # 8 MiB of trailing bytes
    tracemalloc.start()
    try:
        rows = iter_hexdump(None, data)
        for _ in zip(range(1000), rows):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The first 1000 rows need a few kilobytes, not memory in proportion to the 8 MiB input
    # (before: one annotation object per byte, about 200 bytes per input byte).
    assert peak < 1 << 20


def test_decode_max_record_size_bounds_jsonl_lines(tmp_path: Path) -> None:
    # --max-record-size 16 allows JSON text of 4 x 16 + 65,536 characters (json_text_bound).
    good = json.dumps({"ioctl": "0x0004d008", "in": TMF.hex()[:32]})  # a 16-byte record
    long_line = json.dumps({"ioctl": 1, "in": "00" * 40_000})           # 80,022 characters
    capture = tmp_path / "capture.jsonl"
    capture.write_text(f"{good}\n{long_line}\n{good}\n")
    out = cli("decode", "--json", "--max-record-size", "16", str(capture))
    reports = [json.loads(text) for text in out.stdout.splitlines()]
    assert len(reports) == 3 and b"Traceback" not in out.stderr
    assert "record-size limit" in reports[1]["error"]
    assert "error" not in reports[0] and "error" not in reports[2]


def test_single_buffer_is_read_once_and_bounded() -> None:
    # A raw buffer is read held once (no head + rest copy), from a file or a pipe, and never
    # past --max-record-size: 100 bytes + 1 are read from a pipe of 1,000, then refused.
    import io

    from iscsitgt_spt.cli._capture_input import _read_bounded

    data = bytes(range(200)) * 5
    pipe = io.BytesIO(data)  # no fileno: read as a pipe is
    head = pipe.read(10)
    assert _read_bounded(head, pipe, 101) == data[:101]
    pipe = io.BytesIO(data)
    head = pipe.read(10)
    assert _read_bounded(head, pipe, 10_000) == data


def test_fuzz_capture_f03dc497_damaged_radare2_row_address(tmp_path: Path) -> None:
    # tests/fuzz/fuzz_capture.py's crash-f03dc497...: a radare2 dump whose fourth row's
    # address reads "1x00000025" printed a ValueError traceback.  The input as the fuzzer
    # wrote it: tests/codec/capture/test_fuzz_regressions.py.
    path = tmp_path / "damaged_px.txt"
    path.write_bytes(CRASH_F03DC497)
    for mode in ([], ["--hexdump"], ["--json"], ["--json", "--no-diagnostics"]):
        assert "lines 3-6" in one_line_error(cli("decode", str(path), *mode))
