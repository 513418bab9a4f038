"""A record's head (its metadata written by a writer made per shape) is the general path's.

Two references: the general path's head (``head_json`` through ``compact_dumps``; for the
whole line ``report_record(...).to_json_line()``), and the standard
library's ``json.dumps``, independent of both: what ``meta_text`` writes is what ``json.dumps``
writes of the same object.  Inputs are drawn by Hypothesis (metadata of every JSON type and a
few that are not, keys that are not strings, objects nested deeper than a writer takes) and
fuzz-corpus lines whose metadata is edited (members dropped, added, repeated, reordered, of
another type, huge, non-ASCII), and every capture under tests/vectors.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any

import pytest
from _examples import examples
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from iscsitgt_spt.codec.analysis import bulk_head
from iscsitgt_spt.codec.analysis.bulk_head import meta_text
from iscsitgt_spt.codec.analysis.report import head_json, record_head_text, report_record
from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines, report_json_lines
from iscsitgt_spt.codec.capture.detect import iter_capture_lines
from iscsitgt_spt.codec.capture.jsonl import record_to_line
from iscsitgt_spt.codec.capture.records import RawRecord, iter_jsonl, read_raw
from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


class _Code(enum.IntEnum):  # an int subclass: not of type int, so no writer's
    NINE = 9


class _Text(str):  # a str subclass, likewise
    pass


_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30)
            | st.text(max_size=6) | st.sampled_from(
                ["%s", "%d%%", "é\"\\\n", "\U0001f600", "{0}", 1.5, float("nan"), _Code.NINE,
                 _Text("x"), b"\x01", (1, "a"), [2, "b"]]))
# Mostly a few names, so that key sets recur with values of other types (a writer made for
# one set of types meets another); now and then any text, or a key that is no string.
_NAMES = st.sampled_from(["abi", "cookie", "extra", "%s", "é", "segments"])
_KEYS = (_NAMES | _NAMES | _NAMES | st.text(max_size=5) | st.integers(0, 2) | st.booleans()
         | st.none())
# Objects of scalars nested up to three deep (a writer takes one level of nesting).
_OBJECTS = st.recursive(_SCALARS, lambda inner: st.dictionaries(_KEYS, inner, max_size=5),
                        max_leaves=12)
_METAS = st.dictionaries(_KEYS, _OBJECTS, max_size=6)


@pytest.fixture(autouse=True, scope="module")
def _writers_at_once() -> Any:
    """A writer for every key set at its first record: the differential tests below then
    compare a writer on every example (the command waits for a key set's second record)."""
    before, bulk_head.AFTER = bulk_head.AFTER, 1
    yield
    bulk_head.AFTER = before


def test_a_key_set_seen_once_takes_the_general_path(_writers_at_once: Any) -> None:
    # A key set made up per record must not cost a compiled writer each: none is made before
    # the key set's second record (AFTER = 2, the command's); then its writer writes it.
    bulk_head.AFTER = 2
    try:
        meta = {"seen-once-key": 1, "abi": "win64"}
        assert meta_text(meta) is None
        assert tuple(meta) not in bulk_head._WRITERS
        assert meta_text(meta) == _reference(meta)
        assert len(bulk_head._WRITERS[tuple(meta)]) == 1
    finally:
        bulk_head.AFTER = 1


def _reference(obj: Any) -> str | None:
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


# 150 derandomized examples (about 2 s of CPU: each new key set compiles a writer).  A writer
# that skipped the nested keys or the value types failed it (a bool written as 1 fails the
# next test).
@examples(150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_METAS, st.sampled_from(PROFILES))
def test_meta_text_is_json_dumps_and_the_head_is_the_general_one(meta: dict,
                                                                  profile: Any) -> None:
    text = meta_text(meta)
    if text is not None:
        assert text == _reference(meta)
    record = RawRecord(4, b"\x00", None, 0x4D008, "jsonl", 7, meta=meta, end_line=7)
    try:
        want = compact_dumps(head_json(record, profile))[1:-1]
    except (TypeError, ValueError):  # what the encoder cannot write, neither may the head
        with pytest.raises((TypeError, ValueError)):
            record_head_text(record, profile)
        return
    assert record_head_text(record, profile) == want


def test_meta_text_takes_the_usual_shapes() -> None:
    # Not vacuous: a recording's and a fuzz corpus's metadata are written here (the
    # expected texts are json.dumps's), a float, a list or a third level are not.
    # (other tests may have used up a key set's writers on other value types: start anew)
    bulk_head._WRITERS.clear()
    recorded = {"abi": "win64", "cookie": "u64", "time": "t", "pid": 42, "status": -1}
    fuzz = {"abi": "win32", "cookie": "ptr",
            "extra": {"case": 3, "structure": "SENSE_DATA", "mode": "valid", "intent": "é%s"}}
    odd = {"extra-object": {"a": True, "b": None, "%d": False}, "number": 10**40}
    for meta in (recorded, fuzz, odd, {}):
        assert meta_text(meta) == _reference(meta)
    for meta in ({"x": 1.5}, {"x": [1]}, {"x": {"y": {}}}, {1: "a"}, {"x": _Text("a")},
                 {"x": _Code.NINE}, {str(n): n for n in range(65)},
                 {"extra": {str(n): n for n in range(65)}}):
        assert meta_text(meta) is None  # (no writer compiled for thousands of members)
    wide = {"wide-object": {str(n): n for n in range(64)}}  # (a key no other test draws)
    assert meta_text(wide) == _reference(wide)


def _fuzz_lines() -> list[str]:
    from iscsitgt_spt.codec.fuzzing.corpus import MODES, case_to_record, generate

    cases = generate(sorted(STRUCTURES), list(PROFILES), MODES, count=1, seed=11)
    return [record_to_line(case_to_record(case)) for case in cases]


_FUZZ_LINES = _fuzz_lines()
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**64, max_value=10**80),
    st.floats(allow_nan=False), st.text(max_size=8),
    st.sampled_from(["win32", "win64", "ptr", "u64", "SENSE_DATA", "ISCSITGT_SPT_TMF",
                     "é\"\\%s", "\U0001f600", [], {}, [1, "a"], {"k": {"j": 1}}, {"k": 2}]))


