"""Every command's exit codes, as a script sees them: 0 done, 1 done but failed somewhere, 2
unusable input or usage (the contract in ``iscsitgt_spt.cli``'s docstring and the README).

Findings are output, not failure: a buffer whose only problem is a lint finding exits 0
unless ``--fail-on`` asks.  The buffers are the hand-derived 64-byte win64 ISCSITGT_SPT_TMF of
tests/vectors/README.md with one byte changed, each change written down beside it; which
finding a change causes is checked against the lint pass first (a precondition, so that the
exit code under test is the only thing the assertion measures).  Commands that have no way to
"partly" fail (encode, layout, header, sense, fuzz, samples) have only 0 and 2.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.analysis.lint import lint_bytes

#: The ``cli`` fixture of tests/cli/conftest.py: ``iscsitgt-spt ARGS`` (in this process).
Cli = Callable[..., "subprocess.CompletedProcess[str]"]

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "vectors" / "captures"
TMF = (CAPTURES / "tmf_abort_task.bin").read_bytes()
MINIPORT = "0x0004d008"

# Byte 0x18 is SRB_IO_CONTROL.Length (36 in the hand-derived buffer): 0x99 contradicts the size.
LENGTH_WRONG = TMF[:0x18] + b"\x99" + TMF[0x19:]
# Byte 0x1c is the first padding byte before ITNexusHandle (win64 aligns it to 8).
PADDING_SET = TMF[:0x1c] + b"\x01" + TMF[0x1d:]
# Byte 0x2c is TaskManagementFunction: 5 (LOGICAL UNIT RESET) ignores ReferenceTaskCookie,
# which the buffer sets (0x0102030405060708).
RESET_WITH_REFERENCE = TMF[:0x2c] + b"\x05" + TMF[0x2d:]


def severities(data: bytes) -> set[str]:
    return {f.severity for f in lint_bytes(data)}


def test_the_buffers_carry_the_findings_the_tests_rely_on() -> None:
    assert severities(TMF) == set()
    assert severities(LENGTH_WRONG) == {"error"}
    assert severities(PADDING_SET) == {"info"}
    assert severities(RESET_WITH_REFERENCE) == {"warning"}


# -- decode ---------------------------------------------------------------------------------
def test_decode_exits_0_whatever_the_findings(cli: Cli) -> None:
    for data in (TMF, LENGTH_WRONG, PADDING_SET, RESET_WITH_REFERENCE):
        out = cli("decode", "-", stdin=data)
        assert out.returncode == 0, out.stderr
        assert out.stderr == ""


def test_decode_of_the_demo_sample_agrees_with_demo(tmp_path: Path, cli: Cli) -> None:
    # The same bytes as `demo`: one record is truncated (cannot be decoded), so decode says 1
    # while demo, whose broken record is on purpose, says 0.
    assert cli("samples", "--output", str(tmp_path)).returncode == 0
    out = cli("decode", str(tmp_path / "demo.jsonl"))
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == \
        "iscsitgt-spt decode: 1 of 7 records could not be decoded"
    assert cli("demo").returncode == 0


@pytest.mark.parametrize(("data", "level", "code"), [
    (LENGTH_WRONG, "error", 1), (LENGTH_WRONG, "warning", 1), (LENGTH_WRONG, "info", 1),
    (RESET_WITH_REFERENCE, "error", 0), (RESET_WITH_REFERENCE, "warning", 1),
    (RESET_WITH_REFERENCE, "info", 1),
    (PADDING_SET, "error", 0), (PADDING_SET, "warning", 0), (PADDING_SET, "info", 1),
    (TMF, "info", 0),
])
def test_decode_fail_on_gates_findings_at_or_above_the_level(
    data: bytes, level: str, code: int, cli: Cli
) -> None:
    out = cli("decode", "-", "--fail-on", level, stdin=data)
    assert out.returncode == code, out.stderr
    if code:
        assert f"--fail-on {level}" in out.stderr and out.stderr.count("\n") == 1


def test_decode_capture_exit_1_for_an_undecodable_record_and_fail_on_counts_records(
    cli: Cli,
) -> None:
    lines = [json.dumps({"ioctl": MINIPORT, "in": TMF.hex()}),
             json.dumps({"ioctl": MINIPORT, "in": LENGTH_WRONG.hex()})]
    assert cli("decode", "-", stdin="\n".join(lines).encode()).returncode == 0
    gated = cli("decode", "-", "--json", "--fail-on", "error",
                stdin="\n".join(lines).encode())
    assert gated.returncode == 1
    assert "1 record with findings at or above error" in gated.stderr
    broken = [*lines, json.dumps({"ioctl": MINIPORT, "in": TMF[:30].hex()})]
    out = cli("decode", "-", "--json", stdin="\n".join(broken).encode())
    assert out.returncode == 1
    assert len(out.stdout.splitlines()) == 3  # every record still reported
    assert "1 of 3 records could not be decoded" in out.stderr


def test_decode_html_report_follows_the_same_exit_codes(tmp_path: Path, cli: Cli) -> None:
    page = tmp_path / "report.html"
    plain = cli("decode", "-", "--html", str(page), stdin=LENGTH_WRONG)
    assert plain.returncode == 0, plain.stderr  # an error finding: the page's content
    assert page.is_file()
    gated = cli("decode", "-", "--html", str(page), "--fail-on", "error", stdin=LENGTH_WRONG)
    assert gated.returncode == 1 and "--fail-on error" in gated.stderr
    assert cli("decode", "-", "--html", str(page), "--fail-on", "error",
               stdin=TMF).returncode == 0



def test_an_input_ended_by_an_error_keeps_its_records_on_every_output(tmp_path: Path,
                                                                      cli: Cli) -> None:
    # Three records, then a line that goes on past four times the line bound (96 KiB here;
    # a shorter one is one broken record, codec/bounded.py): the input ends there (exit 2,
    # the one error line naming line 4), and the three records before it are reported on
    # every output, the page's included (it used to be dropped).
    line = json.dumps({"ioctl": MINIPORT, "in": TMF.hex()})
    capture = tmp_path / "capture.jsonl"
    capture.write_text("\n".join([line] * 3 + ['{"in": "' + "00" * 1_000_000 + '"}', line]) + "\n")
    limit = ("--max-record-size", "4096")
    out = cli("decode", str(capture), "--json", *limit)
    assert out.returncode == 2 and len(out.stdout.splitlines()) == 3
    assert out.stderr.count("\n") == 1 and "line 4 goes on past" in out.stderr
    page = tmp_path / "report.html"
    html = cli("decode", str(capture), "--html", str(page), *limit)
    assert html.returncode == 2 and "line 4 goes on past" in html.stderr
    assert "wrote" in html.stdout and ": 3 records, 0 not decoded" in html.stdout
    assert page.is_file()


def test_decode_exit_1_for_one_buffer_cut_short(cli: Cli) -> None:
    # 42 of the TMF's 64 bytes: the members before the cut are shown, the record is not whole.
    out = cli("decode", "-", "--as", "ISCSITGT_SPT_TMF", stdin=TMF[:42])
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "ISCSITGT_SPT_TMF.Lun" in out.stderr


def test_decode_exit_2_for_unusable_input_and_usage(cli: Cli) -> None:
    assert cli("decode", "-", stdin=b"").returncode == 2                       # empty
    assert cli("decode", "/nonexistent/capture.bin").returncode == 2          # unreadable
    # One buffer of which nothing decodes: 7 bytes end inside SRB_IO_CONTROL.Signature.
    assert cli("decode", "-", stdin=TMF[:7]).returncode == 2
    assert cli("decode", "-", "--fail-on", "fatal", stdin=TMF).returncode == 2  # usage
    # Bulk mode has no lint pass, so nothing to gate on: a usage error, not a silent 0.
    bulk = cli("decode", "-", "--fail-on", "error", "--no-diagnostics", stdin=LENGTH_WRONG)
    assert bulk.returncode == 2 and "--no-diagnostics" in bulk.stderr


# -- demo -----------------------------------------------------------------------------------
def test_demo_exit_codes(cli: Cli) -> None:
    out = cli("demo")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Decoding demo.jsonl, the sample capture shipped with")
    assert "truncated on purpose" in out.stdout.split("\n\n")[0]
    gated = cli("demo", "--fail-on", "error")  # the broken record's findings are errors
    assert gated.returncode == 1 and "--fail-on error" in gated.stderr
    assert "could not be decoded" not in gated.stderr  # broken on purpose, never a failure
    assert cli("demo", "--no-such-option").returncode == 2


def test_demo_json_keeps_stdout_machine_readable(cli: Cli) -> None:
    out = cli("demo", "--json")
    assert out.returncode == 0
    assert all(json.loads(line) for line in out.stdout.splitlines())
    assert out.stderr.startswith("Decoding demo.jsonl, the sample capture shipped with")


# -- the commands with no partial failure ---------------------------------------------------
@pytest.mark.parametrize(("args", "stdin"), [
    (("encode", "ISCSITGT_SPT_TMF"), b'{"ITNexusHandle": 7}'),
    (("layout", "ISCSITGT_SPT_TMF"), b""),
    (("header", "--abi", "win32"), b""),
    (("sense", "70", "00", "05", "00", "00", "00", "00", "0a", "00", "00", "00", "00", "20",
      "00"), b""),
    (("samples",), b""),
])
def test_commands_exit_0_when_done(args: tuple[str, ...], stdin: bytes, cli: Cli) -> None:
    out = cli(*args, stdin=stdin)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize(("args", "stdin"), [
    (("encode", "ISCSITGT_SPT_TMF"), b"{"),                       # not JSON
    (("encode", "ISCSITGT_SPT_TMF"), b'{"Lun": 4294967296}'),      # ULONG out of range
    (("layout", "NO_SUCH_STRUCTURE"), b""),
    (("header", "--abi", "win16"), b""),
    (("sense", "zz"), b""),
    (("fuzz", "ISCSITGT_SPT_TMF"), b""),                           # --output missing
    (("samples", "nothing.txt"), b""),
    (("no-such-command",), b""),
    ((), b""),
])
def test_commands_exit_2_for_unusable_input_or_usage(
    args: tuple[str, ...], stdin: bytes, cli: Cli
) -> None:
    out = cli(*args, stdin=stdin)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


def test_fuzz_exit_0_then_2_when_the_corpus_exists(tmp_path: Path, cli: Cli) -> None:
    corpus = str(tmp_path / "c.jsonl")
    assert cli("fuzz", "ISCSITGT_SPT_TMF", "-n", "2", "--output", corpus).returncode == 0
    again = cli("fuzz", "ISCSITGT_SPT_TMF", "-n", "2", "--output", corpus)
    assert again.returncode == 2 and "--force" in again.stderr


def test_samples_out_refuses_to_overwrite(tmp_path: Path, cli: Cli) -> None:
    assert cli("samples", "--output", str(tmp_path)).returncode == 0
    assert cli("samples", "--output", str(tmp_path)).returncode == 2
    assert cli("samples", "--output", str(tmp_path), "--force").returncode == 0


# -- send -----------------------------------------------------------------------------------
START = {"name": "ISCSITGT_SPT_SESSION_START", "value": {"ITNexusHandle": 7}}


def test_send_exit_0_1_2(cli: Cli) -> None:
    ok = cli("send", "--device", "sim:", stdin=json.dumps(START).encode())
    assert ok.returncode == 0, ok.stderr
    # STOP of a session never started: the simulator answers UNKNOWN_SESSION (its model).
    failed = cli("send", "ISCSITGT_SPT_SESSION_STOP", "--device", "sim:",
                 stdin=b'{"ITNexusHandle": 9}')
    assert failed.returncode == 1
    assert "UNKNOWN_SESSION (simulator): no session has this ITNexusHandle" in failed.stderr
    assert "Header.ReturnCode: 0 -> 1397312772 (0x53494d04: UNKNOWN_SESSION (simulator)" \
        in failed.stdout
    assert cli("send", "--device", "sim:", stdin=b"[").returncode == 2


def _corpus(path: Path, *buffers: bytes) -> None:
    path.write_text("".join(json.dumps({"ioctl": MINIPORT, "in": b.hex()}) + "\n"
                            for b in buffers), encoding="utf-8")


def test_send_corpus_target_failures_are_results_transport_failures_exit_1(
    tmp_path: Path, cli: Cli
) -> None:
    start = encode(build("ISCSITGT_SPT_SESSION_START", {"ITNexusHandle": 7}))
    stop_unknown = encode(build("ISCSITGT_SPT_SESSION_STOP", {"ITNexusHandle": 9}))
    corpus = tmp_path / "corpus.jsonl"
    _corpus(corpus, start, stop_unknown)
    rec = tmp_path / "rec.jsonl"
    out = cli("send", "--fuzz-corpus", str(corpus), "--device", "sim:", "--record", str(rec))
    assert out.returncode == 0, out.stderr  # one failure answer: a result, summarised
    assert "ReturnCode 0x53494d04: 1 -- UNKNOWN_SESSION (simulator)" in out.stdout
    # Replaying a recording that holds only the first request: the second gets no answer.
    only_start = tmp_path / "only-start.jsonl"
    only_start.write_text(rec.read_text(encoding="utf-8").splitlines()[0] + "\n",
                          encoding="utf-8")
    replayed = cli("send", "--fuzz-corpus", str(corpus), "--device", f"replay:{only_start}",
                   "--json")
    assert replayed.returncode == 1
    summary = json.loads(replayed.stdout)
    assert summary["transport_failures"] == {"ReplayMismatch": 1}
    assert summary["failed"] == {}
    assert "1 of 2 requests got no answer" in replayed.stderr
