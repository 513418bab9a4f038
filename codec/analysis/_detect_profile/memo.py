"""Detection memoised per shape (:func:`detect_profile`): keyed on exactly what a guess
can depend on (the length, what identification reads, what was stated, then the
self-describing members' spans and which profiles each matches), every memo bounded; the
guesses showing a member's value kept in small memos apart."""

from __future__ import annotations

import operator
from collections.abc import Callable

from iscsitgt_spt.codec.analysis._detect_profile.evidence import (
    _fact,
    _label,
    _member_evidence,
    _places,
    _varying_members,
    weigh_evidence,
)
from iscsitgt_spt.codec.analysis._detect_profile.guess import ProfileGuess
from iscsitgt_spt.codec.api import Buffer
from iscsitgt_spt.codec.dispatch import identify, identify_reads
from iscsitgt_spt.codec.longbuffer import LongBuffer, leading
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import DERIVED_CACHES, get_layout, structure

#: Per shape (length, IOCTL, what was stated, what identification reads): the reader of
#: the self-describing members, and the guess for each of their values.
_Shape = tuple[Callable[[bytes], object], Callable[[bytes], tuple[object, ...]],
               dict[object, ProfileGuess]]
_MEMO: dict[tuple[object, ...], _Shape] = {}
_STORED = [0]  # how many guesses _MEMO holds
_SPOTS: dict[str, Callable[[bytes], bytes]] = {}
#: The guesses whose evidence shows a member's value (no profile considered matches it): a
#: value is per record (a fuzz corpus's mutated members), so these few are kept apart, and
#: the shapes' memo holds only guesses that rest on which profiles each member matches.
_VALUED: dict[tuple[object, ...], ProfileGuess] = {}
_VALUED_BOUND = 256
#: Per shape and pattern of hits, the first guess weighed for it that shows values, its
#: structure, and where in its evidence each member matching no profile has its line and
#: how that line is written (see :func:`_valued_anew` and :func:`_line_maker`).
_PATTERNS: dict[tuple[object, ...], tuple[
    ProfileGuess, str, list[tuple[str, int, tuple[int, int, str, str] | None]]]] = {}


def _clear_memo() -> None:
    _MEMO.clear()
    _VALUED.clear()
    _PATTERNS.clear()
    _STORED[0] = 0


# Both hold answers that depend on which structures exist (see registry.register).
DERIVED_CACHES.extend((_clear_memo, _SPOTS.clear))


def _spots(name: str) -> Callable[[bytes], bytes]:
    """A function reading every span detection reads for ``name`` besides the header: its
    self-describing members, at their offset under every profile (taken from the layouts)."""
    reader = _SPOTS.get(name)
    if reader is None:
        found = set()
        for path in _varying_members(name, PROFILES):
            for p in PROFILES:
                member = get_layout(name, p).member(path)
                found.add((member.offset, member.end))
        spans = [slice(a, b) for a, b in sorted(found)]
        getter = operator.itemgetter(*spans) if spans else None

        def reader(raw: bytes) -> bytes:
            # One bytes object (the spans' lengths are the shape's): a compact memo key.
            if getter is None:
                return b""
            got: bytes = b"".join(getter(raw)) if len(spans) > 1 else getter(raw)
            return got

        _SPOTS[name] = reader
    return reader


def detect_profile(
    data: Buffer | LongBuffer,
    *,
    ioctl: int | None = None,
    name: str | None = None,
    abi: str | None = None,
    cookie: str | None = None,
    stated_by: str | None = None,
) -> ProfileGuess:
    """Guess the profile of ``data`` (see :func:`weigh_evidence`, which does the work).

    ``stated_by`` names where ``abi``/``cookie`` came from when not from the caller's options
    (e.g. ``"the capture record"``), for the evidence text.

    A guess depends only on the buffer's length, its SRB_IO_CONTROL-sized head and the
    self-describing members, so it is memoised on exactly those bytes: a capture of a busy
    target repeats the same few shapes millions of times.  A
    :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` is weighed by its head and its true
    length.
    """
    raw = data if type(data) is bytes else leading(data)  # (bytes: leading's answer)
    # The key is every byte the guess can depend on: what identification reads (never the
    # bytes a request varies per I/O, such as a pass-through's transfer length and buffer
    # address), then the self-describing members of the structure it identifies (or is
    # given).  Identification is a function of what it reads, so the structure, and where
    # its self-describing members are, are settled once per shape, in the first level.
    reads = identify_reads(raw, ioctl) if name is None else ()
    key = (len(data), ioctl, name, abi, cookie, stated_by, reads)
    shape = _MEMO.get(key)
    if shape is None:
        if len(_MEMO) >= 4096:
            _clear_memo()
        shape = _MEMO[key] = (*_readers_of(raw, ioctl, name, abi, cookie), {})
    spots_of, votes_of, guesses = shape
    spots = spots_of(raw)
    guess = guesses.get(spots)
    if guess is None:
        # Bytes a request varies per I/O can sit where another profile keeps a member (a
        # win64 DataBuffer where win32 has SenseInfoOffset): the guess rests only on which
        # profiles each member matches (and on the values, when none considered does).
        votes = votes_of(raw)
        if votes and votes[0] is _VALUES:  # the evidence shows a value: a memo apart
            return _valued_guess(data, key, votes, ioctl, name, abi, cookie, stated_by)
        guess = guesses.get(votes)
        if guess is None:
            guess = weigh_evidence(data, ioctl=ioctl, name=name, abi=abi, cookie=cookie,
                                   stated_by=stated_by)
            _remember(key, shape, votes, guess)
        _remember(key, shape, spots, guess)
    return guess


