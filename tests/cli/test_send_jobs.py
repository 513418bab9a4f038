"""``send --fuzz-corpus FILE --jobs N``: the corpus split among simulated targets by session.

The expected results are those of ``--jobs 1`` (one target answering every record in order):
the same summary, exit status and standard error, and the same recording (every field but
``time``, which a clock fills, and ``pid``, which is the command's own).  Corpora: a ``fuzz``
corpus of every profile, and the recording of a session fuzzing run (several sessions
interleaved, whose answers depend on the order of their requests; a control shows that).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
from pathlib import Path

import pytest
from iscsitgt_spt.cli import _jobs, _keyed
from iscsitgt_spt.cli._keyed import Dealer, keyed_map
from iscsitgt_spt.cli._send_corpus import _weights
from iscsitgt_spt.cli._send_route import Router
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.capture.jsonl import parse_line
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
from iscsitgt_spt.codec.safejson import json_text_bound
from iscsitgt_spt.device import DeviceError
from iscsitgt_spt.device.simulator import FAULTS, SimulatedTarget
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

from tests.cli.conftest import fuzz_corpus, run_cli, run_here
from tests.cli.test_send import interrupted


def _recorded(path: Path) -> tuple[list[dict], set]:  # type: ignore[type-arg]
    """The recording's records without ``time`` and ``pid``; the pids seen."""
    records, pids = [], set()
    for line in path.read_text().splitlines():
        record = json.loads(line)
        record.pop("time", None)
        pids.add(record.pop("pid", None))
        records.append(record)
    return records, pids


def _both(tmp_path: Path, corpus: Path, device: str, *options: str,
          piped: bool = False) -> list[dict]:  # type: ignore[type-arg]
    """Runs with --jobs 1 and 2 (``piped``: the corpus on standard input): the same standard
    output, standard error, exit status and recording; the recording."""
    runs = []
    for jobs, run in (("1", run_here), ("2", run_cli)):  # (workers: a process of its own)
        capture = tmp_path / f"recorded-{len(options)}-{jobs}.jsonl"  # a new file each
        capture.unlink(missing_ok=True)
        done = run("send", "--fuzz-corpus", "-" if piped else str(corpus), "--device", device,
                   "--record", str(capture), "--jobs", jobs, *options,
                   stdin=corpus.read_bytes() if piped else b"")
        runs.append((done, *_recorded(capture)))
    (one, one_records, _), (two, two_records, two_pids) = runs
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    assert two_records == one_records and len(one_records) > 5
    assert len(two_pids) == 1  # the command's pid, also on what the workers answered
    return one_records


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_fuzz_corpus_of_every_profile_answers_as_with_one_process(tmp_path, profile) -> None:  # type: ignore[no-untyped-def]
    corpus = fuzz_corpus(tmp_path / "corpus.jsonl", profile.abi, profile.cookie, 6)
    _both(tmp_path, corpus, f"sim:abi={profile.abi},cookie={profile.cookie}", "--json")


