"""RecordingTransport and ReplayTransport.

Expected capture lines are written by hand from the format description in
``iscsitgt_spt.codec.capture.jsonl`` (known keys first in the order ioctl, in, out, abi, cookie,
time, pid, status; the IOCTL as 8-digit 0x hex; buffers as lowercase hex; compact separators).
IOCTL_SCSI_MINIPORT is 0x0004D008 (ntddscsi.h); ERROR_GEN_FAILURE 31, ERROR_ACCESS_DENIED 5
(winerror.h).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, parse_lines
from iscsitgt_spt.device.errors import (
    DeviceError,
    ReplayMismatch,
    TransportClosedError,
    Win32Error,
)
from iscsitgt_spt.device.recording import (
    RecordingTransport,
    ReplayTransport,
    utc_timestamp,
)
from iscsitgt_spt.spec.errors import InputFormatError

MINIPORT = 0x0004D008
TIME = "2026-11-21T10:00:00Z"


class FlushWatcher(io.StringIO):
    """Keeps the text that had been written at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshots: list[str] = []

    def flush(self) -> None:
        super().flush()
        self.snapshots.append(self.getvalue())


def recorder(inner: Any, sink: io.StringIO) -> RecordingTransport:
    return RecordingTransport(inner, sink, abi="win64", cookie="u64", clock=lambda: TIME, pid=1234)


# --- recording -------------------------------------------------------------------------------


def test_success_line_is_exactly_the_format(scripted: Any) -> None:
    sink = io.StringIO()
    with recorder(scripted([b"\x03\x04"]), sink) as transport:
        assert transport.ioctl(MINIPORT, b"\x01\x02", 2) == b"\x03\x04"
    assert sink.getvalue() == (
        '{"ioctl":"0x0004d008","in":"0102","out":"0304","abi":"win64","cookie":"u64",'
        '"time":"2026-11-21T10:00:00Z","pid":1234,"status":0}\n'
    )


def test_records_parse_back_equal(scripted: Any) -> None:
    sink = io.StringIO()
    transport = recorder(scripted([b"\xaa", b""]), sink)
    transport.ioctl(MINIPORT, b"\x10\x20", 1)
    transport.ioctl(0x0004D004, b"", 0)
    parsed = [item for _, item in parse_lines(sink.getvalue().splitlines())]
    common: dict[str, Any] = {"abi": "win64", "cookie": "u64", "time": TIME, "pid": 1234}
    assert parsed == [
        CaptureRecord(ioctl=MINIPORT, data_in=b"\x10\x20", data_out=b"\xaa", status=0, **common),
        CaptureRecord(ioctl=0x0004D004, data_in=b"", data_out=b"", status=0, **common),
    ]


def test_every_record_is_flushed_before_the_call_returns(scripted: Any) -> None:
    sink = FlushWatcher()
    transport = recorder(scripted([b"\x01", 31, b"\x02"]), sink)
    transport.ioctl(MINIPORT, b"\x00", 1)
    assert len(sink.snapshots) == 1
    assert sink.snapshots[-1].count("\n") == 1
    with pytest.raises(Win32Error):
        transport.ioctl(MINIPORT, b"\x01", 1)
    assert len(sink.snapshots) == 2
    assert sink.snapshots[-1].count("\n") == 2
    transport.ioctl(MINIPORT, b"\x02", 1)
    assert sink.snapshots[-1].count("\n") == 3


def test_failure_is_recorded_without_out_and_reraised(scripted: Any) -> None:
    sink = io.StringIO()
    inner = scripted([31])
    transport = recorder(inner, sink)
    with pytest.raises(Win32Error) as info:
        transport.ioctl(MINIPORT, b"\xff", 8)
    assert info.value.winerror == 31
    assert sink.getvalue() == (
        '{"ioctl":"0x0004d008","in":"ff","abi":"win64","cookie":"u64",'
        '"time":"2026-11-21T10:00:00Z","pid":1234,"status":31}\n'
    )


def test_errors_that_never_reached_the_target_are_not_recorded(scripted: Any) -> None:
    sink = io.StringIO()
    transport = recorder(scripted([ReplayMismatch("not in capture", ioctl=MINIPORT)]), sink)
    with pytest.raises(ReplayMismatch):
        transport.ioctl(MINIPORT, b"", 0)
    assert sink.getvalue() == ""


def test_defaults_pid_and_clock(scripted: Any) -> None:
    sink = io.StringIO()
    RecordingTransport(scripted([b""]), sink).ioctl(MINIPORT, b"", 0)
    (item,) = [item for _, item in parse_lines([sink.getvalue()])]
    assert isinstance(item, CaptureRecord)
    assert item.pid == os.getpid()
    assert item.abi is None and item.cookie is None
    assert item.time is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", item.time)


