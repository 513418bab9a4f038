"""IRPMon readers.  Samples are hand-written following IRPMon's save code (see the README):
text ``Column = value`` records with Hexer rows, JSON lines with the malformed Stack member, and a
JSON array with a literal ``Parsers.Hexer.Data0`` hex string."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from iscsitgt_spt.codec.capture.detect import detect_format, read_capture
from iscsitgt_spt.codec.capture.irpmon import iter_irpmon_text, refuse_binary
from iscsitgt_spt.codec.capture.irpmon_json import (
    _json_objects,
    _preview,
    iter_irpmon_json,
    repair_stack,
)
from iscsitgt_spt.spec.errors import InputFormatError

IOCTL_SCSI_MINIPORT = 0x4D008  # CTL_CODE(4, 0x402, METHOD_BUFFERED, FILE_READ_WRITE_ACCESS)


def test_text_pairs_requests_with_completions(vectors: Path, tmf: bytes, tmf5: bytes,
                                              tmf_out1: bytes, tmf5_out5: bytes) -> None:
    result = read_capture((vectors / "irpmon.txt").read_bytes())
    assert result.format == "irpmon-text"
    first, second = result.records  # the Create record is not an IOCTL: skipped
    assert (first.data_in, first.data_out) == (tmf, tmf_out1)
    assert (second.data_in, second.data_out) == (tmf5, tmf5_out5)
    # "IOCTL = IOCTL_SCSI_MINIPORT" and "IOCTL = 0x4D008" name the same code.
    assert first.ioctl == second.ioctl == IOCTL_SCSI_MINIPORT
    assert first.meta["paired"] is True and first.meta["status"] == 0
    assert first.meta["irp"] == "0xFFFFC30A1D4E5010" and first.meta["in_size"] == 64
    assert first.meta["data_stripped"] is False
    assert first.line == 16


def test_json_lines_with_malformed_stack(vectors: Path, tmf: bytes, tmf_out1: bytes) -> None:
    data = (vectors / "irpmon.jsonl").read_bytes()
    assert b"0xFFFFF8051A2B3C4D" in data and b"), ]" in data
    result = read_capture(data)
    assert result.format == "irpmon-json"
    first, second = result.records
    assert (first.data_in, first.data_out) == (tmf, tmf_out1)
    assert first.meta["stack"] == [
        {"Address": "0xFFFFF8051A2B3C4D", "Module": "storport.sys",
         "Function": "RaUnitScsiIrp", "Offset": 1234},
        {"Address": "0xFFFFF8051A000010"},
    ]
    assert second.ok


def test_json_array_with_literal_dotted_key(vectors: Path, tmf: bytes, tmf_out1: bytes) -> None:
    result = read_capture((vectors / "irpmon_array.json").read_bytes())
    assert result.format == "irpmon-json"
    (record,) = result.records
    assert (record.data_in, record.data_out, record.ioctl) == (tmf, tmf_out1, IOCTL_SCSI_MINIPORT)


def test_stack_beyond_repair_is_dropped() -> None:
    text = '{"ID" : "1", "Stack" : [{"Address" : 0x1 "Module" : ), ]}'
    fixed, frames, dropped = repair_stack(text)
    assert dropped and frames is None and fixed == '{"ID" : "1"}'


def test_stack_repair_leaves_strings_alone() -> None:
    text = '{"Stack" : [{"Address" : 0x10, "Module" : "a (x) 0x5.sys", "Offset" : 1)]}'
    _, frames, dropped = repair_stack(text)
    assert not dropped
    assert frames == [{"Address": "0x10", "Module": "a (x) 0x5.sys", "Offset": 1}]


def test_json_broken_record_mid_capture(vectors: Path, tmf5: bytes) -> None:
    lines = (vectors / "irpmon.jsonl").read_text().splitlines()
    lines[1] = lines[1][:200]  # request 513 cut short
    records = list(iter_irpmon_json(lines))
    assert records[0].error is not None and "line 2" in records[0].error
    assert any(r.data_in == tmf5 and r.meta["paired"] for r in records)


def test_text_broken_record_mid_capture(vectors: Path, tmf5: bytes) -> None:
    lines = (vectors / "irpmon.txt").read_text().splitlines()
    row = lines.index("  10:\t02 01 00 00 00 00 00 00 24 00 00 00 00 00 00 00\t........$.......")
    lines[row] = "  10:\t02 01 zz 00 00 00 00 00 24 00 00 00 00 00 00 00\t........$......."
    records = list(iter_irpmon_text(lines))
    errors = [r for r in records if r.error]
    assert len(errors) == 1 and f"line {row + 1}" in (errors[0].error or "")
    assert any(r.data_in == tmf5 and r.meta["paired"] for r in records)


def test_hexer_rows_without_tabs_stop_at_data_size() -> None:
    lines = ["ID = 1", "Type = IRP", "IRP address = 0x1", "IOCTL = 0x4d008", "Data size = 3",
             "Data (Hexer)", "  0: 1c 00 ab               ab cd"]
    (record,) = iter_irpmon_text(lines)
    assert record.data_in == b"\x1c\x00\xab" and record.meta["paired"] is False


def test_data_stripped_is_noted() -> None:
    lines = ["ID = 1", "Type = IRP", "IRP address = 0x1", "IOCTL = 0x4d008",
             "Data stripped = True", "Data size = 4096"]
    (record,) = iter_irpmon_text(lines)
    assert record.ok and record.data_in is None and record.meta["data_stripped"] is True


def test_binary_log_is_refused_clearly() -> None:
    data = b"IRPMNLOG" + bytes(24)
    assert detect_format(data) == "irpmon-binary"
    with pytest.raises(InputFormatError, match=r"binary log.*export"):
        read_capture(data)
    with pytest.raises(InputFormatError, match="text or JSON"):
        refuse_binary(data)


def test_json_array_streams_from_arbitrary_pieces(vectors: Path, tmf: bytes,
                                                  tmf_out1: bytes) -> None:
    text = (vectors / "irpmon_array.json").read_text()
    for size in (1, 7, 64):
        pieces = [text[i:i + size] for i in range(0, len(text), size)]
        (record,) = iter_irpmon_json(pieces)
        assert (record.data_in, record.data_out) == (tmf, tmf_out1)


def _one_at_a_time(lines: list[str]) -> Iterator[str]:
    """The lines, let go by the list as they are taken (as the command line hands them)."""
    lines.reverse()
    while lines:
        yield lines.pop()


def test_a_large_record_is_read_without_its_line_held() -> None:
    # An export on one line: a large request, a small completion, then text that is not JSON.
    big = '{"Parsers.Hexer.Data0" : "' + "ab" * 50_000 + '"}'
    small = '{"ID" : "2"}'
    line = f"[{big}, {small}] not json  "  # no leading space: the reader keeps it as it is
    outside: list[tuple[int, int, str]] = []
    records = _json_objects(_one_at_a_time([line]), 1, 1 << 30, outside)
    first = next(records)
    # What holds the line now: ``line`` and getrefcount's argument, nothing in the reader.
    assert sys.getrefcount(line) == 2
    assert first == (1, 1, big)
    assert list(records) == [(1, 1, small)]
    # The line is named by its first 60 characters, stripped (the stray-text message).
    assert outside == [(1, 1, "[" + big[:59])]


@pytest.mark.parametrize("line", [
    "", "   ", "abc", "  abc  ", " " * 70 + "x", "x" * 59 + "   ", "x" * 59 + "   y",
    "x" * 60 + " \u2003\t", "\u3000 lead" + "y" * 100, "\x1c\x1dab\x1e\x1f",
])
def test_the_line_preview_is_its_stripped_start(line: str) -> None:
    assert _preview(line) == line.strip()[:60]


def test_columns_land_in_meta(vectors: Path) -> None:
    # Read by hand from irpmon.txt's second IOCTL request (ID = 513) and its completion
    # (ID = 515, same IRP address): "ID"/"Process ID"/"IOSB.Status value" become numbers,
    # "O: 64 (0x...)"/"I: 64 (0x...)" become the sizes 64, the IOCTL 0x4D008's method is its
    # low two bits (CTL_CODE(4, 0x402, METHOD_BUFFERED = 0, 3)), other columns stay text.
    records = list(iter_irpmon_text((vectors / "irpmon.txt").read_text().splitlines()))
    request = next(r for r in records if r.meta.get("id") == 513)
    assert request.meta["pid"] == 4242 and request.meta["process"] == "spt-client.exe"
    assert request.meta["subtype"] == "DeviceControl:" and request.meta["type"] == "IRP"
    assert (request.meta["in_size"], request.meta["out_size"]) == (64, 64)
    assert request.meta["method"] == 0 and request.meta["data_stripped"] is False
    assert request.meta["irp"] == "0xFFFFC30A1D4E5010"
    completion = request.meta["completion"]
    assert isinstance(completion, dict)
    assert completion["id"] == 515 and completion["major"] == "DeviceControl"
    assert completion["status"] == 0 and completion["status_name"] == "STATUS_SUCCESS"
    assert completion["information"] == "0x0000000000000040"
    assert request.meta["status"] == 0 and request.meta["paired"] is True


def test_requests_waiting_for_a_completion_are_bounded() -> None:
    """Memory stays flat on a capture of requests whose completions never come (filtered out):
    past ``_MAX_PENDING`` the oldest request is written unpaired, in input order; a completion
    that does come, within the bound, still finds its request."""
    from iscsitgt_spt.codec.capture import irpmon

    pairer = irpmon.Pairer("irpmon-json")
    bound = irpmon._MAX_PENDING
    total = bound + 50
    out = []
    for n in range(total):
        request = irpmon._Parsed("request", n + 1, f"0x{n:016X}", IOCTL_SCSI_MINIPORT,
                                 bytes([n % 256]), {"irp": f"0x{n:016X}"})
        out += pairer.feed(request)
        assert len(pairer.pending) <= bound
    # The 50 oldest were let go unpaired, in order (one of them still held back by the
    # pairer until the next record, so it can name skipped lines).
    assert [r.line for r in out] == list(range(1, 50))
    assert all(r.meta["paired"] is False for r in out)
    last = f"0x{total - 1:016X}"
    completion = irpmon._Parsed("completion", total + 1, last, None, b"\x01", {"status": 0})
    out += pairer.feed(completion)
    out += pairer.flush()
    assert len(out) == total
    paired = [r for r in out if r.meta["paired"]]
    assert [(r.line, r.end_line, r.data_out) for r in paired] == [(total, total + 1, b"\x01")]


def test_json_array_record_ends_and_skipped_records_are_named() -> None:
    # Written by hand: a malformed record over lines 2-4 (a record of its own, to its last
    # line), a Create record on line 6 (not an IOCTL: named by the record after it) and a
    # request on line 8 holding 1c 00 ab, another on line 10 (the skipped record is named
    # by the record after it, not by the last).
    request = ('{"ID" : "2", "Type" : "IRP", "Subtype" : "DeviceControl:", "IRP address" : '
               '"0x2", "IOCTL" : "0x4D008", "Data size" : "3", '
               '"Parsers" : {"Hexer" : {"Data0" : "00:\\t1c 00 ab\\t..."}}}')
    create = '{"ID" : "9", "Type" : "IRP", "Subtype" : "Create:", "IRP address" : "0x9"}'
    lines = ["[", '{"ID" : "1",', '"Type" : ', '"IRP" ,, }', ",", create, ",", request, ",",
             request.replace('"0x2"', '"0x3"'), "]"]
    broken, record, last = iter_irpmon_json(lines)
    assert not broken.ok and (broken.line, broken.end_line) == (2, 4)
    assert record.ok and (record.line, record.end_line) == (8, 8)
    assert record.data_in == b"\x1c\x00\xab"
    assert record.meta["skipped_lines"] == ("line 6: IRPMon Create record, not an IOCTL",)
    assert last.line == 10 and "skipped_lines" not in last.meta
