"""Steps of a session fuzz run: what to send, generated from a seed (sans-I/O).

A driver keeps state: a TMF or a pass-through names an ``ITNexusHandle`` that means something
only between the ``SESSION_START`` that opened it and the ``SESSION_STOP`` that closed it.  So
the session fuzzer sends *sequences*, and a step names its handle and task by **slot** (a small
number), not by value: the handle a START opened flows to the steps after it, and the same
slots can be given other values (:class:`Concrete`) when a sequence is replayed against a
device that still remembers an earlier attempt.  The kinds of step:

``start``
    SESSION_START of a slot: a new one, one already in session (a duplicate), or with
    IsReinstated (reinstatement; also of a slot never started).
``stop``
    SESSION_STOP of a live slot, of one already stopped (twice), of one never started.
``tmf``
    every task management function (and codes none defines) on a live, stopped or unknown
    handle, referencing a task open in this session, open in another, finished, or unknown.
``scsi``
    a pass-through with the session's cookies and a CDB from :data:`CDBS` (TEST UNIT READY,
    INQUIRY, READ(10), WRITE(10), REPORT LUNS; with and without data), IsFinal set or not.

Any step may carry a *mutation*: one of ``fuzz``'s boundary cases or mutations
(:mod:`.corpus`) applied to its bytes.  :func:`generate_steps` is deterministic: the same seed
gives the same steps on every machine (``random.Random`` seeded with a string).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from iscsitgt_spt.codec.api import build, encode
from iscsitgt_spt.codec.fuzzing.corpus import boundary_cases, mutate_once
from iscsitgt_spt.spec.constants import DataIn, TmfFunction
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout, ioctl_of
from iscsitgt_spt.spec.requests import (
    ISCSITGT_SPT_SESSION_START,
    ISCSITGT_SPT_SESSION_STOP,
    ISCSITGT_SPT_TMF,
)

__all__ = [
    "CDBS", "HANDLE_SLOTS", "KINDS", "UNKNOWN_HANDLE", "Concrete", "Step", "generate_steps",
    "iter_steps",
]

KINDS = ("start", "stop", "tmf", "scsi")
#: Handle slots the generator uses; :data:`UNKNOWN_HANDLE` is a slot no step ever starts.
HANDLE_SLOTS = 4
UNKNOWN_HANDLE = 7
TASK_SLOTS = 16

#: The CDBs a pass-through step carries: (CDB, DataIn, transfer length) by name.  Bytes from
#: SPC-5 (TEST UNIT READY 00h, INQUIRY 12h with allocation length 36, REPORT LUNS A0h with
#: allocation length 256) and SBC-4 (READ(10) 28h / WRITE(10) 2Ah: LBA bytes 2-5, transfer
#: length bytes 7-8).
CDBS: dict[str, tuple[bytes, DataIn, int]] = {
    "TEST UNIT READY": (bytes(6), DataIn.SCSI_IOCTL_DATA_UNSPECIFIED, 0),
    "INQUIRY": (bytes.fromhex("120000002400"), DataIn.SCSI_IOCTL_DATA_IN, 36),
    "READ(10) 8 blocks": (bytes.fromhex("28000000000000000800"), DataIn.SCSI_IOCTL_DATA_IN,
                          4096),
    "READ(10) no data": (bytes.fromhex("28000000001000000000"), DataIn.SCSI_IOCTL_DATA_IN, 0),
    "READ(10) past the end": (bytes.fromhex("2800ffffff0000000100"),
                              DataIn.SCSI_IOCTL_DATA_IN, 512),
    "WRITE(10) 8 blocks": (bytes.fromhex("2a000000002000000800"), DataIn.SCSI_IOCTL_DATA_OUT,
                           4096),
    "REPORT LUNS": (bytes.fromhex("a00000000000000001000000"), DataIn.SCSI_IOCTL_DATA_IN, 256),
}

# TMF function codes a step may carry: every defined one, and codes none defines.
_FUNCTIONS = (*(int(f) for f in TmfFunction), 0, 13, 127, 200)
_STRUCTURES = {"start": ISCSITGT_SPT_SESSION_START, "stop": ISCSITGT_SPT_SESSION_STOP,
               "tmf": ISCSITGT_SPT_TMF, "scsi": SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY}


@dataclass(frozen=True)
class Concrete:
    """The values slots stand for in one execution: handle = base + slot, task likewise."""

    handle_base: int = 0x1000
    task_base: int = 0x5000

    def handle(self, slot: int) -> int:
        return self.handle_base + slot

    def task(self, slot: int) -> int:
        return self.task_base + slot


@dataclass(frozen=True)
class Step:
    """One request of a sequence, by slot (see the module docstring)."""

    kind: str
    handle: int
    reinstate: bool = False
    function: int = 0
    lun: int = 0
    task: int = 0
    cdb: str = ""
    is_final: bool = True
    #: ("boundary", n) or ("mutate", seed): applied to the bytes; None: sent as built
    mutation: tuple[str, int] | None = None

    @property
    def structure(self) -> str:
        return _STRUCTURES[self.kind].c_name

    def fields(self, values: Concrete) -> dict[str, Any]:
        """The request's members (a partial value: the canonical build fills the rest)."""
        handle = values.handle(self.handle)
        if self.kind == "start":
            return {"ITNexusHandle": handle, "IsReinstated": int(self.reinstate),
                    "PeerAddress": "192.0.2.1", "ITNexus": "iqn.2026-12.example:initiator",
                    "ChapUserName": ""}
        if self.kind == "stop":
            return {"ITNexusHandle": handle}
        if self.kind == "tmf":
            return {"ITNexusHandle": handle, "Lun": self.lun,
                    "TaskManagementFunction": self.function,
                    "ReferenceTaskCookie": values.task(self.task)}
        cdb, direction, length = CDBS[self.cdb]
        return {
            "ScsiPassThroughDirect": {"CdbLength": len(cdb), "Cdb": cdb,
                                      "DataIn": int(direction), "DataTransferLength": length,
                                      "TimeOutValue": 60},
            "ScsiPassThroughAuxiliary": {"SessionCookie": handle,
                                         "TaskCookie": values.task(self.task),
                                         "IsFinal": int(self.is_final), "Lun": self.lun},
        }

    def encode(self, profile: Profile, values: Concrete) -> tuple[bytes, str]:
        """The bytes to send and, for a mutated step, what the mutation did ('' otherwise)."""
        layout = get_layout(self.structure, profile)
        data = encode(build(layout.name, self.fields(values), profile=profile))
        if self.mutation is None:
            return data, ""
        mode, number = self.mutation
        if mode == "boundary":
            cases = boundary_cases(layout, data)
            data, note = cases[number % len(cases)]
            return data, f"boundary: {note}"
        data, note = mutate_once(random.Random(f"session-step/{number}"), layout, data)
        return data, f"mutate: {note}"

    @property
    def ioctl(self) -> int:
        code = ioctl_of(self.structure)
        assert code is not None  # every step kind is a request
        return code

    def without_mutation(self) -> Step:
        return replace(self, mutation=None)


