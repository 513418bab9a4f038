"""decode, encode, build: the codec's whole job, sans-I/O.

``decode`` accepts ``bytes``, ``bytearray`` or ``memoryview`` of exactly the structure's size
and never fails on such input: every byte lands in a member (padding and string tails too),
so ``encode(decode(b)) == b``.  ``build`` makes a canonical value from the meaningful members:
derived members (HeaderLength, Length, ControlCode, Size, SCSI_PASS_THROUGH_DIRECT.Length,
SenseInfoOffset/Length) and documented defaults are filled unless given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import construct
from iscsitgt_spt.codec._fast.compiled import BY_SCHEMA as _BY_SCHEMA
from iscsitgt_spt.codec.fast import (
    FastCodec,
    compiled,
    fast_decode,
    fast_encode,
)
from iscsitgt_spt.codec.values import StructValue, schema_of
from iscsitgt_spt.spec.arguments import (
    buffer_argument,
    int_argument,
    profile_argument,
    structure_argument,
    text_argument,
)
from iscsitgt_spt.spec.errors import BuildError, ParseError, count_of
from iscsitgt_spt.spec.layout import CStruct, Layout
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout

__all__ = ["build", "decode", "decode_from", "encode", "layout_of", "sizeof"]

Buffer = bytes | bytearray | memoryview


def _profile(abi: str | None, cookie: str | None, profile: Profile | None) -> Profile:
    if profile is not None:
        if abi is not None or cookie is not None:
            raise ValueError("give either profile= or abi=/cookie=, not both")
        return profile_argument(profile)
    return Profile.of(None if abi is None else text_argument(abi, "abi"),
                      None if cookie is None else text_argument(cookie, "cookie"))


_LAYOUTS: dict[tuple[object, str | None, str | None], Layout] = {}
_CODECS: dict[tuple[object, str | None, str | None], FastCodec] = {}


def _key(
    structure: object, abi: str | None, cookie: str | None, profile: Profile | None
) -> tuple[object, str | None, str | None] | None:
    """The memo key of a call: the profile by its two names (hashing the frozen dataclass
    itself runs Python code on every call); ``None`` when profile= and abi=/cookie= are both
    given, which :func:`_profile` refuses."""
    if type(profile) is not Profile and profile is not None:
        return None  # checked (or turned into a Profile) by _profile, uncached
    if profile is None:
        return (structure, abi, cookie)
    if abi is None and cookie is None:
        return (structure, profile.abi, profile.cookie)
    return None


def layout_of(
    structure: str | CStruct,
    *,
    abi: str | None = None,
    cookie: str | None = None,
    profile: Profile | None = None,
) -> Layout:
    """The :class:`Layout` of a structure (by name) under a profile."""
    # Memoised on the arguments themselves: for the small structures, building a Profile and
    # looking the layout up cost as much as decoding (see docs/performance.rst).
    key = _key(structure, abi, cookie, profile)
    try:
        layout = _LAYOUTS.get(key) if key is not None else None
    except TypeError:  # unhashable (wrong-typed) arguments: the uncached path names them
        layout = key = None
    if layout is None:
        layout = get_layout(structure_argument(structure), _profile(abi, cookie, profile))
        if key is not None and len(_LAYOUTS) < 4096:  # never let odd callers grow it
            _LAYOUTS[key] = layout
    return layout


def sizeof(structure: str | CStruct, **profile: Any) -> int:
    """``sizeof`` of a structure under a profile."""
    return layout_of(structure, **profile).size


def size_error(layout: Layout, actual: int, base: int = 0) -> ParseError:
    """The error for a buffer of the wrong size, naming the member where it was cut."""
    if actual < layout.size:
        cut = layout.member_at(actual)
        where = f"{layout.name}.{cut.path}" if cut is not None else layout.name
        return ParseError(
            "truncated: the buffer ends inside this member",
            path=where, offset=base + actual,
            expected=f"{layout.size} bytes for {layout.name} ({layout.profile})",
            actual=count_of(actual),
        )
    return ParseError(
        f"{count_of(actual - layout.size, 'unexpected byte')} after the structure",
        path=layout.name, offset=base + layout.size,
        expected=f"{layout.size} bytes for {layout.name} ({layout.profile})",
        actual=count_of(actual),
    )


def _decode_exact(layout: Layout, data: bytes) -> StructValue:
    try:
        container = layout.construct.parse(data)
    except construct.ConstructError as exc:  # pragma: no cover - exact-size input cannot fail
        raise ParseError(f"construct could not parse: {exc}", path=layout.name) from None
    # (the general path: decode of one buffer takes the compiled one, without this module)
    from iscsitgt_spt.codec.convert import from_container

    return from_container(schema_of(layout), container)


def decode(
    structure: str | CStruct,
    data: Buffer,
    *,
    abi: str | None = None,
    cookie: str | None = None,
    profile: Profile | None = None,
) -> StructValue:
    """Decode a buffer of exactly ``sizeof(structure)`` bytes."""
    # The fast path checks nothing it cannot do cheaply: a wrong type or size goes to the
    # construct path (fast._full_decode), which raises the ParseError naming the member cut.
    # This is fast_decode with the codec memoised on the call's own arguments: per call,
    # one dict lookup stands between the caller and the generated decoder.
    key = _key(structure, abi, cookie, profile)
    try:  # (free in the usual call: a try costs nothing until it catches)
        codec = _CODECS.get(key) if key is not None else None
    except TypeError:  # unhashable (wrong-typed) arguments: layout_of names them
        codec = key = None
    if codec is None:
        codec = compiled(layout_of(structure, abi=abi, cookie=cookie, profile=profile))
        if key is not None and len(_CODECS) < 4096:
            _CODECS[key] = codec
    kind = type(data)
    if kind is bytes or kind is bytearray:
        try:
            return codec.decode(data)
        except Exception:  # wrong size: the full path names the member that was cut
            pass
    return fast_decode(codec.layout, data)


def decode_from(
    structure: str | CStruct,
    data: Buffer,
    offset: int = 0,
    *,
    abi: str | None = None,
    cookie: str | None = None,
    profile: Profile | None = None,
) -> StructValue:
    """Decode the structure found at ``offset`` of a longer buffer (the rest is ignored)."""
    layout = layout_of(structure, abi=abi, cookie=cookie, profile=profile)
    buffer_argument(data)
    int_argument(offset, "offset")
    raw = bytes(memoryview(data)[offset : offset + layout.size])
    if len(raw) != layout.size:
        raise size_error(layout, len(raw), offset)
    return fast_decode(layout, raw)


def encode(value: StructValue) -> bytes:
    """The bytes of ``value``: exactly ``value.size`` of them."""
    if type(value) is StructValue:
        # fast_encode's first step inlined (a public call pays one Python frame less): the
        # generated encoder of the value's schema; anything it refuses goes to fast_encode,
        # which falls back to construct and its errors.
        codec = _BY_SCHEMA.get(id(value._schema))
        if codec is not None and codec.schema is value._schema:
            try:
                return codec.encode(value)
            except Exception:
                pass
    elif not isinstance(value, StructValue):
        raise BuildError(
            "encode() takes a StructValue; use build(name, fields) for plain data",
            expected="StructValue", actual=type(value).__name__,
        )
    return fast_encode(value)


def _with_rules(
    fields: Mapping[str, Any], rules: Mapping[str, tuple[Any, int | bytes]]
) -> dict[str, Any]:
    """``fields`` with every rule-filled member the caller did not give."""
    filled: dict[str, Any] = dict(fields)
    for path, (_rule, value) in rules.items():
        node = filled
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif isinstance(child, StructValue) or not isinstance(child, Mapping):
                break  # a complete nested value (or a wrong type, reported by normalise)
            else:
                child = node[part] = dict(child)
            node = child
        else:
            node.setdefault(parts[-1], value)
    return filled


def build(
    structure: str | CStruct,
    fields: Mapping[str, Any] | None = None,
    *,
    canonical: bool = True,
    abi: str | None = None,
    cookie: str | None = None,
    profile: Profile | None = None,
) -> StructValue:
    """A value from the members given; the rest zero, or rule-filled when ``canonical``.

    ``fields`` nests by member name (``{"Header": {"Timeout": 10}, "Lun": 1}``).  Integers
    are range-checked, ``UCHAR[n]`` takes ``bytes`` (NUL-padded when shorter), ``WCHAR[n]``
    a ``str`` or a :class:`WcharText`.  Errors are :class:`BuildError` with path and offset.
    """
    layout = layout_of(structure, abi=abi, cookie=cookie, profile=profile)
    if fields is None:
        fields = {}
    if isinstance(fields, StructValue):
        fields = dict(fields)
    if not isinstance(fields, Mapping):
        raise BuildError(
            "fields must be a mapping of member names", path=layout.name,
            expected="a mapping", actual=type(fields).__name__,
        )
    if canonical:
        fields = _with_rules(fields, layout.rules)
    from iscsitgt_spt.codec.convert import normalise  # (build only: not at decode's start-up)

    return normalise(schema_of(layout), fields, layout.name, 0, partial=True)
