"""A simulated iSCSI target miniport: the whole stack, runnable and testable without Windows.

**This is a model, not the driver.**  It implements the *published* semantics of the iSCSI
target pass-through interface (the Win32 DevNotes pages, RFC 7143/7144 for task management,
T10 SPC/SBC for SCSI status and sense data) and fills every gap with a decision written down
here.  Nothing it answers is a claim about what Microsoft's miniport does; tests that pass
against it prove that our client, recorder, replayer and CLI agree with *this model*.

Model decisions (each one a labelled assumption):

* **ReturnCode values.**  0 is success (the SRB_IO_CONTROL convention).  The real failure
  codes are unpublished, so :class:`SimReturnCode` uses values that spell ``"SIM"`` in their
  top three bytes (``0x53494dNN``): a capture holding one of them came from this simulator.
  BAD_HEADER (HeaderLength is not sizeof(SRB_IO_CONTROL), or Length is not the payload size of
  the request under the target's profile -- a wrong-ABI caller gets this), BAD_SIGNATURE,
  UNKNOWN_CONTROL_CODE (a code the spec does not define), UNSUPPORTED_CONTROL_CODE (a request
  the spec defines but this model has no behaviour for), UNKNOWN_SESSION, DUPLICATE_SESSION.
* **Behaviour per request** is bound to the request's definition (:data:`MINIPORT_HANDLERS`,
  keyed by the structure, as scapy binds a layer): a request the spec registers without a
  handler here is answered UNSUPPORTED_CONTROL_CODE, never with another request's behaviour.
* **Sessions** are a table keyed by ``ITNexusHandle`` (the caller picks the cookie; whether
  caller or miniport picks it is unpublished).  START of a known cookie with IsReinstated
  TRUE replaces the session (its open tasks are dropped, as RFC 7143 session reinstatement
  terminates them); without it -> DUPLICATE_SESSION.  IsReinstated TRUE for an unknown cookie
  simply starts a session.  STOP of an unknown cookie -> UNKNOWN_SESSION.
* **Tasks.**  A pass-through whose auxiliary IsFinal is FALSE leaves its TaskCookie open in its
  session (more data sequences to come); IsFinal TRUE completes it.  Open tasks are what ABORT
  TASK and the QUERY functions see.
* **TMF** (Response member): unknown session -> UNKNOWN_SESSION ReturnCode, Response untouched;
  a value that is not a 7-bit code (> 127) -> FUNCTION_REJECTED; 0 and 13..127 ->
  TASK_MANAGEMENT_FUNCTION_NOT_SUPPORTED; TASK REASSIGN ->
  TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED (no error recovery level 2); a LU-scoped function
  on a LUN outside the configured set (default ``{0}``) -> LUN_DOES_NOT_EXIST; ABORT TASK of a
  task not open -> TASK_DOES_NOT_EXIST; QUERY TASK / QUERY TASK SET -> FUNCTION_SUCCEEDED when
  a matching task is open, else FUNCTION_COMPLETE (RFC 7144 §4.3); everything else
  FUNCTION_COMPLETE (resets and set-wide functions also drop the open tasks they cover; a
  target warm or cold reset those of every session: :data:`CROSSING` tells such a request,
  and binds what it does).
* **Pass-through** (IOCTL_SCSI_PASS_THROUGH_DIRECT): the buffer must hold a whole
  SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY of the target's profile with SPTD.Length, AUX.Size and
  AUX.Signature right, CdbLength 1..16 and the sense buffer inside the input after the
  SCSI_PASS_THROUGH_DIRECT; otherwise the call fails with ERROR_INVALID_PARAMETER, as a port
  driver refuses a malformed pass-through before any command runs. No data is transferred
  (DataBuffer is an address in the caller's process); status and sense are. The LUN is AUX.Lun.
  Unknown session -> CHECK CONDITION, ABORTED COMMAND, 47h/7Fh "Some commands cleared by iSCSI
  protocol event" (the code SPC gives for commands ended by iSCSI session events). TEST UNIT
  READY (00h) GOOD; INQUIRY (12h) GOOD on any LUN (SPC: INQUIRY answers even for an unsupported
  LUN); other commands on a LUN outside the set -> ILLEGAL REQUEST 25h/00h "Logical unit not
  supported"; READ(10) (28h), WRITE(10) (2Ah), READ(16) (88h) GOOD when LBA + blocks <=
  capacity, else ILLEGAL REQUEST 21h/00h "Logical block address out of range"; a CDB shorter
  than its command -> ILLEGAL REQUEST 24h/00h "Invalid field in CDB"; any other opcode ->
  ILLEGAL REQUEST 20h/00h "Invalid command operation code". Sense is fixed format (70h,
  additional length 10) written at SenseInfoOffset, at most SenseInfoLength bytes; CHECK
  CONDITION also sets DataTransferLength to 0 (nothing moved).
* **Planted faults** (:data:`FAULTS`, off by default; ``sim:fault=NAME;NAME``, listed by
  ``sim:fault=help``) make the model *wrong on purpose*, each in one request's handler, so
  that the session fuzzer (:mod:`iscsitgt_spt.device.session_fuzzer`) can be shown to find
  bugs of the kind a real miniport has: a handle that outlives its stop, tasks that survive
  reinstatement, a task reachable from another session.
* **Transport errors** mirror the Windows transport's types: an IOCTL other than
  IOCTL_SCSI_MINIPORT / the pass-through -> Win32Error(ERROR_INVALID_FUNCTION); an input
  shorter than SRB_IO_CONTROL -> ERROR_INVALID_PARAMETER; ``out_size`` below the input size ->
  ERROR_INSUFFICIENT_BUFFER.  Both IOCTLs are METHOD_BUFFERED: the output is the whole input
  buffer with the target's changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from iscsitgt_spt.device._sim_model import (
    FAULTS,
    Fault,
    RequestBuffer,
    Session,
    SimReturnCode,
    describe_return_code,
    fault_help,
)
from iscsitgt_spt.device._sim_routing import CLOSING, CROSSING, OPENING, Crossing, SessionRouting
from iscsitgt_spt.device.errors import Win32Error, ioctl_name
from iscsitgt_spt.device.transport import Transport
from iscsitgt_spt.spec.arguments import profile_argument
from iscsitgt_spt.spec.assumptions import (
    ASSUMED_AUXILIARY_SIGNATURE,
    ASSUMED_PASS_THROUGH_IOCTL,
    ASSUMED_SRB_SIGNATURE,
)
from iscsitgt_spt.spec.constants import (
    IOCTL_SCSI_MINIPORT,
    SenseKey,
    SenseResponseCode,
    TmfFunction,
    TmfResponse,
)
from iscsitgt_spt.spec.layout import CStruct
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, control_code_of, get_layout
from iscsitgt_spt.spec.requests import (
    ISCSITGT_SPT_SESSION_START,
    ISCSITGT_SPT_SESSION_STOP,
    ISCSITGT_SPT_TMF,
)
from iscsitgt_spt.spec.sense_data import SENSE_DATA
from iscsitgt_spt.spec.srb_io_control import SRB_IO_CONTROL

__all__ = [
    "CHECK_CONDITION",
    "CLOSING",
    "CROSSING",
    "DEFAULT_CAPACITY_BLOCKS",
    "ERROR_INSUFFICIENT_BUFFER",
    "ERROR_INVALID_FUNCTION",
    "ERROR_INVALID_PARAMETER",
    "FAULTS",
    "GOOD",
    "MINIPORT_HANDLERS",
    "OPENING",
    "Crossing",
    "Fault",
    "Session",
    "SimReturnCode",
    "SimulatedTarget",
    "describe_return_code",
    "fault_help",
    "fixed_sense",
]

# winerror.h
ERROR_INVALID_FUNCTION = 1
ERROR_INVALID_PARAMETER = 87
ERROR_INSUFFICIENT_BUFFER = 122

# SAM status codes
GOOD = 0x00
CHECK_CONDITION = 0x02

DEFAULT_CAPACITY_BLOCKS = 2048

#: sizeof(SENSE_DATA): the fixed-format sense the simulator writes fills the whole member.
_FIXED_SENSE_SIZE = get_layout(SENSE_DATA).size

#: Functions whose LUN field names a logical unit (RFC 7143 §11.5.1; RFC 7144 §4.2); for the
#: target-wide and nexus-wide ones the LUN is not checked.
_LU_SCOPED = frozenset({
    TmfFunction.ABORT_TASK, TmfFunction.ABORT_TASK_SET, TmfFunction.CLEAR_ACA,
    TmfFunction.CLEAR_TASK_SET, TmfFunction.LOGICAL_UNIT_RESET, TmfFunction.QUERY_TASK,
    TmfFunction.QUERY_TASK_SET, TmfFunction.QUERY_ASYNCHRONOUS_EVENT,
})


def fixed_sense(key: SenseKey, asc: int, ascq: int) -> bytes:
    """18 bytes of fixed-format, current sense data (T10 SPC): 70h, key, length 10, ASC/ASCQ."""
    sense = bytearray(_FIXED_SENSE_SIZE)
    sense[0] = SenseResponseCode.FIXED_CURRENT
    sense[2] = key
    sense[7] = _FIXED_SENSE_SIZE - 8
    sense[12], sense[13] = asc, ascq
    return bytes(sense)


class SimulatedTarget(SessionRouting, Transport):
    """An in-process model of the iSCSI target miniport (see the module docstring).

    ``profile`` is the ABI/cookie layout the target expects; ``luns`` the logical units that
    exist; ``capacity_blocks`` their size; ``signature`` the SRB_IO_CONTROL signature it
    accepts (``None``: any) and ``aux_signature`` the auxiliary one (``None``: any);
    ``delay`` seconds are slept per IOCTL (to test interrupting long runs); ``faults`` names
    planted faults (:data:`FAULTS`).
    """

    def __init__(
        self,
        *,
        profile: Profile = DEFAULT_PROFILE,
        luns: Iterable[int] = (0,),
        capacity_blocks: int = DEFAULT_CAPACITY_BLOCKS,
        signature: bytes | None = ASSUMED_SRB_SIGNATURE,
        aux_signature: bytes | None = ASSUMED_AUXILIARY_SIGNATURE,
        delay: float = 0.0,
        faults: Iterable[str] = (),
    ) -> None:
        unknown = sorted(set(faults) - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown fault(s) {', '.join(unknown)}; known: "
                             + ", ".join(FAULTS))
        self.faults = frozenset(faults)
        profile = self.profile = profile_argument(profile)
        self.luns = frozenset(luns)
        self.capacity_blocks = capacity_blocks
        self.signature = signature
        self.aux_signature = aux_signature
        self.delay = delay
        self.sessions: dict[int, Session] = {}
        #: handles a STOP ended (for the planted faults; a new START takes one out again)
        self.stopped: set[int] = set()
        self._header = get_layout(SRB_IO_CONTROL, profile)
        member = self._header.member("ControlCode")
        self._control_code = member.offset, member.end
        # Every request the spec registers, by the control code its definition carries.
        self._requests = {
            code: get_layout(s, profile)
            for s in STRUCTURES.values() if (code := control_code_of(s)) is not None
        }
        self._pass_through = get_layout(SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY, profile)
        #: how many requests this target answered changed sessions they do not name (the
        #: effects of :data:`CROSSING` applied; :meth:`follow` does not count)
        self.crossed = 0
        #: what routing reads of each request (by ControlCode bytes, or IOCTL)
        self._plans = self._routing_plans()

    def __repr__(self) -> str:
        faults = f" faults={','.join(sorted(self.faults))}" if self.faults else ""
        return (f"<SimulatedTarget {self.profile} luns={sorted(self.luns)} "
                f"sessions={len(self.sessions)}{faults}>")

    # -- transport ----------------------------------------------------------------------------
    def _ioctl(self, code: int, data: bytes, out_size: int) -> bytes:
        if self.delay:
            time.sleep(self.delay)
        operation = f"DeviceIoControl({ioctl_name(code)})"
        if code == IOCTL_SCSI_MINIPORT:
            handler = self._miniport
        elif code == ASSUMED_PASS_THROUGH_IOCTL:
            handler = self._scsi
        else:
            raise Win32Error(ERROR_INVALID_FUNCTION, operation)
        if out_size < len(data):
            raise Win32Error(ERROR_INSUFFICIENT_BUFFER, operation)
        return handler(data, operation)

    def _close(self) -> None:
        self.sessions.clear()
        self.stopped.clear()

    # -- IOCTL_SCSI_MINIPORT --------------------------------------------------------------------
    def _miniport(self, data: bytes, operation: str) -> bytes:
        if len(data) < self._header.size:
            raise Win32Error(ERROR_INVALID_PARAMETER, operation)
        header = RequestBuffer(data, self._header)
        status = self._check_header(header, len(data))
        layout = self._requests.get(header.get("ControlCode"))
        if status == SimReturnCode.SUCCESS:
            assert layout is not None
            request = RequestBuffer(data, layout)
            handler = MINIPORT_HANDLERS.get(layout.template)
            status = (SimReturnCode.UNSUPPORTED_CONTROL_CODE if handler is None
                      else handler(self, request))
            header.data = request.data
        header.put("ReturnCode", status)
        return bytes(header.data)

    def _check_header(self, header: RequestBuffer, total: int) -> SimReturnCode:
        if header.get("HeaderLength") != self._header.size:
            return SimReturnCode.BAD_HEADER
        if self.signature is not None and header.raw("Signature") != self.signature.ljust(8, b"\0"):
            return SimReturnCode.BAD_SIGNATURE
        layout = self._requests.get(header.get("ControlCode"))
        if layout is None:
            return SimReturnCode.UNKNOWN_CONTROL_CODE
        length = header.get("Length")
        if length != total - self._header.size or total != layout.size:
            return SimReturnCode.BAD_HEADER
        return SimReturnCode.SUCCESS

    def _start(self, request: RequestBuffer) -> SimReturnCode:
        cookie = request.get("ITNexusHandle")
        old = self.sessions.get(cookie)
        if old is not None and not request.get("IsReinstated"):
            return SimReturnCode.DUPLICATE_SESSION
        kept = {} if old is None or "reinstate-keeps-tasks" not in self.faults else old.tasks
        self.sessions[cookie] = Session(
            cookie, request.text("PeerAddress"), request.text("ITNexus"),
            request.text("ChapUserName"),
            reinstatements=0 if old is None else old.reinstatements + 1, tasks=dict(kept),
        )
        self.stopped.discard(cookie)
        return SimReturnCode.SUCCESS

    def _stop(self, request: RequestBuffer) -> SimReturnCode:
        cookie = request.get("ITNexusHandle")
        if self.sessions.pop(cookie, None) is None:
            if "double-stop" in self.faults and cookie in self.stopped:
                return SimReturnCode.SUCCESS  # planted fault
            return SimReturnCode.UNKNOWN_SESSION
        self.stopped.add(cookie)
        return SimReturnCode.SUCCESS

    def _tmf(self, request: RequestBuffer) -> SimReturnCode:
        cookie = request.get("ITNexusHandle")
        session = self.sessions.get(cookie)
        if session is None:
            if "tmf-after-stop" in self.faults and cookie in self.stopped:  # planted fault
                request.put("Response", TmfResponse.FUNCTION_COMPLETE)
                return SimReturnCode.SUCCESS
            return SimReturnCode.UNKNOWN_SESSION
        request.put("Response", self._tmf_response(session, request))
        return SimReturnCode.SUCCESS

    def _tmf_response(self, session: Session, request: RequestBuffer) -> TmfResponse:
        code, lun, ref = (request.get("TaskManagementFunction"), request.get("Lun"),
                          request.get("ReferenceTaskCookie"))
        if code > 0x7F:
            return TmfResponse.FUNCTION_REJECTED
        try:
            function = TmfFunction(code)
        except ValueError:
            return TmfResponse.TASK_MANAGEMENT_FUNCTION_NOT_SUPPORTED
        if function is TmfFunction.TASK_REASSIGN:
            return TmfResponse.TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED
        if function in _LU_SCOPED and lun not in self.luns:
            return TmfResponse.LUN_DOES_NOT_EXIST
        tasks = session.tasks
        if function is TmfFunction.ABORT_TASK:
            return self._abort_task(session, lun, ref)
        if function is TmfFunction.QUERY_TASK:
            found = tasks.get(ref) == lun
            return TmfResponse.FUNCTION_SUCCEEDED if found else TmfResponse.FUNCTION_COMPLETE
        if function is TmfFunction.QUERY_TASK_SET:
            found = lun in tasks.values()
            return TmfResponse.FUNCTION_SUCCEEDED if found else TmfResponse.FUNCTION_COMPLETE
        elif function in (TmfFunction.ABORT_TASK_SET, TmfFunction.CLEAR_TASK_SET,
                          TmfFunction.LOGICAL_UNIT_RESET):
            for cookie in [c for c, unit in tasks.items() if unit == lun]:
                del tasks[cookie]
        elif function is TmfFunction.I_T_NEXUS_RESET:
            tasks.clear()
        elif (crossing := CROSSING[ISCSITGT_SPT_TMF]).applies(request):
            crossing.effect(self, request)
            self.crossed += 1
        return TmfResponse.FUNCTION_COMPLETE

    def _abort_task(self, session: Session, lun: int, ref: int) -> TmfResponse:
        owner = session if session.tasks.get(ref) == lun else None
        if owner is None and "abort-other-session" in self.faults:  # planted fault
            owner = next((s for s in self.sessions.values() if s.tasks.get(ref) == lun), None)
        if owner is None:
            return TmfResponse.TASK_DOES_NOT_EXIST
        del owner.tasks[ref]
        return TmfResponse.FUNCTION_COMPLETE

    # -- pass-through ---------------------------------------------------------------------------
    def _scsi(self, data: bytes, operation: str) -> bytes:
        layout = self._pass_through
        if len(data) < layout.size:
            raise Win32Error(ERROR_INVALID_PARAMETER, operation)
        req = RequestBuffer(data, layout)
        sptd, aux = "ScsiPassThroughDirect.", "ScsiPassThroughAuxiliary."
        sense_at = req.get(sptd + "SenseInfoOffset")
        sense_room = req.get(sptd + "SenseInfoLength")
        cdb_length = req.get(sptd + "CdbLength")
        sptd_size = layout.member("ScsiPassThroughDirect").size
        if (
            req.get(sptd + "Length") != sptd_size
            or req.get(aux + "Size") != layout.member("ScsiPassThroughAuxiliary").size
            or (self.aux_signature is not None
                and req.raw(aux + "Signature") != self.aux_signature.ljust(8, b"\0"))
            or not 1 <= cdb_length <= len(req.raw(sptd + "Cdb"))
            # The sense buffer must lie inside the buffer and not over the request itself.
            or (sense_room and not sptd_size <= sense_at <= len(data) - sense_room)
        ):
            raise Win32Error(ERROR_INVALID_PARAMETER, operation)
        cdb = req.raw(sptd + "Cdb")[:cdb_length]
        lun = req.get(aux + "Lun")
        session = self.sessions.get(req.get(aux + "SessionCookie"))
        if session is None:
            sense: bytes | None = fixed_sense(SenseKey.ABORTED_COMMAND, 0x47, 0x7F)
        else:
            sense = self._execute(cdb, lun)
            task = req.get(aux + "TaskCookie")
            if sense is None and not req.get(aux + "IsFinal"):
                session.tasks[task] = lun
            else:
                session.tasks.pop(task, None)
        if sense is None:
            req.put(sptd + "ScsiStatus", GOOD)
        else:
            req.put(sptd + "ScsiStatus", CHECK_CONDITION)
            req.put(sptd + "DataTransferLength", 0)
            count = min(sense_room, len(sense))
            req.data[sense_at : sense_at + count] = sense[:count]
        return bytes(req.data)

    def _execute(self, cdb: bytes, lun: int) -> bytes | None:
        """The sense data of a failed command, or ``None`` for GOOD status."""
        opcode = cdb[0]
        if opcode == 0x12:  # INQUIRY
            return None
        if lun not in self.luns:
            return fixed_sense(SenseKey.ILLEGAL_REQUEST, 0x25, 0x00)
        if opcode == 0x00:  # TEST UNIT READY
            return None
        if opcode in (0x28, 0x2A):  # READ(10), WRITE(10): SBC LBA bytes 2-5, length 7-8
            if len(cdb) < 10:
                return fixed_sense(SenseKey.ILLEGAL_REQUEST, 0x24, 0x00)
            lba, blocks = int.from_bytes(cdb[2:6], "big"), int.from_bytes(cdb[7:9], "big")
        elif opcode == 0x88:  # READ(16): LBA bytes 2-9, length 10-13
            if len(cdb) < 16:
                return fixed_sense(SenseKey.ILLEGAL_REQUEST, 0x24, 0x00)
            lba, blocks = int.from_bytes(cdb[2:10], "big"), int.from_bytes(cdb[10:14], "big")
        else:
            return fixed_sense(SenseKey.ILLEGAL_REQUEST, 0x20, 0x00)
        if lba + blocks > self.capacity_blocks:
            return fixed_sense(SenseKey.ILLEGAL_REQUEST, 0x21, 0x00)
        return None


#: What the simulated miniport does with each IOCTL_SCSI_MINIPORT request, keyed by the
#: request's definition.  A request the spec registers without an entry here is answered
#: ``UNSUPPORTED_CONTROL_CODE``; adding behaviour for a new request is one entry.
MINIPORT_HANDLERS: dict[CStruct, Callable[[SimulatedTarget, RequestBuffer], SimReturnCode]] = {
    ISCSITGT_SPT_SESSION_START: SimulatedTarget._start,
    ISCSITGT_SPT_SESSION_STOP: SimulatedTarget._stop,
    ISCSITGT_SPT_TMF: SimulatedTarget._tmf,
}
