"""What a request touches in the simulated target (:mod:`iscsitgt_spt.device.simulator`):
the sessions it names, whether it may change others (a target reset), whether it opens or
closes the sessions it names -- what ``send --fuzz-corpus --jobs N`` routes a corpus by, so
that N targets, each holding some sessions, answer as one would.  The behaviour each reads is
bound to the request's definition (:data:`OPENING`, :data:`CLOSING`, :data:`CROSSING`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from iscsitgt_spt.device._sim_model import FAULTS, RequestBuffer, SimReturnCode
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, TARGET_WIDE_FUNCTIONS
from iscsitgt_spt.spec.layout import CStruct, Layout
from iscsitgt_spt.spec.requests import (
    ISCSITGT_SPT_SESSION_START,
    ISCSITGT_SPT_SESSION_STOP,
    ISCSITGT_SPT_TMF,
)

if TYPE_CHECKING:
    from iscsitgt_spt.device._sim_model import Session

__all__ = ["CLOSING", "CROSSING", "OPENING", "Crossing", "SessionRouting"]

#: What :meth:`SimulatedTarget.routing` reads of one request's layout: the layout, where
#: its session cookies are, how it may cross sessions, whether it opens or closes them.
_Plan = tuple[Layout, tuple[tuple[int, int], ...], "Crossing | None", bool, bool]
#: The routing of a request the target takes for none it knows (it touches no session).
_NOWHERE: tuple[tuple[int, ...], bool, bool, bool] = ((), False, False, False)


class SessionRouting:
    """The part of :class:`~iscsitgt_spt.device.simulator.SimulatedTarget` that tells what a
    request touches (it reads the target's layouts and faults, and answers nothing)."""

    faults: frozenset[str]
    sessions: dict[int, Session]
    _header: Layout
    _control_code: tuple[int, int]
    _requests: dict[int, Layout]
    _pass_through: Layout
    _plans: dict[bytes | int, _Plan]

    def _check_header(self, header: RequestBuffer, total: int) -> SimReturnCode:
        raise NotImplementedError  # (the target's own)

    @property
    def splits_by_session(self) -> bool:
        """Whether every answer depends only on the state of the sessions the request names
        (:meth:`sessions_named`): true unless a planted fault crosses sessions.  Then a corpus
        can be answered by several targets, each holding the requests of some sessions, in
        their order, and every answer is the one this target would give."""
        return not any(FAULTS[name].crosses_sessions for name in self.faults)

    @property
    def routed_ioctls(self) -> frozenset[int]:
        """The IOCTLs of the requests this target takes: :meth:`routing` of a request sent
        with any other is that it touches nothing (``((), False, False, False)``)."""
        return frozenset({IOCTL_SCSI_MINIPORT, *(code for code in self._plans
                                                 if isinstance(code, int))})

    def sessions_named(self, code: int, data: bytes) -> tuple[int, ...]:
        """The sessions whose state answering ``data`` (sent with IOCTL ``code``) can read or
        change: the values of the session cookie members of the structure this target takes
        the request for (:meth:`Layout.cookies`, under the target's profile).  Empty when the
        request names none, or is refused before any handler reads it (the state is then
        untouched, whichever target answers)."""
        return self.reach(code, data)[0]

    def crosses_sessions(self, code: int, data: bytes) -> bool:
        """Whether answering ``data`` (sent with IOCTL ``code``) may change sessions it does
        not name (:data:`CROSSING`: a target reset clears every session's tasks).  Such a
        request cannot be answered by a target holding only some of the sessions alone: the
        others :meth:`follow` it."""
        return self.reach(code, data)[1]

    def reach(self, code: int, data: bytes) -> tuple[tuple[int, ...], bool]:
        """:meth:`sessions_named` and :meth:`crosses_sessions` at once (the request's layout
        found once)."""
        return self.routing(code, data)[:2]

    def opens(self, code: int, data: bytes) -> bool:
        """Whether answering ``data`` (sent with IOCTL ``code``) can create the state of the
        sessions it names (:data:`OPENING`).  A session that no such request named yet is
        held by no target, and the requests naming it change nothing of it: any target
        answers them as this one would (``send --jobs`` deals them where they even the load)."""
        return self.routing(code, data)[2]

    def closes(self, code: int, data: bytes) -> bool:
        """Whether answering ``data`` (sent with IOCTL ``code``) leaves no state of the
        sessions it names, whatever they held before: a request of :data:`CLOSING` whose
        header the target takes (its handler runs), unless a planted fault reads a stopped
        handle (:attr:`Fault.reads_stopped`).  After it, as before any :meth:`opens`, no
        target holds anything of those sessions: ``send --jobs`` deals them afresh."""
        return self.routing(code, data)[3]

    def routing(self, code: int, data: bytes) -> tuple[tuple[int, ...], bool, bool, bool]:
        """:meth:`sessions_named`, :meth:`crosses_sessions`, :meth:`opens` and
        :meth:`closes` of a request at once.  They read only its first :attr:`reach_prefix`
        bytes: a longer request gives what its first :attr:`reach_prefix` bytes give."""
        if code == IOCTL_SCSI_MINIPORT:
            if len(data) < self._header.size:
                return _NOWHERE
            start, end = self._control_code
            plan = self._plans.get(data[start:end])
        else:
            plan = self._plans.get(code)
        if plan is None:
            return _NOWHERE
        layout, spans, crossing, opening, closing = plan
        named = tuple([int.from_bytes(data[start:end], "little")
                       for start, end in spans if len(data) >= end])
        return (named,
                crossing is not None and len(data) >= layout.size
                and crossing.applies(RequestBuffer(data, layout)),
                opening, closing and self._header_taken(data))

    def _routing_plans(self) -> dict[bytes | int, _Plan]:
        """What :meth:`routing` reads of each request this target takes, by the bytes of its
        ControlCode (IOCTL_SCSI_MINIPORT) or by its IOCTL (the pass-through)."""
        plans: dict[bytes | int, _Plan] = {
            code.to_bytes(4, "little"): self._plan(layout)
            for code, layout in self._requests.items()}
        plans[ASSUMED_PASS_THROUGH_IOCTL] = self._plan(self._pass_through)
        return plans

    def _plan(self, layout: Layout) -> _Plan:
        return (layout,
                tuple((c.member.offset, c.member.end) for c in layout.cookies()
                      if c.identifies == "session"),
                CROSSING.get(layout.template), layout.template in OPENING,
                layout.template in CLOSING and not any(
                    FAULTS[name].reads_stopped for name in self.faults))

    def _header_taken(self, data: bytes) -> bool:
        """Whether the target takes the request's SRB_IO_CONTROL (its handler runs)."""
        return (len(data) >= self._header.size and self._check_header(
            RequestBuffer(data, self._header), len(data)) == SimReturnCode.SUCCESS)

    @property
    def reach_prefix(self) -> int:
        """How many bytes of a request decide :meth:`routing`: one past the end of every
        session cookie, of every request that may cross sessions (its members and its
        size, which is checked) and of every request that :data:`CLOSING` holds (whose size
        the header check compares with the request's length).  Any request longer than that
        is longer than all of those, so its first :attr:`reach_prefix` bytes route alike."""
        ends = [self._header.size]
        for layout, spans, crossing, _, _ in self._plans.values():
            ends.extend(end for _, end in spans)
            if crossing is not None or layout.template in CLOSING:
                ends.append(layout.size)
        return max(ends) + 1

    def follow(self, code: int, data: bytes) -> None:
        """Apply to this target's sessions what the request ``data`` (sent with IOCTL
        ``code``) that :meth:`crosses_sessions` did to them when *another* target, holding the
        session it names, answered it and its effect happened there (:attr:`crossed` grew):
        the effect bound to the request's definition in :data:`CROSSING` (a target reset
        drops every session's open tasks), the same that answering it applies.  Several
        targets, each holding some sessions, then hold what one target would."""
        crossing, request = self._crossing(code, data)
        crossing.effect(self, request)

    def follow_changes(self, code: int, data: bytes) -> bool:
        """Whether :meth:`follow` of the request could change this target now (a reset: some
        session holds an open task); ``False``: this target holds the same whether or not
        the request's effect happened where it was answered."""
        crossing, _ = self._crossing(code, data)
        return crossing.changes(self)

    def _crossing(self, code: int, data: bytes) -> tuple[Crossing, RequestBuffer]:
        if not self.crosses_sessions(code, data):
            raise ValueError("not a request that crosses sessions")
        layout = self._layout_of(code, data)
        assert layout is not None
        return CROSSING[layout.template], RequestBuffer(data, layout)

    def _layout_of(self, code: int, data: bytes) -> Layout | None:
        """The layout of the request ``data`` sent with IOCTL ``code``, by its ControlCode
        (``None``: no request this target takes)."""
        if code == IOCTL_SCSI_MINIPORT:
            if len(data) < self._header.size:
                return None
            start, end = self._control_code
            return self._requests.get(int.from_bytes(data[start:end], "little"))
        return self._pass_through if code == ASSUMED_PASS_THROUGH_IOCTL else None


#: The requests whose handler can create the state of the session they name: a SESSION_START
#: (a handler that adds to :attr:`SimulatedTarget.sessions` or ``stopped`` belongs here).
#: Until a request of these names a session, no target holds anything of it, and every other
#: request naming it leaves that so (UNKNOWN_SESSION, an aborted command): any target answers
#: it alike (:meth:`SimulatedTarget.opens`).
OPENING: frozenset[CStruct] = frozenset({ISCSITGT_SPT_SESSION_START})

#: The requests whose handler, once it runs (the target took the header), leaves no state of
#: the session they name, whatever it held: a SESSION_STOP (the session is dropped with its
#: open tasks, or was not there; the handle it adds to ``stopped`` is read only by planted
#: faults, :attr:`Fault.reads_stopped`).  A handler that can leave a session's state behind
#: does not belong here (:meth:`SimulatedTarget.closes`).
CLOSING: frozenset[CStruct] = frozenset({ISCSITGT_SPT_SESSION_STOP})


def _reset_target(target: SessionRouting, request: RequestBuffer) -> None:
    """A target warm or cold reset: the open tasks of every session dropped (a target reset
    acts on every I_T nexus, RFC 7143 §11.5.1)."""
    for session in target.sessions.values():
        session.tasks.clear()


def _open_tasks(target: SessionRouting) -> bool:
    """Whether a session of the target holds an open task (what a reset can change)."""
    return any(session.tasks for session in target.sessions.values())


@dataclass(frozen=True)
class Crossing:
    """Requests of one structure that may change sessions they do not name: which ones (by
    their bytes), and what answering one does to the sessions of the target (applied by the
    request's handler when it succeeds, and by :meth:`SimulatedTarget.follow` on a target
    holding other sessions), and whether that effect can change a target as it is now."""

    applies: Callable[[RequestBuffer], bool]
    effect: Callable[[SessionRouting, RequestBuffer], None]
    changes: Callable[[SessionRouting], bool]


#: Which requests of a structure may change sessions they do not name, and how: a TMF of a
#: target-wide function (:data:`TARGET_WIDE_FUNCTIONS`) drops every session's open tasks.
CROSSING: dict[CStruct, Crossing] = {
    ISCSITGT_SPT_TMF: Crossing(
        applies=lambda request: request.get("TaskManagementFunction") in TARGET_WIDE_FUNCTIONS,
        effect=_reset_target, changes=_open_tasks),
}
