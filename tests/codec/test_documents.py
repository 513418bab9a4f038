"""JSON documents: the decode --json / encode contract."""

from __future__ import annotations

import json

import pytest
from iscsitgt_spt.codec import (
    JsonInputError,
    build,
    decode_buffer,
    encode,
    encode_document,
    identify,
    load_json,
)
from iscsitgt_spt.codec.values import WcharText
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH_DIRECT
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.profiles import Profile


def _roundtrip(data: bytes, **kw: object) -> bytes:
    doc = json.loads(json.dumps(decode_buffer(data, **kw).to_json()))  # type: ignore[arg-type]
    return encode_document(doc)


def test_document_shape() -> None:
    data = encode(build("ISCSITGT_SPT_SESSION_STOP", {"ITNexusHandle": 5}))
    doc = decode_buffer(data).to_json()
    assert (doc["name"], doc["abi"], doc["cookie"], doc["size"]) == (
        "ISCSITGT_SPT_SESSION_STOP", "win64", "u64", 40)
    assert doc["value"]["Header"]["Signature"] == "4953435349544754"  # "ISCSITGT" in hex
    assert doc["value"]["ITNexusHandle"] == 5
    assert doc["value"]["_pad_before_ITNexusHandle"] == "00000000"


def test_identify_by_control_code_and_by_sptd_length() -> None:
    stop = encode(build("ISCSITGT_SPT_SESSION_STOP"))
    assert identify(stop) == "ISCSITGT_SPT_SESSION_STOP"
    sptd = encode(build("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"))
    assert identify(sptd) == "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
    assert (
        identify(sptd, IOCTL_SCSI_PASS_THROUGH_DIRECT) == "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
    )
    with pytest.raises(ParseError):
        identify(b"\xff" * 64)
    with pytest.raises(ParseError):
        identify(stop, 0x12345678)


def test_unknown_control_code_keeps_the_payload() -> None:
    header = encode(build("SRB_IO_CONTROL", {"ControlCode": 0x1FF, "Length": 4}))
    data = header + b"\xde\xad\xbe\xef"
    d = decode_buffer(data, ioctl=IOCTL_SCSI_MINIPORT)
    assert d.name == "SRB_IO_CONTROL" and d.payload == b"\xde\xad\xbe\xef"
    assert _roundtrip(data, ioctl=IOCTL_SCSI_MINIPORT) == data


def test_trailing_bytes_are_kept() -> None:
    data = encode(build("ISCSITGT_SPT_TMF")) + b"\x01\x02\x03"
    assert decode_buffer(data).trailing == b"\x01\x02\x03"
    assert _roundtrip(data) == data


def test_non_canonical_strings_survive_json() -> None:
    v = build("ISCSITGT_SPT_SESSION_START", {"PeerAddress": WcharText(b"a\0\0\0b\0" + bytes(122))})
    doc = decode_buffer(encode(v)).to_json()
    assert doc["value"]["PeerAddress"]["text"] == "a"
    assert _roundtrip(encode(v)) == encode(v)


def test_partial_value_is_built_canonically() -> None:
    data = encode_document({"Lun": 3, "ITNexusHandle": "0x10"}, "ISCSITGT_SPT_TMF")
    assert data == encode(build("ISCSITGT_SPT_TMF", {"Lun": 3, "ITNexusHandle": 16}))


def test_document_profile_is_used_and_name_checked() -> None:
    data = encode(build("ISCSITGT_SPT_TMF", abi="win32", cookie="ptr"))
    doc = decode_buffer(data, profile=Profile("win32", "ptr")).to_json()
    assert encode_document(doc) == data
    with pytest.raises(JsonInputError, match="another structure"):
        encode_document(doc, "ISCSITGT_SPT_SESSION_STOP")


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({"IsReinstated": "twelve"}, "not an integer"),
        ({"Header": {"Signature": "zé"}}, "not valid hex"),  # nor ASCII text
        ({"Header": {"Signature": 5}}, "hex strings"),
        ({"ITNexus": {"text": "no raw"}}, "raw"),
        ([1, 2], "JSON object"),
    ],
)
def test_malformed_json_values(obj: object, match: str) -> None:
    with pytest.raises(JsonInputError, match=match):
        encode_document(obj, "ISCSITGT_SPT_SESSION_START")


def test_malformed_json_text() -> None:
    with pytest.raises(JsonInputError, match="line 1 column 9"):
        load_json('{"Lun": }')


def test_a_truncated_document_is_refused() -> None:
    from iscsitgt_spt.codec import decode_available

    data = encode(build("ISCSITGT_SPT_TMF", {"ITNexusHandle": 5}))[:50]
    doc = json.loads(json.dumps(decode_available(data).to_json()))
    assert doc["truncated"]["path"] == "ISCSITGT_SPT_TMF.ReferenceTaskCookie"
    assert bytes.fromhex(doc["hex"]) == data
    with pytest.raises(JsonInputError, match="truncated"):
        encode_document(doc)


def test_trailing_bytes_are_a_view_of_the_buffer_not_a_copy() -> None:
    # Issue 12 case 12: a structure followed by megabytes must cost the buffer once.  The
    # 64-byte TMF sample (tests/vectors/captures/tmf_abort_task.bin, hand-derived) is 64 bytes,
    # so the 1,000 bytes after it are the trailing bytes, shared with the buffer.
    from pathlib import Path

    from iscsitgt_spt.codec.dispatch import decode_buffer

    sample = (Path(__file__).parents[1] / "vectors" / "captures" / "tmf_abort_task.bin")
    data = sample.read_bytes() + bytes(range(250)) * 4
    trailing = decode_buffer(data).trailing
    assert isinstance(trailing, memoryview) and trailing.obj is data
    assert trailing == bytes(range(250)) * 4 and len(trailing) == 1000
