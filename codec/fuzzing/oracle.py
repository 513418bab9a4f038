"""What a target may answer in each session state: the session fuzzer's oracle (sans-I/O).

The oracle knows nothing of the simulator's code.  It keeps its own model of the target's
state, taken from published semantics and moved only by the target's own answers (a request
the target accepted changed the state; a refused one did not), and judges each answer:

* **Every request is answered** -- no answer (a transport failure, a timeout) is a finding.
  A ``DeviceIoControl`` error that refuses the request is an answer.
* **Every answer decodes and lints clean** (when the request itself did): the lint pass of
  :mod:`iscsitgt_spt.codec.analysis.lint` over the output buffer finds no error.
* **No handle outlives its stop** (assumption ``SESSION_HANDLE_AFTER_STOP``): a STOP or a TMF
  naming an ``ITNexusHandle`` with no session (never started, or stopped) is not answered
  with success (ReturnCode 0 and, for a TMF, FUNCTION COMPLETE/SUCCEEDED), and a
  pass-through whose ``SessionCookie`` has no session does not complete with GOOD status.
* **TMF responses** (RFC 7143 §11.5-11.6, RFC 7144 §4): the Response is a defined code;
  session reinstatement terminates the old session's tasks (RFC 7143 §6.3.5); task tags are
  per session, so a task of another session, a finished one or one never issued does not
  exist here: ABORT TASK of it is not answered FUNCTION COMPLETE (assumption
  ``ABORT_TASK_UNKNOWN_REFERENCE``: the interface carries no RefCmdSN, so RFC 7143
  §11.5.1's "Task does not exist" case applies) and QUERY TASK of it is not answered
  FUNCTION SUCCEEDED (RFC 7144 §4.3, SAM-5: that answer says the task exists).
* **Pass-through** (SAM-5): the status is a SAM-5 status code; CHECK CONDITION carries sense
  data that decodes (SPC-5 response code 70h-73h or 7Fh).

What is *not* published is not judged: which non-zero ReturnCode a refusal carries, whether a
duplicate START is refused, what a malformed request is answered (only that it is answered).
Tasks: a pass-through with IsFinal FALSE that completed GOOD *may* leave its task open (how
the miniport tracks tasks is unpublished), so the model only knows which tasks certainly do
not exist.  A request the lint pass finds errors in is judged only on being answered; if the
target accepted it, the handle it names is *uncertain* (judged again after a clean START or
STOP of it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from iscsitgt_spt.codec.analysis.lint import lint
from iscsitgt_spt.codec.analysis.report import sense_of
from iscsitgt_spt.codec.dispatch import Decoded, decode_buffer
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.assumptions import RETURN_CODE_SUCCESS
from iscsitgt_spt.spec.constants import (
    SCSI_STATUSES,
    TARGET_WIDE_FUNCTIONS,
    TmfFunction,
    TmfResponse,
    name_of,
)
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.layout import CStruct
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import structure
from iscsitgt_spt.spec.requests import (
    ISCSITGT_SPT_SESSION_START,
    ISCSITGT_SPT_SESSION_STOP,
    ISCSITGT_SPT_TMF,
)

__all__ = ["ORACLE_RULES", "Answer", "Judgement", "SessionFinding", "SessionOracle"]

_GOOD, _CHECK_CONDITION = 0x00, 0x02
_SPTD, _AUX = "ScsiPassThroughDirect", "ScsiPassThroughAuxiliary"
_SET_WIDE = (TmfFunction.ABORT_TASK_SET, TmfFunction.CLEAR_TASK_SET,
             TmfFunction.LOGICAL_UNIT_RESET)


@dataclass(frozen=True)
class Answer:
    """What came back for one request: the output bytes, or why there are none.

    ``refused`` is a ``DeviceIoControl`` error that refuses the request (an answer);
    ``lost`` is no answer at all (a transport failure, a timeout).
    """

    raw_out: bytes | None
    error: str = ""
    refused: bool = False
    lost: bool = False


@dataclass(frozen=True)
class SessionFinding:
    """A departure from published semantics: a rule id, what happened, and the source."""

    rule: str
    message: str
    source: str


@dataclass
class Judgement:
    """The oracle's reading of one answer: a one-line summary and the findings."""

    summary: str
    findings: list[SessionFinding] = field(default_factory=list)


@dataclass
class _Seen:
    """One request and its answer, decoded, for the rules of its structure."""

    request: StructValue
    response: StructValue
    response_decoded: Decoded
    raw_out: bytes
    clean: bool  # the request lints without errors

    @property
    def return_code(self) -> int:
        header = self.response.get("Header")
        return int(header.ReturnCode) if isinstance(header, StructValue) else 0


_HANDLE_AFTER_STOP = "assumption SESSION_HANDLE_AFTER_STOP (a stopped ITNexusHandle is invalid)"


