"""``iscsitgt-spt fuzz --sessions`` (in this process with byte streams, tests/_inprocess.py):
exit codes, the numbered list, the two files, and that the recording replays to the same
answers through ``send --device replay:``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from iscsitgt_spt.codec.capture.jsonl import parse_lines
from iscsitgt_spt.codec.dispatch import decode_buffer
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE

from tests.cli.conftest import run_here


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_here(*args, cwd=cwd)


def test_a_planted_fault_is_printed_written_and_replays(tmp_path: Path) -> None:
    out = _cli("fuzz", "--sessions", "--device", "sim:fault=abort-other-session",
               "--steps", "2000", "--seed", "1", "--record", "run.jsonl", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("finding after ") and "shrunk to 4:" in lines[0]
    numbered = [line.strip() for line in lines if line.strip()[:2] in ("1.", "2.", "3.", "4.")]
    assert [n.split()[1] for n in numbered] == [
        "ISCSITGT_SPT_SESSION_START", "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
        "ISCSITGT_SPT_SESSION_START", "ISCSITGT_SPT_TMF"]
    assert "FINDING (task-does-not-exist)" in numbered[-1]
    assert out.stderr.count("\n") == 1 and "finding (task-does-not-exist)" in out.stderr
    # --record keeps every step of the run: one capture line per step sent
    steps_run = int(lines[0].split()[2])
    assert len((tmp_path / "run.jsonl").read_text().splitlines()) == steps_run
    # the recording answers the request list with the same answers
    records = [r for _n, r in parse_lines(
        (tmp_path / "session-finding.jsonl").read_text().splitlines())]
    assert len(records) == 4
    replay = _cli("send", "--device", "replay:session-finding.jsonl", "--input",
                  "session-finding.requests.json", "--keep-going", "--force", "--json",
                  cwd=tmp_path)
    assert replay.returncode == 0, replay.stderr
    answers = json.loads(replay.stdout)
    for answer, record in zip(answers, records, strict=True):
        assert record.data_out is not None
        recorded = decode_buffer(record.data_out, ioctl=record.ioctl, profile=DEFAULT_PROFILE)
        assert answer["response"]["value"] == recorded.to_json()["value"]
    assert answers[-1]["response"]["value"]["Response"] == 0  # FUNCTION COMPLETE, replayed


def test_no_fault_exits_0_and_files_are_never_replaced(tmp_path: Path) -> None:
    out = _cli("fuzz", "--sessions", "--device", "sim:", "--steps", "300", "--seed", "1",
               cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == "300 steps against sim: (seed 1): no finding\n"
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "session-finding.jsonl").write_text("mine\n")
    again = _cli("fuzz", "--sessions", "--device", "sim:fault=double-stop", "--steps", "300",
                 "--json", cwd=tmp_path)
    assert again.returncode == 1
    doc = json.loads(again.stdout)
    assert doc["finding"]["rule"] == "handle-outlives-stop" and len(doc["minimal"]) == 3
    assert doc["recording"] == "session-finding-2.jsonl"
    assert (tmp_path / "session-finding.jsonl").read_text() == "mine\n"


def test_fault_help_and_usage_errors(tmp_path: Path) -> None:
    listed = _cli("fuzz", "--sessions", "--device", "sim:fault=help", cwd=tmp_path)
    assert listed.returncode == 0 and "double-stop" in listed.stdout
    for args in (["--sessions"], ["--sessions", "--device", "sim:fault=nope"],
                 ["--sessions", "--device", "sim:", "--steps", "0"],
                 ["--sessions", "--device", "sim:", "--out", "x.jsonl"]):
        bad = _cli("fuzz", *args, cwd=tmp_path)
        assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1, args


def test_an_option_of_the_other_way_of_fuzzing_is_refused_not_ignored(tmp_path: Path) -> None:
    # Writing a corpus sends nothing: before, --record, --device, --steps, --json ... were
    # accepted and did nothing (no recording was written, and nothing said so); --sessions
    # writes no corpus: -n and --force did nothing there.
    corpus = ["--all", "-o", "c.jsonl"]
    session = ["--sessions", "--device", "sim:", "--steps", "5"]
    for args, option in (([*corpus, "--record", "r.jsonl"], "--record"),
                         ([*corpus, "--device", "sim:"], "--device"),
                         ([*corpus, "--steps", "5"], "--steps"),
                         ([*corpus, "--json"], "--json"),
                         ([*corpus, "--finding", "f"], "--finding"),
                         ([*corpus, "--step-timeout", "1"], "--step-timeout"),
                         ([*session, "-n", "3"], "-n"),
                         ([*session, "--force"], "--force"),
                         ([*session, "ISCSITGT_SPT_TMF"], "NAME"),
                         ([*session, "--from", "x.jsonl"], "--from")):
        bad = _cli("fuzz", *args, cwd=tmp_path)
        assert (bad.returncode, bad.stdout, bad.stderr.count("\n")) == (2, "", 1), args
        assert f"error: {option}" in bad.stderr, (args, bad.stderr)
        assert not any(tmp_path.iterdir()), args  # nothing written
    # The options both ways use, and the defaults given again, are taken.
    assert _cli("fuzz", *corpus, "-n", "1", "--seed", "3", "--abi", "win32", cwd=tmp_path
                ).returncode == 0
    assert _cli("fuzz", *session, "--seed", "3", "--abi", "win32", cwd=tmp_path).returncode == 0