@pytest.fixture(scope="module")
def session_corpus(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A session fuzzing run's recording: START, TMF, pass-through and STOP of several
    sessions, interleaved."""
    path = tmp_path_factory.mktemp("sessions") / "sessions.jsonl"
    made = run_here("fuzz", "--sessions", "--device", "sim:", "--steps", "200",
                   "--record", str(path))
    assert made.returncode == 0, made.stderr
    return path


def _requests(path: Path) -> list[tuple[int, bytes]]:
    return [(int(r["ioctl"], 16), bytes.fromhex(r["in"]))
            for r in map(json.loads, path.read_text().splitlines())]


def test_session_corpus_answers_as_with_one_process(tmp_path, session_corpus) -> None:  # type: ignore[no-untyped-def]
    _both(tmp_path, session_corpus, "sim:")
    _both(tmp_path, session_corpus, "sim:fault=double-stop;tmf-after-stop", "--json")


def test_lines_written_otherwise_are_routed_by_what_they_say(tmp_path, session_corpus) -> None:  # type: ignore[no-untyped-def]
    # The command routes a line by its start when written the usual way; every other spelling
    # is parsed whole.  Rewritten so that the start says something else (a decoy "in" that
    # a later key overrides; keys in another order; "in" spelled with an escape) and with
    # malformed, blank and comment lines between, the corpus still answers as with one
    # process: a line routed by the decoy would split its session (see the control below).
    lines = []
    for n, line in enumerate(session_corpus.read_text().splitlines()):
        record = json.loads(line)
        real, ioctl = record.pop("in"), record.pop("ioctl")
        forms = (
            json.dumps({"ioctl": ioctl, "in": "00"}, separators=(",", ":"))[:-1]
            + "," + json.dumps(record)[1:-1] + f',"in":"{real}"}}',
            json.dumps({**record, "in": real, "ioctl": ioctl}),
            json.dumps({"ioctl": ioctl, **record})[:-1] + f', "\\u0069n": "{real}"}}',
        )
        lines += [forms[n % 3], "", "# a comment", "{not json", '{"ioctl":"0x0004d008","in":"0"}']
    corpus = tmp_path / "rewritten.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    assert [(r.ioctl, r.data_in) for r in map(parse_line, lines[::5])] == _requests(
        session_corpus)
    _both(tmp_path, corpus, "sim:")


def test_session_corpus_needs_its_sessions_kept_together(session_corpus) -> None:  # type: ignore[no-untyped-def]
    # The control: the same requests dealt to two targets in turn (sessions split) get other
    # answers than from one target, so the test above can fail; dealt by session, the same.
    requests = _requests(session_corpus)
    one = SimulatedTarget()
    want = [one.ioctl(code, data, len(data)) for code, data in requests]
    sessions = {one.sessions_named(code, data) for code, data in requests} - {()}
    assert len(sessions) >= 3

    def dealt(by_session: bool) -> list[bytes]:
        targets = [SimulatedTarget(), SimulatedTarget()]
        answers = []
        for n, (code, data) in enumerate(requests):
            which = hash(one.sessions_named(code, data)) % 2 if by_session else n % 2
            answers.append(targets[which].ioctl(code, data, len(data)))
        return answers

    assert dealt(by_session=True) == want
    assert dealt(by_session=False) != want


def _request(name: str, profile: Profile, values: dict) -> bytes:  # type: ignore[type-arg]
    return encode(build(name, values, abi=profile.abi, cookie=profile.cookie))


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_sessions_named_are_the_cookies_the_request_carries(profile) -> None:  # type: ignore[no-untyped-def]
    target = SimulatedTarget(profile=profile)
    cookie = 0x7E57 if profile.cookie == "ptr" and profile.abi == "win32" else 0x1122334455
    for name in ("ISCSITGT_SPT_SESSION_START", "ISCSITGT_SPT_SESSION_STOP", "ISCSITGT_SPT_TMF"):
        data = _request(name, profile, {"ITNexusHandle": cookie})
        assert target.sessions_named(IOCTL_SCSI_MINIPORT, data) == (cookie,)
        assert target.sessions_named(IOCTL_SCSI_MINIPORT, data[:20]) == ()  # header cut
        assert target.sessions_named(0x70000, data) == ()  # an IOCTL the target refuses
    through = _request("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", profile, {
        "ScsiPassThroughAuxiliary": {"SessionCookie": cookie, "TaskCookie": 5}})
    assert target.sessions_named(ASSUMED_PASS_THROUGH_IOCTL, through) == (cookie,)


def test_every_request_names_at_most_one_session() -> None:
    # Routing sends a record by the one session it names: a structure naming two would
    # join two sessions' states, which --jobs would then have to keep on one worker.
    for structure in STRUCTURES.values():
        for profile in PROFILES:
            named = [c for c in get_layout(structure, profile).cookies()
                     if c.identifies == "session"]
            assert len(named) <= 1, structure.c_name


@pytest.mark.parametrize("device, why", [
    ("replay:capture.jsonl", "a device or a replay"),
    (r"\\.\Scsi2:", "a device or a replay"),
    ("sim:fault=abort-other-session", "crosses sessions"),
])
def test_jobs_refused_where_the_target_cannot_be_split(tmp_path, device, why) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("")
    (tmp_path / "capture.jsonl").write_text("")
    # A usage refusal, before any worker starts: nothing about the process (tests/_inprocess.py).
    done = run_here("send", "--fuzz-corpus", str(corpus), "--device", device, "--jobs", "2",
                    cwd=tmp_path)
    assert done.returncode == 2 and "--jobs" in done.stderr and why in done.stderr
    assert done.stderr.count("\n") == 1 and not done.stdout


def test_jobs_refused_without_a_corpus() -> None:
    done = run_here("send", "--device", "sim:", "--jobs", "2", stdin=b"{}")
    assert done.returncode == 2 and "--jobs" in done.stderr and "--fuzz-corpus" in done.stderr


class _Tally:
    """A worker's state: what it saw, in order."""

    def __init__(self, extra: int) -> None:
        self.seen: list[int] = []
        self.extra = extra

    def close(self) -> None:
        self.seen.clear()


def _take(state: _Tally, item: tuple[int, int | None]) -> tuple[int, int, list[int]]:
    state.seen.append(item[0])
    return item[0] + state.extra, len(state.seen), list(state.seen)


def _key(item: tuple[int, int | None]) -> int | None:
    return item[1]


@pytest.mark.parametrize("jobs", [1, 3])
def test_keyed_map_keeps_each_key_on_one_state_in_order(monkeypatch, jobs) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("iscsitgt_spt.cli._keyed.CHUNK_RECORDS", 4)
    items = [(n, None if n % 5 == 0 else n % 7) for n in range(60)]
    results = list(keyed_map(_Tally, _take, iter(items), _key, jobs, extra=1000))
    assert [r[0] for r in results] == [n + 1000 for n in range(60)]  # input order
    for (n, key), (_, _, seen) in zip(items, results):
        if key is not None:  # every earlier item of its key went to the same state, in order
            earlier = [m for m, k in items[:n + 1] if k == key]
            assert [m for m in seen if items[m][1] == key] == earlier


def _worker_of(state: _Tally, item: tuple[int, int | None]) -> int:
    return os.getpid()


def test_keyed_map_evens_out_uneven_keys_with_the_items_without() -> None:
    # 200 items of key 0 (all one worker's), then 200 that can go anywhere: these go to the
    # worker given the fewest so far, so each of the two workers takes 200.
    items = [(n, 0) for n in range(200)] + [(n, None) for n in range(200, 400)]
    workers = collections.Counter(keyed_map(_Tally, _worker_of, iter(items), _key, 2,
                                            extra=0))
    assert sorted(workers.values()) == [200, 200]


def test_dealer_evens_out_the_weights_given() -> None:
    # Worked by hand: key 7 (weight 2) to worker 0 (loads 2, 0); the next two keyless items
    # (weight 1) to worker 1 (2, 1), then (2, 2); the tie to the first, worker 0 (3, 2);
    # key 7 again stays on 0 (5, 2); a new key 8 (weight 2) to 1 (5, 4); a keyless one to
    # 1 (5, 5).  By item count instead, keyless items would alternate from the second on.
    keys = [7, None, None, None, 7, 8, None]
    deal = Dealer(2)
    assert deal.deal(keys, [2, 1, 1, 1, 2, 2, 1]) == [0, 1, 1, 0, 0, 1, 1]
    assert deal.load == [5, 5]
    assert Dealer(2).deal(keys) == [0, 1, 0, 1, 0, 1, 0]  # (weights 1: the control)
    # The send rounds weigh a line of a held session twice one that names none.
    assert _weights([None, 0, 5]) == [1, 2, 2]


def test_keyed_map_places_a_new_key_on_the_least_loaded_worker() -> None:
    # 200 items of key 0, then 200 keys of one item each, all even numbers: each new key goes
    # to the worker given the fewest items when it comes (not by its value: all would go to
    # one worker of two), so the two workers take 200 each.
    items = [(n, 0) for n in range(200)] + [(n, 2 * n) for n in range(200, 400)]
    workers = collections.Counter(keyed_map(_Tally, _worker_of, iter(items), _key, 2,
                                            extra=0))
    assert sorted(workers.values()) == [200, 200]


def test_a_session_is_routed_by_from_the_first_request_that_can_open_it() -> None:
    # Before a START names session A, no target holds it and what names it changes nothing
    # (UNKNOWN_SESSION, an aborted command): those lines go anywhere (key None).  From the
    # START on (even one refused: a second START of A), every line naming A goes with it, up
    # to a STOP the target takes, after which A holds nothing anywhere: lines naming it go
    # anywhere again, and its next START is dealt afresh (a new key).  B, never started,
    # goes anywhere throughout.
    profile = Profile()
    start = (IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_SESSION_START", profile,
                                           {"ITNexusHandle": _A}))
    stop = (IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_SESSION_STOP", profile,
                                          {"ITNexusHandle": _A}))
    task = (ASSUMED_PASS_THROUGH_IOCTL, _request("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
                                                 profile, {"ScsiPassThroughAuxiliary": {
                                                     "SessionCookie": _A, "TaskCookie": 5}}))
    requests = [_tmf(_A, "QUERY_TASK"), task, stop, start, start, task,
                _tmf(_A, "TARGET_COLD_RESET"), stop, _tmf(_B, "QUERY_TASK"),
                _tmf(_A, "TARGET_WARM_RESET"), _tmf(_B, "TARGET_WARM_RESET"), start, task]
    router = Router(SimulatedTarget(), json_text_bound(MAX_RECORD_SIZE))
    keys, crossings, closed = router.round(_lines(requests), 1)
    a, again = keys[3], keys[11]
    assert a is not None and again is not None and a != again
    assert keys == [None, None, None, a, a, a, a, a, None, None, None, again, again]
    # The resets of A stopped and of B never started change nothing (UNKNOWN_SESSION, a
    # session that exists nowhere): no barrier; A's while it is held is one.
    assert crossings == [6] and closed == [a]
    assert router.held == {(_A,): again}  # (the sessions held: one entry each)


