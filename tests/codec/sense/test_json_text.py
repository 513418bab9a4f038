"""``sense_json_text`` (codec/sense/_json_text.py): the usual fixed-format buffer written
straight from its bytes, every other decoded first; the decoder's own text is the oracle.
"""

from __future__ import annotations

import json

import pytest
from _examples import examples
from _sense_buffers import SENSE_LIKE
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec.sense.decoder import decode_sense, sense_json_text
from iscsitgt_spt.spec.errors import ParseError

# Fixed-format buffers as pass-through requests carry them: 18 bytes or more, an additional
# length near 10, sometimes SKSV or SAT's ATA registers (ASC/ASCQ 00h/1Dh), zeros or not after.
_FIXED_LIKE = st.builds(
    lambda first, key, add_len, body, asc, sks, tail: (
        bytes([first, 0, key, *body[:4], add_len, *body[4:8], *asc, body[8], sks, 0, 0])
        + tail),
    st.sampled_from([0x70, 0x71, 0xF0, 0xF1, 0x72, 0x7F, 0x00]),
    st.integers(0, 255), st.sampled_from([10, 10, 10, 9, 11, 14, 0, 255]),
    st.binary(min_size=9, max_size=9),
    st.one_of(st.tuples(st.integers(0, 255), st.integers(0, 255)), st.just((0x00, 0x1D))),
    st.sampled_from([0x00, 0x00, 0x80, 0x7F]),
    st.one_of(st.just(b""), st.binary(max_size=6), st.integers(0, 14).map(bytes)),
)


# 170 derandomized examples (tests/_examples.py; were 500 random ones): they draw every
# response code, additional length and SKSV byte (checked when the count was set).
@examples(170, deadline=None)
@given(st.one_of(_FIXED_LIKE, SENSE_LIKE))
def test_sense_json_text_is_the_decoded_texts(data: bytes) -> None:
    # The reference is the decoder's own text (tested above against the json module); each
    # buffer twice, since the shortcut writes only heads already encoded.
    for _ in range(2):
        try:
            want = decode_sense(data).to_json_text()
        except ParseError:
            with pytest.raises(ParseError):
                sense_json_text(data)
            continue
        assert sense_json_text(data) == want


def test_sense_json_text_writes_the_usual_buffer_from_its_bytes() -> None:
    # Not vacuous: the usual fixed-format buffer (MEDIUM ERROR, 11h/00h, information 1234h)
    # takes the shortcut once its head is known, and says what the T10 layout says.
    from iscsitgt_spt.codec.sense._json_text import _usual_fixed_text

    data = bytes.fromhex("f00003000012340a00000000110000000000")
    first = json.loads(sense_json_text(data))
    assert _usual_fixed_text(data) == sense_json_text(data)
    assert first["sense_key"] == 3 and first["information"] == 0x1234 and first["valid"] is True
    assert first["asc"] == 0x11 and first["additional_length"] == 10 and first["trailing"] == ""