def _valued_guess(
    data: Buffer | LongBuffer, key: tuple[object, ...], votes: tuple[object, ...],
    ioctl: int | None, name: str | None, abi: str | None, cookie: str | None,
    stated_by: str | None,
) -> ProfileGuess:
    """The guess for a buffer whose evidence shows the value of a member no profile
    considered matches (its memo is bounded small: such values vary per record)."""
    found = _VALUED.get((key, votes))
    if found is None:
        if len(_VALUED) >= _VALUED_BOUND:
            _VALUED.clear()
        found = _VALUED[key, votes] = _valued_anew(data, key, votes, ioctl, name, abi,
                                                   cookie, stated_by)
    return found


def _valued_anew(
    data: Buffer | LongBuffer, key: tuple[object, ...], votes: tuple[object, ...],
    ioctl: int | None, name: str | None, abi: str | None, cookie: str | None,
    stated_by: str | None,
) -> ProfileGuess:
    """A guess showing values no other buffer showed.  Which profiles every member matches
    (the pattern of hits ``votes`` holds, with the length) decides all of the guess but
    the lines of the members matching none, and their lines show only what they read
    (:func:`_member_evidence`): the guess weighed first for the shape and the pattern
    (:data:`_PATTERNS`) is taken with those lines read from these bytes."""
    raw, pattern = leading(data), (key, votes[:3])
    allowed = [p for p in PROFILES
               if (abi is None or p.abi == abi) and (cookie is None or p.cookie == cookie)]
    found = _PATTERNS.get(pattern)
    if found is not None:
        first, chosen, places = found
        evidence = list(first.evidence)
        for path, at, maker in places:  # (the others' lines are the pattern's)
            if maker is not None:  # the member read at one offset: its value put in
                start, end, head, tail = maker
                evidence[at] = head + str(int.from_bytes(raw[start:end], "little")) + tail
                continue
            line = _member_evidence(chosen, path, raw, allowed)
            if line is None or line[0] is not None:  # pragma: no cover - hits decide it
                break
            evidence[at] = line[1]
        else:
            return ProfileGuess(profile=first.profile, candidates=first.candidates,
                                evidence=evidence, ambiguous=first.ambiguous,
                                reason=first.reason, name=first.name,
                                truncated=first.truncated)
    guess = weigh_evidence(data, ioctl=ioctl, name=name, abi=abi, cookie=cookie,
                           stated_by=stated_by)
    if found is None and guess.name is not None:
        lines = _valued_lines(guess.name, raw, allowed)
        if lines and all(guess.evidence.count(line) == 1 for _, line in lines):
            if len(_PATTERNS) >= _VALUED_BOUND:
                _PATTERNS.clear()
            _PATTERNS[pattern] = (guess, guess.name, [
                (path, guess.evidence.index(line),
                 _line_maker(guess.name, path, raw, allowed, line)) for path, line in lines])
    return guess


def _line_maker(
    chosen: str, path: str, raw: bytes, allowed: list[Profile], line: str,
) -> tuple[int, int, str, str] | None:
    """How the line of a member matching no profile considered is written for any buffer
    of its pattern, when every profile considered reads it at one offset: its span, and the
    line's text before and after the value (the label, and what it was expected to hold);
    ``None`` otherwise, or when ``line``, this buffer's, is not written so (the caller
    then has :func:`_member_evidence` write each)."""
    spans = {(start, end) for p, start, end, _ in _fact(("places", chosen, path),
                                                       lambda: _places(chosen, path))
             if p in allowed and end <= len(raw)}
    if len(spans) != 1:
        return None
    ((start, end),) = spans
    label = _fact(("label", chosen, path, allowed[0]),
                  lambda: _label(get_layout(chosen, allowed[0]), path))
    head = f"{label} = "
    shown = head + str(int.from_bytes(raw[start:end], "little"))
    if not line.startswith(shown) or line[len(shown):len(shown) + 1] != ":":
        return None
    return start, end, head, line[len(shown):]


