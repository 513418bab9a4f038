"""Hex text to sense bytes, in the spellings people paste (``sg_decode_sense`` reads a one-digit
token as one byte, e.g. ``3`` as 03h)."""

from __future__ import annotations

import pytest
from iscsitgt_spt.codec.sense.decoder import decode_sense, parse_hex_sense
from iscsitgt_spt.spec.errors import InputFormatError

# The example in sg3_utils' sg_decode_sense documentation.
PUBLISHED = bytes.fromhex("f0 00 03 00 00 12 34 0a 00 00 00 00 11 00 00 00 00 00")


# --- hex text --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["f0 00 03", "f0,00,03", "0xf0 0x00 0x03", "f00003", "F0 00 3", " f0,\n00\t03 ", "0xF00003"],
)
def test_parse_hex_sense_accepts_common_spellings(text: str) -> None:
    assert parse_hex_sense(text) == b"\xf0\x00\x03"


@pytest.mark.parametrize("text", ["", "  ,", "f0 zz", "f00", "0x", "f0;00"])
def test_parse_hex_sense_rejects_bad_text(text: str) -> None:
    with pytest.raises(InputFormatError):
        parse_hex_sense(text)


def test_hex_round_trip_through_decoder() -> None:
    text = " ".join(f"{b:02x}" for b in PUBLISHED)
    assert decode_sense(parse_hex_sense(text)) == decode_sense(PUBLISHED)

