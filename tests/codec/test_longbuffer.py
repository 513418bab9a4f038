"""A LongBuffer (leading bytes + true length + the rest in chunks) stands where the bytes do.

Every expected value is what the codec gives for the same buffer held whole as ``bytes``
(today's in-memory path, which the rest of the suite checks against independent sources):
the point here is that holding only the leading bytes changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from iscsitgt_spt.cli.views.hexview import iter_hexdump
from iscsitgt_spt.cli.views.text import render_text
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.analysis.detect_profile import detect_profile, weigh_evidence
from iscsitgt_spt.codec.analysis.lint import lint, lint_bytes
from iscsitgt_spt.codec.analysis.report import report_record, sense_of
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.dispatch import Decoded, decode_available
from iscsitgt_spt.codec.longbuffer import LongBuffer, leading, leading_size
from iscsitgt_spt.spec.errors import InputFormatError, ParseError
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

CAPTURES = Path(__file__).resolve().parents[1] / "vectors" / "captures"
TMF = (CAPTURES / "tmf_abort_task.bin").read_bytes()  # the hand-derived 64-byte sample


def long_of(data: bytes, chunk: int = 7, head: int | None = None) -> LongBuffer:
    """``data`` as a LongBuffer holding ``head`` bytes (the leading size by default), the
    rest cut into chunks of ``chunk`` bytes (an odd size: rows cross chunk boundaries)."""
    held = leading_size() if head is None else head
    rest = data[held:]

    def chunks() -> Iterator[bytes]:
        return (rest[i : i + chunk] for i in range(0, len(rest), chunk))

    return LongBuffer(data[:held], len(data), chunks)


def _sense_buffer(offset: int) -> bytes:
    """A pass-through whose SenseInfoOffset points ``offset`` bytes in, fixed-format sense
    data there (SPC-4 4.5.3: 0x70 response code, sense key 5 ILLEGAL REQUEST at byte 2,
    additional length 10 at byte 7, ASC 0x24 INVALID FIELD IN CDB at byte 12)."""
    sense = bytes([0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0])
    value = build("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
                  {"ScsiPassThroughDirect": {"SenseInfoOffset": offset,
                                             "SenseInfoLength": len(sense)}})
    data = bytearray(encode(value))
    data += bytes(max(offset + len(sense) + 100 - len(data), 0))
    data[offset : offset + len(sense)] = sense
    return bytes(data)


def _unknown_control_code(extra: int) -> bytes:
    layout = get_layout("SRB_IO_CONTROL")
    code = layout.member("ControlCode")
    data = bytearray(TMF[: layout.size] + bytes(range(256)) * (extra // 256 + 1))[
        : layout.size + extra]
    data[code.offset : code.end] = (0x7777).to_bytes(code.size, "little")
    return bytes(data)


_RNG = random.Random(12)
LEAD = leading_size()
BUFFERS = {
    "tmf + 1 trailing byte": TMF + b"\x01",
    "tmf, leading size - 1 in all": TMF + _RNG.randbytes(LEAD - 1 - len(TMF)),
    "tmf, leading size + 1 in all": TMF + _RNG.randbytes(LEAD + 1 - len(TMF)),
    "tmf + 5000 random bytes": TMF + _RNG.randbytes(5000),
    "tmf + 5000 zero bytes": TMF + bytes(5000),
    "random, not decodable": _RNG.randbytes(LEAD + 300),
    "unknown control code, payload": _unknown_control_code(3000),
    "sense past the leading bytes": _sense_buffer(LEAD + 1000),
    "sense across the end of the leading bytes": _sense_buffer(LEAD - 5),
}


def test_leading_size_is_the_largest_structure_of_the_spec() -> None:
    sizes = [get_layout(name, p).size for name in STRUCTURES for p in PROFILES]
    assert LEAD in sizes and all(size <= LEAD for size in sizes)


def test_the_head_must_hold_the_leading_bytes() -> None:
    short = long_of(TMF + bytes(LEAD), head=100)
    with pytest.raises(ValueError, match="first"):
        leading(short)


@pytest.mark.parametrize("chunk", [1, 7, 16, 4096])
def test_slices_chunks_and_views_read_what_bytes_would(chunk: int) -> None:
    data = bytes(range(256)) * 20 + b"end"
    long = long_of(data, chunk, head=100)
    assert len(long) == len(data) and bool(long)
    assert long.tobytes() == data and long.hex() == data.hex()
    for a, b in [(0, 10), (95, 105), (100, 100), (99, 4000), (5000, 6000), (-3, None),
                 (None, None), (4000, 10)]:
        assert long[a:b] == data[a:b], (a, b)
    for offset in [0, 50, 100, 101, 3000, len(data), len(data) + 5]:
        view = long.after(offset)
        assert view.tobytes() == data[offset:] and len(view) == len(data[offset:])
        assert view[3:20] == data[offset:][3:20]
    assert b"".join(long.chunks(1234)) == data[1234:]


def test_a_source_that_gives_less_than_it_said_is_one_clear_error() -> None:
    long = LongBuffer(b"abc", 10, lambda: [b"de"])
    with pytest.raises(InputFormatError, match="changed while it was read: 10 bytes expected"):
        long.tobytes()
    assert not hasattr(long, "__bytes__")  # nothing holds it whole without saying so


@pytest.mark.parametrize("name", list(BUFFERS))
def test_the_codec_says_the_same_of_a_long_buffer(name: str) -> None:
    data = BUFFERS[name]
    long = long_of(data)
    assert weigh_evidence(long) == weigh_evidence(data)
    assert detect_profile(long) == detect_profile(data)
    report, expected = (report_record(RawRecord(0, data, None, None, "raw", None), data_in=d)
                        for d in (long, data))
    assert report.guess == expected.guess and report.sense == expected.sense
    assert report.error == expected.error
    assert report.request is not None and expected.request is not None
    assert report.request.findings == expected.request.findings
    assert str(report.request.error) == str(expected.request.error)
    assert len(report.request.data) == len(data)
    assert lint_bytes(long) == lint_bytes(data)
    try:
        decoded = decode_available(long)
    except ParseError as exc:
        with pytest.raises(ParseError) as whole_exc:
            decode_available(data)
        assert str(whole_exc.value) == str(exc)
        dumped = list(iter_hexdump(None, long, findings=report.request.findings))
        assert dumped == list(iter_hexdump(None, data, findings=expected.request.findings))
        return
    whole = decode_available(data)
    assert isinstance(decoded, Decoded) and isinstance(whole, Decoded)
    assert decoded.size == whole.size == len(data)
    assert isinstance(decoded.payload or decoded.trailing, LongBuffer)
    assert decoded.to_json() == whole.to_json()
    assert lint(decoded, raw=long) == lint(whole, raw=data)
    assert sense_of(decoded, long) == sense_of(whole, data)
    for color in (False, True):
        assert render_text(decoded, color=color, findings=report.request.findings) == (
            render_text(whole, color=color, findings=expected.request.findings))
        assert list(iter_hexdump(decoded, long, color=color,
                                 findings=report.request.findings)) == (
            list(iter_hexdump(whole, data, color=color, findings=expected.request.findings)))


def test_the_sense_data_far_past_the_head_is_found() -> None:
    # The hand-made sense bytes of _sense_buffer: expected values are their SPC-4 meaning.
    data = BUFFERS["sense past the leading bytes"]
    report = report_record(RawRecord(0, data[:LEAD], None, None, "raw", None),
                           data_in=long_of(data))
    assert report.sense is not None
    found = report.sense.to_dict()
    assert (found["response_code"], found["sense_key"], found["asc"], found["ascq"]) == (
        0x70, 5, 0x24, 0)


def test_json_text_of_a_long_trailing_buffer_can_be_a_placeholder() -> None:
    data = TMF + bytes(range(200)) * 20
    decoded = decode_available(long_of(data))
    assert isinstance(decoded, Decoded)
    seen: list[LongBuffer] = []
    doc = decoded.to_json(long_hex=lambda b: (seen.append(b), "PLACEHOLDER")[1])
    assert doc["trailing"] == "PLACEHOLDER" and seen[0].tobytes() == data[len(TMF):]
    assert decode_available(data).to_json(long_hex=lambda b: "unused")["trailing"] == (
        data[len(TMF):].hex())


# --- stream_with_hex: placeholders in a JSON text, the hex streamed in ------------------------
def _long(data: bytes, chunk: int = 7) -> LongBuffer:
    return LongBuffer(data[:3], len(data),
                      lambda: (data[i:i + chunk] for i in range(3, len(data), chunk)))


def test_stream_with_hex_is_the_text_with_the_hex_held() -> None:
    import json

    from iscsitgt_spt.codec.longbuffer import stream_with_hex

    first, second = bytes(range(40)), b"\xff" * 9

    def doc(hex_of: Any) -> dict[str, Any]:
        return {"a": [hex_of(_long(first)), {"b": hex_of(_long(second))}], "z": "after"}

    pieces = list(stream_with_hex(
        lambda splicer: json.dumps(doc(splicer), indent=2)))
    assert len(pieces) > 3  # streamed: the hex came in chunks, not as one string
    assert "".join(pieces) == json.dumps(
        {"a": [first.hex(), {"b": second.hex()}], "z": "after"}, indent=2)


def test_stream_with_hex_never_splices_into_a_string_of_the_text() -> None:
    import json

    from iscsitgt_spt.codec.longbuffer import _MARKER, stream_with_hex

    data = bytes(range(20))
    # The text already holds the first placeholder as a string of its own (a capture can
    # hold any string): the marker must change so that only the real place is spliced.
    hostile = f"{_MARKER}0"

    def doc(hex_of: Any) -> dict[str, Any]:
        return {"title": hostile, "hex": hex_of(_long(data))}

    text = "".join(stream_with_hex(lambda splicer: json.dumps(doc(splicer))))
    assert json.loads(text) == {"title": hostile, "hex": data.hex()}


def test_stream_with_hex_without_long_buffers_and_with_a_lost_placeholder() -> None:
    from iscsitgt_spt.codec.longbuffer import stream_with_hex

    assert list(stream_with_hex(lambda splicer: "plain")) == ["plain"]
    with pytest.raises(ValueError):
        list(stream_with_hex(lambda splicer: (splicer(_long(b"abcdef")), "dropped")[1]))