def test_none_pid_and_clock_are_omitted(scripted: Any) -> None:
    sink = io.StringIO()
    RecordingTransport(scripted([b""]), sink, clock=lambda: None, pid=None).ioctl(MINIPORT, b"", 0)
    assert sink.getvalue() == '{"ioctl":"0x0004d008","in":"","out":"","status":0}\n'


def test_utc_timestamp_shape() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_timestamp())


def test_close_closes_inner_but_not_sink(scripted: Any) -> None:
    sink = io.StringIO()
    inner = scripted([])
    with recorder(inner, sink):
        pass
    assert inner.closed and inner.close_calls == 1
    assert not sink.closed


def test_closed_sink_is_a_device_error(scripted: Any) -> None:
    sink = io.StringIO()
    transport = recorder(scripted([b""]), sink)
    sink.close()
    with pytest.raises(DeviceError, match="cannot write the capture record"):
        transport.ioctl(MINIPORT, b"", 0)


# --- replay ----------------------------------------------------------------------------------


def rec(data_in: bytes, data_out: bytes | None = None, status: int | None = 0,
        ioctl: int = MINIPORT) -> CaptureRecord:
    return CaptureRecord(ioctl=ioctl, data_in=data_in, data_out=data_out, status=status)


def test_replay_hit() -> None:
    replay = ReplayTransport([rec(b"\x01", b"\x81"), rec(b"\x02", b"\x82")])
    assert replay.ioctl(MINIPORT, b"\x02", 4) == b"\x82"
    assert replay.ioctl(MINIPORT, b"\x01", 4) == b"\x81"
    assert replay.remaining() == 0


def test_repeats_are_answered_in_recorded_order() -> None:
    replay = ReplayTransport([rec(b"\x01", b"first"), rec(b"\x02", b"other"),
                              rec(b"\x01", b"second")])
    assert replay.ioctl(MINIPORT, b"\x01", 8) == b"first"
    assert replay.ioctl(MINIPORT, b"\x01", 8) == b"second"
    with pytest.raises(ReplayMismatch, match=r"repeated more often .* \(2 time\(s\)\)"):
        replay.ioctl(MINIPORT, b"\x01", 8)
    assert replay.remaining() == 1


def test_same_input_different_ioctl_is_a_different_request() -> None:
    replay = ReplayTransport([rec(b"\x01", b"A", ioctl=0x0004D004), rec(b"\x01", b"B")])
    assert replay.ioctl(MINIPORT, b"\x01", 1) == b"B"
    assert replay.ioctl(0x0004D004, b"\x01", 1) == b"A"


def test_mismatch_names_ioctl_and_first_differing_byte_of_nearest_input() -> None:
    # Request 00 01 09 03: record 1 (00 01 02 03) differs in one byte, record 2 (00 ff ff ff)
    # in three, so record 1 is nearest and the first difference is byte 2 (02 vs 09).
    replay = ReplayTransport([rec(b"\x00\x01\x02\x03", b""), rec(b"\x00\xff\xff\xff", b"")])
    with pytest.raises(ReplayMismatch) as info:
        replay.ioctl(MINIPORT, b"\x00\x01\x09\x03", 4)
    assert info.value.ioctl == MINIPORT
    assert info.value.offset == 2
    assert str(info.value) == (
        "at byte 2 (0x2): IOCTL_SCSI_MINIPORT request not in the capture; the nearest "
        "recorded input (record 1) differs from here (expected 0x02, got 0x09)"
    )


def test_mismatch_on_length() -> None:
    replay = ReplayTransport([rec(b"\x00\x01\x02", b"")])
    with pytest.raises(ReplayMismatch) as info:
        replay.ioctl(MINIPORT, b"\x00\x01", 4)
    assert info.value.offset == 2
    assert info.value.expected == "0x02"
    assert info.value.actual == "end of input (2 bytes)"


def test_mismatch_for_an_ioctl_the_capture_lacks() -> None:
    replay = ReplayTransport([rec(b"\x00", b"")])
    with pytest.raises(ReplayMismatch) as info:
        replay.ioctl(0x0004D014, b"\x00", 4)
    assert info.value.offset is None
    assert str(info.value) == (
        "the capture holds no IOCTL_SCSI_PASS_THROUGH_DIRECT (0x0004d014) request"
    )


