"""The bulk line is the general path's line, or nothing (issue 13's shortcut).

The reference is ``report_record(record, ..., diagnostics=False).to_json_line()``: the
general path, whose content has its own tests (test_report.py, test_stream.py).  Records are
generated from the spec (every structure and profile, spec-shaped and arbitrary bytes, cut
and extended, with every IOCTL the capture formats write and others), with the record and
option variations that must send the shortcut back to the general path.
"""

from __future__ import annotations

import json
from typing import Any

from _cached_strategies import buffers_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.analysis.bulk import bulk_json_line, bulk_line
from iscsitgt_spt.codec.analysis.report import report_record
from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines
from iscsitgt_spt.codec.api import build, encode, layout_of
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, record_to_line
from iscsitgt_spt.codec.capture.records import RawRecord, iter_jsonl
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES

_IOCTLS = st.sampled_from([IOCTL_SCSI_MINIPORT, ASSUMED_PASS_THROUGH_IOCTL, None, 0, 0x2D1400])


_REQUESTS = {"ISCSITGT_SPT_SESSION_START": IOCTL_SCSI_MINIPORT,
             "ISCSITGT_SPT_SESSION_STOP": IOCTL_SCSI_MINIPORT,
             "ISCSITGT_SPT_TMF": IOCTL_SCSI_MINIPORT,
             "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": ASSUMED_PASS_THROUGH_IOCTL}


@st.composite
def _buffers(draw: Any) -> tuple[str, bytes]:
    # Mostly the requests a capture holds; the other structures now and then.
    name = draw(st.one_of(st.sampled_from(sorted(_REQUESTS)), st.sampled_from(sorted(_REQUESTS)),
                          st.sampled_from(sorted(STRUCTURES))))
    profile = draw(st.sampled_from(PROFILES))
    size = layout_of(name, profile=profile).size
    data = draw(st.one_of(buffers_of(name, profile),
                          st.binary(min_size=size, max_size=size)))
    change = draw(st.sampled_from(["as is", "as is", "as is", "cut", "extended"]))
    if change == "cut":
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    elif change == "extended":
        data += draw(st.binary(min_size=1, max_size=8))
    return name, data


@st.composite
def _records(draw: Any) -> RawRecord:
    name, data = draw(_buffers())
    ioctl = draw(st.one_of(st.just(_REQUESTS.get(name)), st.just(_REQUESTS.get(name)), _IOCTLS))
    line = draw(st.integers(min_value=1, max_value=10**6))
    shape = draw(st.sampled_from(["usual"] * 6 + ["no end line", "other format",
                                  "meta", "output", "error", "no line"]
                                 + ["recorded"] * 3 + ["fuzz"] * 2))
    fields: dict[str, Any] = {
        "index": draw(st.integers(min_value=0, max_value=10**6)), "data_in": data,
        "data_out": None, "ioctl": ioctl, "source_format": "jsonl", "line": line,
        "end_line": line,
    }
    if shape == "no end line":
        fields["end_line"] = None
    elif shape == "other format":
        fields["source_format"] = draw(st.sampled_from(["xxd", "windbg-db", 'odd "name"%s']))
    elif shape == "meta":
        fields["meta"] = {"abi": "win32"}
    elif shape == "output":
        fields["data_out"] = data
    elif shape == "error":
        fields.update(data_in=None, error="line 3: broken")
    elif shape == "no line":
        fields.update(line=None, end_line=None)
    elif shape == "recorded":  # what send --record writes: the answer and the metadata
        fields["data_out"] = draw(st.one_of(_answers(data), st.binary(max_size=len(data) + 2)))
        fields["meta"] = draw(_stated()) | {"time": "2026-11-21T10:00:01Z", "pid": 4242,
                                            "status": draw(st.sampled_from([0, -1073741823]))}
    elif shape == "fuzz":  # a fuzz corpus record: its structure, ABI and cookie stated
        fields["ioctl"] = draw(st.sampled_from([0, _REQUESTS.get(name, 0)]))
        fields["meta"] = draw(_stated()) | {"extra": {
            "case": 7, "structure": draw(st.sampled_from([name, name, "NOT_A_STRUCTURE"])),
            "mode": "boundary", "intent": 'a "quoted" intent'}}
    return RawRecord(**fields)


def _answers(data: bytes) -> st.SearchStrategy[bytes]:
    """The request with some bytes changed, as a driver's answer is."""
    return st.lists(st.tuples(st.integers(0, max(len(data) - 1, 0)), st.integers(0, 255)),
                    max_size=4).map(lambda edits: _edited(data, edits))


