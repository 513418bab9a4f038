"""Round-trip and error properties of the codec, for every structure under every profile.

The inputs come from :mod:`iscsitgt_spt.codec.fuzzing.strategies`; the expectations come from the
layout alone (a truncated buffer must name the member that covers the cut, found here by our
own walk over ``Layout.members``; an out-of-range member must be named with its offset).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _cached_strategies import buffers_of, values_of
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.dispatch import decode_buffer
from iscsitgt_spt.codec.documents import encode_document
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH
from iscsitgt_spt.spec.errors import BuildError, ParseError
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, control_code_of, get_layout, ioctl_of

Decoder = Callable[..., StructValue]
Encoder = Callable[[StructValue], bytes]


def _decode_paths() -> list[Any]:
    """The codec implementations under test, as ``(decode, encode)`` pairs.

    ``api.decode``/``api.encode`` always; the compiled path of ``iscsitgt_spt.codec.fast``
    (``fast_decode(layout, data)``, ``fast_encode(value)``) whenever that module exists.
    """
    paths = [pytest.param((api.decode, api.encode), id="api")]
    try:
        fast = importlib.import_module("iscsitgt_spt.codec.fast")
    except ModuleNotFoundError:  # pragma: no cover - the fast path is part of the package
        return paths

    def fast_decode(name: str, data: bytes, *, profile: Profile) -> StructValue:
        return fast.fast_decode(get_layout(name, profile), data)  # type: ignore[no-any-return]

    paths.append(pytest.param((fast_decode, fast.fast_encode), id="fast"))
    return paths


DECODE_PATHS = _decode_paths()
DECODERS: list[Decoder] = [param.values[0][0] for param in DECODE_PATHS]
#: (id, (decode, encode)) of every path: the round trips check each on the same examples.
CODECS: list[tuple[str, tuple[Decoder, Encoder]]] = [
    (str(param.id), param.values[0]) for param in DECODE_PATHS  # type: ignore[misc]
]
#: Each property runs for 8 structures x 4 profiles; a fifth of the profile's budget per
#: combination keeps the default run fast while ``--hypothesis-profile long`` still soaks.
PER_CASE = settings(max_examples=max(5, settings().max_examples // 5))
CASES = [
    pytest.param(name, profile, id=f"{name}-{profile.abi}-{profile.cookie}")
    for name in STRUCTURES for profile in PROFILES
]


def _leaves(members: tuple[Member, ...]) -> Iterator[Member]:
    for member in members:
        if member.kind == "struct":
            yield from _leaves(member.children)
        else:
            yield member


def covering_member(layout: Layout, offset: int) -> Member:
    """The first leaf in declaration order whose bytes include ``offset``.

    For a bit-field storage unit that is its first bit-field (C declaration order), e.g.
    SENSE_DATA byte 0 -> ErrorCode.
    """
    for member in _leaves(layout.members):
        if member.offset <= offset < member.offset + member.size:
            return member
    raise AssertionError(f"no member covers byte {offset}")  # pragma: no cover


# -- round trips ----------------------------------------------------------------------------
# Each example is checked on every codec path (``CODECS``): the paths see the same values, and
# each as many as it saw when each path drew its own (the profile's count per case; every
# structure and profile is a case of its own, ``CASES``), for one drawing instead of one per
# path.
@pytest.mark.parametrize(("name", "profile"), CASES)
@PER_CASE
@given(data=st.data())
def test_decode_of_encode_is_identity(name: str, profile: Profile, data: st.DataObject) -> None:
    value = data.draw(values_of(name, profile, padding=True))
    for path, (decoder, encoder) in CODECS:
        raw = encoder(value)
        assert len(raw) == get_layout(name, profile).size, path
        assert decoder(name, raw, profile=profile) == value, path


@pytest.mark.parametrize(("name", "profile"), CASES)
@PER_CASE
@given(data=st.data())
def test_encode_of_decode_is_identity(name: str, profile: Profile, data: st.DataObject) -> None:
    raw = data.draw(buffers_of(name, profile))
    for path, (decoder, encoder) in CODECS:
        assert encoder(decoder(name, raw, profile=profile)) == raw, path


# -- arbitrary input ------------------------------------------------------------------------
IOCTL_CHOICES = (None, IOCTL_SCSI_MINIPORT, ASSUMED_PASS_THROUGH_IOCTL, IOCTL_SCSI_PASS_THROUGH)


@functools.cache  # built once per case, not once per example
def _near_size(name: str, profile: Profile) -> st.SearchStrategy[bytes]:
    """Any bytes, biased to lengths around the structure's size and to plausible prefixes."""
    size = get_layout(name, profile).size
    resized = st.tuples(buffers_of(name, profile), st.integers(-8, 8),
                        st.binary(max_size=8)).map(
        lambda t: (t[0] + t[2])[: max(0, size + t[1])]
    )
    return st.one_of(st.binary(max_size=size + 8), resized)


