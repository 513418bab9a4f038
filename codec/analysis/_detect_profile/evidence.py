"""Weighing the evidence (:func:`weigh_evidence`): what the buffer's length and each
self-describing member say, the votes settled, the verdict and its lines.  What it reads of
the layouts is worked out once per structure (:func:`_fact`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from iscsitgt_spt.codec.analysis._detect_profile.guess import (
    ProfileGuess,
    _both,
    _either,
    _ordered,
    describe_profiles,
)
from iscsitgt_spt.codec.api import Buffer
from iscsitgt_spt.codec.dispatch import identify
from iscsitgt_spt.codec.longbuffer import LongBuffer, leading
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import DERIVED_CACHES, get_layout, structure
from iscsitgt_spt.spec.rules import SizeAfter

_T = TypeVar("_T")


def _shape(layout: Layout) -> tuple[tuple[str, int, int, str], ...]:
    """What decoding depends on: where each member is, not what C type it is spelt as."""
    return tuple((m.path, m.offset, m.size, m.kind) for m in layout.walk())


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


def weigh_evidence(
    data: Buffer | LongBuffer,
    *,
    ioctl: int | None = None,
    name: str | None = None,
    abi: str | None = None,
    cookie: str | None = None,
    stated_by: str | None = None,
) -> ProfileGuess:
    """Guess the profile of ``data`` (the method is told in
    :mod:`~iscsitgt_spt.codec.analysis.detect_profile`).

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
