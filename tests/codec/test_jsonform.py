"""value_to_json: the documented JSON form, member by member, for any decoded buffer."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec import decode
from iscsitgt_spt.codec.jsonform import compact_dumps, value_to_json, value_to_json_text
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.primitives import WcharText
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

CASES = [(n, p) for n in STRUCTURES for p in PROFILES]


def _expected(value: StructValue) -> dict:
    """The module docstring's rules, applied by hand: numbers, hex, text or {text, raw}."""
    out = {}
    for name in value:
        item = value[name]
        if isinstance(item, StructValue):
            out[name] = _expected(item)
        elif isinstance(item, bytes):
            out[name] = item.hex()
        elif isinstance(item, WcharText):
            out[name] = {"text": item.text, "raw": item.raw.hex()}
        else:
            out[name] = item
    return out


@pytest.mark.parametrize(("name", "profile"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_value_to_json_follows_the_documented_form(name, profile, data) -> None:
    size = get_layout(name, profile).size
    # Mostly zeros with a few set bytes: WCHAR fields come out both canonical and not.
    raw = bytearray(size)
    for at, byte in data.draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, 255)),
                                       max_size=12)):
        raw[at] = byte
    value = decode(name, bytes(raw), profile=profile)
    got = value_to_json(value)
    assert got == _expected(value)
    assert list(got) == list(value)  # member order is the layout's
    # The generated text form is json.dumps of that object, byte for byte.
    assert value_to_json_text(value) == json.dumps(got, ensure_ascii=False,
                                                   separators=(",", ":"))


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=2000)
@given(_JSON_VALUES)
def test_compact_dumps_is_json_dumps(value: object) -> None:
    # The standard library's own writer is the reference (NaN and the infinities included).
    assert compact_dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_compact_dumps_refuses_what_json_dumps_refuses() -> None:
    for value in ({"a": b"\x00"}, [object()], {(1, 2): 3}):
        with pytest.raises(TypeError) as ours:
            compact_dumps(value)
        with pytest.raises(TypeError) as theirs:
            json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        assert str(ours.value) == str(theirs.value)
