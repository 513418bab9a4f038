"""decode_jsonl_lines: one output line per record, errors in line, nothing held in memory."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
from iscsitgt_spt.codec.analysis.stream import (
    READ_AHEAD_BYTES,
    READ_AHEAD_RECORDS,
    decode_jsonl_lines,
    read_ahead,
)
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.spec.errors import InputFormatError
from iscsitgt_spt.spec.profiles import Profile

# ISCSITGT_SPT_TMF, win64/u64, derived by hand in tests/codec/test_api.py (structures.md):
# HeaderLength 28, "ISCSITGT", Timeout 60, ControlCode 0x102, Length 36, 4 pad, handle
# 0x1122334455667788 at 32, Lun 1 at 40, TMF 1 at 44, 3 pad, cookie at 48, Response 0, 7 pad.
TMF_WIN64 = (
    "1c000000" "4953435349544754" "3c000000" "02010000" "00000000" "24000000" "00000000"
    "8877665544332211" "01000000" "01" "000000" "0807060504030201" "00" "00000000000000"
)
# The same request for win32/ptr: 4-byte cookies, Length 48 - 28 = 20 (test_api derivation):
# handle at 28, Lun 32, TMF 36, 3 pad, cookie 40, Response 44, 3 tail -> 48 bytes.
TMF_WIN32_PTR = (
    "1c000000" "4953435349544754" "3c000000" "02010000" "00000000" "14000000"
    "ddccbbaa" "07000000" "02" "000000" "00000000" "00" "000000"
)
MINIPORT = "0x0004d008"  # IOCTL_SCSI_MINIPORT, ntddscsi.h


def _record(data: str, **extra: object) -> str:
    return json.dumps({"ioctl": MINIPORT, "in": data, **extra})


def test_each_record_becomes_its_decode_report() -> None:
    out = [json.loads(line) for line in decode_jsonl_lines([
        _record(TMF_WIN64),
        _record(TMF_WIN32_PTR, abi="win32", cookie="ptr"),
    ])]
    assert [d["line"] for d in out] == [1, 2]
    first, second = (d["input"]["document"] for d in out)
    assert (first["name"], first["abi"], first["cookie"], first["size"]) == (
        "ISCSITGT_SPT_TMF", "win64", "u64", 64)
    assert first["ioctl"] == MINIPORT
    assert first["value"]["Header"]["ControlCode"] == 0x102
    assert first["value"]["ITNexusHandle"] == 0x1122334455667788
    assert first["value"]["ReferenceTaskCookie"] == 0x0102030405060708
    assert first["value"]["Header"]["Signature"] == "4953435349544754"
    assert (second["abi"], second["cookie"], second["size"]) == ("win32", "ptr", 48)
    assert second["value"]["ITNexusHandle"] == 0xAABBCCDD
    assert second["value"]["Lun"] == 7


def test_broken_records_become_error_entries_and_decoding_goes_on() -> None:
    lines = [
        "# a comment",
        "",
        "{not json",
        _record(TMF_WIN64[:80]),  # 40 bytes: cut inside Lun (offset 40)
        _record(TMF_WIN64, abi="win16"),
        _record(TMF_WIN64),
    ]
    out = [json.loads(line) for line in decode_jsonl_lines(lines)]
    assert [d["line"] for d in out] == [3, 4, 5, 6]
    assert "malformed JSON" in out[0]["error"]
    assert "ISCSITGT_SPT_TMF.Lun" in out[1]["input"]["error"]
    assert "at byte 40" in out[1]["input"]["error"]
    assert "win16" in out[2]["error"]
    assert out[3]["input"]["document"]["name"] == "ISCSITGT_SPT_TMF"


def test_a_given_profile_overrides_the_records() -> None:
    out = json.loads(next(decode_jsonl_lines(
        [_record(TMF_WIN32_PTR, abi="win64")], profile=Profile("win32", "ptr")
    )))
    doc = out["input"]["document"]
    assert (doc["abi"], doc["cookie"], doc["value"]["Lun"]) == ("win32", "ptr", 7)


def test_lines_are_read_lazily() -> None:
    # An endless capture: a streaming decoder yields its first results without reading it all.
    def endless() -> Iterator[str]:
        while True:
            yield _record(TMF_WIN64)

    first = list(itertools.islice(decode_jsonl_lines(endless()), 3))
    assert [json.loads(line)["line"] for line in first] == [1, 2, 3]
    assert all("\n" not in line for line in first)


def test_each_line_is_the_record_report_as_one_json_document() -> None:
    """The streamed line splices a pre-encoded profile part: it must still be exactly the
    report's JSON object, compact, for every kind of record (guess or not, error or not)."""
    from iscsitgt_spt.codec import build, encode
    from iscsitgt_spt.codec.analysis.report import report_record
    from iscsitgt_spt.codec.capture.records import iter_jsonl

    sense = {"ErrorCode": 0x70, "SenseKey": 3, "AdditionalSenseLength": 10,
             "AdditionalSenseCode": 0x11}
    pass_through = encode(build("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", {
        "ScsiPassThroughDirect": {"CdbLength": 10, "DataIn": 1}, "SenseData": sense})).hex()
    start = encode(build("ISCSITGT_SPT_SESSION_START", {"PeerAddress": "192.0.2.1 \"é\"",
                                                         "ITNexus": "iqn\u0001"})).hex()
    lines = [
        json.dumps({"ioctl": "0x0004d014", "in": pass_through}),
        _record(start[:-8] + "41000000"),  # garbage after ChapUserName's terminator
        _record(TMF_WIN64),
        _record(TMF_WIN64, out=TMF_WIN64[:-16] + "05" + TMF_WIN64[-14:]),
        _record(TMF_WIN32_PTR, abi="win32", cookie="ptr"),
        _record(TMF_WIN64[:80]),
        "{not json",
        _record("00" * 64),
    ]
    for diagnostics in (True, False):
        streamed = list(decode_jsonl_lines(lines, diagnostics=diagnostics))
        reports = [report_record(r, diagnostics=diagnostics) for r in iter_jsonl(lines)]
        assert streamed == [json.dumps(r.to_json(), ensure_ascii=False, separators=(",", ":"))
                            for r in reports]
        assert all(json.loads(line)["line"] for line in streamed)


