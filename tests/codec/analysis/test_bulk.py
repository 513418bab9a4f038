"""The bulk line is the general path's line, or nothing (issue 13's shortcut).

The reference is ``report_record(record, ..., diagnostics=False).to_json_line()``: the
general path, whose content has its own tests (test_report.py, test_stream.py).  Records are
generated from the spec (every structure and profile, spec-shaped and arbitrary bytes, cut
and extended, with every IOCTL the capture formats write and others), with the record and
option variations that must send the shortcut back to the general path.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from typing import Any

import pytest
from _cached_strategies import buffers_of, buffers_or_bytes_of
from _examples import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.analysis.bulk import bulk_json_line, bulk_line
from iscsitgt_spt.codec.analysis.lint import Finding
from iscsitgt_spt.codec.analysis.report import (
    changes_text,
    diff_buffers,
    diff_values,
    findings_text,
    head_json,
    record_head_text,
    report_record,
)
from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines
from iscsitgt_spt.codec.api import build, decode, encode, layout_of
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, record_to_line
from iscsitgt_spt.codec.capture.records import RawRecord, iter_jsonl
from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES

_IOCTLS = st.sampled_from([IOCTL_SCSI_MINIPORT, ASSUMED_PASS_THROUGH_IOCTL, None, 0, 0x2D1400])


_REQUESTS = {"ISCSITGT_SPT_SESSION_START": IOCTL_SCSI_MINIPORT,
             "ISCSITGT_SPT_SESSION_STOP": IOCTL_SCSI_MINIPORT,
             "ISCSITGT_SPT_TMF": IOCTL_SCSI_MINIPORT,
             "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": ASSUMED_PASS_THROUGH_IOCTL}


# The strategies the composites below draw from, built once: a strategy built inside a
# @composite is built, and its properties worked out, again for every example (issue 21).
# Each is the very strategy the draw built before, so the derandomized examples are the same
# ones, choice for choice, and still reach what the tests' comments say they reach.
_STRUCTURES = st.sampled_from(sorted(STRUCTURES))
_NAMES = st.one_of(st.sampled_from(sorted(_REQUESTS)), st.sampled_from(sorted(_REQUESTS)),
                   _STRUCTURES)
_PROFILES = st.sampled_from(PROFILES)
_CHANGES = st.sampled_from(["as is", "as is", "as is", "cut", "extended"])
_EXTENSIONS = st.binary(min_size=1, max_size=8)
_IOCTL_OF = {name: st.one_of(st.just(_REQUESTS.get(name)), st.just(_REQUESTS.get(name)), _IOCTLS)
             for name in STRUCTURES}
_FUZZ_IOCTL_OF = {name: st.sampled_from([0, _REQUESTS.get(name, 0)]) for name in STRUCTURES}
_LINES = st.integers(min_value=1, max_value=10**6)
_SHAPES = st.sampled_from(["usual"] * 6 + ["no end line", "other format", "meta", "output",
                                           "error", "no line"] + ["recorded"] * 3 + ["fuzz"] * 2)
_INDEXES = st.integers(min_value=0, max_value=10**6)
_OTHER_FORMATS = st.sampled_from(["xxd", "windbg-db", 'odd "name"%s'])
_STATUSES = st.sampled_from([0, -1073741823])

@st.composite
def _buffers(draw: Any) -> tuple[str, bytes]:
    # Mostly the requests a capture holds; the other structures now and then.
    name = draw(_NAMES)
    profile = draw(_PROFILES)
    data = draw(buffers_or_bytes_of(name, profile))  # built once per case
    change = draw(_CHANGES)
    if change == "cut":
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    elif change == "extended":
        data += draw(_EXTENSIONS)
    return name, data


@st.composite
def _records(draw: Any) -> RawRecord:
    name, data = draw(_buffers())
    ioctl = draw(_IOCTL_OF[name])
    line = draw(_LINES)
    shape = draw(_SHAPES)
    fields: dict[str, Any] = {
        "index": draw(_INDEXES), "data_in": data,
        "data_out": None, "ioctl": ioctl, "source_format": "jsonl", "line": line,
        "end_line": line,
    }
    if shape == "no end line":
        fields["end_line"] = None
    elif shape == "other format":
        fields["source_format"] = draw(_OTHER_FORMATS)
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
        fields["meta"] = draw(_STATED) | {"time": "2026-11-21T10:00:01Z", "pid": 4242,
                                          "status": draw(_STATUSES)}
    elif shape == "fuzz":  # a fuzz corpus record: its structure, ABI and cookie stated
        fields["ioctl"] = draw(_FUZZ_IOCTL_OF[name])
        fields["meta"] = draw(_STATED) | {"extra": {
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


_STATED = st.one_of(
    st.sampled_from(PROFILES).map(lambda p: {"abi": p.abi, "cookie": p.cookie}),
    st.sampled_from([{}, {"abi": "win32"}, {"cookie": "ptr"}, {"abi": "win16"}]))


_OPTIONS = st.one_of(
    st.just((None, None)),
    st.just((None, None)),
    st.sampled_from(PROFILES).map(lambda p: (p.abi, p.cookie)),
    st.sampled_from([("win64", None), (None, "ptr"), ("win16", "u64")]),
)


# 300 derandomized examples (tests/_examples.py; were 600 random ones): they draw every
# structure, every profile, every option set and every record shape (checked when the count
# was set).
@examples(300, deadline=2000, suppress_health_check=list(HealthCheck))
@given(_records(), _OPTIONS, st.booleans())
def test_a_bulk_line_is_the_general_paths_line(
    record: RawRecord, options: tuple, diagnostics: bool
) -> None:
    abi, cookie = options
    found = bulk_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    if found is None:
        return  # the general path writes it
    line, findings, undecoded = found
    general = report_record(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    assert line == general.to_json_line()
    assert findings == general.findings and undecoded == general.undecoded
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


def _requests_answered() -> Iterator[tuple[str, int, Any, bytes, bytes, dict[str, str]]]:
    """Every request in every profile: (name, IOCTL, profile, request, an answer changing
    its first and last bytes, the profile as a record states it)."""
    for name, ioctl in _REQUESTS.items():
        for profile in PROFILES:
            data = encode(build(name, {}, profile=profile))
            answer = bytes([data[0] ^ 1]) + data[1:-1] + b"\x05"
            yield name, ioctl, profile, data, answer, {"abi": profile.abi,
                                                        "cookie": profile.cookie}


def test_recorded_and_fuzz_records_take_the_shortcut() -> None:
    # Not vacuous: a recorded request (answer + metadata) and a fuzz corpus record (its
    # structure, ABI and cookie stated, IOCTL 0) of every kind and profile are written by the
    # shortcut, and equal the general path's line, answer, changes and findings included.
    for name, ioctl, profile, data, answer, stated in _requests_answered():
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


@st.composite
def _buffer_pairs(draw: Any) -> tuple[Any, bytes, bytes]:
    name = draw(_STRUCTURES)
    profile = draw(_PROFILES)
    layout = layout_of(name, profile=profile)
    size = layout.size
    before = draw(buffers_or_bytes_of(name, profile))  # built once per case
    after = draw(st.one_of(_answers(before), st.binary(min_size=size, max_size=size),
                           buffers_of(name, profile)))
    return layout, before, after


# 130 derandomized examples (tests/_examples.py; were 400 random ones): they draw every
# structure and every profile (checked when the count was set).
@examples(130, deadline=2000, suppress_health_check=list(HealthCheck))
@given(_buffer_pairs())
def test_diff_buffers_is_diff_values_of_the_decoded_buffers(pair: tuple) -> None:
    layout, before, after = pair
    want = diff_values(decode(layout.name, before, profile=layout.profile),
                       decode(layout.name, after, profile=layout.profile))
    got = diff_buffers(layout, before, after)
    assert [(c.path, c.offset, type(c.before), c.before, type(c.after), c.after) for c in got] \
        == [(c.path, c.offset, type(c.before), c.before, type(c.after), c.after) for c in want]
    # The changes' text, written from the slots, is the JSON encoder's of the general list.
    assert changes_text(layout, before, after) == (
        compact_dumps([c.to_json() for c in want]) if want else "")


def test_diff_buffers_names_the_changed_members() -> None:
    # Hand-derived from the C declarations: SRB_IO_CONTROL.ReturnCode is the fifth ULONG
    # (HeaderLength 4 + Signature[8] + Timeout 4 + ControlCode 4 = offset 20); SENSE_DATA's
    # third byte holds SenseKey in its low four bits and FileMark in its top bit.
    tmf = layout_of("ISCSITGT_SPT_TMF", profile=PROFILES[0])
    request = encode(build("ISCSITGT_SPT_TMF", {}, profile=PROFILES[0]))
    answer = request[:20] + (2).to_bytes(4, "little") + request[24:]
    assert [c.to_json() for c in diff_buffers(tmf, request, answer)] == [
        {"path": "Header.ReturnCode", "offset": 20, "before": 0, "after": 2}]
    sense = layout_of("SENSE_DATA", profile=PROFILES[0])
    before = bytes(sense.size)
    after = before[:2] + bytes([0x83]) + before[3:]
    assert [c.to_json() for c in diff_buffers(sense, before, after)] == [
        {"path": "SenseKey", "offset": 2, "before": 0, "after": 3},
        {"path": "FileMark", "offset": 2, "before": 0, "after": 1}]
    assert diff_buffers(sense, before, before) == []


_META_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
    | st.binary(max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.tuples(inner)
    | st.dictionaries(st.one_of(st.text(max_size=3), st.integers(), st.booleans()), inner,
                      max_size=2),
    max_leaves=6,
)


# 100 derandomized examples (tests/_examples.py; were 300 random ones): they draw every
# metadata key and every profile (checked when the count was set).
@examples(100, deadline=2000, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(["abi", "time", "pid", "extra", "segments", "size"]),
                       _META_VALUES, max_size=4),
       st.sampled_from(PROFILES), st.sampled_from([None, 7]))
def test_record_head_text_is_the_head_json(meta: dict, profile: Any, line: Any) -> None:
    # The reference is the general path's head (head_json through the JSON encoder).
    record = RawRecord(3, b"\x00", None, 0x4D008, "jsonl", line, meta=meta, end_line=line)
    try:
        want = compact_dumps(head_json(record, profile))[1:-1]
    except TypeError:  # what head_json cannot write, neither may the shortcut
        with pytest.raises(TypeError):
            record_head_text(record, profile)
        return
    assert record_head_text(record, profile) == want


class _Code(enum.IntEnum):  # an int subclass: the encoder writes it by int.__repr__
    NINE = 9


_FLAT_VALUES = (st.none() | st.booleans() | st.integers() | st.text(max_size=4)
                | st.sampled_from([_Code.NINE, 1.5, float("nan"), "\u00e9\"\\{}%s{0}"]))


# The metadata most readers give is flat (text, numbers, booleans, null): written member by
# member, not through the encoder; any key (a reader's own names, braces, quotes, non-ASCII,
# a key that is no string) and any such value against the general path's head.
@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=4) | st.integers() | st.booleans() | st.none(),
                       _FLAT_VALUES, max_size=5), st.sampled_from(PROFILES))
def test_flat_metadata_is_written_as_the_encoder_writes_it(meta: dict, profile: Any) -> None:
    record = RawRecord(3, b"\x00", None, 0x4D008, "windbg-db", 7, meta=meta, end_line=9)
    want = compact_dumps(head_json(record, profile))[1:-1]
    assert record_head_text(record, profile) == want
    assert record_head_text(record, profile) == want  # (the key texts kept the first time)


def test_a_request_with_bytes_past_it_takes_the_shortcut() -> None:
    # Not vacuous: a request followed by bytes (a fuzz corpus's "mutate" records) is written
    # by the shortcut, the bytes as the document's "trailing", equal to the general path.
    for name, ioctl in _REQUESTS.items():
        for profile in PROFILES:
            data = encode(build(name, {}, profile=profile)) + b"\x01\x02"
            stated = {"abi": profile.abi, "cookie": profile.cookie}
            for meta in ({}, stated | {"extra": {"structure": name}}):
                record = RawRecord(0, data, None, ioctl, "jsonl", 1, end_line=1, meta=meta)
                for diagnostics in (False, True):
                    found = bulk_line(record, diagnostics=diagnostics)
                    assert found is not None, (name, profile)
                    assert '"trailing":"0102"' in found[0]
                    general = report_record(record, diagnostics=diagnostics)
                    assert found == (general.to_json_line(), general.findings, False)


# 150 derandomized examples (tests/_examples.py; were 300 random ones): they draw every
# structure and every profile (checked when the count was set).
@examples(150, deadline=2000, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(STRUCTURES)), st.sampled_from(PROFILES), st.data(), st.booleans())
def test_a_cut_request_takes_the_shortcut_and_is_the_general_paths_line(
    name: str, profile: Any, data: Any, stated: bool
) -> None:
    # A buffer cut short anywhere (a fuzz corpus's "boundary" records, a capped capture), its
    # structure stated or identified: written by the shortcut, equal to the general path's
    # line (whole members, "truncated", error, hex, and with the lint pass the findings on
    # the members it holds whole) and counted as undecoded.
    size = layout_of(name, profile=profile).size
    whole = data.draw(buffers_or_bytes_of(name, profile))  # built once per case
    cut = whole[: data.draw(st.integers(min_value=1, max_value=size - 1))]
    meta = {"abi": profile.abi, "cookie": profile.cookie}
    if stated:
        meta |= {"extra": {"case": 3, "structure": name, "mode": "boundary"}}
    record = RawRecord(0, cut, None, 0 if stated else _REQUESTS.get(name), "jsonl", 1,
                       end_line=1, meta=meta)
    for diagnostics in (False, True):  # without and with the lint pass
        general = report_record(record, diagnostics=diagnostics)
        found = bulk_line(record, diagnostics=diagnostics)
        if stated:  # the structure is known: never left to the general path
            assert found is not None
        if found is not None:
            assert found == (general.to_json_line(), general.findings, True)
            assert general.undecoded and '"truncated":' in found[0]
            assert any(f.code == "truncated" for f in found[1]) is diagnostics


def test_a_cut_record_is_counted_as_undecoded_by_decode() -> None:
    # Not vacuous: a 4-byte SRB_IO_CONTROL is cut.  Hand derivation from ntddscsi.h:
    # HeaderLength (ULONG, bytes 0..3), Signature (UCHAR[8], 4..11), Timeout, ControlCode,
    # ReturnCode, Length (ULONGs, 12..27): 28 bytes in every profile, HeaderLength whole,
    # the cut inside Signature at byte 4.
    record = RawRecord(0, b"\x1c\x00\x00\x00", None, 0, "jsonl", 1, end_line=1,
                       meta={"abi": "win32", "cookie": "ptr",
                             "extra": {"structure": "SRB_IO_CONTROL"}})
    found = bulk_line(record)
    assert found is not None and found[2] is True
    doc = json.loads(found[0])["input"]
    assert doc["document"]["truncated"] == {"path": "SRB_IO_CONTROL.Signature", "offset": 4,
                                            "structure_size": 28}
    assert doc["document"]["value"] == {"HeaderLength": 28}
    assert doc["error_path"] == "SRB_IO_CONTROL.Signature" and doc["error_offset"] == 4


def test_the_shapes_memo_holds_shapes_not_guesses() -> None:
    # Fuzz records of one structure and length whose Header.Length no profile expects: each
    # has a guess of its own (its evidence shows the value), but one shape, so the bulk
    # line's memo keeps one entry however many such records go by; each line is still the
    # general path's.
    import importlib

    module = importlib.import_module("iscsitgt_spt.codec.analysis.bulk")
    module._SHAPES.clear()
    name = "ISCSITGT_SPT_TMF"
    base = bytearray(encode(build(name, {})))
    meta = {"abi": "win64", "cookie": "u64", "extra": {"structure": name, "case": 1}}
    for value in range(300):
        raw = bytearray(base)
        raw[24:28] = (100_000 + value).to_bytes(4, "little")  # SRB_IO_CONTROL.Length
        record = RawRecord(0, bytes(raw), None, 0, "jsonl", 1, end_line=1, meta=meta)
        found = bulk_line(record, diagnostics=True)
        assert found is not None
        assert found[0] == report_record(record).to_json_line()
        assert f"= {100_000 + value}" in found[0]
    assert len(module._SHAPES) == 1


@examples(200, deadline=None)
@given(st.lists(st.builds(
    Finding,
    st.one_of(st.sampled_from(["error", "warning", "info"]), st.text()),
    st.one_of(st.text(), st.sampled_from(["padding-nonzero"])),
    st.text(),
    st.one_of(st.integers(), st.booleans()),
    st.text(),
), max_size=4))
def test_findings_text_is_json_dumps(findings: list[Any]) -> None:
    # The expected text from the standard library's encoder, as ``decode --json`` writes
    # JSON (compact, not ASCII-escaped); any text (quotes, controls, lone surrogates), a
    # bool where an offset goes (the encoder's path).
    expected = json.dumps([f.to_dict() for f in findings], ensure_ascii=False,
                          separators=(",", ":"))
    assert findings_text(tuple(findings)) == expected


# Findings from a small pool of heads (severity, code, path, offset), so that most repeat a
# head written before with another message: findings_text writes a head once and reuses it.
# An offset of 1 and one of True (equal as dict keys) in the same pool: each must be written
# as the encoder writes it, never as the other's cached head.
_HEADS = st.tuples(st.sampled_from(["error", "info", 'we"ird']),
                   st.sampled_from(["padding-nonzero", "srb-length"]),
                   st.sampled_from(["S.Header.Length", "S", "S.\u00e9\n"]),
                   st.sampled_from([0, 1, True, False, 28, 1 << 70]))
# Messages from a pool too (one longer than a kept text may be), so that whole findings
# repeat: findings_text writes a finding once and reuses its text, never another's.
_MESSAGES = st.sampled_from(["", "Length is 28", 'q"\\\n\u00e9', "x" * 300]) | st.text()


@examples(200, deadline=None)
@given(st.lists(st.lists(st.tuples(_HEADS, _MESSAGES), max_size=4), max_size=6))
def test_findings_text_is_json_dumps_when_heads_repeat(batches: list[Any]) -> None:
    # The expected text from the standard library's encoder (as above), batch after batch.
    for batch in batches:
        findings = tuple(Finding(*head, message) for head, message in batch)
        expected = json.dumps([f.to_dict() for f in findings], ensure_ascii=False,
                              separators=(",", ":"))
        assert findings_text(findings) == expected


def test_findings_text_heads_stay_bounded() -> None:
    # More distinct heads than the memo holds: every text is still the encoder's, and the
    # memo never grows past its bound (memory stays flat however many places a capture's
    # findings name).
    import importlib

    report = importlib.import_module("iscsitgt_spt.codec.analysis._report.texts")
    bound = report._FINDING_HEADS_BOUND
    for offset in range(3 * bound):
        finding = Finding("info", "padding-nonzero", "S.Reserved", offset, f"m{offset}")
        assert findings_text((finding,)) == json.dumps([finding.to_dict()],
                                                       separators=(",", ":"))
        assert len(report._FINDING_HEADS) <= bound
        assert len(report._FINDING_TEXTS) <= report._FINDING_TEXTS_BOUND


def test_a_fuzz_corpus_of_every_kind_is_the_general_paths_lines() -> None:
    # What `fuzz --all --mode all --abi all --cookie all` writes (valid, boundary: cut short
    # and extended, mutate: bytes flipped, inserted, deleted, members spliced), and the same
    # records edited by hand (the profile stated wrongly or not at all, the structure
    # unknown or missing): every line with and without the lint pass is the general path's.
    from iscsitgt_spt.codec.fuzzing.corpus import MODES, case_to_record, generate

    cases = generate(sorted(STRUCTURES), list(PROFILES), MODES, count=3, seed=5)
    lines = [record_to_line(case_to_record(case)) for case in cases]
    edited = []
    for number, line in enumerate(lines):
        obj = json.loads(line)
        edit = number % 5
        if edit == 1:
            obj["abi"] = "win32" if obj["abi"] == "win64" else "win64"
        elif edit == 2:
            obj.pop("cookie")
        elif edit == 3:
            obj["structure"] = "NOT_A_STRUCTURE" if number % 2 else None
        elif edit == 4:
            obj.pop("structure")
        edited.append(json.dumps(obj))
    cut = taken = 0
    for diagnostics in (False, True):
        for record in iter_jsonl(lines + edited):
            general = report_record(record, diagnostics=diagnostics)
            found = bulk_line(record, diagnostics=diagnostics)
            if found is not None:
                assert found == (general.to_json_line(), general.findings, general.undecoded)
                taken += 1
                cut += found[2]
    assert taken > len(lines) and cut > 0  # not vacuous: the shortcut wrote most, cut ones too


def test_recordings_in_general_take_the_shortcut() -> None:
    # Not vacuous: what recorders write besides the benchmark's tidy line takes the shortcut
    # and equals the general path: metadata keys in another order, a key of its own, a
    # missing member, a failure status, an empty answer, an answer with bytes past the
    # structure, a request with bytes past it answered.
    for name, ioctl, profile, data, answer, stated in _requests_answered():
        lines = [
            {"status": -1073741823, "pid": 7, "out": answer.hex(), "in": data.hex(),
             "ioctl": ioctl, **stated, "time": "2026-11-21T10:00:01Z"},
            {"ioctl": f"0x{ioctl:08x}", "in": data.hex(), "out": answer.hex(), **stated,
             "host": "target01", "status": 0},
            {"ioctl": f"0x{ioctl:08x}", "in": data.hex(), "out": "", **stated},
            {"ioctl": f"0x{ioctl:08x}", "in": data.hex(), "out": (answer + b"\1\2").hex(),
             **stated, "status": 0},
            {"ioctl": f"0x{ioctl:08x}", "in": (data + b"\3").hex(),
             "out": (answer + b"\4").hex(), **stated, "pid": 4242},
        ]
        for record in iter_jsonl([json.dumps(line) for line in lines]):
            for diagnostics in (False, True):
                found = bulk_line(record, diagnostics=diagnostics)
                assert found is not None, (name, profile, record)
                general = report_record(record, diagnostics=diagnostics)
                assert found == (general.to_json_line(), general.findings, False)


def test_an_answer_cut_short_takes_the_shortcut_without_the_lint_pass() -> None:
    # Not vacuous: an answer shorter than the request's structure (a recorder writing the
    # bytes the driver returned) is written by the shortcut in bulk mode, its whole members,
    # "truncated", error and hex as the general path writes them; under the lint pass it is
    # left to the general path.
    for name, ioctl in _REQUESTS.items():
        for profile in PROFILES:
            data = encode(build(name, {}, profile=profile))
            meta = {"abi": profile.abi, "cookie": profile.cookie, "status": 0}
            for cut in (1, 28, len(data) - 1):
                record = RawRecord(0, data, data[:cut], ioctl, "jsonl", 1, end_line=1,
                                   meta=meta)
                found = bulk_line(record)
                assert found is not None, (name, profile, cut)
                general = report_record(record, diagnostics=False)
                assert found == (general.to_json_line(), (), True) and general.undecoded
                assert '"truncated":' in found[0].split('"output":')[1]
                assert bulk_line(record, diagnostics=True) is None


def _fuzz_lines() -> list[str]:
    from iscsitgt_spt.codec.fuzzing.corpus import MODES, case_to_record, generate

    cases = generate(sorted(STRUCTURES), list(PROFILES), MODES, count=2, seed=13)
    return [record_to_line(case_to_record(case)) for case in cases]


_FUZZ_LINES = _fuzz_lines()


# Built once, as the strategies of _records (above) are.
_CORPUS_LINES = st.lists(st.sampled_from(_FUZZ_LINES), min_size=1, max_size=12)
_MUTATIONS = st.sampled_from(["as is", "slice", "hex", "key", "key"])
_SLICE_TEXT = st.text(max_size=12)
_HEX_CHANGES = st.sampled_from("0f9a ")
_KEY_VALUES = st.one_of(st.none(), st.sampled_from(
    ["win32", "ptr", "u64", "SENSE_DATA", "0x0004d014", 0, -1, "é\"\\"]),
    st.integers(), st.text(max_size=8))
_ASCII = st.booleans()


@st.composite
def _mutated_lines(draw: Any) -> list[str]:
    """Lines of a fuzz corpus (every structure, mode and profile), some mutated as text by
    Hypothesis: a slice replaced by drawn text (hostile lines: broken JSON, other keys,
    quotes, escapes), a hex digit of ``in`` changed, a key dropped or given another value."""
    lines = draw(_CORPUS_LINES)
    out = []
    for line in lines:
        how = draw(_MUTATIONS)
        if how == "slice":
            at = draw(st.integers(0, len(line)))
            end = draw(st.integers(at, min(len(line), at + 40)))
            line = line[:at] + draw(_SLICE_TEXT) + line[end:]
        elif how == "hex":
            start = line.index('"in":"') + 6
            at = draw(st.integers(start, line.index('"', start)))
            line = line[:at] + draw(_HEX_CHANGES) + line[at + 1:]
        elif how == "key":
            obj = json.loads(line)
            key = draw(st.sampled_from(sorted(obj)))
            value = draw(_KEY_VALUES)
            if value is None:
                obj.pop(key)
            else:
                obj[key] = value
            line = json.dumps(obj, ensure_ascii=draw(_ASCII))
        out.append(line)
    return out


# 150 derandomized examples: they draw lines of every structure, mode and profile, and every
# kind of mutation (checked when the count was set).
@examples(150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_mutated_lines(), st.booleans())
def test_mutated_fuzz_lines_are_the_general_paths_lines(lines: list[str],
                                                        diagnostics: bool) -> None:
    # Two references: the general path (report_record(...).to_json_line(): its own decode,
    # lint of the decoded value and report objects; it shares findings_text and the lint
    # checks with the bulk line, so for those it is no independent reference), and the
    # standard library's encoder, which is: every line written is the compact JSON text
    # json.dumps gives of what json.loads reads of it (findings, messages, escapes).
    written = list(decode_jsonl_lines(lines, diagnostics=diagnostics))
    general = [report_record(record, diagnostics=diagnostics).to_json_line()
               for record in iter_jsonl(lines)]
    assert written == general
    for line in written:
        assert line == json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":"))
