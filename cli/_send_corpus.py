"""``send --fuzz-corpus FILE``: every record of a corpus sent, the answers counted.

Every record's input is sent as is and a summary is printed; Ctrl-C stops after the current
request with the recording intact.  The target's own failure answers (a ReturnCode, a TMF
Response, CHECK CONDITION, a DeviceIoControl error code refusing the request, an answer that
does not decode) are what fuzzing is for: they are counted, with their meaning, and the exit
status stays 0.  A *transport* failure -- the request got no answer from the target -- makes
it 1, as does a corpus line that cannot be read.  With ``--jobs N`` and a ``sim:`` target the
lines are answered by N workers, each with its own simulated target holding the sessions
routed to it (:mod:`iscsitgt_spt.cli._send_route`, :mod:`iscsitgt_spt.cli._keyed`).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import islice
from operator import itemgetter
from typing import Any, NamedTuple, TextIO

from iscsitgt_spt.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from iscsitgt_spt.cli._common import print_json
from iscsitgt_spt.cli._input import open_source
from iscsitgt_spt.cli._jobs import CHUNK_RECORDS
from iscsitgt_spt.cli._keyed import Barrier, Round, keyed_rounds
from iscsitgt_spt.cli._outfile import Source, open_append
from iscsitgt_spt.cli._output import one_line
from iscsitgt_spt.cli._progress import Progress
from iscsitgt_spt.cli._send_route import Router, request_of
from iscsitgt_spt.codec.bounded import bounded_lines
from iscsitgt_spt.codec.capture.jsonl import parse_line
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
from iscsitgt_spt.codec.dispatch import decode_buffer, identify
from iscsitgt_spt.codec.safejson import json_text_bound
from iscsitgt_spt.device import (
    DeviceError,
    Exchange,
    RecordingTransport,
    RequestFailed,
    Transport,
    Win32Error,
    describe_return_code,
    open_transport,
)
from iscsitgt_spt.device.client import judge
from iscsitgt_spt.device.errors import TRANSPORT_WINERRORS
from iscsitgt_spt.device.opener import REPLAY_PREFIX
from iscsitgt_spt.device.simulator import SimulatedTarget
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout

__all__ = ["record_sink", "run_corpus"]


def _inputs(args: argparse.Namespace) -> list[Source]:
    """What this run reads: the recording must be none of them."""
    found: list[Source] = []
    if args.fuzz_corpus is not None:
        found.append(0 if args.fuzz_corpus == "-" else args.fuzz_corpus)
    else:
        found.append(0 if (args.input or "-") == "-" else args.input)
    if args.device.startswith(REPLAY_PREFIX):
        found.append(args.device[len(REPLAY_PREFIX):])
    return found


@contextlib.contextmanager
def record_sink(args: argparse.Namespace) -> Iterator[TextIO | None]:
    if args.record is None:
        yield None
        return
    sink, size = open_append(args.record, "--record", inputs=_inputs(args))
    with sink:
        if size:
            # Appending lets several invocations build one capture of a whole session; say
            # so, so that nobody takes an old file for this run's recording.
            print(f"iscsitgt-spt send: --record appends to {one_line(args.record)}, which "
                  f"already holds {size} bytes (delete it first for a fresh capture)",
                  file=sys.stderr)
        yield sink


def _out_size(data: bytes, ioctl: int, profile: Profile) -> tuple[int, str | None]:
    try:
        name = identify(data, ioctl, profile)
        return max(len(data), get_layout(name, profile).size), name
    except SptError:
        return len(data), None


class _Recorders:
    """One recorder per profile over the same device and sink: each line keeps its abi."""

    def __init__(self, inner: Transport, sink: TextIO | None, pid: int) -> None:
        self.inner = inner
        self.sink = sink
        self.pid = pid  # the command's, also in a worker process
        self.by_profile: dict[Profile, Transport] = {}

    def get(self, profile: Profile) -> Transport:
        if self.sink is None:
            return self.inner
        found = self.by_profile.get(profile)
        if found is None:
            found = self.by_profile[profile] = RecordingTransport(
                self.inner, self.sink, abi=profile.abi, cookie=profile.cookie, pid=self.pid)
        return found


class _Outcome(NamedTuple):
    """How one corpus record ended: a label to count, what it means, whose failure it is."""

    label: str
    meaning: str
    transport: bool = False


def _send_record(
    transport: Transport, ioctl: int, data: bytes, profile: Profile
) -> _Outcome | None:
    """Send one record; ``None`` when the target accepted it, else how it failed."""
    out_size, name = _out_size(data, ioctl, profile)
    try:
        out = transport.ioctl(ioctl, data, out_size)
    except Win32Error as exc:
        return _Outcome(exc.name, f"{exc.operation} failed: {exc.text or exc.winerror}",
                        transport=exc.name in TRANSPORT_WINERRORS)
    except DeviceError as exc:  # a replay that cannot answer, a closed transport
        return _Outcome(type(exc).__name__, exc.message, transport=True)
    if name is None:
        return None
    try:
        request = decode_buffer(data, name=name, ioctl=ioctl, profile=profile)
        response = decode_buffer(out, name=name, ioctl=ioctl, profile=profile)
        judge(Exchange(request, response, data, out, ioctl))
    except RequestFailed as exc:
        code = exc.exchange.return_code
        if code:  # the ReturnCode said it: its meaning, without the message's framing
            return _Outcome(exc.reason, describe_return_code(code)
                            or "not a published code (0 is success)")
        return _Outcome(exc.reason, exc.message)
    except SptError:
        return _Outcome("undecodable answer", "the answer does not decode as the request's "
                        "structure (run decode on the --record capture to see where)")
    return None


#: What became of one corpus line, as a worker sends it back (a plain tuple, read by
#: position: no class looked up and called per line when it crosses processes): how it
#: ended, and the lines recorded for it (UTF-8, empty without --record).  How it ended is
#: a value the summary counts (:class:`_Tally`): ``None`` sent and accepted, ``(label, meaning,
#: transport)`` sent and failed (:class:`_Outcome`'s fields), a string the error of a
#: malformed line (it names the line), ``()`` neither sent nor malformed (a blank or ``#``
#: line).  A round's results are counted at once (one :class:`collections.Counter`).
_Result = tuple["tuple[str, str, bool] | tuple[()] | str | None", bytes]
_ENDED, _RECORDED = itemgetter(0), itemgetter(1)
_SKIPPED: _Result = ((), b"")


#: Most distinct outcomes a worker keeps one object of (see _Target._same).
_SEEN_KEPT = 1024


class _Target:
    """What answers the records (of some sessions, with --jobs): the device, and a recorder per
    profile writing into a buffer, which the command copies to --record in input order."""

    def __init__(self, extra: tuple[str, Profile, bool, int, int]) -> None:
        device, self.default, recording, pid, self.bound = extra
        self.transport = open_transport(device, abi=self.default.abi,
                                        cookie=self.default.cookie)
        self.buffer = io.StringIO() if recording else None
        self.recorders = _Recorders(self.transport, self.buffer, pid)
        self.seen: dict[tuple[str, str, bool], tuple[str, str, bool]] = {}

    def _same(self, ended: tuple[str, str, bool]) -> tuple[str, str, bool]:
        """One object for equal outcomes: a round's results pickle each once (the others
        refer to it), and the main process unpickles one tuple and its texts, not one per
        line.  (At most _SEEN_KEPT kept: what a corpus says varies with it.)"""
        seen = self.seen
        found = seen.get(ended)
        if found is None:
            if len(seen) >= _SEEN_KEPT:
                seen.clear()
            found = seen[ended] = ended
        return found

    def answer(self, line: _Line) -> _Result:
        lineno, text = line
        try:
            record = parse_line(text, lineno, max_record_bytes=self.bound)
        except SptError as exc:
            return str(exc), b""
        if record is None:
            return _SKIPPED
        profile = Profile.of(record.abi or self.default.abi,
                             record.cookie or self.default.cookie)
        outcome = _send_record(self.recorders.get(profile), record.ioctl, record.data_in,
                               profile)
        ended = None if outcome is None else self._same(
            (outcome.label, outcome.meaning, outcome.transport))
        if self.buffer is None:
            return ended, b""
        # As bytes, encoded as the sink encodes its text: a worker's bytes are copied once
        # to and from the pipe (a string is decoded again as it is unpickled: ten times
        # the cost), and written to --record as they are.
        recorded = self.buffer.getvalue().encode("utf-8", "backslashreplace")
        self.buffer.seek(0)
        self.buffer.truncate()
        return ended, recorded

    def close(self) -> None:
        self.transport.close()


#: A corpus line as a worker is sent it: its number and its bytes.
_Line = tuple[int, bytes]


#: What a worker does with a line (a module-level function for the pool).
_answer = _Target.answer


def _answer_crossing(target: _Target, line: _Line) -> tuple[_Result, tuple[int, bytes] | None]:
    """A line that may change sessions it does not name, answered by the worker holding the
    session it names: the answer, and the request when its effect happened (the simulated
    target counted it), which the other workers then follow."""
    simulated = target.transport
    assert isinstance(simulated, SimulatedTarget)  # (run refuses any other device)
    before = simulated.crossed
    answer = target.answer(line)
    if simulated.crossed == before:
        return answer, None
    return answer, request_of(line[1], line[0], target.bound)


def _follow(target: _Target, request: tuple[int, bytes] | None) -> None:
    """What another worker's crossing line did to every session, done to this worker's."""
    if request is not None:
        simulated = target.transport
        assert isinstance(simulated, SimulatedTarget)
        simulated.follow(*request)


def _moot(target: _Target, line: _Line) -> bool:
    """Whether following another worker's crossing line cannot change this worker's sessions
    (a reset, when none of them holds an open task): then it does not wait for the news."""
    simulated = target.transport
    assert isinstance(simulated, SimulatedTarget)
    request = request_of(line[1], line[0], target.bound)
    return request is None or not simulated.follow_changes(*request)


#: With --jobs: a target reset answered by one worker, followed by the others (the router
#: tells which lines are, :meth:`Router.round`).
_BARRIER = Barrier(None, _answer_crossing, _follow, _moot)


def run_corpus(args: argparse.Namespace) -> int:
    bound = json_text_bound(MAX_RECORD_SIZE)
    default = Profile.of(args.abi, args.cookie)
    tally = _Tally()
    interrupted = False
    # Binary lines: each is decoded (strictly, as UTF-8) by the one JSON reader, so a line
    # that is not UTF-8 counts as malformed instead of ending the run.
    with ExitStack() as stack, record_sink(args) as sink:
        extra = (args.device, default, sink is not None, os.getpid(), bound)
        # This process's target answers with --jobs 1; with workers it only routes.
        here = _Target(extra)
        stack.callback(here.close)
        source = open_source(args.fuzz_corpus, stack, "--fuzz-corpus")
        progress = Progress(label="requests", total_bytes=source.size)
        lines = bounded_lines(source.stream, bound, "--fuzz-corpus")
        try:
            if args.jobs <= 1:
                _answer_here(here, lines, sink, tally, progress)
            else:
                _answer_by_workers(args.jobs, extra, here, lines, sink, tally, progress)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()
    return _ending(args, tally, interrupted)


def _answer_here(here: _Target, lines: Iterator[bytes], sink: TextIO | None, tally: _Tally,
                 progress: Progress) -> None:
    """Every line answered here, in order; what is recorded written out after every
    request (a device may hang on the next one)."""
    read = 0
    for lineno, line in enumerate(lines, 1):
        read += len(line)
        answer = here.answer((lineno, line))
        if sink is not None and answer[1]:
            _write_lines(sink, [answer[1]])
        tally.add(answer)
        progress.update(tally.sent, read)


def _answer_by_workers(jobs: int, extra: tuple[str, Profile, bool, int, int], here: _Target,
                       lines: Iterator[bytes], sink: TextIO | None, tally: _Tally,
                       progress: Progress) -> None:
    """The lines answered by ``jobs`` workers, each a simulated target of its own holding
    the sessions routed to it (:class:`Router`); the results counted, and what they
    recorded written out, a round at a time (one write, one count, per round)."""
    simulated = here.transport
    assert isinstance(simulated, SimulatedTarget)  # (run refused any other device)
    if not simulated.splits_by_session:
        raise SptError(
            "a planted fault of this target crosses sessions, so its answers cannot be split "
            "among workers by session", path="--jobs",
            expected="--jobs 1 with this sim:fault", actual=f"--jobs {jobs}")
    router = Router(simulated, here.bound)
    read = [0]  # bytes of the corpus read so far

    def rounds() -> Iterator[Round]:
        first = 1
        while chunk := list(islice(lines, CHUNK_RECORDS)):
            read[0] += sum(map(len, chunk))
            keys, crossings, closed = router.round(chunk, first)
            # (the lines cross to the workers in shared memory: the work gets them as _Line)
            yield Round(keys, list(range(first, first + len(chunk))), crossings, closed, chunk,
                        _weights(keys))
            first += len(chunk)

    for ended, recorded in keyed_rounds(_Target, _answer, rounds(), jobs, extra=extra,
                                        barrier=_BARRIER, texts=True):
        if sink is not None:
            _write_lines(sink, recorded)
        del recorded  # (views of shared memory that the next round writes again)
        tally.count(collections.Counter(ended))
        progress.update(tally.sent, read[0])


def _weights(keys: list[int | None]) -> list[int]:
    """What each line counts for in the load the workers are dealt evenly: a line of a
    session held (a START, a TMF, a pass-through the target answers in full, both decoded)
    about twice a line that names none (most of them refused early).  CPU time a line, one
    target: a ``fuzz --all --mode all`` corpus's session lines 91 us, the others 31-49 us;
    dealt by line count, one worker got 8% more work than the other (the lines split evenly
    allowed 1.93x at two workers, dealt so 1.97-1.99x); a session run's recording 78 against
    70 us, 1.98x either way."""
    return [1 if key is None else 2 for key in keys]


def _ending(args: argparse.Namespace, tally: _Tally, interrupted: bool) -> int:
    """The summary printed; the exit status, what made it not 0 said on stderr."""
    _summary(args, tally, interrupted)
    if interrupted:
        return EXIT_INTERRUPTED
    if tally.lost:
        print(f"iscsitgt-spt send: {sum(tally.lost.values())} of {tally.sent} requests got no "
              "answer (transport failures)", file=sys.stderr)
        return EXIT_FAILED
    if tally.malformed:
        # Lines of the corpus that were not read: named, and exit 1 (a record not read).
        more = tally.malformed - len(tally.unread)
        print(one_line(f"iscsitgt-spt send: --fuzz-corpus: {tally.malformed} line"
                       f"{'s' if tally.malformed > 1 else ''} not read: "
                       + "; ".join(tally.unread) + (f"; and {more} more" if more else "")),
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _write_lines(sink: TextIO, recorded: list[Any]) -> None:
    """The recorded lines written out at once (none: nothing written), as bytes below the
    sink's text layer (which holds nothing: it is flushed when it is written to)."""
    data = b"".join(recorded)
    if data:
        sink.buffer.write(data)
        sink.buffer.flush()


