"""Which ABI profile a captured buffer was laid out for, with the reasons.

A capture rarely says whether the caller was a 64-bit or a 32-bit process, and nobody
published the width of SESSION_COOKIE/TASK_COOKIE.  The buffer itself usually tells: its
length is ``sizeof`` of the structure under the caller's ABI, and several members describe the
structure they sit in (``SRB_IO_CONTROL.Length``, ``SCSI_PASS_THROUGH_DIRECT.Length``,
``SCSI_PASS_THROUGH_AUXILIARY.Size``, ``SenseInfoOffset``).  This module weighs that evidence.

Nothing here knows a number: the self-describing members are the *derived* rules of the
structure's layout (:attr:`Layout.rules`) whose value differs between profiles, and every size
comes from :func:`~iscsitgt_spt.spec.registry.get_layout`.  Explicit overrides restrict the
profiles considered.  Then each self-describing member votes for the profiles whose value it
holds, and the profiles with the most votes remain: the members outrank the buffer's length,
because captures are routinely cut short (IRPMon and debuggers cap sizes) and a cut buffer can
happen to be longer than the structure under a smaller profile.  The length only chooses among
the profiles the members left (an exact size first, then one the buffer is longer than); it
decides alone when no member matches any profile.  A buffer shorter than the structure under
the chosen profile is *truncated* under that profile, and the guess names the member it cuts.
Evidence that disagrees is reported as outweighed rather than allowed to empty the set, and a
last line says which evidence decided.

Among the profiles left, the first in :data:`~iscsitgt_spt.spec.profiles.PROFILES` order wins:
win64 before win32 (Windows Server 2012 R2 is x64-only) and cookie=u64 before ptr (the
documented COOKIE_WIDTH assumption).  The guess is *ambiguous* only when the remaining
profiles lay the structure out differently, i.e. when the choice changes the decoded values;
win64/u64 and win64/ptr, for instance, never differ.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import field
from typing import Any, TypeVar

from iscsitgt_spt.codec.api import Buffer
from iscsitgt_spt.codec.dispatch import identify, identify_reads
from iscsitgt_spt.codec.longbuffer import LongBuffer, leading
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.errors import ParseError, SptError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import ABIS, COOKIES, PROFILES, Profile
from iscsitgt_spt.spec.registry import DERIVED_CACHES, get_layout, structure
from iscsitgt_spt.spec.rules import SizeAfter

__all__ = ["ProfileGuess", "describe_profiles", "detect_profile"]

_T = TypeVar("_T")


@frozen
class ProfileGuess:
    """The profile chosen for a buffer, the alternatives, and why.

    ``candidates`` are every profile consistent with the evidence, in preference order, and
    ``profile`` is the first of them.  ``ambiguous`` is true when the candidates lay out the
    structure differently (so the choice matters); ``reason`` explains the choice whenever
    more than one candidate remains.  ``name`` is the structure the evidence was read for
    (``None`` when the buffer was not recognised).  ``truncated`` is the path of the member
    the buffer cuts when it is shorter than ``name`` under ``profile`` (else ``None``).
    """

    profile: Profile
    candidates: tuple[Profile, ...]
    evidence: list[str] = field(default_factory=list)
    ambiguous: bool = False
    reason: str = ""
    name: str | None = None
    truncated: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "profile": str(self.profile),
            "abi": self.profile.abi,
            "cookie": self.profile.cookie,
            "candidates": [str(p) for p in self.candidates],
            "ambiguous": self.ambiguous,
            "reason": self.reason,
            "evidence": list(self.evidence),
            "truncated": self.truncated,
        }


def describe_profiles(profiles: Iterable[Profile]) -> str:
    """Human text for a set of profiles: ``win64 (either cookie) or win32/u64``."""
    chosen = frozenset(profiles)
    text = _DESCRIBED.get(chosen)
    if text is None:
        text = _describe(chosen)
        if chosen <= _ALL:  # (at most 16 sets of the known profiles)
            _DESCRIBED[chosen] = text
    return text


_ALL = frozenset(PROFILES)
_DESCRIBED: dict[frozenset[Profile], str] = {}


def _describe(chosen: frozenset[Profile]) -> str:
    if not chosen:
        return "no profile"
    if chosen == set(PROFILES):
        return "every profile"
    parts = []
    for abi in ABIS:
        mine = [p for p in PROFILES if p.abi == abi and p in chosen]
        if len(mine) == len(COOKIES):
            parts.append(f"{abi} (either cookie)")
        else:
            parts.extend(str(p) for p in mine)
    return _either(parts)


def _either(values: Sequence[object]) -> str:
    """``128, 120 or 96``."""
    texts = [str(v) for v in values]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " or " + texts[-1]


def _both(values: Sequence[object]) -> str:
    """``A, B and C``."""
    texts = [str(v) for v in values]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _shape(layout: Layout) -> tuple[tuple[str, int, int, str], ...]:
    """What decoding depends on: where each member is, not what C type it is spelt as."""
    return tuple((m.path, m.offset, m.size, m.kind) for m in layout.walk())


def _ordered(profiles: Iterable[Profile]) -> tuple[Profile, ...]:
    chosen = set(profiles)
    return tuple(p for p in PROFILES if p in chosen)


def _size_evidence(
    name: str, length: int, allowed: Sequence[Profile]
) -> tuple[set[Profile] | None, str]:
    """What the buffer's (true) ``length`` says."""
    every = _fact(("sizes", name), lambda: {p: get_layout(name, p).size for p in PROFILES})
    sizes = {p: every[p] for p in allowed}
    exact = {p for p, size in sizes.items() if size == length}
    if exact:
        only = " only" if len(exact) < len(allowed) else ""
        return exact, (
            f"buffer is {length} bytes: {name} is {length} bytes{only} on "
            f"{describe_profiles(exact)}"
        )
    listed = _either(sorted(set(sizes.values()), reverse=True))
    fits = {p for p, size in sizes.items() if size < length}
    if fits == set(allowed):
        return fits, (
            f"buffer is {length} bytes: longer than {name} ({listed} bytes) under every "
            "profile considered; the rest is trailing data, so the size tells nothing"
        )
    if fits:
        return fits, (
            f"buffer is {length} bytes: {name} ({listed} bytes) would be truncated except on "
            f"{describe_profiles(fits)}"
        )
    return None, (
        f"buffer is {length} bytes: shorter than {name} ({listed} bytes) under every "
        "profile considered (truncated), so the size tells nothing"
    )