class SessionOracle:
    """The model of the target's sessions, and the judge of each answer (module docstring).

    ``lint_answers`` runs the lint pass over every answer (off when only a known finding is
    being looked for, e.g. while shrinking).
    """

    def __init__(self, *, lint_answers: bool = True) -> None:
        self.lint_answers = lint_answers
        #: handle -> tasks that may be open (task cookie -> LUN)
        self.live: dict[int, dict[int, int]] = {}
        self.stopped: set[int] = set()
        self.uncertain: set[int] = set()

    def certain(self, handle: int, seen: _Seen) -> bool:
        return seen.clean and handle not in self.uncertain

    def judge(self, name: str, profile: Profile, ioctl: int, raw_in: bytes,
              answer: Answer) -> Judgement:
        """Judge ``answer`` to the request ``raw_in`` of structure ``name``; update the model."""
        if answer.lost:
            return Judgement(f"no answer: {answer.error}", [SessionFinding(
                "no-answer", f"the request got no answer ({answer.error})",
                "every request is answered (a DeviceIoControl either completes or fails)")])
        if answer.refused or answer.raw_out is None:
            return Judgement(f"refused: {answer.error}")
        try:
            request = decode_buffer(raw_in, name=name, ioctl=ioctl, profile=profile)
        except SptError:  # a cut buffer: judged on being answered only
            return Judgement(f"answered ({len(answer.raw_out)} bytes)")
        clean = not any(f.severity == "error" for f in lint(request, raw=raw_in, output=False))
        try:
            response = decode_buffer(answer.raw_out, name=name, ioctl=ioctl, profile=profile)
        except SptError as exc:
            findings = [SessionFinding("answer-decodes", f"the answer does not decode as {name}: "
                                f"{exc.message}", "every answer decodes")] if clean else []
            return Judgement("undecodable answer", findings)
        seen = _Seen(request.value, response.value, response, answer.raw_out, clean)
        findings = self._lint(seen) if clean and self.lint_answers else []
        rule = ORACLE_RULES.get(structure(name))
        summary = _summary(seen)
        if rule is not None:
            findings += rule(self, seen)
        return Judgement(summary, findings)

    def _lint(self, seen: _Seen) -> list[SessionFinding]:
        errors = [f for f in lint(seen.response_decoded, raw=seen.raw_out, output=True)
                  if f.severity == "error"]
        return [SessionFinding("answer-lints", f"the answer has lint error {f.code} at {f.path}: "
                        f"{f.message}", "every answer lints clean") for f in errors[:1]]

    # -- state changes the rules share ---------------------------------------------------------
    def session_started(self, handle: int, reinstated: bool, seen: _Seen) -> None:
        if handle not in self.live or reinstated:
            # RFC 7143 §6.3.5: reinstatement terminates the old session's tasks.
            self.live[handle] = {}
        self.stopped.discard(handle)
        (self.uncertain.discard if seen.clean else self.uncertain.add)(handle)

    def session_stopped(self, handle: int, seen: _Seen) -> None:
        self.live.pop(handle, None)
        self.stopped.add(handle)
        (self.uncertain.discard if seen.clean else self.uncertain.add)(handle)

    def where(self, handle: int) -> str:
        return "stopped" if handle in self.stopped else "never started"


def _summary(seen: _Seen) -> str:
    code = seen.return_code
    parts = [f"ReturnCode {code:#x}" + (" (success)" if code == RETURN_CODE_SUCCESS else "")]
    response = seen.response
    if response.name == ISCSITGT_SPT_TMF.c_name and code == RETURN_CODE_SUCCESS:
        parts.append(f"Response {name_of(TmfResponse, response.Response) or response.Response}")
    if response.name == SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.c_name:
        status = response[_SPTD].ScsiStatus  # type: ignore[union-attr]
        parts = [SCSI_STATUSES.get(status, f"SCSI status {status:#04x}")]
        if status == _CHECK_CONDITION:
            sense = sense_of(seen.response_decoded, seen.raw_out)
            if sense is not None and sense.sense_key is not None and sense.asc is not None:
                parts.append(f"{sense.sense_key.title} {sense.asc:02X}h/{sense.ascq or 0:02X}h")
    return ", ".join(parts)


# -- the rules, one per request --------------------------------------------------------------
def _start_rule(oracle: SessionOracle, seen: _Seen) -> list[SessionFinding]:
    if seen.return_code == RETURN_CODE_SUCCESS:
        oracle.session_started(int(seen.request.ITNexusHandle),
                               bool(seen.request.IsReinstated), seen)
    return []


def _stop_rule(oracle: SessionOracle, seen: _Seen) -> list[SessionFinding]:
    if seen.return_code != RETURN_CODE_SUCCESS:
        return []
    handle = int(seen.request.ITNexusHandle)
    findings = []
    if handle not in oracle.live and oracle.certain(handle, seen):
        findings.append(SessionFinding(
            "handle-outlives-stop", f"SESSION_STOP of ITNexusHandle {handle:#x}, which has no "
            f"session ({oracle.where(handle)}), answered ReturnCode 0", _HANDLE_AFTER_STOP))
    oracle.session_stopped(handle, seen)
    return findings