def test_recorded_failure_is_reraised_and_consumed() -> None:
    replay = ReplayTransport([rec(b"\x05", None, status=5), rec(b"\x05", b"ok")])
    with pytest.raises(Win32Error) as info:
        replay.ioctl(MINIPORT, b"\x05", 2)
    assert (info.value.winerror, info.value.name) == (5, "ERROR_ACCESS_DENIED")
    assert str(info.value).startswith("DeviceIoControl(IOCTL_SCSI_MINIPORT) failed:")
    assert replay.ioctl(MINIPORT, b"\x05", 2) == b"ok"


def test_record_without_output_cannot_be_replayed() -> None:
    replay = ReplayTransport([rec(b"\x01", None, status=None)])
    with pytest.raises(DeviceError, match=r"holds this IOCTL_SCSI_MINIPORT request \(record 1\) "
                       "but not its output"):
        replay.ioctl(MINIPORT, b"\x01", 4)


def test_output_larger_than_out_size_is_a_mismatch() -> None:
    replay = ReplayTransport([rec(b"\x01", b"\x00" * 8)])
    with pytest.raises(ReplayMismatch) as info:
        replay.ioctl(MINIPORT, b"\x01", 4)
    assert (info.value.expected, info.value.actual) == ("out_size >= 8", "4")
    assert replay.remaining() == 1


def test_from_lines_labels_records_by_line() -> None:
    lines = [
        "# a capture",
        '{"ioctl":"0x0004d008","in":"0001","out":"aa"}',
        "",
        '{"ioctl":315400,"in":"00ff","out":"bb"}',
    ]
    replay = ReplayTransport.from_lines(lines)
    assert replay.ioctl(MINIPORT, b"\x00\xff", 1) == b"\xbb"  # 315400 == 0x4d008
    with pytest.raises(ReplayMismatch, match=r"\(line 2\)"):
        replay.ioctl(MINIPORT, b"\x00\x02", 1)


def test_from_lines_refuses_bad_lines() -> None:
    with pytest.raises(InputFormatError) as info:
        ReplayTransport.from_lines(['{"ioctl":"0x0004d008","in":"00"}', '{"ioctl":1,"in":"0"}'])
    assert info.value.path == "line 2.in"


def test_from_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(DeviceError, match="cannot read the capture") as info:
        ReplayTransport.from_file(missing)
    assert info.value.path == str(missing)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"ioctl":1,"in":"zz"}\n', encoding="utf-8")
    with pytest.raises(InputFormatError) as bad_info:
        ReplayTransport.from_file(bad)
    assert bad_info.value.path == f"{bad} line 1.in"
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b'{"ioctl":1,"in":"00"}\n\xff\xfe')
    with pytest.raises(InputFormatError) as bin_info:
        ReplayTransport.from_file(binary)
    assert bin_info.value.offset == 22


def test_closed_replay_refuses_use() -> None:
    replay = ReplayTransport([rec(b"", b"")])
    replay.close()
    with pytest.raises(TransportClosedError):
        replay.ioctl(MINIPORT, b"", 0)
    assert replay.remaining() == 1


def test_label_count_must_match() -> None:
    with pytest.raises(DeviceError):
        ReplayTransport([rec(b"", b"")], labels=[])


# --- round trip ------------------------------------------------------------------------------


def test_a_recorded_session_replays_identically(scripted: Any) -> None:
    sink = io.StringIO()
    session = [(b"\x01\x02", 4), (b"\x03", 2), (b"\x01\x02", 4)]
    outcomes: list[bytes | int] = [b"\x10\x20\x30", 995, b"\x40"]
    live = recorder(scripted(list(outcomes)), sink)
    replay = ReplayTransport.from_lines(io.StringIO(sink.getvalue()))  # empty so far
    assert replay.remaining() == 0
    answers_live: list[bytes | int] = []
    for data, size in session:
        try:
            answers_live.append(live.ioctl(MINIPORT, data, size))
        except Win32Error as exc:
            answers_live.append(exc.winerror)
    assert answers_live == outcomes
    replay = ReplayTransport.from_lines(io.StringIO(sink.getvalue()))
    answers_replay: list[bytes | int] = []
    for data, size in session:
        try:
            answers_replay.append(replay.ioctl(MINIPORT, data, size))
        except Win32Error as exc:
            answers_replay.append(exc.winerror)
    assert answers_replay == outcomes


def test_from_file_accepts_a_bom_and_crlf(tmp_path: Path) -> None:
    capture = tmp_path / "ps.jsonl"
    capture.write_bytes(b'\xef\xbb\xbf{"ioctl":"0x0004d008","in":"01","out":"02"}\r\n')
    assert ReplayTransport.from_file(capture).ioctl(MINIPORT, b"\x01", 1) == b"\x02"