def test_a_stop_the_target_refuses_keeps_its_session_where_it_is() -> None:
    # A STOP whose header the target refuses (HeaderLength wrong: BAD_HEADER) runs no
    # handler: the session stays, with its worker.  With a planted fault that reads a
    # stopped handle (a second STOP accepted, a TMF after the STOP answered), the handle
    # outlives its STOP: no STOP lets the session go.
    profile = Profile()
    start = (IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_SESSION_START", profile,
                                           {"ITNexusHandle": _A}))
    stop = _request("ISCSITGT_SPT_SESSION_STOP", profile, {"ITNexusHandle": _A})
    bad = (IOCTL_SCSI_MINIPORT, b"\x1b" + stop[1:])  # HeaderLength 27, not 28
    requests = [start, bad, _tmf(_A, "QUERY_TASK"), (IOCTL_SCSI_MINIPORT, stop),
                _tmf(_A, "QUERY_TASK")]
    keys, _, closed = Router(SimulatedTarget(), json_text_bound(MAX_RECORD_SIZE)).round(
        _lines(requests), 1)
    assert keys[:4] == [keys[0]] * 4 and keys[0] is not None and keys[4] is None
    assert closed == [keys[0]]
    for fault in ("double-stop", "tmf-after-stop"):
        keys, _, closed = Router(SimulatedTarget(faults=[fault]), json_text_bound(
            MAX_RECORD_SIZE)).round(_lines(requests), 1)
        assert keys == [keys[0]] * 5 and closed == []