def test_profile_candidates_replace_an_unambiguous_reason() -> None:
    # 64 bytes: ISCSITGT_SPT_TMF is 64 bytes on win64 (either cookie) and win32/u64
    # (structures.md), which all lay it out alike: not ambiguous, three candidates.
    (row,) = (json.loads(line) for line in decode_jsonl_lines([_record(TMF_WIN64)]))
    assert row["profile_candidates"] == ["win64/u64", "win64/ptr", "win32/u64"]
    assert row["profile_ambiguous"] is False and "profile_reason" not in row


def _raw(index: int, size: int = 4) -> RawRecord:
    return RawRecord(index, bytes(size), None, None, "jsonl", index + 1)


def _counted(records: list[RawRecord], pulled: list[int],
             error: Exception | None = None) -> Iterator[RawRecord]:
    for record in records:
        pulled[0] += 1
        yield record
    if error is not None:
        raise error


def test_read_ahead_hands_on_every_record_in_order_one_batch_ahead_at_most() -> None:
    records = [_raw(i) for i in range(2 * READ_AHEAD_RECORDS + 5)]
    pulled = [0]
    handed = []
    for record in read_ahead(_counted(records, pulled)):
        handed.append(record)
        assert pulled[0] - len(handed) < READ_AHEAD_RECORDS
    assert handed == records


def test_read_ahead_holds_at_most_its_bytes_and_one_record() -> None:
    # Records of a third of the bound each: a batch is full at the third (its buffers reach
    # the bound), so no more than three are read before the first is handed on.
    size = READ_AHEAD_BYTES // 3 + 1
    records = [_raw(i, size) for i in range(10)]
    pulled = [0]
    for count, record in enumerate(read_ahead(_counted(records, pulled)), 1):
        assert record is records[count - 1]
        assert pulled[0] - count < 3


def test_read_ahead_hands_on_what_was_read_before_an_error() -> None:
    records = [_raw(i) for i in range(5)]
    handed = []
    with pytest.raises(InputFormatError, match="broken"):
        for record in read_ahead(_counted(records, [0], InputFormatError("broken"))):
            handed.append(record)
    assert handed == records
