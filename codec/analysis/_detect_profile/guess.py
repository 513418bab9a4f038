"""A profile guess (:class:`ProfileGuess`) and the words detection's evidence is written
in: a set of profiles as text, lists joined with *or* and *and*."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import field
from typing import Any

from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.profiles import ABIS, COOKIES, PROFILES, Profile


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


def _ordered(profiles: Iterable[Profile]) -> tuple[Profile, ...]:
    chosen = set(profiles)
    return tuple(p for p in PROFILES if p in chosen)
