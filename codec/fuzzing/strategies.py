"""Hypothesis strategies for every structure and profile, derived from the spec.

One call per structure: :func:`values` draws canonical :class:`StructValue`\\ s (what
:func:`~iscsitgt_spt.codec.decode` would return for their bytes) and :func:`buffers` exact-size
byte strings, including what a canonical value never holds (non-zero padding, bytes after a
string's terminator, invalid UTF-16, BOOLs other than 0 and 1).  Both walk the layout, so a new
member or structure is covered without touching this module.

Each member gets its own strategy and the parts are joined, so Hypothesis shrinks member by
member towards zero bytes: a failing buffer shrinks to a small, readable example.  Integers
weight the codes the spec knows (enumerations, BOOL 0/1, a rule's value such as
``HeaderLength == sizeof``) while any value of the C type stays reachable.

>>> from hypothesis import given
>>> from iscsitgt_spt.codec import decode, encode
>>> @given(values("ISCSITGT_SPT_TMF", abi="win32", fixed={"Header.Signature": b"ISCSITGT"}))
... def test_round_trip(v):
...     assert decode("ISCSITGT_SPT_TMF", encode(v), profile=v.profile) == v
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess test
    if exc.name is None or exc.name.split(".")[0] != "hypothesis":
        raise
    # Hypothesis is the optional [fuzz] extra: only this module needs it.
    raise ModuleNotFoundError(
        "iscsitgt_spt.codec.fuzzing.strategies needs Hypothesis, which is optional: "
        "pip install 'iscsitgt-spt[fuzz]' (or pip install hypothesis). The corpus generator "
        "(iscsitgt_spt.codec.fuzzing.corpus, `iscsitgt-spt fuzz`) works without it.",
        name="hypothesis",
    ) from None

from iscsitgt_spt.codec.api import build, encode
from iscsitgt_spt.codec.fuzzing.corpus import known_values
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.errors import BuildError, SptError
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.profiles import ABIS, COOKIES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout
from iscsitgt_spt.spec.registry import structure as find_structure

__all__ = ["buffers", "integers_for", "profiles", "text_for", "values"]

#: Characters a canonical WCHAR string may hold: anything but NUL and lone surrogates
#: (which do not survive a UTF-16 round trip).
_CHARACTERS = st.characters(exclude_categories=["Cs"], exclude_characters="\0")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def _fit(text: str, count: int) -> str:
    """The longest prefix of ``text`` that fits ``WCHAR[count]`` (astral chars take 2)."""
    while _units(text) > count:
        text = text[:-1]
    return text


def _fill(text: str, count: int) -> str:
    """``text`` padded to exactly ``count`` code units: a full-length, unterminated string."""
    text = _fit(text, count)
    return text + "x" * (count - _units(text))


def text_for(count: int) -> st.SearchStrategy[str]:
    """Canonical strings for ``WCHAR[count]``: empty, short, and exactly full length."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise InvalidArgument(f"count={count!r} must be a non-negative integer")
    short = st.text(_CHARACTERS, max_size=min(count, 24)).map(lambda t: _fit(t, count))
    full = st.text(_CHARACTERS, max_size=min(count, 24)).map(lambda t: _fill(t, count))
    return st.one_of(short, full)


def integers_for(layout: Layout, member: Member) -> st.SearchStrategy[int]:
    """Integers of ``member``'s C type, the spec's known codes first (so they shrink there)."""
    anything = st.integers(member.min_value, member.max_value)
    known = known_values(layout, member)
    return st.one_of(st.sampled_from(known), anything) if known else anything


def _check_profile(abi: object, cookie: object, profile: object) -> Profile:
    if profile is not None:
        if not isinstance(profile, Profile):
            raise InvalidArgument(f"profile={profile!r} must be a Profile")
        if abi is not None or cookie is not None:
            raise InvalidArgument("give either profile= or abi=/cookie=, not both")
        return profile
    if abi is not None and abi not in ABIS:
        raise InvalidArgument(f"abi={abi!r} must be one of {', '.join(ABIS)}")
    if cookie is not None and cookie not in COOKIES:
        raise InvalidArgument(f"cookie={cookie!r} must be one of {', '.join(COOKIES)}")
    return Profile.of(abi, cookie)


def _check_layout(name: object, abi: object, cookie: object, profile: object) -> Layout:
    if not isinstance(name, str):
        raise InvalidArgument(f"name={name!r} must be a structure name (a str)")
    try:
        found = find_structure(name)
    except SptError:
        raise InvalidArgument(
            f"name={name!r} is not a structure of the spec; choose from {', '.join(STRUCTURES)}"
        ) from None
    return get_layout(found, _check_profile(abi, cookie, profile))


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, last = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _check_fixed(layout: Layout, fixed: object) -> dict[str, Any]:
    """Validate ``fixed`` (dotted leaf path -> value) by building it; InvalidArgument if not."""
    if fixed is None:
        return {}
    if not isinstance(fixed, Mapping):
        raise InvalidArgument(f"fixed={fixed!r} must be a mapping of member paths to values")
    leaves = {m.path for m in layout.leaves()}
    for path in fixed:
        if path not in leaves:
            raise InvalidArgument(
                f"fixed: {layout.name} has no member {path!r} (give a dotted path to a leaf "
                f"member: {', '.join(sorted(leaves))})"
            )
    try:
        build(layout.name, _nested(fixed), canonical=False, profile=layout.profile)
    except BuildError as exc:
        raise InvalidArgument(f"fixed: {exc}") from None
    return dict(fixed)


