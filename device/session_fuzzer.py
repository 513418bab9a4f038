"""Fuzz a target by sessions: run step sequences, judge every answer, shrink what fails.

:class:`SessionFuzzer` drives any :class:`~iscsitgt_spt.device.transport.Transport` (the
simulated target, a Windows device, a replay) with the steps of
:mod:`iscsitgt_spt.codec.fuzzing.steps` and judges each answer with the oracle of
:mod:`iscsitgt_spt.codec.fuzzing.oracle`.  A run stops at its first finding; :meth:`shrink`
then looks for the shortest sequence that still gives a finding of the same rule (delta
debugging: drop halves, then smaller chunks, then single steps, then each step's mutation),
replaying each candidate on a fresh transport from ``open_target``.  Each replay gives the
slots new values (:class:`~iscsitgt_spt.codec.fuzzing.steps.Concrete`), so a real driver that
remembers an earlier attempt's handles does not see them again.

Every request is sent on a worker thread and waited for at most ``step_timeout`` seconds: a
request that gets no answer in that time is a finding, and the run ends there (the transport
is then left to itself: its call may never return).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from iscsitgt_spt.codec.dispatch import decode_buffer
from iscsitgt_spt.codec.fuzzing.oracle import Answer, Judgement, SessionFinding, SessionOracle
from iscsitgt_spt.codec.fuzzing.steps import Concrete, Step
from iscsitgt_spt.device.errors import TRANSPORT_WINERRORS, DeviceError, Win32Error
from iscsitgt_spt.device.recording import RecordingTransport
from iscsitgt_spt.device.transport import Transport
from iscsitgt_spt.spec.constants import TmfFunction, name_of
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE, Profile
from iscsitgt_spt.spec.registry import get_layout

__all__ = ["RunResult", "SessionFuzzer", "StepResult"]

#: How many candidate sequences :meth:`SessionFuzzer.shrink` may replay.
SHRINK_BUDGET = 3000


@dataclass(frozen=True)
class StepResult:
    """One executed step: its number (from 1), the bytes sent, and the oracle's judgement."""

    number: int
    step: Step
    values: Concrete
    request: bytes
    note: str
    judgement: Judgement

    def line(self, profile: Profile) -> str:
        """``3. ISCSITGT_SPT_SESSION_STOP ITNexusHandle=0x1000 -> ReturnCode 0x0 (success)``."""
        text = f"{self.number}. {self.step.structure} {_key_members(self.step, self.values)}"
        if self.note:
            text += f" [{self.note}]"
        text += f" -> {self.judgement.summary}"
        for finding in self.judgement.findings:
            text += f"  <-- FINDING ({finding.rule}): {finding.message}"
        return text

    def document(self, profile: Profile) -> dict[str, Any] | None:
        """The request as a ``decode --json`` document (``send`` builds the same bytes from
        it), or ``None`` for a buffer too short to hold the structure."""
        try:
            decoded = decode_buffer(self.request, name=self.step.structure,
                                    ioctl=self.step.ioctl, profile=profile)
        except SptError:
            return None
        doc = decoded.to_json()
        keep = ("name", "abi", "cookie", "value", "payload", "trailing")
        return {k: doc[k] for k in keep if k in doc}


def _key_members(step: Step, values: Concrete) -> str:
    handle = f"{values.handle(step.handle):#x}"
    if step.kind == "start":
        return f"ITNexusHandle={handle} IsReinstated={int(step.reinstate)}"
    if step.kind == "stop":
        return f"ITNexusHandle={handle}"
    if step.kind == "tmf":
        function = name_of(TmfFunction, step.function) or f"{step.function} (undefined)"
        return (f"ITNexusHandle={handle} {function} Lun={step.lun} "
                f"ReferenceTaskCookie={values.task(step.task):#x}")
    return (f"SessionCookie={handle} TaskCookie={values.task(step.task):#x} Lun={step.lun} "
            f"{step.cdb} IsFinal={int(step.is_final)}")


@dataclass
class RunResult:
    """What one run did: the steps executed, their results, the finding that ended it.

    ``results`` holds every step's result, or only the last one's for a run made with
    ``keep_results=False`` (a long run need not hold every request's bytes).
    """

    steps: list[Step]
    results: list[StepResult]
    finding: SessionFinding | None

    def lines(self, profile: Profile) -> list[str]:
        return [r.line(profile) for r in self.results]