def test_a_request_that_cannot_open_a_session_leaves_the_target_without_it(
        tmp_path, session_corpus) -> None:  # type: ignore[no-untyped-def]
    # What lets --jobs send such a request anywhere, on requests written by the fuzzers (the
    # session fuzzer's recording, and the structure fuzzer's every mode of every structure):
    # each request the target does not take for one that opens a session (OPENING), answered
    # by a target that holds no session, leaves it holding none, nor a stopped handle (with
    # every planted fault that splits by session too).
    corpus = tmp_path / "fuzz.jsonl"
    made = run_here("fuzz", "--all", "--mode", "all", "-n", "3", "-o", str(corpus))
    assert made.returncode == 0, made.stderr
    requests = _requests(session_corpus) + _requests(corpus)
    faults = [name for name, fault in FAULTS.items() if not fault.crosses_sessions]
    opened = 0
    for planted in ((), faults):
        target = SimulatedTarget(faults=planted)
        for code, data in requests:
            if target.opens(code, data):
                opened += 1
                continue
            with contextlib.suppress(DeviceError):
                target.ioctl(code, data, max(len(data), 64))
            assert (target.sessions, target.stopped) == ({}, set()), data.hex()
    assert opened and opened < len(requests)


def _what_came(state: _Tally, item: object) -> object:
    return item


@pytest.mark.parametrize("jobs", [1, 2])
def test_keyed_map_sends_workers_what_carry_gives(monkeypatch, jobs) -> None:  # type: ignore[no-untyped-def]
    # carry: the work gets the carried form of each item (here a plain tuple without the
    # key), with one process too; the key is still read from the item itself.
    monkeypatch.setattr("iscsitgt_spt.cli._keyed.CHUNK_RECORDS", 8)
    items = [(n, n % 3) for n in range(50)]
    got = list(keyed_map(_Tally, _what_came, iter(items), _key, jobs, extra=0,
                         carry=lambda item: ("carried", item[0])))
    assert got == [("carried", n) for n in range(50)]


