"""``iscsitgt-spt send`` against ``sim:`` and ``replay:``: in this process with byte streams
(tests/_inprocess.py), and Ctrl-C in a subprocess.

The simulated target is a documented model (see device/simulator.py); outcomes expected
here follow that model and the published codes (RFC 7143 TMF response 2 = LUN does not exist,
T10 ILLEGAL REQUEST 20h/00h, winerror.h ERROR_INVALID_FUNCTION = 1).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.capture.jsonl import parse_line

from tests.cli.conftest import run_here

MINIPORT = "0x0004d008"
NEXUS = "iqn.1991-05.com.microsoft:initiator"
START = {"name": "ISCSITGT_SPT_SESSION_START",
         "value": {"ITNexusHandle": 7, "PeerAddress": "192.0.2.1", "ITNexus": NEXUS}}
STOP = {"name": "ISCSITGT_SPT_SESSION_STOP", "value": {"ITNexusHandle": 7}}


def cli(*args: str, stdin: object = None) -> subprocess.CompletedProcess[str]:
    text = "" if stdin is None else json.dumps(stdin)
    return run_here("send", *args, stdin=text.encode())


def test_send_one_request_text() -> None:
    out = cli("ISCSITGT_SPT_SESSION_START", "--device", "sim:", stdin=START["value"])
    assert out.returncode == 0, out.stderr
    assert "ISCSITGT_SPT_SESSION_START (win64, cookie u64, 1704 bytes)" in out.stdout
    assert "changed by the target: nothing" in out.stdout


def test_session_as_a_json_array() -> None:
    tmf = {"name": "ISCSITGT_SPT_TMF",
           "value": {"ITNexusHandle": 7, "Lun": 3, "TaskManagementFunction": 5}}
    out = cli("--device", "sim:", "--json", stdin=[START, tmf, STOP])
    assert out.returncode == 1  # the TMF failed; the STOP after it was not sent
    docs = json.loads(out.stdout)
    assert [d["request"]["name"] for d in docs] == ["ISCSITGT_SPT_SESSION_START",
                                                    "ISCSITGT_SPT_TMF"]
    failed = docs[1]
    assert failed["response"]["value"]["Response"] == 2
    assert failed["changes"] == [{"path": "Response", "offset": 56, "before": 0, "after": 2}]
    assert failed["error"]["type"] == "TmfFailed"
    assert failed["error"]["reason"] == "TMF LUN_DOES_NOT_EXIST"


def test_check_condition_prints_the_sense() -> None:
    scsi = {"name": "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "value": {
        "ScsiPassThroughDirect": {"CdbLength": 6, "Cdb": "ff0000000000"},
        "ScsiPassThroughAuxiliary": {"SessionCookie": 7, "IsFinal": 1}}}
    out = cli("--device", "sim:", stdin=[START, scsi])
    assert out.returncode == 1
    assert "Invalid command operation code" in out.stdout
    assert "request failed: " in out.stderr and "CHECK CONDITION" in out.stderr


def test_record_then_replay_gives_the_same_answer(tmp_path: Path) -> None:
    capture = tmp_path / "session.jsonl"
    live = cli("--device", "sim:", "--record", str(capture), "--json", stdin=[START, STOP])
    assert live.returncode == 0, live.stderr
    lines = capture.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    record = parse_line(lines[0])
    assert record is not None and (record.abi, record.cookie, record.status) == (
        "win64", "u64", 0)
    replayed = cli("--device", f"replay:{capture}", "--json", stdin=[START, STOP])
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout) == json.loads(live.stdout)
    # A request the recording does not hold is bad input, with the differing byte named.
    other = cli("ISCSITGT_SPT_SESSION_STOP", "--device", f"replay:{capture}",
                stdin={"ITNexusHandle": 8})
    assert other.returncode == 2
    assert "nearest recorded input" in other.stderr


def test_lint_refusal_and_force() -> None:
    bad = {"Header": {"HeaderLength": 27}, "ITNexusHandle": 7}
    refused = cli("ISCSITGT_SPT_SESSION_STOP", "--device", "sim:", stdin=bad)
    assert refused.returncode == 2
    assert "header-length" in refused.stderr and "--force" in refused.stderr
    forced = cli("ISCSITGT_SPT_SESSION_STOP", "--device", "sim:", "--force", "--json", stdin=bad)
    assert forced.returncode == 1
    doc = json.loads(forced.stdout)
    assert doc["error"]["reason"] == "ReturnCode 0x53494d01"  # the simulator's BAD_HEADER


def test_usage_errors() -> None:
    assert cli("ISCSITGT_SPT_TMF", stdin={}).returncode == 2  # no --device
    no_name = cli("--device", "sim:", stdin={"ITNexusHandle": 7})
    assert no_name.returncode == 2 and "no structure named" in no_name.stderr
    bad_sim = cli("ISCSITGT_SPT_TMF", "--device", "sim:luns=x", stdin={})
    assert bad_sim.returncode == 2 and "sim:luns" in bad_sim.stderr
    both = cli("ISCSITGT_SPT_TMF", "--device", "sim:", "--fuzz-corpus", "x.jsonl")
    assert both.returncode == 2


def _line(data: bytes, ioctl: str = MINIPORT, **extra: object) -> str:
    return json.dumps({"ioctl": ioctl, "in": data.hex(), **extra})


def test_fuzz_corpus_summary(tmp_path: Path) -> None:
    start = encode(build("ISCSITGT_SPT_SESSION_START", {"ITNexusHandle": 7}))
    stop_unknown = encode(build("ISCSITGT_SPT_SESSION_STOP", {"ITNexusHandle": 9}))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join([
        _line(start, case=0, intent="valid"),
        _line(stop_unknown),                   # ReturnCode UNKNOWN_SESSION
        _line(start, ioctl="0x0004d004"),      # IOCTL_SCSI_PASS_THROUGH: not the target's
        _line(start[:10]),                     # shorter than SRB_IO_CONTROL
        "{not json",
    ]) + "\n", encoding="utf-8")
    capture = tmp_path / "rec.jsonl"
    out = cli("--fuzz-corpus", str(corpus), "--device", "sim:", "--record", str(capture),
              "--json")
    # The target's failure answers are results; the line that is not JSON was not read: exit 1,
    # one line naming it (its line number, 5, is where the corpus above puts it).
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "1 line not read: line 5 " in out.stderr
    summary = json.loads(out.stdout)
    meanings = summary.pop("meanings")
    assert summary == {
        "sent": 4, "ok": 1,
        "failed": {"ReturnCode 0x53494d04": 1, "ERROR_INVALID_FUNCTION": 1,
                   "ERROR_INVALID_PARAMETER": 1},
        "transport_failures": {}, "malformed": 1, "interrupted": False,
    }
    # Meanings: the simulator's documented model, and winerror.h / Microsoft's error texts.
    assert meanings["ReturnCode 0x53494d04"].startswith("UNKNOWN_SESSION (simulator): ")
    assert meanings["ERROR_INVALID_FUNCTION"].endswith("Incorrect function.")
    assert meanings["ERROR_INVALID_PARAMETER"].endswith("The parameter is incorrect.")
    statuses = [json.loads(line)["status"] for line in capture.read_text().splitlines()]
    assert statuses == [0, 0, 1, 87]
    text = cli("--fuzz-corpus", str(corpus), "--device", "sim:")
    assert text.stdout.startswith("sent 4, ok 1, failed 3, malformed lines 1\n")
    # no progress line when stderr is not a terminal: only the line naming the unread line
    assert text.returncode == 1 and text.stderr == out.stderr


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupted(args: list[str], capture: Path, lines: int) -> tuple[int, str, str]:
    """``iscsitgt-spt ARGS`` interrupted (SIGINT) once ``capture`` holds ``lines`` lines: its
    exit status, standard output and standard error."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "iscsitgt_spt", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        # A shell starts background jobs (`nohup pytest &`, some CI runners) with SIGINT
        # ignored, and a child inherits that: Python then installs no KeyboardInterrupt
        # handler and the Ctrl-C below would do nothing.  The child restores the default
        # disposition before it runs, as a foreground process at a terminal has it.
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if capture.exists() and capture.stat().st_size > 0 and \
                    len(capture.read_text().splitlines()) >= lines:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, stdout, stderr


def test_ctrl_c_stops_cleanly_with_the_recording_intact(tmp_path: Path) -> None:
    stop = encode(build("ISCSITGT_SPT_SESSION_STOP", {"ITNexusHandle": 9}))
    corpus = tmp_path / "big.jsonl"
    count = 5000  # 0.01 s each: 50 s, far longer than the test waits
    corpus.write_text((_line(stop) + "\n") * count, encoding="utf-8")
    capture = tmp_path / "rec.jsonl"
    returncode, stdout, stderr = interrupted(
        ["send", "--fuzz-corpus", str(corpus), "--device", "sim:delay=0.01", "--record",
         str(capture), "--json"], capture, 5)
    assert returncode == 130, stderr
    summary = json.loads(stdout)
    assert summary["interrupted"] is True
    lines = capture.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # the file ends with a whole line
    recorded = [json.loads(line) for line in lines[:-1]]
    assert 5 <= len(recorded) < count
    # The interrupt may land between a record's line and the count: at most one apart.
    assert summary["sent"] <= len(recorded) <= summary["sent"] + 1
    assert all(r["in"] == stop.hex() and r["status"] == 0 for r in recorded)