def _label(layout: Layout, path: str) -> str:
    """``SCSI_PASS_THROUGH_DIRECT.Length`` for ``ScsiPassThroughDirect.Length``."""
    parent, _, leaf = path.rpartition(".")
    owner = layout.member(parent).ctype if parent else layout.name
    return f"{owner}.{leaf}"


def _places(name: str, path: str) -> tuple[tuple[Profile, int, int, int], ...]:
    """Where a self-describing member is under each profile, and the value it holds there."""
    out = []
    for p in PROFILES:
        layout = get_layout(name, p)
        member, expected = layout.member(path), layout.rules[path][1]
        assert isinstance(expected, int)
        out.append((p, member.offset, member.end, expected))
    return tuple(out)


def _member_evidence(
    name: str, path: str, raw: bytes, allowed: Sequence[Profile]
) -> tuple[set[Profile] | None, str] | None:
    """What one self-describing member says, or ``None`` when it cannot be read at all.

    ``raw`` is the buffer's leading bytes: every member of a structure is inside them.
    """
    reads: dict[Profile, tuple[int, int, int]] = {}
    for p, start, end, expected in _fact(("places", name, path), lambda: _places(name, path)):
        if end <= len(raw):
            reads[p] = (start, int.from_bytes(raw[start:end], "little"), expected)
    in_scope = {p: r for p, r in reads.items() if p in allowed}
    if not in_scope:
        return None
    layout = get_layout(name, allowed[0])
    label = _fact(("label", name, path, allowed[0]), lambda: _label(layout, path))
    matches = {p for p, (_, value, expected) in in_scope.items() if value == expected}
    offsets = sorted({r[0] for r in in_scope.values()})

    def reading(among: set[Profile]) -> str:
        # Where the member sits can differ between profiles; say where it was read when so.
        if len(offsets) == 1:
            return f"{label} = {in_scope[_ordered(among)[0]][1]}"
        parts = []
        for off in sorted({in_scope[p][0] for p in among}):
            here = {p for p in among if in_scope[p][0] == off}
            parts.append(
                f"{in_scope[_ordered(here)[0]][1]} at 0x{off:x} ({describe_profiles(here)} layout)"
            )
        return f"{label}: " + ", ".join(parts)

    if matches:
        what = describe_profiles(matches)
        if isinstance(layout.rules[path][0], SizeAfter):
            payload = in_scope[_ordered(matches)[0]][2]
            return matches, f"{reading(matches)} → payload of {payload} bytes: {what}"
        return matches, f"{reading(matches)} → {what}"
    expected_all = sorted({r[2] for r in in_scope.values()}, reverse=True)
    outside = {p for p, (_, value, expected) in reads.items() if value == expected} - set(allowed)
    note = f"; it would fit {describe_profiles(outside)}, not considered" if outside else ""
    expected_text = _either(expected_all)
    return None, (
        f"{reading(set(in_scope))}: matches no profile considered "
        f"(expected {expected_text}{note})"
    )