@st.composite
def _edited_lines(draw: Any) -> list[str]:
    """Fuzz-corpus lines (every structure, mode and profile) whose metadata is edited as
    text: a member dropped, added, given another value or type, repeated (JSON keeps the last
    of a repeated key, in the first one's place), the members reordered."""
    out = []
    for line in draw(st.lists(st.sampled_from(_FUZZ_LINES), min_size=1, max_size=6)):
        obj = json.loads(line)
        for _ in range(draw(st.integers(0, 3))):
            how = draw(st.sampled_from(["drop", "add", "set", "set", "order"]))
            key = draw(st.sampled_from([*sorted(set(obj) - {"in"}), "v", "time", "pid", "x"]))
            if how == "drop":
                obj.pop(key, None)
            elif how in ("add", "set"):
                obj[key if how == "set" else draw(st.text(max_size=4))] = draw(_VALUES)
            else:
                items = list(obj.items())
                obj = dict(draw(st.permutations(items)))
        text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
        if draw(st.booleans()) and len(obj) > 1:  # a repeated key, spelled in the text
            key = draw(st.sampled_from(sorted(obj)))
            text = "{" + json.dumps(key) + ":" + json.dumps(draw(_VALUES)) + "," + text[1:]
        out.append(text)
    return out


# 200 derandomized examples (about 1.3 s of CPU); a writer that skipped the nested keys or
# the value types failed it.
@examples(200, deadline=None, suppress_health_check=list(HealthCheck))
@given(_edited_lines(), st.booleans())
def test_fuzz_lines_with_edited_metadata_are_the_general_paths_lines(
        lines: list[str], diagnostics: bool) -> None:
    written = list(decode_jsonl_lines(lines, diagnostics=diagnostics))
    general = [report_record(record, diagnostics=diagnostics).to_json_line()
               for record in iter_jsonl(lines)]
    assert written == general


def _vector_records(path: Path) -> list[RawRecord]:
    data = path.read_bytes()
    if path.suffix == ".bin":
        return read_raw(data)
    text = data.decode("utf-8", "replace")
    try:
        return list(iter_capture_lines(text.splitlines()))
    except SptError:  # a vector no line reader takes: no records to compare
        return []


def test_every_vector_is_the_general_paths_lines() -> None:
    paths = sorted(p for p in VECTORS.rglob("*") if p.is_file())
    compared = 0
    for path in paths:
        records = _vector_records(path)
        for diagnostics in (False, True):
            written = list(report_json_lines(records, diagnostics=diagnostics))
            general = [report_record(record, diagnostics=diagnostics).to_json_line()
                       for record in records]
            assert written == general, path
        compared += len(records)
    assert compared > 50  # not vacuous: the captures' records were read


class _Ioctl(enum.IntEnum):  # an IOCTL of an int subclass: written by its own format
    SPTD = 0x4D014


# The head's texts that a record's format, IOCTL and profile decide are kept per such triple
# (head_text's memo); the reference is the encoder's text of head_json, the general path's
# form.  Drawn so that keys repeat (the memo's hits) and differ in one part only: a memo keyed
# without the profile, or without the IOCTL, failed it.
@examples(120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["jsonl", "windbg", 'a "quoted" format']),
                          st.sampled_from([None, 0, 0x4D008, 0x4D014, True, _Ioctl.SPTD]),
                          st.sampled_from(PROFILES), st.sampled_from([None, 3, 12])),
                min_size=1, max_size=12))
def test_head_text_is_the_general_head_on_repeated_shapes(heads: list[Any]) -> None:
    for index, (fmt, ioctl, profile, end_line) in enumerate(heads):
        record = RawRecord(index, b"\x00", None, ioctl, fmt, 3, end_line=end_line)
        want = compact_dumps(head_json(record, profile))[1:-1]
        assert record_head_text(record, profile) == want
        assert record_head_text(record, profile) == want  # (the second from the memo)
