"""The decoded sense buffer, SenseInfo (codec/sense/_info.py): frozen and hashable, its
dictionary and JSON text, its codes named.

Expected values are derived by hand from the T10 SPC layouts (written next to each case); the
JSON text is checked against the json module's own encoding of ``to_dict``.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from _examples import examples
from _sense_buffers import DESCRIPTORS, SENSE_LIKE
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec.sense.decoder import SenseInfo, decode_sense
from iscsitgt_spt.spec.errors import ParseError

# The example in sg3_utils' sg_decode_sense documentation.
PUBLISHED = bytes.fromhex("f0 00 03 00 00 12 34 0a 00 00 00 00 11 00 00 00 00 00")


def _decode(text: str) -> SenseInfo:
    return decode_sense(bytes.fromhex(text))


# 150 derandomized examples (tests/_examples.py; were 400 random ones): they draw every
# response code and every descriptor type (checked when the count was set).
@examples(150, deadline=None)
@given(st.one_of(SENSE_LIKE, DESCRIPTORS))
def test_json_text_is_the_dictionary_as_compact_json(data: bytes) -> None:
    # to_json_text (generated templates, what decode --json prints) against the json
    # module's own encoding of to_dict, for every layout and descriptor type.
    try:
        info = decode_sense(data)
    except ParseError:
        return
    text = info.to_json_text()
    assert text == json.dumps(info.to_dict(), ensure_ascii=False, separators=(",", ":"))
    for descriptor in info.descriptors:
        assert json.loads(descriptor.to_json_text()) == json.loads(
            json.dumps(descriptor.to_dict()))


# --- result objects --------------------------------------------------------------------------
def test_results_are_frozen_comparable_and_hashable() -> None:
    a, b = decode_sense(PUBLISHED), decode_sense(bytearray(PUBLISHED))
    assert a == b and hash(a) == hash(b)
    assert decode_sense(memoryview(PUBLISHED)) == a
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.asc = 0  # type: ignore[misc]


def test_to_dict_is_json_ready() -> None:
    info = _decode("72 05 24 00 00 00 00 08 02 06 00 00 c0 00 02 00")
    out = json.loads(json.dumps(info.to_dict()))
    assert out["format"] == "descriptor"
    assert out["response_code"] == 0x72 and out["response_code_name"] == "DESCRIPTOR_CURRENT"
    assert out["sense_key"] == 5 and out["sense_key_name"] == "Illegal Request"
    assert out["asc_ascq_text"] == "Invalid field in cdb"
    assert out["raw"] == "72052400000000080206" "0000c0000200"  # lowercase, no separators
    (desc,) = out["descriptors"]
    assert desc["kind"] == "sense_key_specific" and desc["offset"] == 8
    assert desc["specific"] == {
        "kind": "field_pointer", "sksv": True, "raw": "c00002",
        "command": True, "bit_pointer": None, "field_pointer": 2,
    }


def test_every_pair_is_shown_with_its_code_in_text_and_json() -> None:
    # 11h/00h "Unrecovered read error" (sg3_utils' table), as T10 writes the code.
    info = _decode("70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00")
    assert info.format_text().splitlines()[1] == (
        "Additional sense: 11h/00h  Unrecovered read error")
    out = json.loads(json.dumps(info.to_dict()))
    assert (out["asc_ascq"], out["asc_ascq_text"]) == ("11h/00h", "Unrecovered read error")