def _decision(deciders: Sequence[str], outweighed: Sequence[str], confirmed: bool = False) -> str:
    """The evidence line saying what decided and what was outweighed."""
    if not deciders:
        return "decided by no evidence: nothing tells the profiles considered apart"
    text = f"decided by {_both(deciders)}"
    if confirmed:
        text += ", confirmed by the buffer's length"
    if outweighed:
        text += f"; outweighed: {', '.join(outweighed)}"
    return text


def _truncation(name: str, length: int, profile: Profile) -> tuple[str | None, str | None]:
    """(path of the member a buffer of ``length`` bytes cuts, evidence line) under the chosen
    profile."""
    layout = get_layout(name, profile)
    if length >= layout.size:
        return None, None
    cut = layout.member_at(length)
    path = cut.path if cut is not None else name
    return path, (f"{name} is {layout.size} bytes under {profile}: the buffer is truncated "
                  f"at byte {length}, inside {path}")


def _varying_members(name: str, allowed: Sequence[Profile]) -> list[str]:
    """Derived integer members whose value differs between profiles: self-describing ones."""
    return list(_fact(("varying", name), lambda: tuple(_self_describing(name))))


def _self_describing(name: str) -> list[str]:
    layouts = [get_layout(name, p) for p in PROFILES]
    paths = []
    for path, (rule, _) in layouts[0].rules.items():
        if rule.kind != "derived":
            continue
        values = {lay.rules[path][1] for lay in layouts}
        if all(isinstance(v, int) for v in values) and len(values) > 1:
            paths.append(path)
    first = layouts[0]
    return sorted(paths, key=lambda p: first.member(p).offset)


def _explain(name: str, candidates: tuple[Profile, ...]) -> tuple[bool, str]:
    chosen = candidates[0]
    if len(candidates) == 1:
        return False, f"only {chosen} is consistent with the evidence"
    shapes = {_shape(get_layout(name, p)) for p in candidates}
    listed = ", ".join(str(p) for p in candidates)
    if len(shapes) == 1:
        return False, (
            f"{listed} lay out {name} identically, so the choice does not change the "
            f"decoding; reporting {chosen}"
        )
    return True, (
        f"{listed} are all consistent with the evidence but lay out {name} differently; "
        f"chose {chosen} because win64 is the primary ABI (Windows Server 2012 R2 is "
        "x64-only) and cookie=u64 the default COOKIE_WIDTH assumption; give --abi/--cookie "
        "to choose another"
    )


#: What detection's evidence reads of the layouts, per structure (and member and profile):
#: the sizes, where each self-describing member is and what it holds, its label, which
#: members describe themselves.  Worked out once, not per buffer weighed.
_FACTS: dict[tuple[object, ...], Any] = {}
DERIVED_CACHES.append(_FACTS.clear)


def _fact(key: tuple[object, ...], make: Callable[[], _T]) -> _T:
    found = _FACTS.get(key)
    if found is None:
        found = _FACTS[key] = make()
    return found


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
    raw = leading(data)
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


def weigh_evidence(
    data: Buffer | LongBuffer,
    *,
    ioctl: int | None = None,
    name: str | None = None,
    abi: str | None = None,
    cookie: str | None = None,
    stated_by: str | None = None,
) -> ProfileGuess:
    """Guess the profile of ``data`` (see the module docstring for the method).

    ``name`` forces the structure (else it is identified from ``ioctl`` and the bytes);
    ``abi``/``cookie`` restrict the candidates, as ``--abi``/``--cookie`` do.  Raises only
    :class:`~iscsitgt_spt.spec.errors.ProfileError` for an unknown ABI/cookie name and
    :class:`~iscsitgt_spt.spec.errors.UnknownStructureError` for an unknown ``name``.
    """
    raw, length = leading(data), len(data)
    Profile.of(abi, cookie)  # validates the names, raising ProfileError
    allowed = [
        p for p in PROFILES
        if (abi is None or p.abi == abi) and (cookie is None or p.cookie == cookie)
    ]
    evidence: list[str] = []
    restriction = _restriction_line(allowed, abi, cookie, stated_by)
    if restriction is not None:
        evidence.append(restriction)
    if name is not None:
        chosen = structure(name).c_name
        evidence.append(f"structure {chosen} given by the caller")
    else:
        try:
            chosen = identify(raw, ioctl)
        except ParseError as exc:
            evidence.append(f"structure not recognised: {exc}")
            return _unidentified(allowed, evidence)
        evidence.append(f"structure identified as {chosen}")
    current = _settle(chosen, raw, length, allowed, evidence)
    candidates = _ordered(current)
    ambiguous, reason = _explain(chosen, candidates)
    truncated, cut_line = _truncation(chosen, length, candidates[0])
    if cut_line is not None:
        evidence.append(cut_line)
    return ProfileGuess(
        profile=candidates[0], candidates=candidates, evidence=evidence,
        ambiguous=ambiguous, reason=reason, name=chosen, truncated=truncated,
    )