class SessionFuzzer:
    """Session sequences against the target ``open_target`` opens (module docstring).

    ``open_target`` gives a fresh transport for each run (for ``sim:`` a new simulated target;
    for a device, the device again); ``profile`` is the layout requests are built in.
    """

    def __init__(self, open_target: Callable[[], Transport], *,
                 profile: Profile = DEFAULT_PROFILE, step_timeout: float = 30.0) -> None:
        self.open_target = open_target
        self.profile = profile
        self.step_timeout = step_timeout
        self.attempts = 0

    def run(self, steps: Iterable[Step], *, values: Concrete | None = None,
            record: TextIO | None = None, lint_answers: bool = True,
            on_step: Callable[[int], None] | None = None,
            keep_results: bool = True) -> RunResult:
        """Send ``steps`` in order until the first finding; ``record`` gets every IOCTL."""
        values = values or Concrete()
        oracle = SessionOracle(lint_answers=lint_answers)
        executed: list[Step] = []
        results: list[StepResult] = []
        transport = self._open(record)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        try:
            for number, step in enumerate(steps, 1):
                data, note = step.encode(self.profile, values)
                answer = self._send(pool, transport, step, data)
                judgement = oracle.judge(step.structure, self.profile, step.ioctl, data, answer)
                executed.append(step)
                if not keep_results:
                    results.clear()
                results.append(StepResult(number, step, values, data, note, judgement))
                if on_step is not None:
                    on_step(number)
                if judgement.findings:
                    return RunResult(executed, results, judgement.findings[0])
            return RunResult(executed, results, None)
        finally:
            pool.shutdown(wait=False)
            transport.close()

    def _open(self, record: TextIO | None) -> Transport:
        inner = self.open_target()
        if record is None:
            return inner
        return RecordingTransport(inner, record, abi=self.profile.abi,
                                  cookie=self.profile.cookie)

    def _send(self, pool: concurrent.futures.ThreadPoolExecutor, transport: Transport,
              step: Step, data: bytes) -> Answer:
        out_size = max(len(data), get_layout(step.structure, self.profile).size)
        future = pool.submit(transport.ioctl, step.ioctl, data, out_size)
        try:
            return Answer(future.result(timeout=self.step_timeout))
        except concurrent.futures.TimeoutError:
            return Answer(None, f"no answer within {self.step_timeout:g} s", lost=True)
        except Win32Error as exc:
            lost = exc.name in TRANSPORT_WINERRORS
            return Answer(None, f"{exc.name}: {exc.text or exc.winerror}", refused=not lost,
                          lost=lost)
        except DeviceError as exc:  # a replay that cannot answer, a closed transport
            return Answer(None, exc.message, lost=True)

    # -- shrinking ------------------------------------------------------------------------------
    def fresh_values(self) -> Concrete:
        """Slot values no earlier run of this fuzzer used (a device may remember those)."""
        self.attempts += 1
        return Concrete(handle_base=0x1000 + 0x10 * self.attempts,
                        task_base=0x50000 + 0x20 * self.attempts)

    def reproduces(self, steps: Sequence[Step], rule: str) -> RunResult | None:
        """The run of ``steps`` (fresh values) if it ends in a finding of ``rule``."""
        result = self.run(steps, values=self.fresh_values(),
                          lint_answers=rule == "answer-lints")
        if result.finding is not None and result.finding.rule == rule:
            return result
        return None

    def shrink(self, steps: Sequence[Step], finding: SessionFinding,
               budget: int = SHRINK_BUDGET) -> list[Step]:
        """The shortest sequence found that still ends in a finding of ``finding.rule``."""
        rule = finding.rule
        start = self.attempts
        items = list(steps)

        def fails(candidate: list[Step]) -> bool:
            return self.attempts - start < budget and self.reproduces(candidate, rule) is not None

        items = _ddmin(items, fails)
        for index in range(len(items)):  # then make each step plain, where that still fails
            if items[index].mutation is not None:
                plain = [*items[:index], items[index].without_mutation(), *items[index + 1:]]
                if fails(plain):
                    items = plain
        return items


def _chunks(items: list[Step], n: int) -> Iterator[tuple[int, int]]:
    size = -(-len(items) // n)
    for begin in range(0, len(items), size):
        yield begin, min(begin + size, len(items))


def _ddmin(items: list[Step], fails: Callable[[list[Step]], bool]) -> list[Step]:
    """Zeller's delta debugging: a 1-minimal failing subsequence of ``items``."""
    n = 2
    while len(items) >= 2:
        parts = list(_chunks(items, n))
        reduced = next((items[a:b] for a, b in parts if fails(items[a:b])), None)
        if reduced is None:
            reduced = next((items[:a] + items[b:] for a, b in parts
                            if n > 2 and fails(items[:a] + items[b:])), None)
            if reduced is not None:
                items, n = reduced, max(n - 1, 2)
                continue
        else:
            items, n = reduced, 2
            continue
        if n >= len(items):
            break
        n = min(len(items), 2 * n)
    return items
