"""The fast path equals the construct path: same values, same types, same errors.

The reference here is the construct path itself (``layout.construct`` + ``from_container`` /
``to_container``), never the fast path's own output, so these tests keep their meaning after
``api.decode``/``api.encode`` are switched to try the fast path first.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from _cached_strategies import buffers_of, values_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.convert import from_container, to_container
from iscsitgt_spt.codec.fast import (
    compiled,
    fast_decode,
    fast_encode,
    fast_json_text,
    text_pieces,
    wchar_from_bytes,
)
from iscsitgt_spt.codec.jsonform import value_to_json
from iscsitgt_spt.codec.values import StructValue, schema_of
from iscsitgt_spt.spec.errors import BuildError, ParseError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.primitives import WcharText, decode_wchar
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

CASES = [(name, profile) for name in STRUCTURES for profile in PROFILES]
IDS = [f"{name}-{profile.abi}-{profile.cookie}" for name, profile in CASES]
FEW = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))


def reference_decode(layout: Layout, data: bytes) -> StructValue:
    return from_container(schema_of(layout), layout.construct.parse(data))


def reference_encode(value: StructValue) -> bytes:
    data: bytes = value.layout.construct.build(to_container(value))
    return data


def reference_json_text(value: StructValue) -> str:
    """The json module's own compact text of the value's JSON form (the dict converter)."""
    return json.dumps(value_to_json(value), ensure_ascii=False, separators=(",", ":"))


def typed(value: Any) -> Any:
    """``value`` with the type of every member spelled out (str and WcharText never equal)."""
    if isinstance(value, StructValue):
        return (value.name, value.profile, tuple((k, typed(v)) for k, v in value.items()))
    if isinstance(value, WcharText):
        return ("WcharText", value.raw)
    return (type(value).__name__, value)


def outcome(call: Any, *args: Any, **kwargs: Any) -> Any:
    """The result, or the exception as (type, message, path, offset)."""
    try:
        return ("ok", typed(call(*args, **kwargs)))
    except Exception as exc:
        return ("error", type(exc), str(exc), getattr(exc, "path", None),
                getattr(exc, "offset", None))


@pytest.mark.parametrize(("name", "profile"), CASES, ids=IDS)
def test_any_buffer_decodes_as_the_full_path(name: str, profile: Profile) -> None:
    layout = get_layout(name, profile)

    @FEW
    @given(st.binary(min_size=layout.size, max_size=layout.size))
    def check(data: bytes) -> None:
        expected = reference_decode(layout, data)
        got = fast_decode(layout, data)
        assert typed(got) == typed(expected)
        assert got._schema is expected._schema
        assert fast_encode(got) == data == reference_encode(expected)
        assert fast_json_text(layout, data) == reference_json_text(expected)
        assert_pieces_make_the_text(layout, data)

    check()


def assert_pieces_make_the_text(layout: Any, data: bytes) -> None:
    """The text's pieces make the text end to end, each written again from the slots alone,
    and every slot is written in the one piece that holds its leaves."""
    codec, texts = compiled(layout), text_pieces(layout)
    pieces = texts.text_parts(data)
    assert "".join(pieces) == codec.text(data)
    slots = codec.struct.unpack(data)
    assert tuple(part(slots) for part in texts.part_texts) == pieces
    assert len(texts.part_of_slot) == len(slots)
    for leaf in codec.leaves:  # a leaf's value is written in its slot's piece
        changed = bytearray(data)
        changed[leaf.offset] ^= 0xFF
        other = texts.text_parts(bytes(changed))
        assert [g for g in range(len(pieces)) if other[g] != pieces[g]] in (
            [], [texts.part_of_slot[leaf.slot]])


@pytest.mark.parametrize(("name", "profile"), CASES, ids=IDS)
def test_spec_shaped_buffers_decode_as_the_full_path(name: str, profile: Profile) -> None:
    # Non-zero padding, text after a terminator, invalid UTF-16, any BOOL: member by member.
    layout = get_layout(name, profile)

    @FEW
    @given(buffers_of(name, profile))
    def check(data: bytes) -> None:
        got = fast_decode(layout, data)
        assert typed(got) == typed(reference_decode(layout, data))
        assert fast_encode(got) == data
        # The JSON text straight from the bytes (what a capture's JSON line holds).
        assert fast_json_text(layout, data) == reference_json_text(got)
        # And from the value's tuples (value_to_json_text's generated function).
        assert compiled(layout).value_text(got) == reference_json_text(got)
        assert_pieces_make_the_text(layout, data)

    check()


@pytest.mark.parametrize(("name", "profile"), CASES, ids=IDS)
def test_built_values_encode_as_the_full_path(name: str, profile: Profile) -> None:
    layout = get_layout(name, profile)

    @FEW
    @given(values_of(name, profile, padding=True))
    def check(value: StructValue) -> None:
        data = fast_encode(value)
        assert data == reference_encode(value)
        assert typed(fast_decode(layout, data)) == typed(value)

    check()


def _wchar_by_code_units(raw: bytes) -> object:
    """The WCHAR rule written out by hand, code unit by code unit (the DevNotes' NUL-terminated
    WCHAR strings): the terminator is the first all-zero *code unit*; canonical means every
    byte after it is zero and the units before it are strict UTF-16LE."""
    from iscsitgt_spt.spec.primitives import WcharText

    units = [raw[i : i + 2] for i in range(0, len(raw), 2)]
    end = next((i for i, u in enumerate(units) if u == b"\0\0"), len(units))
    if any(b"".join(units[end:]).strip(b"\0")):
        return WcharText(raw)
    try:
        return b"".join(units[:end]).decode("utf-16-le")
    except UnicodeDecodeError:
        return WcharText(raw)


def test_wchar_reading_is_the_code_unit_rule_on_every_small_pattern() -> None:
    units = [b"\0\0", b"A\0", b"\0A", b"\0\xd8", b"\0\xdc", b"\x00\x01"]
    for parts in itertools.product(units, repeat=4):
        raw = b"".join(parts)
        assert typed(decode_wchar(raw)) == typed(_wchar_by_code_units(raw)), raw.hex()


def test_wchar_reading_is_decode_wchar_on_every_small_pattern() -> None:
    # Every 8-byte field over bytes that matter: zero, ASCII, a high byte, both surrogate
    # halves (0xD8xx, 0xDCxx): 5**8 = 390625 would be slow, 4 units of 4 choices cover it.
    units = [b"\0\0", b"A\0", b"\0A", b"\0\xd8", b"\0\xdc", b"\x00\x01"]
    for parts in itertools.product(units, repeat=4):
        raw = b"".join(parts)
        assert typed(wchar_from_bytes(raw)) == typed(decode_wchar(raw)), raw.hex()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0, 0, 0, 0x41, 0xD8, 0xDC, 0xFF, 0x01]), max_size=12)
       .filter(lambda b: len(b) % 2 == 0).map(bytes))
def test_wchar_reading_is_decode_wchar(raw: bytes) -> None:
    assert typed(wchar_from_bytes(raw)) == typed(decode_wchar(raw))
    assert typed(decode_wchar(raw)) == typed(_wchar_by_code_units(raw))


@pytest.mark.parametrize(("name", "profile"), CASES, ids=IDS)
def test_wrong_sizes_and_types_fail_as_the_full_path(name: str, profile: Profile) -> None:
    layout = get_layout(name, profile)
    for data in (b"", bytes(layout.size - 1), bytes(layout.size + 3), "text", 7, None):
        expected = outcome(api.decode, name, data, profile=profile)
        assert expected[0] == "error"
        assert outcome(fast_decode, layout, data) == expected


def test_other_buffer_types_decode_alike() -> None:
    layout = get_layout("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY")
    data = bytes(range(layout.size))
    expected = typed(reference_decode(layout, data))
    for kind in (bytes, bytearray, memoryview):
        assert typed(fast_decode(layout, kind(data))) == expected  # type: ignore[arg-type]


def _with(value: StructValue, path: str, item: Any) -> StructValue:
    """``value`` with one member replaced *without* validation (what build would refuse)."""
    head, _, rest = path.partition(".")
    index = value._schema.index[head]
    if rest:
        inner = value._values[index]
        assert isinstance(inner, StructValue)
        item = _with(inner, rest, item)
    values = list(value._values)
    values[index] = item
    return StructValue(value._schema, tuple(values))


BAD_VALUES = [
    ("ISCSITGT_SPT_TMF", "Lun", 1 << 32),
    ("ISCSITGT_SPT_TMF", "Lun", -1),
    ("ISCSITGT_SPT_TMF", "Lun", 1.5),
    ("ISCSITGT_SPT_TMF", "Lun", True),
    ("ISCSITGT_SPT_TMF", "Header.Signature", b"short"),
    ("ISCSITGT_SPT_TMF", "Header.Signature", b"much too long"),
    ("ISCSITGT_SPT_TMF", "Header.Signature", bytearray(b"ISCSITGT")),
    ("ISCSITGT_SPT_TMF", "Header.Signature", "ISCSITGT"),
    ("ISCSITGT_SPT_TMF", "Header.Signature", 0x4953435349544754),
    ("ISCSITGT_SPT_TMF", "Header", {"HeaderLength": 28}),
    ("ISCSITGT_SPT_TMF", "Header", None),
    ("ISCSITGT_SPT_TMF", "_pad_tail", b"\xff" * 7),
    ("ISCSITGT_SPT_TMF", "_pad_tail", b""),
    ("ISCSITGT_SPT_SESSION_START", "ITNexus", "x" * 513),
    ("ISCSITGT_SPT_SESSION_START", "ITNexus", "x" * 512),
    ("ISCSITGT_SPT_SESSION_START", "ITNexus", "a\0b"),
    ("ISCSITGT_SPT_SESSION_START", "ITNexus", "\ud800 lone surrogate"),
    ("ISCSITGT_SPT_SESSION_START", "ITNexus", "\U0001f600" * 256),
    ("ISCSITGT_SPT_SESSION_START", "ITNexus", "\U0001f600" * 257),
    ("ISCSITGT_SPT_SESSION_START", "PeerAddress", WcharText(b"\x01" * 128)),
    ("ISCSITGT_SPT_SESSION_START", "PeerAddress", WcharText(b"\x01" * 126)),
    ("ISCSITGT_SPT_SESSION_START", "PeerAddress", b"192.0.2.1"),
    ("ISCSITGT_SPT_SESSION_START", "PeerAddress", None),
    ("SENSE_DATA", "ErrorCode", 0x80),
    ("SENSE_DATA", "Valid", 2),
    ("SENSE_DATA", "Valid", True),
    ("SENSE_DATA", "SenseKey", -1),
    ("SENSE_DATA", "FileMark", 1.0),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "SenseData.SenseKey", 16),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "ScsiPassThroughDirect.Cdb", b"\x28" * 17),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "ScsiPassThroughAuxiliary.IsFinal", 1 << 31),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "ScsiPassThroughAuxiliary.IsFinal", -(1 << 31)),
]


@pytest.mark.parametrize("profile", PROFILES, ids=str)
@pytest.mark.parametrize(("name", "path", "item"), BAD_VALUES,
                         ids=[f"{n}.{p}={i!r:.24}" for n, p, i in BAD_VALUES])
def test_unusual_values_encode_or_fail_as_the_full_path(
    name: str, path: str, item: Any, profile: Profile
) -> None:
    value = _with(api.build(name, profile=profile), path, item)
    expected = outcome(reference_encode, value)
    got = outcome(fast_encode, value)
    if expected[0] == "ok":
        assert got == expected
    else:
        # Where construct refuses the value, encode names the member that is wrong.
        assert got[0] == "error" and got[1] is BuildError, got
        assert got[3] == f"{name}.{path}", got
        member = get_layout(name, profile).member(path)
        assert got[4] == member.offset


def reference_encode_like_api(value: StructValue) -> bytes:
    """``api.encode`` without the fast path: construct, with the member named on failure."""
    try:
        return reference_encode(value)
    except Exception:
        from iscsitgt_spt.codec.convert import check_value

        check_value(value)
        raise BuildError("construct could not build the value", path=value.name) from None


def test_a_nested_value_of_another_profile_goes_to_the_full_path() -> None:
    win32 = api.build("SRB_IO_CONTROL", profile=Profile("win32", "ptr"))
    value = _with(api.build("ISCSITGT_SPT_TMF"), "Header", win32)
    assert outcome(fast_encode, value) == outcome(reference_encode_like_api, value)


@pytest.mark.parametrize("thing", [None, b"bytes", {"Lun": 1}, 3])
def test_encoding_a_non_value_fails_as_the_public_encode(thing: Any) -> None:
    expected = outcome(api.encode, thing)
    assert expected[0] == "error" and expected[1] is BuildError
    assert outcome(fast_encode, thing) == expected


def test_the_public_path_and_the_fast_path_agree() -> None:
    # The hand-derived TMF of test_api, decoded and re-encoded through both entry points.
    data = bytes.fromhex(
        "1c000000" "4953435349544754" "3c000000" "02010000" "00000000" "24000000" "00000000"
        "8877665544332211" "01000000" "01" "000000" "0807060504030201" "00" "00000000000000"
    )
    layout = get_layout("ISCSITGT_SPT_TMF")
    value = fast_decode(layout, data)
    assert value.ITNexusHandle == 0x1122334455667788
    assert value.ReferenceTaskCookie == 0x0102030405060708
    assert typed(value) == typed(api.decode("ISCSITGT_SPT_TMF", data))
    assert fast_encode(value) == api.encode(value) == data


def test_codecs_are_compiled_once_and_readable() -> None:
    layout = get_layout("SENSE_DATA")
    codec = compiled(layout)
    assert compiled(layout) is codec
    assert codec.struct.size == layout.size == 18
    # Bit-fields come out LSB first (sense_data.py): byte 0 is ErrorCode:7, Valid:1.
    assert "(f0 >> 0) & 0x7f" in codec.decode_source
    assert "(f0 >> 7) & 0x1" in codec.decode_source
    value = fast_decode(layout, bytes.fromhex("f0 00 03 00 00 12 34 0a 00000000 11 00 00 000000"))
    assert (value.ErrorCode, value.Valid, value.SenseKey) == (0x70, 1, 3)


def test_errors_keep_path_and_offset() -> None:
    layout = get_layout("ISCSITGT_SPT_TMF")
    with pytest.raises(ParseError) as info:
        fast_decode(layout, bytes(40))
    assert info.value.path == "ISCSITGT_SPT_TMF.Lun"
    assert info.value.offset == 40


def reference_leaves(value: StructValue, prefix: str = "") -> dict[str, Any]:
    """Every leaf of ``value`` by dotted path: a plain recursive walk of the value, depth
    first in member order (nested structures are not leaves)."""
    out: dict[str, Any] = {}
    for name, member in value.items():
        if isinstance(member, StructValue):
            out.update(reference_leaves(member, f"{prefix}{name}."))
        else:
            out[prefix + name] = member
    return out


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_flat_and_flat_value_are_the_values_leaves(data: st.DataObject) -> None:
    # Both generated flatteners (from the bytes, from the decoded value) against a walk of
    # the construct path's value: same paths in the same order, same values, same types.
    name = data.draw(st.sampled_from(sorted(STRUCTURES)))
    profile = data.draw(st.sampled_from(PROFILES))
    layout = get_layout(name, profile)
    raw = data.draw(st.binary(min_size=layout.size, max_size=layout.size))
    want = [(k, typed(v)) for k, v in reference_leaves(reference_decode(layout, raw)).items()]
    assert want and [k for k, _ in want] == [m.path for m in layout.leaves()]
    codec = compiled(layout)
    assert [(k, typed(v)) for k, v in codec.flat(raw).items()] == want
    assert [(k, typed(v)) for k, v in codec.flat_value(fast_decode(layout, raw)).items()] == want


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_flat_value_and_value_text_of_built_values(data: st.DataObject) -> None:
    # Values made by build (str for WCHAR members, not WcharText): their own leaves, and the
    # JSON text the json module writes of their JSON form.
    name = data.draw(st.sampled_from(sorted(STRUCTURES)))
    profile = data.draw(st.sampled_from(PROFILES))
    layout = get_layout(name, profile)
    value = data.draw(values_of(name, profile, padding=True))  # built once per case
    want = [(k, typed(v)) for k, v in reference_leaves(value).items()]
    assert [(k, typed(v)) for k, v in compiled(layout).flat_value(value).items()] == want
    assert compiled(layout).value_text(value) == reference_json_text(value)
