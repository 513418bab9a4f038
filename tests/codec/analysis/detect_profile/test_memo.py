"""detect_profile's memo: a cached guess is always the guess the bytes would get afresh."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.analysis.detect_profile import detect_profile, weigh_evidence
from iscsitgt_spt.codec.fuzzing.corpus import MODES, generate
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH_DIRECT
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

REQUESTS = [
    ("ISCSITGT_SPT_TMF", IOCTL_SCSI_MINIPORT),
    ("ISCSITGT_SPT_SESSION_STOP", IOCTL_SCSI_MINIPORT),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", IOCTL_SCSI_PASS_THROUGH_DIRECT),
]


@pytest.mark.parametrize(("name", "ioctl"), REQUESTS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_memoised_guess_equals_a_fresh_one(name: str, ioctl: int, data: st.DataObject) -> None:
    profile = data.draw(st.sampled_from(PROFILES))
    base = bytearray(encode(build(name, profile=profile)))
    # Runs of byte changes anywhere (self-describing members, the header, padding, values),
    # sometimes a cut or an extension: whatever the memo keys on must cover every byte the
    # guess depends on, so each guess must equal weigh_evidence on the same bytes.
    for _ in range(data.draw(st.integers(1, 4))):
        changes = data.draw(st.lists(st.tuples(st.integers(0, len(base) - 1),
                                               st.integers(0, 255)), max_size=6))
        raw = bytearray(base)
        for at, byte in changes:
            raw[at] = byte
        cut = data.draw(st.sampled_from([len(raw), len(raw) - 4, len(raw) + 8, 30]))
        raw = bytes(raw[:cut]) + bytes(max(0, cut - len(raw)))
        use_ioctl = data.draw(st.sampled_from([ioctl, None]))
        assert detect_profile(raw, ioctl=use_ioctl) == weigh_evidence(raw, ioctl=use_ioctl)


@pytest.mark.parametrize(("name", "ioctl"), REQUESTS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_memoised_guess_equals_a_fresh_one_when_the_profile_is_stated(
    name: str, ioctl: int, data: st.DataObject
) -> None:
    # The same with the candidates restricted (as --abi/--cookie or a record's own abi and
    # cookie do), and bytes that vary per request (a pass-through's DataBuffer) written
    # where another profile keeps a self-describing member: a guess that rests on which
    # profiles the members match, and on their values when none considered matches.
    profile = data.draw(st.sampled_from(PROFILES))
    base = bytearray(encode(build(name, profile=profile)))
    stated = _stated(data)
    for _ in range(data.draw(st.integers(1, 6))):
        raw = bytearray(base)
        for at, byte in data.draw(st.lists(st.tuples(st.integers(0, len(base) - 1),
                                                     st.integers(0, 255)), max_size=8)):
            raw[at] = byte
        cut = data.draw(st.sampled_from([len(raw), len(raw), len(raw) - 2, len(raw) + 4]))
        raw = bytes(raw[:cut]) + bytes(max(0, cut - len(raw)))
        kwargs = {"ioctl": data.draw(st.sampled_from([ioctl, None])), **stated}
        assert detect_profile(raw, **kwargs) == weigh_evidence(raw, **kwargs)


def _stated(data: st.DataObject) -> dict[str, str | None]:
    """What a caller or a record states (``--abi``/``--cookie``, a record's own), drawn."""
    return {"abi": data.draw(st.sampled_from([None, "win64", "win32"])),
            "cookie": data.draw(st.sampled_from([None, "u64", "ptr"])),
            "stated_by": data.draw(st.sampled_from([None, "the capture record"]))}


def test_a_pass_through_request_varying_per_io_is_weighed_once() -> None:
    # Not vacuous: requests differing only in DataTransferLength and DataBuffer (the bytes a
    # win32 layout reads SenseInfoOffset and the auxiliary Size from) share one guess.
    from iscsitgt_spt.codec.analysis import detect_profile as module

    name, ioctl = REQUESTS[2]
    guesses = set()
    for i in range(40):
        value = build(name, {"ScsiPassThroughDirect": {
            "DataTransferLength": 512 * (1 + i), "DataBuffer": 0x1D4F2A10000 + 0x1000 * i}})
        guesses.add(id(detect_profile(encode(value), ioctl=ioctl)))
    assert len(guesses) == 1, module.__name__


def test_guesses_showing_a_value_read_per_record_stay_few() -> None:
    # A fuzz corpus's mutated members: an SRB_IO_CONTROL.Length that no profile considered
    # expects shows its value in the evidence, so each such buffer has a guess of its own.
    # They are kept in a small memo apart (memory stays flat over millions of records), and
    # the guess for the shape's matching buffers is still weighed once.
    module = importlib.import_module("iscsitgt_spt.codec.analysis._detect_profile.memo")
    module._clear_memo()
    name, ioctl = REQUESTS[0]
    base = bytearray(encode(build(name)))
    for value in range(3 * module._VALUED_BOUND):
        raw = bytearray(base)
        # The TMF's Header (SRB_IO_CONTROL) is at 0; its Length, the sixth ULONG after
        # HeaderLength, Signature[8], Timeout, ControlCode, ReturnCode, at bytes 24..27.
        raw[24:28] = (100_000 + value).to_bytes(4, "little")
        guess = detect_profile(bytes(raw), ioctl=ioctl, abi="win64", cookie="u64",
                               stated_by="the capture record")
        assert f"= {100_000 + value}" in " ".join(guess.evidence)
        assert guess == weigh_evidence(bytes(raw), ioctl=ioctl, abi="win64", cookie="u64",
                                       stated_by="the capture record")
        assert len(module._VALUED) <= module._VALUED_BOUND
    first = detect_profile(bytes(base), ioctl=ioctl, abi="win64", cookie="u64")
    assert detect_profile(bytes(base), ioctl=ioctl, abi="win64", cookie="u64") is first
    assert module._STORED[0] <= 2  # the shape's guess, by its spots and by its votes



def test_guesses_showing_values_in_one_pattern_are_weighed_once(monkeypatch) -> None:
    # Not vacuous: buffers whose members match the same profiles (here: the TMF's Length
    # matching none) take the first one's guess with their own value's line; the bytes are
    # weighed once (the guesses themselves are held to weigh_evidence's above and below).
    module = importlib.import_module("iscsitgt_spt.codec.analysis._detect_profile.memo")
    module._clear_memo()
    weighed = []
    monkeypatch.setattr(module, "weigh_evidence",
                        lambda *a, **k: weighed.append(1) or weigh_evidence(*a, **k))
    name, ioctl = REQUESTS[0]
    base = bytearray(encode(build(name)))
    for value in range(40):
        raw = bytearray(base)
        raw[24:28] = (100_000 + value).to_bytes(4, "little")  # (Length: see above)
        guess = detect_profile(bytes(raw), ioctl=ioctl, abi="win64", cookie="u64")
        assert f"= {100_000 + value}" in " ".join(guess.evidence)
    assert len(weighed) == 1


def _member_spans(name: str) -> list[int]:
    """Every byte a self-describing member of ``name`` has under any profile."""
    module = importlib.import_module("iscsitgt_spt.codec.analysis._detect_profile.evidence")
    spans = set()
    for path in module._varying_members(name, PROFILES):
        for p in PROFILES:
            member = get_layout(name, p).member(path)
            spans.update(range(member.offset, member.end))
    return sorted(spans)


@pytest.mark.parametrize(("name", "ioctl"), REQUESTS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_guesses_showing_values_equal_fresh_ones(
    name: str, ioctl: int, data: st.DataObject
) -> None:
    # Buffers whose self-describing members hold values (of any profile, or none) drawn
    # byte by byte, a few sharing a pattern of which profiles each member matches: every
    # guess is weigh_evidence's on the same bytes, the first of a pattern or a later one.
    base = bytes(encode(build(name, profile=data.draw(st.sampled_from(PROFILES)))))
    kwargs = {**_stated(data), "ioctl": data.draw(st.sampled_from([ioctl, None]))}
    at = data.draw(st.lists(st.sampled_from(_member_spans(name)), min_size=1, max_size=3))
    for _ in range(data.draw(st.integers(2, 6))):
        raw = bytearray(base)
        for spot in at:
            raw[spot] = data.draw(st.integers(0, 255))
        cut = data.draw(st.sampled_from([len(raw), len(raw), len(raw) - 2, len(raw) + 4]))
        raw = bytearray(raw[:cut]) + bytes(max(0, cut - len(raw)))
        assert detect_profile(bytes(raw), **kwargs) == weigh_evidence(bytes(raw), **kwargs)


def test_fuzz_corpus_guesses_equal_fresh_ones() -> None:
    """The fuzz corpus generator's cases (mutated ones show values), as a corpus states
    them and with nothing stated."""
    cases = generate(sorted(STRUCTURES), list(PROFILES), MODES, count=8, seed=27)
    for case in cases:
        if not case.data:
            continue
        for kwargs in ({"abi": case.profile.abi, "cookie": case.profile.cookie,
                        "stated_by": "the capture record"}, {}):
            assert (detect_profile(case.data, name=case.structure, **kwargs)
                    == weigh_evidence(case.data, name=case.structure, **kwargs))