@pytest.mark.parametrize(("name", "profile"), CASES)
@PER_CASE
@given(data=st.data())
def test_arbitrary_bytes_raise_only_parse_error(
    name: str, profile: Profile, data: st.DataObject
) -> None:
    raw = data.draw(_near_size(name, profile))
    attempts: list[Callable[[], object]] = [
        (lambda d=decoder: d(name, raw, profile=profile))  # type: ignore[misc]
        for decoder in DECODERS
    ]
    attempts.append(lambda: decode_buffer(raw, name=name, profile=profile))
    attempts += [
        (lambda ioctl=ioctl: decode_buffer(raw, ioctl=ioctl, profile=profile))  # type: ignore[misc]
        for ioctl in IOCTL_CHOICES
    ]
    for attempt in attempts:
        # ParseError is the only exception allowed; anything else propagates and fails.
        with contextlib.suppress(ParseError):
            attempt()


# -- truncation -----------------------------------------------------------------------------
def _cut_decoders(name: str, profile: Profile) -> list[tuple[str, Callable[[bytes], object]]]:
    out: list[tuple[str, Callable[[bytes], object]]] = [
        (f"decoder {i}", lambda b, d=decoder: d(name, b, profile=profile))  # type: ignore[misc]
        for i, decoder in enumerate(DECODERS)
    ]
    out.append(("decode_buffer(name=)", lambda b: decode_buffer(b, name=name, profile=profile)))
    if ioctl_of(name) == ASSUMED_PASS_THROUGH_IOCTL:
        out.append(("decode_buffer(ioctl=)",
                    lambda b: decode_buffer(b, ioctl=ASSUMED_PASS_THROUGH_IOCTL, profile=profile)))
    return out


@pytest.mark.parametrize(("name", "profile"), CASES)
def test_every_truncation_names_the_member_it_cut(name: str, profile: Profile) -> None:
    layout = get_layout(name, profile)
    full = api.encode(api.build(name, profile=profile))
    for label, decoder in _cut_decoders(name, profile):
        for cut in range(layout.size):
            with pytest.raises(ParseError) as info:
                decoder(full[:cut])
            expected = covering_member(layout, cut)
            assert (info.value.path, info.value.offset) == (
                f"{name}.{expected.path}", cut
            ), f"{label} of {cut} bytes"


@pytest.mark.parametrize(("name", "profile"), [
    c for c in CASES if control_code_of(c.values[0]) is not None  # type: ignore[arg-type]
])
def test_truncated_request_after_its_header_names_the_member(name: str, profile: Profile) -> None:
    """With IOCTL_SCSI_MINIPORT the header picks the request, so a cut after it is named in
    the request's own terms."""
    layout = get_layout(name, profile)
    full = api.encode(api.build(name, profile=profile))
    header = layout.member("Header").size
    for cut in range(header, layout.size):
        with pytest.raises(ParseError) as info:
            decode_buffer(full[:cut], ioctl=IOCTL_SCSI_MINIPORT, profile=profile)
        assert info.value.path == f"{name}.{covering_member(layout, cut).path}"
        assert info.value.offset == cut


