"""The session oracle, on answers written by hand (no target involved).

Each answer is the request with the members a target changes set by hand, at offsets derived
from the win64/u64 layouts: SRB_IO_CONTROL.ReturnCode at bytes 20-23 of every
IOCTL_SCSI_MINIPORT request; ISCSITGT_SPT_TMF (64 bytes): ITNexusHandle 32, Lun 40,
TaskManagementFunction 44, ReferenceTaskCookie 48, Response 56; SESSION_STOP (40 bytes):
ITNexusHandle 32.  Which answer is a finding comes from the rules the oracle cites (RFC 7143
§11.5-11.6, RFC 7144 §4.3, SAM-5, and the two named assumptions).
"""

from __future__ import annotations

from iscsitgt_spt.codec.api import build, encode
from iscsitgt_spt.codec.fuzzing.oracle import Answer, SessionOracle
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH_DIRECT
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE
from iscsitgt_spt.spec.registry import get_layout

P = DEFAULT_PROFILE
START, STOP, TMF = "ISCSITGT_SPT_SESSION_START", "ISCSITGT_SPT_SESSION_STOP", "ISCSITGT_SPT_TMF"
PT = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
FAILED = 0x53494D04  # any non-zero ReturnCode: a failure whose meaning is unpublished


def _put(data: bytes, offset: int, value: int, size: int) -> bytes:
    return data[:offset] + value.to_bytes(size, "little") + data[offset + size:]


def _request(name: str, fields: dict[str, object]) -> bytes:
    return encode(build(name, fields, profile=P))


def _judge(oracle: SessionOracle, name: str, raw_in: bytes, return_code: int = 0,
           **members: int) -> list[str]:
    out = _put(raw_in, 20, return_code, 4)
    if "Response" in members:
        out = _put(out, 56, members["Response"], 4)
    judgement = oracle.judge(name, P, IOCTL_SCSI_MINIPORT, raw_in, Answer(out))
    return [f.rule for f in judgement.findings]


def _start(oracle: SessionOracle, handle: int, reinstated: bool = False) -> None:
    raw = _request(START, {"ITNexusHandle": handle, "IsReinstated": int(reinstated)})
    assert _judge(oracle, START, raw) == []


def _tmf(function: int, handle: int = 7, ref: int = 0, lun: int = 0) -> bytes:
    return _request(TMF, {"ITNexusHandle": handle, "TaskManagementFunction": function,
                          "ReferenceTaskCookie": ref, "Lun": lun})


def _pass_through(handle: int, task: int, status: int, is_final: bool = False,
                  lun: int = 0) -> tuple[bytes, bytes]:
    raw = _request(PT, {
        "ScsiPassThroughDirect": {"CdbLength": 6, "Cdb": bytes.fromhex("120000002400")},
        "ScsiPassThroughAuxiliary": {"SessionCookie": handle, "TaskCookie": task,
                                     "IsFinal": int(is_final), "Lun": lun}})
    at = get_layout(PT, P).member("ScsiPassThroughDirect.ScsiStatus").offset
    return raw, _put(raw, at, status, 1)


def test_a_second_stop_answered_success_is_a_finding() -> None:
    oracle = SessionOracle()
    _start(oracle, 7)
    stop = _request(STOP, {"ITNexusHandle": 7})
    assert _judge(oracle, STOP, stop) == []
    assert _judge(oracle, STOP, stop) == ["handle-outlives-stop"]
    # refused (any non-zero ReturnCode): what a target should do; no finding
    assert _judge(SessionOracle(), STOP, stop, FAILED) == []


def test_a_tmf_after_the_stop_answered_function_complete_is_a_finding() -> None:
    oracle = SessionOracle()
    _start(oracle, 7)
    _judge(oracle, STOP, _request(STOP, {"ITNexusHandle": 7}))
    assert _judge(oracle, TMF, _tmf(5), Response=0) == ["handle-outlives-stop"]
    # a failure Response (or a refusal) is fine
    assert _judge(oracle, TMF, _tmf(5), Response=2) == []
    assert _judge(oracle, TMF, _tmf(5), FAILED) == []