def _tmf_rule(oracle: SessionOracle, seen: _Seen) -> list[SessionFinding]:
    if seen.return_code != RETURN_CODE_SUCCESS:
        return []
    handle = int(seen.request.ITNexusHandle)
    response = int(seen.response.Response)
    known = name_of(TmfResponse, response)
    if handle not in oracle.live:
        if known is not None and TmfResponse(response).is_success \
                and oracle.certain(handle, seen):
            return [SessionFinding(
                "handle-outlives-stop", f"a TMF naming ITNexusHandle {handle:#x}, which has "
                f"no session ({oracle.where(handle)}), answered {known}", _HANDLE_AFTER_STOP)]
        return []
    if known is None:
        return [SessionFinding("tmf-response", f"TMF Response {response} is not a defined code",
                        "RFC 7143 §11.6.1 (0-6, 255), RFC 7144 §4.3 (7)")]
    return _task_rules(oracle, seen, oracle.live[handle], TmfResponse(response))


def _task_rules(oracle: SessionOracle, seen: _Seen, tasks: dict[int, int],
                response: TmfResponse) -> list[SessionFinding]:
    request = seen.request
    function, lun, ref = (int(request.TaskManagementFunction), int(request.Lun),
                          int(request.ReferenceTaskCookie))
    certain = oracle.certain(int(request.ITNexusHandle), seen)
    exists = tasks.get(ref) == lun
    findings = []
    if function == TmfFunction.ABORT_TASK:
        if response is TmfResponse.FUNCTION_COMPLETE and not exists and certain:
            findings.append(SessionFinding(
                "task-does-not-exist", f"ABORT TASK of task {ref:#x} (LUN {lun}), which is "
                "not open in this session, answered FUNCTION_COMPLETE",
                "RFC 7143 §11.5.1 and §6.3.5 (task tags are per session; reinstatement ends "
                "the old tasks); assumption ABORT_TASK_UNKNOWN_REFERENCE"))
        if response in (TmfResponse.FUNCTION_COMPLETE, TmfResponse.TASK_DOES_NOT_EXIST):
            tasks.pop(ref, None)
    elif function == TmfFunction.QUERY_TASK:
        if response is TmfResponse.FUNCTION_SUCCEEDED and not exists and certain:
            findings.append(SessionFinding(
                "task-does-not-exist", f"QUERY TASK of task {ref:#x} (LUN {lun}), which is "
                "not open in this session, answered FUNCTION_SUCCEEDED (the task exists)",
                "RFC 7144 §4.3, SAM-5 QUERY TASK"))
    elif response.is_success:
        _forget_tasks(oracle, tasks, function, lun)
    return findings


def _forget_tasks(oracle: SessionOracle, tasks: dict[int, int], function: int,
                  lun: int) -> None:
    """The tasks a successful set-, nexus- or target-wide function ends (RFC 7143 §11.5.1)."""
    if function in _SET_WIDE:
        for cookie in [c for c, unit in tasks.items() if unit == lun]:
            del tasks[cookie]
    elif function == TmfFunction.I_T_NEXUS_RESET:
        tasks.clear()
    elif function in TARGET_WIDE_FUNCTIONS:
        for other in oracle.live.values():
            other.clear()


def _scsi_rule(oracle: SessionOracle, seen: _Seen) -> list[SessionFinding]:
    sptd, aux = seen.response[_SPTD], seen.request[_AUX]
    assert isinstance(sptd, StructValue) and isinstance(aux, StructValue)
    status, handle = int(sptd.ScsiStatus), int(aux.SessionCookie)
    findings = []
    if status not in SCSI_STATUSES:
        findings.append(SessionFinding("scsi-status", f"ScsiStatus {status:#04x} is not a SAM-5 "
                                "status code", "SAM-5 status codes"))
    if status == _CHECK_CONDITION and sptd.SenseInfoLength and seen.clean \
            and sense_of(seen.response_decoded, seen.raw_out) is None:
        findings.append(SessionFinding("sense", "CHECK CONDITION without sense data that decodes",
                                "SAM-5 (CHECK CONDITION reports sense data), SPC-5 sense "
                                "data formats"))
    if handle not in oracle.live:
        if status == _GOOD and oracle.certain(handle, seen):
            findings.append(SessionFinding(
                "handle-outlives-stop", f"a pass-through with SessionCookie {handle:#x}, which "
                f"has no session ({oracle.where(handle)}), completed with GOOD status",
                _HANDLE_AFTER_STOP))
        return findings
    tasks, task = oracle.live[handle], int(aux.TaskCookie)
    if status == _GOOD and not aux.IsFinal:
        tasks[task] = int(aux.Lun)
    else:
        tasks.pop(task, None)
    if not seen.clean:
        oracle.uncertain.add(handle)
    return findings


#: The rules for each request, bound to its definition (as the simulator binds its handlers):
#: a request without an entry is judged only on being answered, decoding and linting.
ORACLE_RULES: dict[CStruct, Callable[[SessionOracle, _Seen], list[SessionFinding]]] = {
    ISCSITGT_SPT_SESSION_START: _start_rule,
    ISCSITGT_SPT_SESSION_STOP: _stop_rule,
    ISCSITGT_SPT_TMF: _tmf_rule,
    SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY: _scsi_rule,
}
