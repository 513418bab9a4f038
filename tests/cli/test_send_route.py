"""``send --fuzz-corpus --jobs N``'s routing read off a line (``Router``,
``request_head``) against the general path: every line parsed whole (``parse_line``, the
worker's own reading) and routed from the whole input (``SimulatedTarget.routing``), with
the rule of :mod:`iscsitgt_spt.cli._send_route` written out again here.

Lines: fuzz corpora of every profile, a session fuzzing run's recording (with ``out``), the
shipped captures of other tools (none of them a record: all go anywhere), and those lines
mutated (Hypothesis): white space, upper-case digits, escapes, keys again, cut, bytes changed.
"""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path

import pytest
from _examples import examples
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from iscsitgt_spt.cli._send_route import Router
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.capture.jsonl import parse_line, request_head
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
from iscsitgt_spt.codec.safejson import json_text_bound
from iscsitgt_spt.device.simulator import FAULTS, SimulatedTarget
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import PROFILES, Profile

from tests.cli.conftest import fuzz_corpus, run_here

_BOUND = json_text_bound(MAX_RECORD_SIZE)
_CAPTURES = Path(__file__).resolve().parents[1] / "vectors" / "captures"


def _reference(target: SimulatedTarget, lines: list[bytes]) -> tuple[list, list, list]:  # type: ignore[type-arg]
    """What the router must give: each line parsed whole, routed by its whole input; a
    session keyed from a request that opens it to one that closes it (a new key each time),
    a line naming no held session anywhere (None); a request that may cross sessions a
    barrier when it names a held session (one not held exists nowhere: nothing to cross)."""
    held: dict[tuple[int, ...], int] = {}
    fresh = count()
    keys, crossings, closed = [], [], []
    for index, line in enumerate(lines):
        try:
            record = parse_line(line, index + 1, max_record_bytes=_BOUND)
        except SptError:
            record = None
        if record is None:
            keys.append(None)
            continue
        named, crossing, opening, closing = target.routing(record.ioctl, record.data_in)
        key = held.get(named) if named else None
        if key is None and opening and named:
            key = held[named] = next(fresh)
        elif key is not None and closing:
            closed.append(held.pop(named))
        keys.append(key)
        if crossing and key is not None:  # (a reset named by a session that exists nowhere)
            crossings.append(index)
    return keys, crossings, closed


_DEFAULT = Profile()


def _check(lines: list[bytes], faults: tuple[str, ...] = (),
           profile: Profile = _DEFAULT, exact: bool = True) -> None:
    """The router's keys, barriers and closed keys are the reference's (``exact``); for
    lines that may not parse, what answering them as one target does needs: the lines the
    reference keys together (a session's, from its opening to its closing) keyed together
    by the router, and every reference barrier a barrier.  (A line that does not parse
    sends nothing: the router may read it as it reads a line that does, and key it, or make
    it a barrier, but must not let a session go for it.)"""
    want = _reference(SimulatedTarget(profile=profile, faults=faults), lines)
    got = Router(SimulatedTarget(profile=profile, faults=faults), _BOUND).round(lines, 1)
    if exact:
        assert got == want
        return
    keys, crossings, _ = got
    for key in set(want[0]) - {None}:
        together = {keys[index] for index, want_key in enumerate(want[0]) if want_key == key}
        assert len(together) == 1 and None not in together, key
    assert set(want[1]) <= set(crossings)


@pytest.fixture(scope="module")
def corpus_lines(tmp_path_factory) -> list[bytes]:  # type: ignore[no-untyped-def]
    """A session run's recording and a fuzz corpus: the lines the mutations start from."""
    folder = tmp_path_factory.mktemp("route")
    sessions, fuzz = folder / "sessions.jsonl", folder / "fuzz.jsonl"
    for made in (run_here("fuzz", "--sessions", "--device", "sim:", "--steps", "300",
                          "--record", str(sessions)),
                 run_here("fuzz", "--all", "--mode", "all", "-n", "4", "-o", str(fuzz))):
        assert made.returncode == 0, made.stderr
    return sessions.read_bytes().splitlines(True) + fuzz.read_bytes().splitlines(True)


