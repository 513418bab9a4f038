"""IOCTL Fuzzer / ioctlbf log reader (sample hand-written from the tool's LogData format)."""

from __future__ import annotations

from pathlib import Path

from iscsitgt_spt.codec.capture.detect import read_capture
from iscsitgt_spt.codec.capture.fuzzlogs import iter_ioctlbf

# IOCTL_SCSI_MINIPORT, hand-derived: CTL_CODE(4, 0x402, 0, 3) = 0x40000|0xC000|0x1008 = 0x4d008
IOCTL_SCSI_MINIPORT = 0x4D008


def test_sample_two_records(vectors: Path, tmf: bytes, tmf5: bytes) -> None:
    result = read_capture((vectors / "ioctlbf.log").read_bytes())
    assert result.format == "ioctlbf"
    first, second = result.records
    assert (first.data_in, second.data_in) == (tmf, tmf5)
    assert first.ioctl == second.ioctl == IOCTL_SCSI_MINIPORT
    assert first.meta["method"] == "METHOD_BUFFERED" and first.meta["pid"] == 4242
    assert first.meta["in_size"] == 0x40 and first.meta["out_size"] == 0x40
    assert "size_mismatch" not in first.meta
    assert (first.line, second.line) == (1, 13)
    assert first.data_out is None


def test_truncated_dump_is_flagged(vectors: Path, tmf: bytes) -> None:
    lines = (vectors / "ioctlbf.log").read_text().splitlines()[:12]
    lines[5] = "    InBuff: 0x000001a2b3c4d000,  InSize: 0x00001000"
    (record,) = iter_ioctlbf(lines)
    assert record.ok and record.data_in == tmf
    assert record.meta["size_mismatch"] == "in: dumped 64 of 4096 bytes"


def test_more_bytes_than_declared_is_an_error(vectors: Path) -> None:
    lines = (vectors / "ioctlbf.log").read_text().splitlines()[:12]
    lines[5] = "    InBuff: 0x000001a2b3c4d000,  InSize: 0x00000028"
    (record,) = iter_ioctlbf(lines)
    assert record.error is not None and "more than the declared size" in record.error


def test_output_buffer_rows_go_to_data_out() -> None:
    lines = ["IOCTL Code: 0x0004d008,  Method: METHOD_BUFFERED",
             "    InBuff: 0x00a3f010,  InSize: 0x00000002", "-" * 68,
             "1c 00                                             | ..",
             "   OutBuff: 0x00a3f010, OutSize: 0x00000002", "-" * 68,
             "ff 01                                             | ..", ""]
    (record,) = iter_ioctlbf(lines)
    assert (record.data_in, record.data_out) == (b"\x1c\x00", b"\xff\x01")


def test_broken_record_mid_capture(vectors: Path, tmf5: bytes) -> None:
    lines = (vectors / "ioctlbf.log").read_text().splitlines()
    lines[8] = "02 01 00 00 00 00 0g 00  24 00 00 00 00 00 00 00  | ........$......."
    first, second = iter_ioctlbf(lines)
    assert first.error is not None and "line 9" in first.error
    assert second.ok and second.data_in == tmf5


def test_header_lines_land_in_meta(vectors: Path) -> None:
    # Read by hand from the sample's first record: the "'image' (PID: n)" line, the
    # "'device' (object) [driver]" line, the OutBuff/InBuff addresses; a line the log format
    # does not define is kept (stripped) under other_lines.
    lines = (vectors / "ioctlbf.log").read_text().splitlines()[:12]
    lines.insert(3, "  something else  ")
    (record,) = iter_ioctlbf(lines)
    assert record.meta["process"] == r"\??\C:\Tools\spt-client.exe"
    assert record.meta["device"] == r"\Device\RaidPort0"
    assert record.meta["device_object"] == "0xffffc30a1b2c3d40"
    assert record.meta["driver"] == r"\SystemRoot\System32\drivers\storport.sys"
    assert record.meta["in_buffer"] == record.meta["out_buffer"] == "0x000001a2b3c4d000"
    assert record.meta["other_lines"] == ["something else"]


def test_rows_out_of_place_or_malformed_are_errors_naming_the_line(vectors: Path) -> None:
    lines = (vectors / "ioctlbf.log").read_text().splitlines()[:12]
    # Line 4 (the blank after the IOCTL line) becomes a hex row: no InBuff/OutBuff line yet.
    early = list(lines)
    early[3] = "1c 00 00 00 49 53 43 53  49 54 47 54 3c 00 00 00  | ....ISCSITGT<..."
    (record,) = iter_ioctlbf(early)
    assert record.error == "line 4: hex row before any InBuff/OutBuff line"
    # Line 9's first byte is not hex: still a row by its shape (3+ pairs then '|'); the
    # message quotes the row's first 60 characters (it may be a megabyte long).
    row = "zz 01 00 00 00 00 00 00  24 00 00 00 00 00 00 00  | ........$......."
    bad = list(lines)
    bad[8] = row
    (record,) = iter_ioctlbf(bad)
    assert record.error == f"line 9: malformed hex row {row[:60]!r}"
