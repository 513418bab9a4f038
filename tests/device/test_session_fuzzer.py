"""The session fuzzer against the simulated target with planted faults (the proof it finds
bugs of the kind a miniport has), and without (no false finding in 2,000 steps).

Fixed seed 1.  For each fault, the shortest sequence that shows it is written in the fault's
description: START, STOP, STOP (double-stop); START, STOP, TMF (tmf-after-stop); START, a
pass-through leaving a task open, START with IsReinstated, a TMF about that task
(reinstate-keeps-tasks); START A, a pass-through leaving a task open in A, START B, ABORT TASK
of it through B (abort-other-session) -- at most 4 steps, as the issue asks.
"""

from __future__ import annotations

import io

import pytest
from iscsitgt_spt.codec.capture.jsonl import parse_lines
from iscsitgt_spt.codec.fuzzing.steps import Concrete, Step, generate_steps
from iscsitgt_spt.device import ReplayTransport, SimulatedTarget
from iscsitgt_spt.device.session_fuzzer import SessionFuzzer
from iscsitgt_spt.device.simulator import FAULTS

SEED = 1
STEPS = 2000

#: fault -> (the oracle rule it breaks, the kinds of the shortest sequence)
EXPECTED = {
    "double-stop": ("handle-outlives-stop", ["start", "stop", "stop"]),
    "tmf-after-stop": ("handle-outlives-stop", ["start", "stop", "tmf"]),
    "reinstate-keeps-tasks": ("task-does-not-exist", ["start", "scsi", "start", "tmf"]),
    "abort-other-session": ("task-does-not-exist", ["start", "scsi", "start", "tmf"]),
}


def _fuzzer(*faults: str, **kwargs: float) -> SessionFuzzer:
    return SessionFuzzer(lambda: SimulatedTarget(faults=faults), **kwargs)


def test_every_planted_fault_has_a_case_here() -> None:
    assert set(EXPECTED) == set(FAULTS)


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_finds_and_shrinks_each_planted_fault(fault: str) -> None:
    fuzzer = _fuzzer(fault)
    result = fuzzer.run(generate_steps(SEED, STEPS))
    assert result.finding is not None, f"{fault} not found in {STEPS} steps"
    rule, kinds = EXPECTED[fault]
    assert result.finding.rule == rule
    minimal = fuzzer.shrink(result.steps, result.finding)
    assert len(minimal) <= 4
    assert [s.kind for s in minimal] == kinds
    again = fuzzer.run(minimal)
    assert again.finding is not None and again.finding.rule == rule
    assert again.results[-1].judgement.findings  # the finding is the last step's
    # without the fault the same sequence is clean
    assert _fuzzer().run(minimal).finding is None


def test_no_fault_no_finding_in_2000_steps() -> None:
    result = _fuzzer().run(generate_steps(SEED, STEPS))
    assert result.finding is None and len(result.results) == STEPS


def test_same_seed_same_run() -> None:
    steps = generate_steps(SEED, 300)
    first = _fuzzer("abort-other-session").run(steps)
    second = _fuzzer("abort-other-session").run(steps)
    assert [r.request for r in first.results] == [r.request for r in second.results]
    assert first.lines(SimulatedTarget().profile) == second.lines(SimulatedTarget().profile)


def test_record_keeps_every_step_and_replays_to_the_same_answers() -> None:
    sink = io.StringIO()
    steps = generate_steps(SEED, 120)
    result = _fuzzer().run(steps, record=sink)
    records = [r for _n, r in parse_lines(sink.getvalue().splitlines())]
    assert len(records) == len(result.results) == 120
    replay = SessionFuzzer(lambda: ReplayTransport(records))  # type: ignore[arg-type]
    again = replay.run(steps)
    assert [r.judgement.summary for r in again.results] == \
        [r.judgement.summary for r in result.results]


def test_an_unanswered_request_is_a_finding() -> None:
    # The simulator sleeps 0.2 s per IOCTL; the fuzzer waits 0.05 s.
    fuzzer = SessionFuzzer(lambda: SimulatedTarget(delay=0.2), step_timeout=0.05)
    result = fuzzer.run([Step("start", 0)])
    assert result.finding is not None and result.finding.rule == "no-answer"
    assert "no answer within 0.05 s" in result.results[0].judgement.summary


def test_a_transport_failure_is_a_finding() -> None:
    # A replay that holds nothing cannot answer: the request got no answer.
    fuzzer = SessionFuzzer(lambda: ReplayTransport([]))
    result = fuzzer.run([Step("stop", 0)])
    assert result.finding is not None and result.finding.rule == "no-answer"


def test_lines_name_structure_members_and_answer() -> None:
    result = _fuzzer("double-stop").run(
        [Step("start", 0), Step("stop", 0), Step("stop", 0)], values=Concrete())
    lines = result.lines(SimulatedTarget().profile)
    assert lines[0] == ("1. ISCSITGT_SPT_SESSION_START ITNexusHandle=0x1000 IsReinstated=0 "
                        "-> ReturnCode 0x0 (success)")
    assert lines[2].startswith("3. ISCSITGT_SPT_SESSION_STOP ITNexusHandle=0x1000 -> "
                               "ReturnCode 0x0 (success)  <-- FINDING (handle-outlives-stop)")