def _valued_lines(chosen: str, raw: bytes, allowed: list[Profile]) -> list[tuple[str, str]]:
    """The evidence line of each self-describing member matching no profile in ``allowed``
    (the lines that show a value read), by its path."""
    lines = []
    for path in _varying_members(chosen, allowed):
        found = _member_evidence(chosen, path, raw, allowed)
        if found is not None and found[0] is None:
            lines.append((path, found[1]))
    return lines


def _remember(key: tuple[object, ...], shape: _Shape, spots: object, guess: ProfileGuess) -> None:
    if _STORED[0] >= 4096:  # bounded in all, however the guesses fall into shapes
        _clear_memo()
        _MEMO[key] = shape
        shape[2].clear()
    shape[2][spots] = guess
    _STORED[0] += 1


def _readers_of(
    raw: bytes, ioctl: int | None, name: str | None, abi: str | None, cookie: str | None,
) -> tuple[Callable[[bytes], object], Callable[[bytes], tuple[object, ...]]]:
    """What detection reads past identification for a buffer of this shape: the spans of
    the structure it identifies (:func:`_spots`) and what the members' votes rest on
    (:func:`_votes`), or nothing when it identifies none."""
    try:
        chosen = structure(name).c_name if name is not None else identify(raw, ioctl)
    except SptError:
        return _nothing, _nothing  # weigh_evidence reports it (or raises it) itself
    allowed = tuple(p for p in PROFILES
                    if (abi is None or p.abi == abi) and (cookie is None or p.cookie == cookie))
    return _spots(chosen), _votes(chosen, allowed)


def _nothing(raw: bytes) -> tuple[()]:
    return ()


#: The first item of a votes key that holds the values read (see :func:`_votes`).
_VALUES = "values"


def _votes(name: str, allowed: tuple[Profile, ...]) -> Callable[[bytes], tuple[object, ...]]:
    """A function giving what :func:`_member_evidence` rests on for each self-describing
    member: which profiles' expected value it holds (read at each profile's offset) and,
    when no profile in ``allowed`` matches, the bytes it read (its evidence line shows
    them, and the key starts with ``_VALUES``); with the buffer's length, which says what can
    be read at all."""
    spans: list[tuple[int, int]] = []
    tests: list[tuple[tuple[int, bytes | None, bool], ...]] = []
    for path in _varying_members(name, PROFILES):
        per: list[tuple[int, bytes | None, bool]] = []
        for p in PROFILES:
            layout = get_layout(name, p)
            member, expected = layout.member(path), layout.rules[path][1]
            span = (member.offset, member.end)
            if span not in spans:
                spans.append(span)
            fits = isinstance(expected, int) and 0 <= expected < 1 << (8 * member.size)
            per.append((spans.index(span),
                        expected.to_bytes(member.size, "little") if fits else None,  # type: ignore[union-attr]
                        p in allowed))
        tests.append(tuple(per))
    # Every (member, profile) pair read at once, compared at C speed; per member, where its
    # pairs are and which of them are of a profile considered.
    cuts = [slice(*spans[i]) for tested in tests for i, _, _ in tested]
    wanted = tuple(value for tested in tests for _, value, _ in tested)
    members: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for tested in tests:
        at = sum(len(positions) for positions, _ in members)
        members.append((tuple(range(at, at + len(tested))),
                        tuple(at + k for k, (_, _, inside) in enumerate(tested) if inside)))
    read = operator.itemgetter(*cuts) if cuts else None
    # Which members match no profile considered, per pattern of hits (a shape has a few).
    shown: dict[tuple[bool, ...], tuple[tuple[int, ...], ...]] = {}

    def reader(raw: bytes) -> tuple[object, ...]:
        if read is None:
            return ("votes", len(raw))
        got = read(raw) if len(cuts) > 1 else (read(raw),)
        hits: tuple[bool, ...] = tuple(map(operator.eq, got, wanted))
        valued = shown.get(hits)
        if valued is None:
            if len(shown) >= 256:
                shown.clear()
            valued = shown[hits] = tuple(positions for positions, inside in members
                                         if not any(hits[i] for i in inside))
        if not valued:
            return ("votes", len(raw), hits)
        return (_VALUES, len(raw), hits,
                tuple(tuple(got[i] for i in positions) for positions in valued))

    return reader
