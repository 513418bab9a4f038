"""Differential: IRPMon JSON records read by the plan of their member sequence
(``irpmon_plan.read_planned``) give exactly what the general member-by-member reading gives
(``irpmon_json._json_half`` then ``irpmon.interpret``: the oracle, kept in the modules), on
records Hypothesis builds and mutates -- members dropped, reordered, added, of other types
(numbers, null, lists, objects, an ``IOSB`` object whose flattened names are columns),
``Parsers`` with other parsers, missing, extra or reordered ``DataN``, rows broken or cut
short, the data as one hex string, as base64 or as text, numbers that are not numbers,
non-ASCII text, a ``Stack`` member (well formed, as IRPMon writes it, or an object), and the
record text itself cut short.

The two readings are compared on everything a record carries on (kind, line range, IRP
address, IOCTL, bytes, error text, and ``meta`` with its key order), and whole exports are
compared record by record with the plan turned off.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture import irpmon, irpmon_json, irpmon_plan

# A request and a completion as IRPMon writes them (tests/vectors/captures/irpmon.jsonl,
# whose origin its README gives), the data rows put in by ``_rows``.
_REQUEST = {
    "ID": "513", "Time": "21.11.2026 10:00:01", "Type": "IRP",
    "Device object": "0xFFFFC30A1B2C3D40", "Device name": "\\Device\\RaidPort0",
    "Driver name": "\\Driver\\storport", "Subtype": "DeviceControl:",
    "IRP address": "0xFFFFC30A1D4E5010", "Output length": "O: 64 (0x0000000000000040)",
    "Input length": "I: 64 (0x0000000000000040)", "IOCTL": "IOCTL_SCSI_MINIPORT",
    "Process ID": "4242", "Process name": "spt-client.exe", "Associated data": "True",
    "Data stripped": "False", "Data size": "64",
}
_COMPLETION = {
    "ID": "515", "Time": "21.11.2026 10:00:02", "Type": "IRPComp",
    "Major function": "DeviceControl", "IRP address": "0xFFFFC30A1D4E5010",
    "Process ID": "4242", "IOSB.Status value": "0x0", "IOSB.Status constant": "STATUS_SUCCESS",
    "IOSB.Information": "0x0000000000000040", "Data stripped": "False", "Data size": "64",
}
_COLUMNS = sorted({*_REQUEST, *_COMPLETION, "Subtype", "Major function", "IOCTL"})

_TEXT = st.one_of(
    st.sampled_from(["0", "64", "0x40", "I: 16 (0x10)", "O: 0x20", "True", "false", "IRP",
                     "IRPComp", "DeviceControl", "InternalDeviceControl:", "0x4D008",
                     "IOCTL_SCSI_MINIPORT", " 12 ", "1`0", "٣", "9" * 30, ""]),
    st.text(max_size=8),
)
_ODD = st.one_of(st.integers(-5, 1 << 70), st.none(), st.booleans(), st.floats(allow_nan=False),
                 st.lists(st.text(max_size=3), max_size=2),
                 st.dictionaries(st.sampled_from(["Status value", "Information", "x"]), _TEXT,
                                 max_size=2))


# The strategies the composites below draw from, built once: a strategy built inside a
# @composite is built, and its properties worked out, again for every example (about a
# quarter of this file's generation CPU, issue 21).  Each is the very strategy the draw built
# before, so the examples are the same ones, choice for choice.
_DATA_HOW = st.sampled_from(["rows"] * 5 + ["hex", "base64", "text", "broken", "cut"])
_SOME_TEXT = st.text(max_size=20)
_PARSERS_HOW = st.sampled_from(["ok"] * 6 + ["shuffle", "rename", "other", "odd", "empty"])
_RENAMED = st.sampled_from(["Data01", "Data99", "data0", "Data0\n", "X"])
_OTHER_PARSER = st.sampled_from(["Other", "Stack"])
_BASES = st.sampled_from([_REQUEST, _COMPLETION])
_ORDERS = {base["Type"]: st.permutations(list(base)) for base in (_REQUEST, _COMPLETION)}
_KEEP = st.integers(0, 7)
_ADDED = st.integers(0, 3)
_NAMES = st.one_of(st.sampled_from([*_COLUMNS, "IOSB", "Stack", "Extra", "Parsers.Hexer.Data0"]),
                   st.text(max_size=5))
_VALUES = st.one_of(_TEXT, _ODD)
_WITH_PARSERS = st.integers(0, 5)

def _rows(data: bytes) -> list[str]:
    """Hexer rows as ``parsers/hexer/hexer.c`` writes them (offset, a tab, the pairs, a tab,
    the ascii column)."""
    return [f"{at:02x}:\t" + " ".join(f"{b:02x}" for b in data[at:at + 16]) + "\t"
            + "".join(chr(b) if 32 <= b < 127 else "." for b in data[at:at + 16])
            for at in range(0, len(data), 16)]


@st.composite
def _data_members(draw: st.DrawFn) -> list[Any]:
    data = draw(st.binary(max_size=80))
    how = draw(_DATA_HOW)
    if how == "hex":
        return [draw(st.sampled_from([data.hex(), data.hex(" "), data.hex().upper()]))]
    if how == "base64":
        return [base64.b64encode(data).decode()]
    if how == "text":
        return [draw(_SOME_TEXT)]
    rows: list[Any] = _rows(data)
    if rows and how == "broken":
        at = draw(st.integers(0, len(rows) - 1))
        rows[at] = draw(st.sampled_from([rows[at].replace(" ", "", 1), rows[at].upper(),
                                         rows[at] + "\n", " " + rows[at],
                                         rows[at].replace("\t", "    "), 7, None]))
    if rows and how == "cut":
        rows[-1] = rows[-1][:draw(st.integers(0, len(rows[-1])))]
    return rows


@st.composite
def _parsers(draw: st.DrawFn) -> object:
    members = draw(_data_members())
    names = [f"Data{n}" for n in range(len(members))]
    how = draw(_PARSERS_HOW)
    if how == "shuffle":
        pairs = draw(st.permutations(list(zip(names, members))))
        return {"Hexer": dict(pairs)}
    if how == "rename" and names:
        names[draw(st.integers(0, len(names) - 1))] = draw(_RENAMED)
    hexer = dict(zip(names, members))
    if how == "other":
        return {"Hexer": hexer, draw(_OTHER_PARSER): {"Data0": "x"}}
    if how == "odd":
        return draw(_ODD)
    return {} if how == "empty" else {"Hexer": hexer}


@st.composite
def records(draw: st.DrawFn) -> dict[str, object]:
    """An IRPMon record, mutated."""
    base = dict(draw(_BASES))
    names = draw(_ORDERS[base["Type"]])
    names = [n for n in names if draw(_KEEP)]  # members dropped
    record: dict[str, object] = {n: base[n] for n in names}
    for _ in range(draw(_ADDED)):  # members added, or given other values
        name = draw(_NAMES)
        record[name] = draw(_VALUES)
    if draw(_WITH_PARSERS):
        record["Parsers"] = draw(_parsers())
    return record


def _both(text: str, line: int = 3) -> tuple[object, object]:
    general = irpmon.interpret(irpmon_json._json_half(text, line, 1 << 20, line + 1))
    planned = irpmon_json._json_parsed(line, line + 1,
                                       *irpmon_json._json_object(text, line, 1 << 20))
    return _carried(general), _carried(planned)


def _carried(parsed: Any) -> tuple[object, ...]:
    """Everything a parsed half carries on, ``meta`` with its order."""
    meta = [(key, repr(value)) for key, value in parsed.meta.items()]
    return (parsed.kind, parsed.line, parsed.end_line, parsed.irp, parsed.ioctl, parsed.data,
            parsed.error, meta)


_STACK = ', "Stack" : [{"Address" : 0xFFFFF8051A2B3C4D, "Module" : "storport.sys"), ]'


@settings(max_examples=400, deadline=None)
@given(records(), st.sampled_from(["json", "ascii", "stack", "cut"]), st.data())
def test_planned_records_read_as_the_general_reading(record: dict[str, object], how: str,
                                                     data: st.DataObject) -> None:
    text = json.dumps(record, ensure_ascii=how == "ascii")
    if how == "stack":  # the malformed member IRPMon writes, repaired before parsing
        text = text[:-1] + _STACK + "}"
    elif how == "cut":
        text = text[:data.draw(st.integers(0, len(text)))]
    general, planned = _both(text)
    assert planned == general


def test_the_plan_reads_irpmon_own_records() -> None:
    """Not vacuous: records as IRPMon writes them take the plan (a request, a completion, one
    with a repaired ``Stack``), and what it reads is what the record says (by hand)."""
    data = bytes(range(64))
    request = dict(_REQUEST, Parsers={"Hexer": dict(zip(["Data0", "Data1", "Data2", "Data3"],
                                                        _rows(data)))})
    parsed = irpmon_plan.read_planned(request, 7, 7, {})
    assert parsed is not None
    assert (parsed.kind, parsed.ioctl, parsed.data, parsed.irp) == (
        "request", 0x4D008, data, "0xFFFFC30A1D4E5010")  # IOCTL_SCSI_MINIPORT, ntddscsi.h
    assert list(parsed.meta.items()) == [
        ("id", 513), ("time", "21.11.2026 10:00:01"), ("type", "IRP"), ("pid", 4242),
        ("process", "spt-client.exe"), ("device", "\\Device\\RaidPort0"),
        ("driver", "\\Driver\\storport"), ("irp", "0xFFFFC30A1D4E5010"),
        ("subtype", "DeviceControl:"), ("data_stripped", False), ("in_size", 64),
        ("out_size", 64), ("data_size", 64), ("ioctl_text", "IOCTL_SCSI_MINIPORT"),
        ("method", 0)]
    completion = irpmon_plan.read_planned(dict(_COMPLETION, Stack=[]), 9, 9, {"stack": []})
    assert completion is not None and completion.kind == "completion"
    assert list(completion.meta)[:2] == ["stack", "id"] and completion.meta["status"] == 0
    assert irpmon_plan.read_planned(dict(_REQUEST, IOSB={"Status value": "1"}), 1, 1, {}) is None


@pytest.mark.parametrize("name", ["irpmon.jsonl", "irpmon_array.json"])
def test_exports_read_as_with_the_plan_off(vectors: Path, name: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    lines = (vectors / name).read_text(encoding="utf-8").splitlines(keepends=True)
    planned = list(irpmon_json.iter_irpmon_json(lines))
    monkeypatch.setattr(irpmon_json, "read_planned", lambda *args: None)
    general = list(irpmon_json.iter_irpmon_json(lines))
    assert [(r, repr(r)) for r in planned] == [(r, repr(r)) for r in general]
    assert planned  # (the array: one request and its completion, paired)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(records(), st.booleans()), min_size=1, max_size=6))
def test_generated_exports_read_as_with_the_plan_off(items: list[tuple[dict[str, object],
                                                                        bool]]) -> None:
    """Whole exports (requests paired with completions, other records named as skipped, a
    line cut short now and then): the same records, meta in the same order, either way."""
    lines = [json.dumps(record)[:-1 if cut else None] + "\n" for record, cut in items]
    planned = list(irpmon_json.iter_irpmon_json(lines))
    with mock.patch.object(irpmon_json, "read_planned", lambda *args: None):
        general = list(irpmon_json.iter_irpmon_json(lines))
    assert [(r, repr(r)) for r in planned] == [(r, repr(r)) for r in general]