def test_corpus_lines_route_as_parsed_whole(corpus_lines) -> None:  # type: ignore[no-untyped-def]
    assert sum(request_head(line, 81) is not None for line in corpus_lines) == len(corpus_lines)
    _check(corpus_lines)
    planted = tuple(name for name, fault in FAULTS.items() if not fault.crosses_sessions)
    _check(corpus_lines, planted)


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_fuzz_corpora_of_every_profile_route_as_parsed_whole(tmp_path, profile) -> None:  # type: ignore[no-untyped-def]
    corpus = fuzz_corpus(tmp_path / "corpus.jsonl", profile.abi, profile.cookie, 5)
    _check(corpus.read_bytes().splitlines(True), profile=profile)


def test_other_tools_captures_route_as_parsed_whole() -> None:
    lines = [line for path in sorted(_CAPTURES.iterdir()) if path.is_file()
             for line in path.read_bytes().splitlines(True)]
    assert len(lines) > 100
    _check(lines)


def _mutate(line: bytes, how: int, at: int, byte: int) -> bytes:
    """One way a line can be written otherwise, at a place ``at`` of it."""
    start = line.find(b'"in":"') + 6
    place = start + at % max(1, len(line) - start)
    if how == 0:  # white space between the digits (fromhex skips it: places shift), near
        # the start, where the members routing reads are
        place = start + at % 100 // 2 * 2
        return line[:place] + b" \t"[byte % 2:byte % 2 + 1] * (byte % 9) + line[place:]
    if how == 1:  # upper-case digits
        return line[:place] + line[place:].upper()
    if how == 2:  # a key again, later (it overrides): the same key, or "in" escaped
        again = (b',"in":"00"', b',"\\u0069n":"00"', b',"ioctl":"0x00000001"')[byte % 3]
        return line.rstrip(b"\r\n").removesuffix(b"}") + again + b"}\n"
    if how == 3:  # cut short
        return line[:place]
    if how == 4:  # a byte changed
        return line[:place] + bytes([byte]) + line[place + 1:]
    # the input's hex doubled or halved in length (a request longer or shorter than its own)
    end = line.find(b'"', start)
    digits = line[start:end]
    return line[:start] + (digits * 2 if byte % 2 else digits[:len(digits) // 4 * 2]
                           ) + line[end:]


@examples(60, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 5), st.integers(0, 10_000),
                          st.integers(0, 255)), min_size=1, max_size=12))
def test_mutated_lines_route_as_parsed_whole(corpus_lines, changes) -> None:  # type: ignore[no-untyped-def]
    lines = list(corpus_lines[:120])  # (sessions opened, then lines of them changed)
    for which, how, at, byte in changes:
        index = which % len(lines)
        lines[index] = _mutate(lines[index], how, at, byte)
    _check(lines, exact=False)


def _request(name: str, profile: Profile, values: dict) -> bytes:  # type: ignore[type-arg]
    return encode(build(name, values, abi=profile.abi, cookie=profile.cookie))


