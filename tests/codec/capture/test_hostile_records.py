"""Issue #12 in the capture readers: a hostile record costs only itself (cases 2, 4, 5, 6, 8).

The JSONL records are built here from the format's definition (``ioctl`` and ``in`` required,
``pid``/``status`` optional integers), the ioctlbf lines from the sample's own layout.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.analysis.report import report_record
from iscsitgt_spt.codec.capture.detect import FORMATS, iter_capture_lines, read_capture
from iscsitgt_spt.codec.capture.fuzzlogs import iter_ioctlbf
from iscsitgt_spt.codec.capture.irpmon_json import iter_irpmon_json
from iscsitgt_spt.spec.errors import SptError

BOUNDED = settings(deadline=2000, max_examples=60)

GOOD = '{"ioctl": "0x0004d008", "in": "%s", "pid": 7}'
#: One bad record per hostile kind of issue #12, as the line text of a JSONL capture.
BAD_RECORDS = {
    "case4-huge-integer": '{"ioctl": 1, "in": "00", "x": ' + "7" * 5000 + "}",
    "case5-deep-nesting": '{"ioctl": 1, "in": "00", "x": ' + "[" * 2000 + "]" * 2000 + "}",
    "case6-lone-surrogate": '{"ioctl": 1, "in": "00", "note": "\\ud800"}',
    "case8-huge-pid": '{"ioctl": 1, "in": "00", "pid": "0x' + "f" * 5000 + '"}',
    "case8-huge-status": '{"ioctl": 1, "in": "00", "status": "0x' + "f" * 5000 + '"}',
    "case8-huge-decimal-pid": '{"ioctl": 1, "in": "00", "pid": "' + "9" * 5000 + '"}',
}


def capture_with_bad_line(tmf: bytes, bad: str, count: int = 1000, at: int = 500) -> list[str]:
    lines = [GOOD % tmf.hex() + "\n" for _ in range(count)]
    lines[at - 1] = bad + "\n"
    return lines


@pytest.mark.parametrize("kind", sorted(BAD_RECORDS))
def test_one_bad_record_in_1000_costs_only_itself(kind: str, tmf: bytes) -> None:
    records = list(iter_capture_lines(capture_with_bad_line(tmf, BAD_RECORDS[kind]), "jsonl"))
    errors = [r for r in records if r.error is not None]
    assert len(records) == 1000 and len(errors) == 1
    assert errors[0].line == 500 and "line 500" in errors[0].error
    assert all(r.data_in == tmf for r in records if r.error is None)  # 999 decoded records


def test_pid_and_status_are_32_bit() -> None:
    (record,) = iter_capture_lines(['{"ioctl": 1, "in": "", "status": -1073741823}'], "jsonl")
    assert record.ok  # STATUS_UNSUCCESSFUL (0xC0000001) written signed
    (record,) = iter_capture_lines(['{"ioctl": 1, "in": "", "pid": 4294967296}'], "jsonl")
    assert record.error is not None and "pid out of range" in record.error


def test_irpmon_json_lone_surrogate_costs_its_record(vectors: Path) -> None:
    lines = (vectors / "irpmon.jsonl").read_text().splitlines(keepends=True)
    hostile = '{"ID" : "600", "Type" : "IRP", "Process name" : "\\udc00"}\n'
    records = list(iter_irpmon_json([hostile, *lines]))
    clean = list(iter_irpmon_json(lines))
    assert [r.data_in for r in records if r.ok] == [r.data_in for r in clean if r.ok]
    assert any(r.error and "surrogate" in r.error for r in records)


def test_case2_ioctlbf_decimal_size(vectors: Path, tmf: bytes) -> None:
    lines = (vectors / "ioctlbf.log").read_text().splitlines()[:12]
    index = next(i for i, line in enumerate(lines) if "InSize" in line)
    lines[index] = "    InBuff: 0x0, InSize: 01"
    (record,) = iter_ioctlbf(lines)
    # 01 is read as the decimal 1; the 64 dumped bytes are more than that: a record error.
    assert record.meta["in_size"] == 1 and record.error is not None
    assert "dumped 64 of 1 bytes" in record.error


def test_ioctlbf_numbers_beyond_32_bits_are_record_errors(vectors: Path) -> None:
    lines = (vectors / "ioctlbf.log").read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if "(PID:" in line)
    lines[first] = lines[first].replace("4242", "9" * 5000)
    records = list(iter_ioctlbf(lines))
    assert records[0].error is not None and "not a 32-bit number" in records[0].error
    assert records[1].ok  # the next record is untouched


def _report_everything(data: bytes) -> None:
    try:
        result = read_capture(data)
    except SptError as exc:
        assert "\n" not in str(exc)
        return
    for record in result.records:
        json.dumps(report_record(record).to_json(), ensure_ascii=False).encode("utf-8")


@BOUNDED
@given(st.binary(max_size=1500))
def test_any_bytes_read_and_report_or_raise_ours(data: bytes) -> None:
    _report_everything(data)


line_text = st.lists(
    st.sampled_from(['{"ioctl": 1, "in": "00"}', "[", "{", '"', "\\ud800", "0x", "IOCTL Code:",
                     "InSize: 01", "00000000: 00", "*", "9" * 50, "Parsers.Hexer.Data0", ":",
                     "1c 00 00 00 49 53 43 53  49 54 47 54 3c 00 00 00  |", "\n"])
    | st.text(max_size=10),
    max_size=30,
).map("".join)


@BOUNDED
@given(line_text, st.sampled_from(FORMATS))
def test_any_text_in_any_line_format_reads_and_reports(text: str, fmt: str) -> None:
    if fmt not in ("jsonl", "irpmon-json", "irpmon-text", "ioctlbf"):
        with contextlib.suppress(SptError):
            read_capture(text.encode("utf-8", "surrogatepass"), fmt)
        return
    for record in iter_capture_lines(text.splitlines(keepends=True), fmt):
        json.dumps(report_record(record).to_json(), ensure_ascii=False).encode("utf-8")


def test_record_size_bound_applies_to_jsonl_lines(tmf: bytes) -> None:
    # json_text_bound(16) = 4 x 16 + 64 KiB: a line longer than that is refused unparsed.
    from iscsitgt_spt.codec.capture.detect import open_capture_lines
    from iscsitgt_spt.codec.safejson import json_text_bound

    assert json_text_bound(16) == 64 + 65536
    long_line = '{"ioctl": 1, "in": "' + "00" * 40000 + '"}\n'  # 80,022 characters
    _, records = open_capture_lines([long_line, GOOD % tmf.hex() + "\n"], "jsonl", 16)
    first, second = records
    assert first.error is not None and "record-size limit" in first.error
    assert second.error is not None and "exceeds" in second.error  # 64 bytes > 16: the bound
    _, records = open_capture_lines([long_line, GOOD % tmf.hex() + "\n"], "jsonl", 64)
    assert [r.ok for r in records] == [False, True]


def test_record_size_bound_applies_to_irpmon_json_array_records(vectors: Path) -> None:
    sample = (vectors / "irpmon_array.json").read_text()
    huge = sample.replace('"Type" : "IRP"', '"Type" : "IRP", "x" : "' + "a" * 70000 + '"', 1)
    two = huge.rstrip().rstrip("]") + ", " + sample.strip().lstrip("[")
    records = list(iter_irpmon_json([two], limit=16))
    assert any(r.error and "record-size limit" in r.error for r in records)
    # The same text with a bound large enough for it reads without that error.
    assert not any(r.error and "record-size limit" in r.error
                   for r in iter_irpmon_json([two], limit=1 << 20))