def _pins(layout: Layout, fixed: dict[str, Any], rules: object) -> dict[str, Any]:
    if not isinstance(rules, bool):
        raise InvalidArgument(f"rules={rules!r} must be True or False")
    pins = {path: value for path, (_rule, value) in layout.rules.items()} if rules else {}
    pins.update(fixed)
    return pins


def _member_value(layout: Layout, member: Member, padding: bool) -> st.SearchStrategy[Any]:
    if member.kind in ("int", "bits"):
        return integers_for(layout, member)
    if member.kind == "wchar":
        assert member.count is not None
        return text_for(member.count)
    if member.kind == "padding" and not padding:
        return st.just(bytes(member.size))
    return st.binary(min_size=member.size, max_size=member.size)


def values(
    name: str,
    *,
    abi: str | None = None,
    cookie: str | None = None,
    profile: Profile | None = None,
    fixed: Mapping[str, Any] | None = None,
    rules: bool = False,
    padding: bool = False,
) -> st.SearchStrategy[StructValue]:
    """Canonical values of structure ``name`` under a profile.

    ``fixed`` pins members by dotted path (``{"Header.Signature": b"ISCSITGT",
    "ITNexusHandle": 7}``); ``rules=True`` pins every member the spec derives or defaults
    (HeaderLength, Length, ControlCode, Size, signatures, ...) to its rule's value, as a
    canonical :func:`~iscsitgt_spt.codec.build` does; ``padding=True`` lets padding bytes be
    non-zero (still canonical: decode keeps them).  Strings are plain ``str`` that fit.
    """
    layout = _check_layout(name, abi, cookie, profile)
    pins = _pins(layout, _check_fixed(layout, fixed), rules)
    if not isinstance(padding, bool):
        raise InvalidArgument(f"padding={padding!r} must be True or False")
    members = {
        m.path: st.just(pins[m.path]) if m.path in pins else _member_value(layout, m, padding)
        for m in layout.leaves()
    }
    return st.fixed_dictionaries(members).map(
        lambda flat: build(layout.name, _nested(flat), canonical=False, profile=layout.profile)
    )


def _raw_wchar(member: Member) -> st.SearchStrategy[bytes]:
    assert member.count is not None
    count, size = member.count, member.size
    canonical = text_for(count).map(lambda t: t.encode("utf-16-le").ljust(size, b"\0"))
    after_terminator = st.tuples(text_for(count), st.binary(min_size=1, max_size=size)).map(
        lambda pair: _with_tail(pair[0], pair[1], size)
    )
    anything = st.binary(min_size=size, max_size=size)  # lone surrogates, odd units, ...
    return st.one_of(canonical, after_terminator, anything)


def _with_tail(text: str, tail: bytes, size: int) -> bytes:
    """``text``, its terminator, then non-zero garbage where zeros belong."""
    head = text.encode("utf-16-le")[: size - 4] + b"\0\0"
    tail = (tail.replace(b"\0", b"\x01") * size)[: size - len(head)]
    return head + tail


def _raw_member(layout: Layout, member: Member) -> st.SearchStrategy[bytes]:
    if member.kind == "int":
        return integers_for(layout, member).map(
            lambda v: v.to_bytes(member.size, "little", signed=member.signed)
        )
    if member.kind == "wchar":
        return _raw_wchar(member)
    return st.binary(min_size=member.size, max_size=member.size)


def _bit_unit(layout: Layout, group: list[Member]) -> st.SearchStrategy[bytes]:
    def join(parts: tuple[int, ...]) -> bytes:
        unit = sum(v << (m.bit_offset or 0) for m, v in zip(group, parts))
        return unit.to_bytes(group[0].size, "little")

    return st.tuples(*(integers_for(layout, m) for m in group)).map(join)


def _fixed_bytes(layout: Layout, pins: Mapping[str, Any]) -> bytes:
    zero = build(layout.name, _nested(pins), canonical=False, profile=layout.profile)
    return encode(zero)


def buffers(
    name: str,
    *,
    abi: str | None = None,
    cookie: str | None = None,
    profile: Profile | None = None,
    fixed: Mapping[str, Any] | None = None,
    rules: bool = False,
) -> st.SearchStrategy[bytes]:
    """Byte strings of exactly ``sizeof(name)``, every member drawn on its own.

    Beyond canonical encodings they hold non-zero padding, WCHAR fields with bytes after the
    terminator or invalid UTF-16, and any BOOL.  ``fixed`` and ``rules`` pin members as for
    :func:`values` (a pinned bit-field pins its whole storage unit to the pinned values).
    """
    layout = _check_layout(name, abi, cookie, profile)
    pins = _pins(layout, _check_fixed(layout, fixed), rules)
    pinned = _fixed_bytes(layout, pins) if pins else b""
    leaves = list(layout.leaves())
    groups: dict[int, list[Member]] = {}
    for member in leaves:
        if member.kind == "bits":
            groups.setdefault(member.offset, []).append(member)
    parts: list[st.SearchStrategy[bytes]] = []
    for member in leaves:
        if member.kind == "bits":
            group = groups[member.offset]
            if member is not group[0]:
                continue
            if any(m.path in pins for m in group):
                parts.append(st.just(pinned[member.offset : member.end]))
            else:
                parts.append(_bit_unit(layout, group))
        elif member.path in pins:
            parts.append(st.just(pinned[member.offset : member.end]))
        else:
            parts.append(_raw_member(layout, member))
    return st.tuples(*parts).map(b"".join)


def profiles() -> st.SearchStrategy[Profile]:
    """Every ABI profile (win64/u64 first, so failures shrink to the primary ABI)."""
    return st.sampled_from([Profile(a, c) for a in ABIS for c in COOKIES])