# -- building out-of-range values -----------------------------------------------------------
def _nested(path: str, value: object) -> dict[str, Any]:
    *parents, last = path.split(".")
    out: dict[str, Any] = {last: value}
    for part in reversed(parents):
        out = {part: out}
    return out


@functools.cache  # built once per member, not once per example
def _too_big(member: Member) -> st.SearchStrategy[Any]:
    if member.kind in ("int", "bits"):
        return st.one_of(st.integers(min_value=member.max_value + 1),
                         st.integers(max_value=member.min_value - 1))
    if member.kind == "wchar":
        assert member.count is not None
        return st.text(st.characters(codec="ascii", exclude_characters="\0"),
                       min_size=member.count + 1, max_size=member.count + 4)
    return st.binary(min_size=member.size + 1, max_size=member.size + 4)


@pytest.mark.parametrize(("name", "profile"), CASES)
@PER_CASE
@given(data=st.data())
def test_build_rejects_every_out_of_range_member(
    name: str, profile: Profile, data: st.DataObject
) -> None:
    layout = get_layout(name, profile)
    canonical = api.build(name, profile=profile)
    for member in _leaves(layout.members):
        bad = data.draw(_too_big(member), label=member.path)
        for canon in (False, True):
            with pytest.raises(BuildError) as info:
                api.build(name, _nested(member.path, bad), canonical=canon, profile=profile)
            assert (info.value.path, info.value.offset) == (f"{name}.{member.path}", member.offset)
        if "." not in member.path:
            with pytest.raises(BuildError) as info:
                canonical.replace(**{member.path: bad})
            assert (info.value.path, info.value.offset) == (f"{name}.{member.path}", member.offset)


# -- the JSON round trip --------------------------------------------------------------------
@functools.cache  # built once per case, not once per example
def _with_a_tail(name: str, profile: Profile) -> st.SearchStrategy[bytes]:
    """A buffer of the structure, then up to 4 bytes more."""
    return st.tuples(buffers_of(name, profile), st.binary(max_size=4)).map(
        lambda t: t[0] + t[1])


@pytest.mark.parametrize(("name", "profile"), CASES)
@PER_CASE
@given(data=st.data())
def test_json_document_round_trip_reproduces_the_bytes(
    name: str, profile: Profile, data: st.DataObject
) -> None:
    raw = data.draw(_with_a_tail(name, profile))
    decoded = decode_buffer(raw, name=name, profile=profile)
    document = json.loads(json.dumps(decoded.to_json()))
    assert encode_document(document) == raw


# -- encode() of a value that bypassed validation -------------------------------------------
def _unvalidated(name: str, path: str, bad: object) -> StructValue:
    """A StructValue built with the public constructor, skipping build()'s checks."""
    value = api.build(name)
    items: list[Any] = list(value.values())
    items[list(value).index(path)] = bad
    return StructValue(value._schema, tuple(items))


@pytest.mark.parametrize(("name", "path", "bad", "offset"), [
    # ISCSITGT_SPT_TMF win64: Lun is the ULONG at 40 (28-byte header, 8-byte cookie at 32).
    ("ISCSITGT_SPT_TMF", "Lun", 2**32, 40),
    # ISCSITGT_SPT_SESSION_START win64: PeerAddress is WCHAR[64] at 40 (BOOL at 28, pad 4,
    # 8-byte cookie at 32).
    ("ISCSITGT_SPT_SESSION_START", "PeerAddress", "x" * 65, 40),
])
def test_encode_names_the_out_of_range_member(name: str, path: str, bad: object,
                                              offset: int) -> None:
    with pytest.raises(BuildError) as info:
        api.encode(_unvalidated(name, path, bad))
    assert (info.value.path, info.value.offset) == (f"{name}.{path}", offset)