def test_a_corpus_line_crosses_to_the_main_process_as_plain_tuples(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # What a worker sends back is plain tuples: no class looked up and called per line when
    # it is pickled and unpickled (per-line objects crossing processes cost the main process).
    import pickle

    from iscsitgt_spt.cli import _send_corpus as send
    from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
    from iscsitgt_spt.codec.safejson import json_text_bound

    corpus = [json.dumps({"ioctl": f"0x{code:08x}", "in": data.hex()}).encode()
              for code, data in _reset_corpus()]
    target = send._Target(("sim:", Profile(), True, os.getpid(),
                           json_text_bound(MAX_RECORD_SIZE)))
    try:
        unknown = b'{"ioctl": "0x00000001", "in": "00"}'  # an IOCTL the target refuses
        lines = [(n, line) for n, line in enumerate([*corpus, unknown, b"{broken", b"# note"],
                                                    1)]
        results = [send._answer(target, line) for line in lines]
    finally:
        target.close()
    assert {type(result) for result in results} == {tuple}
    assert all(type(result[1]) is bytes for result in results)
    # How each ended, as the summary counts it: sent and accepted (None), sent and failed
    # (label, meaning, transport), malformed (the error, naming its line), a comment (()).
    assert all(type(result[0]) in (tuple, type(None)) for result in results[:-2])
    label, _, transport = results[-3][0]
    assert "ERROR_INVALID_FUNCTION" in label and transport is False
    assert type(results[-2][0]) is str and "line 8" in results[-2][0]
    assert results[-1] == ((), b"")
    # Every recorded line is one JSON line (--record): the seven requests sent, none else.
    assert all(len(result[1].splitlines()) == (0 if n > 6 else 1)
               for n, result in enumerate(results))
    data = pickle.dumps(results, pickle.HIGHEST_PROTOCOL)
    assert b"_Answer" not in data and b"_Outcome" not in data


# A target reset (TARGET WARM RESET, TaskManagementFunction 6) named by one session drops the
# open tasks of every session (device/simulator.py's model; a target reset acts on every
# I_T nexus).  Session A = 0x1111 and B = 0x2222 fall to different workers with --jobs 2.
_A, _B = 0x1111, 0x2222


def _reset_corpus() -> list[tuple[int, bytes]]:
    profile = Profile()
    start = [_request("ISCSITGT_SPT_SESSION_START", profile, {"ITNexusHandle": s})
             for s in (_A, _B)]
    # B's pass-through with IsFinal FALSE leaves its task 5 open (the simulator's Tasks rule).
    task = _request("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", profile, {
        "ScsiPassThroughDirect": {"CdbLength": 6, "SenseInfoLength": 18},
        "ScsiPassThroughAuxiliary": {"SessionCookie": _B, "TaskCookie": 5, "IsFinal": 0}})
    query = _request("ISCSITGT_SPT_TMF", profile, {
        "ITNexusHandle": _B, "TaskManagementFunction": "QUERY_TASK", "ReferenceTaskCookie": 5})
    reset = _request("ISCSITGT_SPT_TMF", profile, {
        "ITNexusHandle": _A, "TaskManagementFunction": "TARGET_WARM_RESET"})
    return [(IOCTL_SCSI_MINIPORT, start[0]), (IOCTL_SCSI_MINIPORT, start[1]),
            (ASSUMED_PASS_THROUGH_IOCTL, task), (IOCTL_SCSI_MINIPORT, query),
            (IOCTL_SCSI_MINIPORT, reset), (IOCTL_SCSI_MINIPORT, query)]


def _responses(path: Path) -> list[int]:
    """The TMF answers' Response values, from the recording (decoded by the command)."""
    decoded = run_here("decode", "--json", str(path))
    assert decoded.returncode == 0, decoded.stderr
    answers = [json.loads(line)["output"]["document"] for line in decoded.stdout.splitlines()]
    return [a["value"]["Response"] for a in answers if a["name"] == "ISCSITGT_SPT_TMF"]


def _lines(requests: list[tuple[int, bytes]]) -> list[bytes]:
    return [json.dumps({"ioctl": f"0x{c:08x}", "in": d.hex()}).encode() for c, d in requests]


def _dealt(requests: list[tuple[int, bytes]]) -> list[int]:
    """The worker each request goes to with --jobs 2 (the command's routing and dealing)."""
    keys, _, _ = Router(SimulatedTarget(), json_text_bound(MAX_RECORD_SIZE)).round(
        _lines(requests), 1)
    return Dealer(2).deal(keys, _weights(keys))  # (as the command deals them)


def _write(path: Path, requests: list[tuple[int, bytes]]) -> Path:
    path.write_text("".join(json.dumps({"ioctl": f"0x{c:08x}", "in": d.hex()}) + "\n"
                            for c, d in requests))
    return path


def _tmf(session: int, function: str, **values: int) -> tuple[int, bytes]:
    return IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_TMF", Profile(), {
        "ITNexusHandle": session, "TaskManagementFunction": function, **values})


@pytest.mark.parametrize("function, piped", [("TARGET_WARM_RESET", False),
                                              ("TARGET_COLD_RESET", True)],
                         ids=["warm-file", "cold-pipe"])
def test_a_target_reset_is_followed_by_every_worker(tmp_path, piped, function) -> None:  # type: ignore[no-untyped-def]
    requests = _reset_corpus()
    requests[4] = _tmf(_A, function)
    workers = _dealt(requests)
    assert workers[0] != workers[1]  # (A and B on two workers)
    corpus = _write(tmp_path / "reset.jsonl", requests)
    capture = tmp_path / "two.jsonl"
    done = run_cli("send", "--fuzz-corpus", "-" if piped else str(corpus), "--device", "sim:",
                   "--record", str(capture), "--jobs", "2",
                   stdin=corpus.read_bytes() if piped else b"")
    assert (done.returncode, done.stderr) == (0, "")
    # Task 5 open before the reset (QUERY TASK: FUNCTION SUCCEEDED, 7 in RFC 7144 4.3), gone
    # after it (FUNCTION COMPLETE, 0 in RFC 7143 11.6.1); the reset itself: FUNCTION COMPLETE.
    assert _responses(capture) == [7, 0, 0]
    _both(tmp_path, corpus, "sim:", piped=piped)