class _Plan:
    """What the generator believes about the slots (as if every request succeeded)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.live: dict[int, dict[int, int]] = {}  # slot -> open task slot -> LUN
        self.stopped: set[int] = set()
        #: tasks that ended (completed or aborted): slot -> LUN
        self.finished: dict[int, int] = {}
        #: tasks a reinstatement or a stop ended with their session: slot -> LUN
        self.terminated: dict[int, int] = {}
        #: a session just reinstated, and the tasks that ended with its old self: the next
        #: TMF often asks about them (as a resource flows from the step that made it)
        self.reinstated: tuple[int, dict[int, int]] | None = None
        self.next_task = 0

    def pick(self, weights: dict[str, float]) -> str:
        names = [n for n in weights if self._has(n)]
        return self.rng.choices(names, [weights[n] for n in names])[0]

    def _has(self, what: str) -> bool:
        return {"live": bool(self.live), "stopped": bool(self.stopped)}.get(what, True)

    def handle(self, which: str) -> int:
        if which == "live":
            return self.rng.choice(sorted(self.live))
        if which == "stopped":
            return self.rng.choice(sorted(self.stopped))
        if which == "free":
            free = [s for s in range(HANDLE_SLOTS) if s not in self.live]
            return self.rng.choice(free) if free else self.rng.randrange(HANDLE_SLOTS)
        return UNKNOWN_HANDLE

    def new_task(self) -> int:
        self.next_task = (self.next_task + 1) % TASK_SLOTS
        return self.next_task


def _terminate(plan: _Plan, tasks: dict[int, int]) -> None:
    for task, lun in tasks.items():  # (most recent last: references prefer those)
        plan.terminated.pop(task, None)
        plan.terminated[task] = lun


def _start(plan: _Plan) -> Step:
    which = plan.pick({"free": 5, "live": 3, "unknown": 0.5})
    slot = plan.handle(which)
    reinstate = (which == "live" and plan.rng.random() < 0.7) or plan.rng.random() < 0.1
    if slot not in plan.live or reinstate:
        old = plan.live.get(slot, {})
        _terminate(plan, old)  # reinstatement ends the old tasks
        if old and reinstate:
            plan.reinstated = (slot, dict(old))
        plan.live[slot] = {}
    plan.stopped.discard(slot)
    return Step("start", slot, reinstate=reinstate)


def _stop(plan: _Plan) -> Step:
    slot = plan.handle(plan.pick({"live": 6, "stopped": 2, "unknown": 1}))
    if slot in plan.live:
        _terminate(plan, plan.live.pop(slot))
        plan.stopped.add(slot)
    return Step("stop", slot)


def _reference(plan: _Plan, slot: int) -> tuple[int, int]:
    """A task slot and LUN to reference: open in this session, open in another, ended with
    its session, finished, or never issued."""
    rng = plan.rng
    pools = {
        "own": sorted(plan.live.get(slot, {}).items()),
        "other": sorted((t, lun) for s, tasks in plan.live.items() if s != slot
                        for t, lun in tasks.items()),
        "terminated": list(plan.terminated.items())[-4:],
        "finished": sorted(plan.finished.items()),
    }
    weights = {"own": 4, "other": 2, "terminated": 2, "finished": 1}
    names = [n for n in weights if pools[n]]
    if not names or rng.random() < 0.1:
        return rng.randrange(TASK_SLOTS), rng.choice((0, 0, 1))
    pool = pools[rng.choices(names, [weights[n] for n in names])[0]]
    return rng.choice(pool)


def _tmf(plan: _Plan) -> Step:
    slot = plan.handle(plan.pick({"live": 8, "stopped": 1.5, "unknown": 1}))
    task, lun = _reference(plan, slot)
    if plan.reinstated is not None and plan.rng.random() < 0.5:
        slot, old = plan.reinstated
        task, lun = plan.rng.choice(sorted(old.items()))
        plan.reinstated = None
    roll = plan.rng.random()
    # The functions that name a task, often; then every code, defined or not.
    function = (TmfFunction.ABORT_TASK if roll < 0.3 else TmfFunction.QUERY_TASK
                if roll < 0.45 else plan.rng.choice(_FUNCTIONS))
    if function == TmfFunction.ABORT_TASK:
        ended = plan.live.get(slot, {}).pop(task, None)
        if ended is not None:
            plan.finished[task] = ended
    elif function in (TmfFunction.I_T_NEXUS_RESET, TmfFunction.LOGICAL_UNIT_RESET,
                      TmfFunction.ABORT_TASK_SET, TmfFunction.CLEAR_TASK_SET):
        plan.live.get(slot, {}).clear()
    return Step("tmf", slot, function=function, lun=lun, task=task)


def _scsi(plan: _Plan) -> Step:
    slot = plan.handle(plan.pick({"live": 9, "stopped": 1, "unknown": 0.5}))
    task = plan.new_task()
    is_final = plan.rng.random() < 0.5
    cdb = plan.rng.choice(sorted(CDBS))
    lun = plan.rng.choice((0, 0, 0, 1))
    if slot in plan.live and not is_final:
        plan.live[slot][task] = lun
    else:
        plan.finished[task] = lun
    return Step("scsi", slot, lun=lun, task=task, cdb=cdb, is_final=is_final)


_MAKERS = {"start": _start, "stop": _stop, "tmf": _tmf, "scsi": _scsi}
_WEIGHTS = {"start": 3, "stop": 2, "tmf": 4, "scsi": 4}


def generate_steps(seed: int, count: int, *, mutate: float = 0.1) -> list[Step]:
    """``count`` steps from ``seed``; a share ``mutate`` of them carries a mutation."""
    return list(iter_steps(seed, count, mutate=mutate))


def iter_steps(seed: int, count: int, *, mutate: float = 0.1) -> Iterator[Step]:
    """:func:`generate_steps`, one at a time (a long run need not hold them all)."""
    rng = random.Random(f"iscsitgt-spt sessions/{seed}")
    plan = _Plan(rng)
    for _ in range(count):
        kind = "start" if not plan.live and rng.random() < 0.6 else \
            rng.choices(list(_WEIGHTS), list(_WEIGHTS.values()))[0]
        step = _MAKERS[kind](plan)
        if rng.random() < mutate:
            mode = rng.choice(("boundary", "mutate"))
            step = replace(step, mutation=(mode, rng.randrange(1 << 30)))
        yield step