def test_abort_task_of_a_task_not_in_this_session() -> None:
    oracle = SessionOracle()
    _start(oracle, 7)
    _start(oracle, 8)
    raw, out = _pass_through(7, 0x51, 0x00)  # GOOD, IsFinal 0: task 51h may be open in 7
    assert oracle.judge(PT, P, IOCTL_SCSI_PASS_THROUGH_DIRECT, raw, Answer(out)).findings == []
    abort = 1  # ABORT TASK
    assert _judge(oracle, TMF, _tmf(abort, 8, 0x51), Response=0) == ["task-does-not-exist"]
    assert _judge(oracle, TMF, _tmf(abort, 8, 0x51), Response=1) == []  # TASK DOES NOT EXIST
    assert _judge(oracle, TMF, _tmf(abort, 7, 0x51), Response=0) == []  # its own session


def test_reinstatement_ends_the_old_tasks() -> None:
    oracle = SessionOracle()
    _start(oracle, 7)
    raw, out = _pass_through(7, 0x51, 0x00)
    oracle.judge(PT, P, IOCTL_SCSI_PASS_THROUGH_DIRECT, raw, Answer(out))
    _start(oracle, 7, reinstated=True)
    query = 9  # QUERY TASK: FUNCTION SUCCEEDED (7) says the task exists
    assert _judge(oracle, TMF, _tmf(query, 7, 0x51), Response=7) == ["task-does-not-exist"]
    assert _judge(oracle, TMF, _tmf(query, 7, 0x51), Response=0) == []


def test_pass_through_rules() -> None:
    oracle = SessionOracle()
    # GOOD for a session that does not exist
    raw, out = _pass_through(9, 1, 0x00)
    verdict = oracle.judge(PT, P, IOCTL_SCSI_PASS_THROUGH_DIRECT, raw, Answer(out))
    assert [f.rule for f in verdict.findings] == ["handle-outlives-stop"]
    _start(oracle, 7)
    # 99h is no SAM-5 status code
    raw, out = _pass_through(7, 1, 0x99)
    verdict = oracle.judge(PT, P, IOCTL_SCSI_PASS_THROUGH_DIRECT, raw, Answer(out))
    assert [f.rule for f in verdict.findings] == ["scsi-status"]
    # CHECK CONDITION whose sense bytes are all zero: no sense data
    raw, out = _pass_through(7, 1, 0x02)
    verdict = oracle.judge(PT, P, IOCTL_SCSI_PASS_THROUGH_DIRECT, raw, Answer(out))
    assert [f.rule for f in verdict.findings] == ["sense"]


def test_every_request_is_answered() -> None:
    oracle = SessionOracle()
    stop = _request(STOP, {"ITNexusHandle": 7})
    lost = oracle.judge(STOP, P, IOCTL_SCSI_MINIPORT, stop, Answer(None, "timeout", lost=True))
    assert [f.rule for f in lost.findings] == ["no-answer"]
    refused = oracle.judge(STOP, P, IOCTL_SCSI_MINIPORT, stop,
                           Answer(None, "ERROR_INVALID_PARAMETER", refused=True))
    assert refused.findings == [] and refused.summary.startswith("refused")


def test_a_malformed_request_is_judged_on_being_answered_only() -> None:
    oracle = SessionOracle()
    stop = _put(_request(STOP, {"ITNexusHandle": 7}), 0, 5, 4)  # HeaderLength 5: lint error
    assert _judge(oracle, STOP, stop) == []  # accepted: not judged, the handle uncertain
    assert 7 in oracle.uncertain
    # a cut buffer does not decode: answered is all that can be said
    cut = _request(STOP, {"ITNexusHandle": 7})[:30]
    verdict = oracle.judge(STOP, P, IOCTL_SCSI_MINIPORT, cut, Answer(cut))
    assert verdict.findings == []