def _edited(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for at, value in edits:
        if at < len(out):
            out[at] = value
    return bytes(out)


def _stated() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.sampled_from(PROFILES).map(lambda p: {"abi": p.abi, "cookie": p.cookie}),
        st.sampled_from([{}, {"abi": "win32"}, {"cookie": "ptr"}, {"abi": "win16"}]))


_OPTIONS = st.one_of(
    st.just((None, None)),
    st.just((None, None)),
    st.sampled_from(PROFILES).map(lambda p: (p.abi, p.cookie)),
    st.sampled_from([("win64", None), (None, "ptr"), ("win16", "u64")]),
)


@settings(max_examples=600, deadline=2000, suppress_health_check=list(HealthCheck))
@given(_records(), _OPTIONS, st.booleans())
def test_a_bulk_line_is_the_general_paths_line(
    record: RawRecord, options: tuple, diagnostics: bool
) -> None:
    abi, cookie = options
    found = bulk_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    if found is None:
        return  # the general path writes it
    line, findings = found
    general = report_record(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    assert line == general.to_json_line()
    assert findings == general.findings and not general.undecoded
    assert bulk_json_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics) == line
    json.loads(line)


def test_the_usual_record_takes_the_shortcut() -> None:
    # Not vacuous: a whole request of each kind, in every profile, as a capture holds it, is
    # written by the shortcut (detected or given profile), and equals the general path.
    for name, ioctl in _REQUESTS.items():
        for profile in PROFILES:
            record = RawRecord(0, encode(build(name, {}, profile=profile)), None, ioctl,
                               "jsonl", 1, end_line=1)
            for abi, cookie, diagnostics in ((profile.abi, profile.cookie, False),
                                             (None, None, False), (None, None, True)):
                line = bulk_json_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
                assert line is not None, (name, profile)
                assert line == report_record(record, abi=abi, cookie=cookie,
                                             diagnostics=diagnostics).to_json_line()


def test_recorded_and_fuzz_records_take_the_shortcut() -> None:
    # Not vacuous: a recorded request (answer + metadata) and a fuzz corpus record (its
    # structure, ABI and cookie stated, IOCTL 0) of every kind and profile are written by the
    # shortcut, and equal the general path's line, answer, changes and findings included.
    for name, ioctl in _REQUESTS.items():
        for profile in PROFILES:
            data = encode(build(name, {}, profile=profile))
            answer = bytes([data[0] ^ 1]) + data[1:-1] + b"\x05"
            stated = {"abi": profile.abi, "cookie": profile.cookie}
            records = [
                RawRecord(0, data, answer, ioctl, "jsonl", 1, end_line=1,
                          meta=stated | {"time": "t", "pid": 4, "status": 0}),
                RawRecord(0, data, None, 0, "jsonl", 1, end_line=1,
                          meta=stated | {"extra": {"structure": name, "case": 1}}),
            ]
            for record in records:
                for diagnostics in (False, True):
                    found = bulk_line(record, diagnostics=diagnostics)
                    assert found is not None, (name, profile, record.data_out)
                    general = report_record(record, diagnostics=diagnostics)
                    assert found[0] == general.to_json_line()
                    assert found[1] == general.findings
                    if record.data_out is not None:
                        assert '"changes":' in found[0]


def test_stream_lines_equal_the_general_path_on_a_capture() -> None:
    # The benchmark's kind of capture, with a bad line, a cut record and trailing bytes.
    lines = []
    for name, ioctl in (("ISCSITGT_SPT_TMF", IOCTL_SCSI_MINIPORT),
                        ("ISCSITGT_SPT_SESSION_STOP", IOCTL_SCSI_MINIPORT),
                        ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", ASSUMED_PASS_THROUGH_IOCTL)):
        data = encode(build(name, {}))
        for variant in (data, data[:-3], data + b"\x01"):
            lines.append(record_to_line(CaptureRecord(ioctl=ioctl, data_in=variant)))
    lines.insert(2, '{"ioctl": "0x0004d008", "in": "zz"}')
    for diagnostics in (False, True):
        general = [report_record(r, diagnostics=diagnostics).to_json_line()
                   for r in iter_jsonl(lines)]
        assert list(decode_jsonl_lines(lines, diagnostics=diagnostics)) == general
        assert len(general) == 10