@pytest.mark.parametrize("profile", PROFILES, ids=str)
@examples(30, deadline=None)
@given(data=st.data())
def test_a_longer_request_routes_as_its_first_reach_prefix_bytes(profile, data) -> None:  # type: ignore[no-untyped-def]
    # What lets the router decode only the start of a line's input.
    faults = data.draw(st.sampled_from([(), ("double-stop",), ("reinstate-keeps-tasks",)]))
    target = SimulatedTarget(profile=profile, faults=faults)
    cookie = data.draw(st.integers(0, 0xFFFF_FFFF))
    name, code = data.draw(st.sampled_from([
        ("ISCSITGT_SPT_SESSION_START", IOCTL_SCSI_MINIPORT),
        ("ISCSITGT_SPT_SESSION_STOP", IOCTL_SCSI_MINIPORT),
        ("ISCSITGT_SPT_TMF", IOCTL_SCSI_MINIPORT),
        ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", ASSUMED_PASS_THROUGH_IOCTL)]))
    values = ({"ScsiPassThroughAuxiliary": {"SessionCookie": cookie}}
              if code == ASSUMED_PASS_THROUGH_IOCTL else {"ITNexusHandle": cookie})
    if name == "ISCSITGT_SPT_TMF":
        values["TaskManagementFunction"] = data.draw(st.integers(0, 255))
    request = _request(name, profile, values)
    data_in = request + data.draw(st.binary(max_size=64))
    data_in = data_in if data.draw(st.booleans()) else data.draw(st.binary(max_size=200))
    prefix = target.reach_prefix
    if len(data_in) > prefix:
        assert target.routing(code, data_in) == target.routing(code, data_in[:prefix])
    # and the shorter request: read whole, as it is
    short = data_in[:data.draw(st.integers(0, prefix))]
    line = json.dumps({"ioctl": f"0x{code:08x}", "in": short.hex()},
                      separators=(",", ":")).encode()
    assert request_head(line, prefix) == (code, short)


@pytest.mark.parametrize("how", range(6))
def test_each_line_mutated_alone_routes_as_parsed_whole(corpus_lines, how) -> None:  # type: ignore[no-untyped-def]
    # Every line of a session run's start changed one way at a time, at a few places: a
    # mutation that matters only on some line (a pass-through of a session held) is met.
    lines = list(corpus_lines[:90])
    for index in range(len(lines)):
        for at, byte in ((10, 8), (151, 255)):
            changed = list(lines)
            changed[index] = _mutate(lines[index], how, at, byte)
            _check(changed, exact=False)


@pytest.mark.parametrize("kept", [3, 4096])
def test_routings_kept_from_round_to_round_route_as_parsed_whole(corpus_lines, monkeypatch,
                                                                  kept) -> None:  # type: ignore[no-untyped-def]
    # The router keeps what the target's routing said of each request's IOCTL and first
    # bytes, across rounds, and forgets it all past a bound (3: every few lines): the lines
    # routed a round of 7 at a time, again and again, still get the reference's keys.
    from iscsitgt_spt.cli import _send_route

    monkeypatch.setattr(_send_route, "_ROUTED_KEPT", kept)
    lines = corpus_lines * 2  # (each request met again, after its session was closed)
    for faults in ((), ("double-stop",)):
        want = _reference(SimulatedTarget(faults=faults), lines)
        router = Router(SimulatedTarget(faults=faults), _BOUND)
        keys: list[int | None] = []
        crossings: list[int] = []
        closed: list[int] = []
        for first in range(0, len(lines), 7):
            got = router.round(lines[first:first + 7], first + 1)
            keys += got[0]
            crossings += [first + index for index in got[1]]
            closed += got[2]
        assert (keys, crossings, closed) == want
        assert len(router.routed) <= kept


@examples(40, deadline=None)
@given(code=st.integers(0, 0xFFFF_FFFF), data=st.binary(max_size=120),
       profile=st.sampled_from(PROFILES))
def test_a_request_of_another_ioctl_touches_nothing(code, data, profile) -> None:  # type: ignore[no-untyped-def]
    # What lets the router skip the routing of a line whose IOCTL no request the target
    # takes has: such a request names no session, opens, closes and crosses none.
    target = SimulatedTarget(profile=profile)
    if code not in target.routed_ioctls:
        assert target.routing(code, data) == ((), False, False, False)
    for known in target.routed_ioctls:  # (and each of those does route some request)
        name = ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY" if known == ASSUMED_PASS_THROUGH_IOCTL
                else "ISCSITGT_SPT_SESSION_STOP")
        values = ({"ScsiPassThroughAuxiliary": {"SessionCookie": 7}}
                  if known == ASSUMED_PASS_THROUGH_IOCTL else {"ITNexusHandle": 7})
        assert target.routing(known, _request(name, profile, values))[0] == (7,)