def _restriction_line(
    allowed: list[Profile], abi: str | None, cookie: str | None, stated_by: str | None,
) -> str | None:
    """The evidence line saying which profiles ``abi``/``cookie`` left (None: all of them)."""
    if len(allowed) == len(PROFILES):
        return None
    stated = [(k, v) for k, v in (("abi", abi), ("cookie", cookie)) if v is not None]
    if stated_by is None:
        # Named as the command line spells the options, so the user sees what they typed.
        given = " ".join(f"--{k} {v}" for k, v in stated)
        return f"{given} given: only {describe_profiles(allowed)} considered"
    given = ", ".join(f"{k}={v}" for k, v in stated)
    return f"{stated_by} states {given}: only {describe_profiles(allowed)} considered"


def _unidentified(allowed: list[Profile], evidence: list[str]) -> ProfileGuess:
    """The guess for bytes no structure matches: the first allowed profile, by default."""
    candidates = tuple(allowed)
    return ProfileGuess(
        profile=candidates[0], candidates=candidates, evidence=evidence,
        ambiguous=len(candidates) > 1,
        reason=f"nothing identifies the layout; defaulting to {candidates[0]}",
        name=None,
    )


_Vote = tuple[str, "set[Profile] | None", str]


def _member_votes(chosen: str, raw: bytes, allowed: list[Profile]) -> list[_Vote]:
    """(label, profiles consistent with the member or None, evidence line) per member read."""
    votes: list[_Vote] = []
    for path in _varying_members(chosen, allowed):
        found = _member_evidence(chosen, path, raw, allowed)
        if found is not None:
            votes.append((_label(get_layout(chosen, allowed[0]), path), *found))
    return votes


def _settle(
    chosen: str, raw: bytes, length: int, allowed: list[Profile], evidence: list[str],
) -> set[Profile]:
    """The profiles left after the members' votes and the length; appends the evidence."""
    # The self-describing members vote first: they say which layout the caller used even when
    # the capture was cut short, and one corrupted member must not outweigh the others (nor
    # may the order they are read in matter).  The buffer's length only chooses among the
    # profiles the members left, or decides alone when no member matches any profile.
    votes = _member_votes(chosen, raw, allowed)
    scores = {p: sum(1 for _, s, _ in votes if s is not None and p in s) for p in allowed}
    best = max(scores.values())
    by_members = {p for p, score in scores.items() if score == best} if best else None
    alone, size_line = _size_evidence(chosen, length, allowed)
    if by_members is None:
        current = alone if alone is not None else set(allowed)
    else:
        within, _ = _size_evidence(chosen, length, _ordered(by_members))
        current = within if within is not None else by_members
    deciders = [label for label, s, _ in votes if s is not None and s & current]
    outweighed = [label for label, s, _ in votes if s is not None and not s & current]
    evidence.extend(_vote_lines(votes, current, deciders))
    evidence.extend(_verdict(allowed, by_members, alone, size_line, deciders, outweighed))
    return current


def _vote_lines(votes: list[_Vote], current: set[Profile], deciders: list[str]) -> list[str]:
    """Each member's evidence line, marked ignored where the others outvoted it."""
    lines = []
    for _, consistent, line in votes:
        if consistent is None or consistent & current:
            lines.append(line)
        else:
            lines.append(f"{line} — outweighed by the other members ({_both(deciders)}); "
                         "ignored")
    return lines


def _verdict(
    allowed: list[Profile], by_members: set[Profile] | None, alone: set[Profile] | None,
    size_line: str, deciders: list[str], outweighed: list[str],
) -> list[str]:
    """The length's evidence line and the line naming what decided."""
    if by_members is None:
        told = alone is not None and alone != set(allowed)
        return [size_line, _decision(["the buffer's length"] if told else [], [])]
    if alone is not None and not alone & by_members:
        # The length alone points elsewhere (typically: a capture cut short fits a smaller
        # profile's structure with bytes to spare); the members describe the real layout.
        return [f"{size_line} — outweighed by {_both(deciders)}",
                _decision(deciders, [*outweighed, "the buffer's length"])]
    confirmed = alone is not None and alone != set(allowed)
    return [size_line, _decision(deciders, outweighed, confirmed=confirmed)]