_UNREAD_SHOWN = 3  # malformed corpus lines named on stderr; the rest are counted


class _Tally:
    """What the summary says: records sent, the target's failure answers and the transport
    failures by label (in the order first seen), each label's meaning, malformed lines."""

    def __init__(self) -> None:
        self.sent = self.malformed = 0
        self.unread: list[str] = []  # the first few malformed lines' errors (memory bounded)
        self.failed: collections.Counter[str] = collections.Counter()
        self.lost: collections.Counter[str] = collections.Counter()
        self.meanings: dict[str, str] = {}

    def add(self, answer: _Result) -> None:
        self.count({answer[0]: 1})

    def count(self, ended: dict[Any, int]) -> None:
        """Lines that ended so, how many of each, in input order (the order each was first
        seen: a label's meaning is the first one's, and ties in the summary keep it)."""
        for how, n in ended.items():
            if how is None:
                self.sent += n
            elif type(how) is str:
                self.malformed += n
                self.unread += [how] * min(n, _UNREAD_SHOWN - len(self.unread))
            elif how:
                label, meaning, transport = how
                self.sent += n
                (self.lost if transport else self.failed)[label] += n
                self.meanings.setdefault(label, meaning)


def _summary(args: argparse.Namespace, tally: _Tally, interrupted: bool) -> None:
    sent, failed, lost, meanings = tally.sent, tally.failed, tally.lost, tally.meanings
    count = sum(failed.values()) + sum(lost.values())
    if args.json:
        print_json({"sent": sent, "ok": sent - count, "failed": dict(failed.most_common()),
                    "transport_failures": dict(lost.most_common()), "meanings": meanings,
                    "malformed": tally.malformed, "interrupted": interrupted})
        return
    print(f"sent {sent}, ok {sent - count}, failed {count}"
          + (f", malformed lines {tally.malformed}" if tally.malformed else "")
          + (" (interrupted)" if interrupted else ""))
    if failed:
        print("the target's failure answers:")
    for reason, n in failed.most_common():
        print(f"  {reason}: {n} -- {meanings[reason]}")
    if lost:
        print("transport failures (no answer from the target):")
    for reason, n in lost.most_common():
        print(f"  {reason}: {n} -- {meanings[reason]}")
    if interrupted:
        print("iscsitgt-spt send: interrupted", file=sys.stderr)
