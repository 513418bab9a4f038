"""The simulated target's vocabulary (:mod:`iscsitgt_spt.device.simulator`): the ReturnCode
values it writes, the faults it can plant, the sessions it keeps, and a request's bytes read
and written by member path."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from iscsitgt_spt.spec.arguments import int_argument
from iscsitgt_spt.spec.layout import CStruct, Layout
from iscsitgt_spt.spec.primitives import wchar_text
from iscsitgt_spt.spec.requests import (
    ISCSITGT_SPT_SESSION_START,
    ISCSITGT_SPT_SESSION_STOP,
    ISCSITGT_SPT_TMF,
)

__all__ = ["FAULTS", "Fault", "RequestBuffer", "Session", "SimReturnCode", "describe_return_code",
           "fault_help"]


class SimReturnCode(enum.IntEnum):
    """ReturnCode values this *simulator* writes.  ASSUMPTIONS: the real ones are unpublished."""

    SUCCESS = 0
    BAD_HEADER = 0x53494D01
    BAD_SIGNATURE = 0x53494D02
    UNKNOWN_CONTROL_CODE = 0x53494D03
    UNKNOWN_SESSION = 0x53494D04
    DUPLICATE_SESSION = 0x53494D05
    UNSUPPORTED_CONTROL_CODE = 0x53494D06

    @property
    def meaning(self) -> str:
        """What this simulator means by the code (the model decisions above)."""
        return _SIM_RETURN_CODE_MEANINGS[self]


_SIM_RETURN_CODE_MEANINGS: dict[SimReturnCode, str] = {
    SimReturnCode.SUCCESS: "success",
    SimReturnCode.BAD_HEADER: "HeaderLength is not sizeof(SRB_IO_CONTROL), or Length is not "
    "the payload size under the target's profile (a wrong-ABI caller gets this)",
    SimReturnCode.BAD_SIGNATURE: "the SRB_IO_CONTROL Signature is not the one the target "
    "expects",
    SimReturnCode.UNKNOWN_CONTROL_CODE: "ControlCode is none of the spec's request codes",
    SimReturnCode.UNSUPPORTED_CONTROL_CODE: "the spec defines this request, but the simulator "
    "has no behaviour for it (no handler)",
    SimReturnCode.UNKNOWN_SESSION: "no session has this ITNexusHandle (never started, or "
    "already stopped)",
    SimReturnCode.DUPLICATE_SESSION: "START of an ITNexusHandle already in session, without "
    "IsReinstated",
}


def describe_return_code(code: int) -> str | None:
    """``UNKNOWN_SESSION (simulator): no session has ...`` for the simulator's codes.

    ``None`` for any other non-zero value: the driver's own codes are unpublished, and a code
    in the simulator's ``0x53494dNN`` range says the answer came from the simulator.
    """
    int_argument(code, "code")
    try:
        known = SimReturnCode(code)
    except ValueError:
        return None
    if known is SimReturnCode.SUCCESS:
        return "success"
    return f"{known.name} (simulator): {known.meaning}"


@dataclass(frozen=True)
class Fault:
    """A bug planted in the model on purpose: its name, the request whose handler it changes,
    and what goes wrong (compared with the model decisions above)."""

    name: str
    structure: CStruct
    description: str
    #: Whether the fault makes one session's request depend on another session's state
    #: (then the target cannot be split by session: see SimulatedTarget.sessions_named).
    crosses_sessions: bool = False
    #: Whether the fault reads a handle's stop after it (``stopped``): then a stopped
    #: session still holds state (see SimulatedTarget.closes).
    reads_stopped: bool = False


#: The faults a :class:`SimulatedTarget` can plant (``faults=``, or ``sim:fault=NAME``).
FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("double-stop", ISCSITGT_SPT_SESSION_STOP,
          "a second STOP of the same ITNexusHandle is accepted (ReturnCode 0) instead of "
          "UNKNOWN_SESSION: the handle outlives its stop", reads_stopped=True),
    Fault("tmf-after-stop", ISCSITGT_SPT_TMF,
          "a TMF naming a stopped ITNexusHandle answers ReturnCode 0 and Response FUNCTION "
          "COMPLETE instead of UNKNOWN_SESSION", reads_stopped=True),
    Fault("reinstate-keeps-tasks", ISCSITGT_SPT_SESSION_START,
          "a START with IsReinstated keeps the old session's open tasks instead of "
          "terminating them (RFC 7143 session reinstatement)"),
    Fault("abort-other-session", ISCSITGT_SPT_TMF,
          "ABORT TASK of a task open in another session answers FUNCTION COMPLETE and aborts "
          "it, instead of TASK DOES NOT EXIST (task tags are per session)",
          crosses_sessions=True),
)}


def fault_help() -> str:
    """The text ``sim:fault=help`` prints: each fault, the request it affects, what it does."""
    lines = ["Faults the simulated target can plant (sim:fault=NAME[;NAME...]; off by default):"]
    for fault in FAULTS.values():
        lines.append(f"  {fault.name:<22} {fault.structure.c_name}: {fault.description}")
    return "\n".join(lines)


@dataclass
class Session:
    """One I_T nexus the target knows: what START said, and its open tasks (cookie -> LUN)."""

    cookie: int
    peer_address: str
    it_nexus: str
    chap_user_name: str
    reinstatements: int = 0
    tasks: dict[int, int] = field(default_factory=dict)


class RequestBuffer:
    """The request bytes, read and updated by member path of one layout."""

    def __init__(self, data: bytes, layout: Layout) -> None:
        self.data = bytearray(data)
        self.layout = layout

    def offset(self, path: str) -> int:
        return self.layout.member(path).offset

    def get(self, path: str) -> int:
        m = self.layout.member(path)
        return int.from_bytes(self.data[m.offset : m.end], "little", signed=m.signed)

    def put(self, path: str, value: int) -> None:
        m = self.layout.member(path)
        self.data[m.offset : m.end] = value.to_bytes(m.size, "little", signed=m.signed)

    def raw(self, path: str) -> bytes:
        m = self.layout.member(path)
        return bytes(self.data[m.offset : m.end])

    def text(self, path: str) -> str:
        return wchar_text(self.raw(path))