def test_a_reset_that_fails_changes_no_other_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A reset named by a session no START made is refused (UNKNOWN_SESSION, the Response left
    # as sent: 0), so task 5 of B stays open: QUERY TASK answers FUNCTION SUCCEEDED (7) after
    # it too.  C falls on the other worker than B, so B's worker follows a reset it must not do.
    other = 0x3331
    requests = _reset_corpus()
    requests[4] = _tmf(other, "TARGET_COLD_RESET")
    workers = _dealt(requests)
    assert workers[4] != workers[1]  # (the reset not on B's worker)
    corpus = _write(tmp_path / "refused.jsonl", requests)
    _both(tmp_path, corpus, "sim:", "--json")
    capture = tmp_path / "recorded-1-2.jsonl"
    assert _responses(capture) == [7, 0, 7]


def test_resets_between_every_kind_of_item_answer_as_with_one_process(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Resets of started and unknown sessions, warm and cold, several in a round, one first in a
    # round, with tasks opened and queried in sessions of both workers between them.
    profile = Profile()
    sessions = [0x1111, 0x2222, 0x3333, 0x4444]
    requests = [(IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_SESSION_START", profile,
                                               {"ITNexusHandle": s})) for s in sessions]
    for n in range(60):
        session = sessions[n % 4]
        requests.append((ASSUMED_PASS_THROUGH_IOCTL, _request(
            "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", profile, {
                "ScsiPassThroughDirect": {"CdbLength": 6, "SenseInfoLength": 18},
                "ScsiPassThroughAuxiliary": {"SessionCookie": session, "TaskCookie": n,
                                             "IsFinal": 0}})))
        requests.append(_tmf(sessions[(n + 1) % 4], "QUERY_TASK_SET"))
        if n % 7 in (0, 1):
            requests.append(_tmf(sessions[n % 4] + (n % 3 == 0), ("TARGET_WARM_RESET",
                                                                   "TARGET_COLD_RESET")[n % 2]))
    corpus = _write(tmp_path / "resets.jsonl", requests)
    _both(tmp_path, corpus, "sim:", "--json")
    # Both answers of QUERY TASK SET came (RFC 7144 4.3: 7 a task open, 0 none): the corpus
    # tells a reset that happened from one that did not.
    assert set(_responses(tmp_path / "recorded-1-2.jsonl")) >= {0, 7}


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_session_runs_of_other_seeds_answer_as_with_one_process(tmp_path, seed) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "sessions.jsonl"
    made = run_here("fuzz", "--sessions", "--device", "sim:", "--steps", "400", "--seed", seed,
                    "--record", str(corpus))
    assert made.returncode == 0, made.stderr
    target = SimulatedTarget()
    assert any(target.crosses_sessions(*request) for request in _requests(corpus))
    _both(tmp_path, corpus, "sim:", "--json", piped=seed == "2")


def test_follow_does_what_the_reset_did_to_another_targets_sessions() -> None:
    # Sessions A and B on two targets; A's reset answered on the first, followed on the second:
    # B's task 5 is gone there (QUERY TASK: FUNCTION COMPLETE, 0, RFC 7144 4.3), as on one
    # target.  The Response is read where the TMF's definition puts it.
    requests = _reset_corpus()
    first, second = SimulatedTarget(), SimulatedTarget()
    first.ioctl(*requests[0], len(requests[0][1]))
    for code, data in (requests[1], requests[2]):
        second.ioctl(code, data, len(data))
    query = requests[3]
    response = get_layout("ISCSITGT_SPT_TMF").member("Response").offset
    assert second.ioctl(*query, len(query[1]))[response] == 7
    assert (first.follow_changes(*requests[4]), second.follow_changes(*requests[4])) == (
        False, True)  # (task 5 is open on the second only)
    assert first.crossed == 0
    first.ioctl(*requests[4], len(requests[4][1]))
    assert (first.crossed, second.crossed) == (1, 0)
    second.follow(*requests[4])
    assert second.crossed == 0 and not second.follow_changes(*requests[4])
    assert second.ioctl(*query, len(query[1]))[response] == 0
    with pytest.raises(ValueError, match="crosses sessions"):
        second.follow(*query)


# keyed_map's barriers, on a model whose rules are written here: a state holds, per key, the
# items seen since the last reset; a reset item (the barrier) clears every key's items when
# its own key has any (it "happened"), which the workers not holding that key then follow.
def _seen(state: dict, item: tuple[int, int | None, bool]) -> tuple[int, tuple[int, ...]]:  # type: ignore[type-arg]
    n, key, _ = item
    state.setdefault(key, []).append(n)
    return n, tuple(state[key])


def _reset(state: dict, item: tuple[int, int | None, bool]) -> tuple[tuple[int, bool], bool]:  # type: ignore[type-arg]
    happened = bool(state.get(item[1]))
    if happened:
        state.clear()
    if item[0] == 666:
        raise ValueError("a barrier's answer that fails")
    return (item[0], happened), happened


def _follow_reset(state: dict, happened: bool) -> None:  # type: ignore[type-arg]
    if happened:
        state.clear()


def _is_reset(item: tuple[int, int | None, bool]) -> bool:
    return item[2]


def _new_state(extra: object) -> dict:  # type: ignore[type-arg]
    return {}


def _by_key(item: tuple[int, int | None, bool]) -> int | None:
    return item[1]


def _nothing_to_clear(state: dict, item: tuple[int, int | None, bool]) -> bool:  # type: ignore[type-arg]
    return not state


_RESETS = _keyed.Barrier(_is_reset, _reset, _follow_reset)
# The same, a worker with nothing to clear going on without waiting for the news.
_RESETS_MOOT = _keyed.Barrier(_is_reset, _reset, _follow_reset, _nothing_to_clear)


def _one_state(items: list[tuple[int, int | None, bool]]) -> list[object]:
    """What one state answering every item in order gives (the rules above, inline)."""
    state: dict[int | None, list[int]] = {}
    out: list[object] = []
    for n, key, reset in items:
        if reset:
            happened = bool(state.get(key))
            if happened:
                state.clear()
            out.append((n, happened))
        else:
            state.setdefault(key, []).append(n)
            out.append((n, tuple(state[key])))
    return out


@pytest.mark.parametrize("barrier", [_RESETS, _RESETS_MOOT], ids=["wait", "moot"])
@pytest.mark.parametrize("jobs", [2, 3])
def test_keyed_map_barriers_give_what_one_state_gives(monkeypatch, jobs, barrier) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("iscsitgt_spt.cli._keyed.CHUNK_RECORDS", 5)
    # Resets: first and last of a round, two in a row, of a key with and without items, of
    # no key; keys that fall on every worker.
    items = [(n, None if n % 11 == 0 else n % 5, n % 5 == 0 or n % 13 in (3, 4))
             for n in range(300)]
    want = _one_state(items)
    assert {happened for (_, happened), (_, _, reset) in zip(want, items) if reset} == {
        True, False}
    got = list(keyed_map(_new_state, _seen, iter(items), _by_key, jobs, barrier=barrier))
    assert got == want


def test_keyed_map_barrier_that_fails_is_one_error_not_a_hang(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("iscsitgt_spt.cli._keyed.CHUNK_RECORDS", 7)
    items = [(n, n % 4, n in (30, 666)) for n in range(1000)]
    with pytest.raises(ValueError, match="a barrier's answer that fails"):
        for _ in keyed_map(_new_state, _seen, iter(items), _by_key, 2, barrier=_RESETS):
            pass


def _dies_at_reset(state: dict, item: tuple[int, int | None, bool]) -> tuple[object, bool]:  # type: ignore[type-arg]
    os._exit(3)  # the owner of a barrier killed: the others wait for its news in vain


def test_keyed_map_barrier_owner_lost_is_worker_lost() -> None:
    items = [(n, n % 4, n == 40) for n in range(2000)]
    with pytest.raises(_jobs.WorkerLost):
        for _ in keyed_map(_new_state, _seen, iter(items), _by_key, 2,
                           barrier=_keyed.Barrier(_is_reset, _dies_at_reset, _follow_reset)):
            pass


def test_ctrl_c_with_workers_between_resets_is_one_line_and_130(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Workers waiting at barriers (a reset every third line) when Ctrl-C comes: exit 130, the
    # summary so far, one line on stderr, the recording whole lines in input order.
    requests = _reset_corpus()
    corpus = _write(tmp_path / "slow.jsonl", requests[:2] + requests[2:5] * 3000)
    capture = tmp_path / "rec.jsonl"
    returncode, stdout, stderr = interrupted(
        ["send", "--fuzz-corpus", str(corpus), "--device", "sim:delay=0.002", "--record",
         str(capture), "--jobs", "2"], capture, 20)
    assert (returncode, stderr) == (130, "iscsitgt-spt send: interrupted\n")
    assert stdout.startswith("sent ") and stdout.splitlines()[0].endswith(" (interrupted)")
    sent = int(stdout.split()[1].rstrip(","))
    recorded = capture.read_text().split("\n")
    assert recorded[-1] == ""  # whole lines
    wanted = [d.hex() for _, d in requests[:2] + requests[2:5] * 3000]
    # Every line is a request of the corpus, in its order, once: an interrupt landing in a
    # write after its system call wrote the line must not leave the line to be written again
    # at close (it did, when the output layer's raw write was Python code: cli/_output.py).
    assert [json.loads(line)["in"] for line in recorded[:-1]] == wanted[:len(recorded) - 1]
    # The interrupt may land between a record's line and the count: at most one apart.
    assert 20 <= sent <= len(recorded) - 1 <= sent + 1 < len(wanted)


# Sessions started, stopped and started again: after a STOP the target takes, a session is
# dealt afresh at its next START (cli/_send_route.py), so it may come back on another worker.
_C, _D = 0x3333, 0x4444


def _restarts(profile: Profile) -> list[tuple[int, bytes]]:
    """A stays busy on one worker while B and C come and go; A is stopped and started again
    (on the other worker, by then the less loaded) with tasks open and resets between; B's
    STOP comes once cut short (a line that does not parse: B stays) and once refused
    (HeaderLength wrong: B stays), then whole; D is never started; STOPs come twice."""
    def start(s: int) -> tuple[int, bytes]:
        return IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_SESSION_START", profile,
                                             {"ITNexusHandle": s})

    def stop(s: int) -> tuple[int, bytes]:
        return IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_SESSION_STOP", profile,
                                             {"ITNexusHandle": s})

    def task(s: int, n: int, final: int = 0) -> tuple[int, bytes]:
        return ASSUMED_PASS_THROUGH_IOCTL, _request(
            "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", profile, {
                "ScsiPassThroughDirect": {"CdbLength": 6, "SenseInfoLength": 18},
                "ScsiPassThroughAuxiliary": {"SessionCookie": s, "TaskCookie": n,
                                             "IsFinal": final}})

    def tmf(s: int, function: str, ref: int = 0) -> tuple[int, bytes]:
        return IOCTL_SCSI_MINIPORT, _request("ISCSITGT_SPT_TMF", profile, {
            "ITNexusHandle": s, "TaskManagementFunction": function,
            "ReferenceTaskCookie": ref})

    code, refused = stop(_B)
    requests = [start(_A), start(_B), *[task(_A, n) for n in range(8)], start(_C)]
    for n in range(3):
        requests += [task(_B, 20 + n), task(_C, 30 + n), tmf(_A, "QUERY_TASK", n),
                     stop(_A), stop(_A), tmf(_A, "QUERY_TASK_SET"), task(_A, 40 + n),
                     start(_A), task(_A, 50 + n), tmf(_B, "QUERY_TASK", 20 + n),
                     tmf(_C, "TARGET_WARM_RESET"), tmf(_A, "QUERY_TASK", 50 + n),
                     tmf(_D, "QUERY_TASK"), task(_D, 9), (code, b"\x1b" + refused[1:]),
                     start(_B), tmf(_B, "QUERY_TASK_SET"), stop(_C), start(_C),
                     task(_C, 60 + n), tmf(_A, "ABORT_TASK", 50 + n)]
    return [*requests, stop(_B), stop(_B), start(_B), tmf(_B, "QUERY_TASK_SET"), task(_B, 1)]


@pytest.mark.parametrize("profile", [Profile(), Profile.of("win32", "ptr")], ids=str)
def test_sessions_started_again_answer_as_with_one_process(tmp_path, profile) -> None:  # type: ignore[no-untyped-def]
    requests = _restarts(profile)
    lines = _lines(requests)
    cut = lines.index(_lines([(IOCTL_SCSI_MINIPORT, _request(
        "ISCSITGT_SPT_SESSION_STOP", profile, {"ITNexusHandle": _B}))])[0])
    lines.insert(cut, lines[cut][:-30])  # (B's STOP cut short: not sent)
    corpus = tmp_path / "restarts.jsonl"
    corpus.write_bytes(b"\n".join(lines) + b"\n")
    device = f"sim:abi={profile.abi},cookie={profile.cookie}"
    # A comes back on the other worker than the one it started on: the corpus tests that.
    keys, _, closed = Router(SimulatedTarget(profile=profile), json_text_bound(
        MAX_RECORD_SIZE)).round(lines, 1)
    workers = Dealer(2).deal(keys, _weights(keys))  # (as the command deals)
    target = SimulatedTarget(profile=profile)
    names_a = [line.endswith(b"}") and target.sessions_named(
        (record := parse_line(line)).ioctl, record.data_in) == (_A,) for line in lines]
    assert closed and len({w for w, k, a in zip(workers, keys, names_a) if a and k}) == 2
    _both(tmp_path, corpus, device, "--json")
    _both(tmp_path, corpus, device + ",fault=double-stop;tmf-after-stop", "--json")
    _both(tmp_path, corpus, device + ",fault=reinstate-keeps-tasks")


def _echo(state: list, item: tuple[int, bytes]) -> tuple[tuple[int, int], bytes]:  # type: ignore[type-arg]
    state.append(item[0])
    number, data = item
    return (number, len(state)), data * (1 + number % 3)


def _list(extra: object) -> list:  # type: ignore[type-arg]
    return []


@pytest.mark.parametrize("slot", [1 << 22, 100], ids=["fits", "pickled"])
def test_keyed_rounds_carries_bytes_and_texts_through_shared_memory(monkeypatch, slot) -> None:  # type: ignore[no-untyped-def]
    # The items' bytes go to the workers in a slot (or pickled, when a round's do not fit),
    # the texts come back in a slot (or as bytes, a share's too many for one: here 300 kB
    # texts): values and texts as one process gives them, in input order.
    monkeypatch.setattr("iscsitgt_spt.cli._slots.SLOT_BYTES", slot)
    monkeypatch.setattr("iscsitgt_spt.cli._keyed.CHUNK_RECORDS", 8)
    sizes = [10, 300_000, 0, 7, 1, 200_000, 3] * 6
    data = [bytes([n % 251]) * size for n, size in enumerate(sizes)]
    rounds = [_keyed.Round([n % 3 or None for n in range(start, start + 8)],
                          list(range(start, start + 8)), [], [], data[start:start + 8])
              for start in range(0, len(data) - 8, 8)]
    got_values, got_texts = [], []
    for values, texts in _keyed.keyed_rounds(_list, _echo, rounds, 2, texts=True):
        got_values += values
        got_texts += [bytes(text) for text in texts]
    want = [_echo([], (n, data[n])) for n in range(len(rounds) * 8)]
    assert [text for _, text in want] == got_texts
    assert [number for (number, _), _ in want] == [number for number, _ in got_values]
