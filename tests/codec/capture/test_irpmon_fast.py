"""Differential: IRPMon JSON records read by the reader compiled for their member names
(``irpmon_fast.compile_reader``, its data by ``irpmon_fast.hexer_bytes``) give exactly what the
general member-by-member reading gives (``irpmon_json._json_half`` then ``irpmon.interpret``:
the oracle), or ``None`` (the record is then read the plan's way or generally).

The Hexer rows are written as IRPMon's ``parsers/hexer/hexer.c`` writes them (:func:`_hexer`,
from its source: the offset zero-padded to the digits the record's size needs, a colon, a tab,
the pairs, the last row's padded with spaces to a full row's width, a tab, a character a byte:
itself from a space up, else a dot, so quotes, backslashes and bytes past 0x7f too), as the
benchmark's export writes them (offsets of at least two digits, the last row not padded), and
mutated: a character changed, dropped or added anywhere, a row upper-cased, rows swapped, the
declared size off by one, the last row dropped.  Records around them are the plan test's
(members dropped, reordered, added, of other types; other parsers; cut short).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _examples import examples
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture import irpmon, irpmon_fast, irpmon_json, irpmon_plan

from tests.codec.capture.test_irpmon_plan import _REQUEST, records


def _hexer(data: bytes) -> list[str]:
    """The rows ``hexer.c`` writes for ``data`` (its ``_ParseRoutine``, by hand): a line of
    ``addressSize + 66`` spaces a row, the address digits, ``:``, a tab, the pairs, a tab at
    ``addressSize + 49``, the characters; ``addressSize`` the hex digits of the bits needed
    for ``lineCount * 16``."""
    count = (len(data) + 15) // 16
    bits = 31
    while bits > 0 and (1 << bits) >= count * 16:
        bits -= 1
    width = (bits + 1 + 3) // 4
    rows = []
    for row in range(count):
        chunk = data[16 * row:16 * row + 16]
        line = [" "] * (width + 66)
        line[width], line[width + 1] = ":", "\t"
        for digit in range(width):
            line[digit] = "0123456789abcdef"[(16 * row >> (width - digit - 1) * 4) & 0xF]
        for at, byte in enumerate(chunk):
            line[width + 2 + 3 * at:width + 4 + 3 * at] = f"{byte:02x}"
            line[width + 50 + at] = chr(byte) if byte >= 0x20 else "."
        line[width + 49] = "\t"
        rows.append("".join(line))
    return rows


def _benchmark(data: bytes) -> list[str]:
    """The rows of tests/benchmarks/shapes.py's export: ``{offset:02x}``, the pairs, a tab,
    16 dots."""
    return [f"{at:02x}:\t" + " ".join(f"{b:02x}" for b in data[at:at + 16]) + "\t" + "." * 16
            for at in range(0, len(data), 16)]


_MUTATIONS = st.sampled_from(["none"] * 3 + ["change", "drop", "add", "upper", "swap", "size+",
                                              "size-", "last", "space", "column", "move",
                                              "rename", "keys", "tab", "after"])
_CHARS = st.sampled_from(["0", "a", "F", " ", "\t", "\n", "g", ":", "\u00e9", "\u0661", "."])
_SPACES = st.sampled_from(["\t", "\x0b", "\x0c", "\r", "\n", "  ", ""])
_NAMES = st.sampled_from(["Data01", "Data99", "data0", "Data0\n", "X", "Data1"])


def _mutated(draw: st.DrawFn, rows: list[str], names: list[str], how: str) -> None:
    """``rows`` (and their member ``names``) mutated ``how``, in place."""
    at = draw(st.integers(0, len(rows) - 1))
    row = rows[at]
    spot = draw(st.integers(0, len(row)))
    if how == "change" and spot < len(row):
        rows[at] = row[:spot] + draw(_CHARS) + row[spot + 1:]
    elif how == "drop" and spot < len(row):
        rows[at] = row[:spot] + row[spot + 1:]
    elif how == "add":
        rows[at] = row[:spot] + draw(_CHARS) + row[spot:]
    elif how == "upper":
        rows[at] = row.upper()
    elif how == "swap" and len(rows) > 1:
        rows[at], rows[at - 1] = rows[at - 1], rows[at]
    elif how == "space":  # a space between two pairs
        spaces = [n for n in range(2, row.rfind("\t") - 2, 3) if row[n] == " " != row[n + 1]]
        if spaces:
            spot = draw(st.sampled_from(spaces))
            rows[at] = row[:spot] + draw(_SPACES) + row[spot + 1:]
    elif how == "tab":  # one of the row's two tabs
        tabs = [n for n, char in enumerate(row) if char == "\t"]
        spot = draw(st.sampled_from(tabs))
        rows[at] = row[:spot] + draw(_SPACES.map(lambda text: text.replace("\t", " "))) \
            + row[spot + 1:]
    elif how == "after":  # a character right after the pairs (of the last row, its own)
        at = draw(st.sampled_from([at, len(rows) - 1]))
        row = rows[at]
        spot = row.index("\t") + 1 + len(row.split("\t")[1].rstrip(" "))
        rows[at] = row[:spot] + draw(_CHARS) + row[spot:]
    elif how == "column":  # a character of the column, after the second tab
        tab = row.rfind("\t")
        spot = draw(st.integers(tab + 1, len(row)))
        rows[at] = row[:spot] + draw(_CHARS) + row[spot + 1:]
    elif how == "move" and at + 1 < len(rows):  # the next row's start moved to this row's end
        cut = draw(st.integers(1, 8))
        rows[at], rows[at + 1] = row + rows[at + 1][:cut], rows[at + 1][cut:]
    elif how == "rename":
        names[at] = draw(_NAMES)
    elif how == "keys" and len(rows) > 1:
        names[at], names[at - 1] = names[at - 1], names[at]


@st.composite
def rows_and_size(draw: st.DrawFn) -> tuple[list[str], list[str], int]:
    """Hexer rows (as written, or mutated), their member names, the ``Data size`` declared."""
    data = draw(st.binary(min_size=1, max_size=300))
    rows = draw(st.sampled_from([_hexer, _benchmark]))(data)
    names = [f"Data{n}" for n in range(len(rows))]
    size = len(data)
    how = draw(_MUTATIONS)
    if how in ("size+", "size-"):
        size += 1 if how == "size+" else -1
    elif how == "last" and len(rows) > 1:
        rows.pop()
        names.pop()
    else:
        _mutated(draw, rows, names, how)
    return rows, names, size


def _text(rows: list[str], size: int, names: list[str] | None = None, **columns: str) -> str:
    names = names or [f"Data{n}" for n in range(len(rows))]
    record = dict(_REQUEST, **{"Data size": str(size)}, **columns,
                  Parsers={"Hexer": dict(zip(names, rows))})
    return json.dumps(record)


def _carried(parsed: Any) -> tuple[object, ...]:
    """Everything a parsed half carries on, ``meta`` with its order."""
    meta = [(key, repr(value)) for key, value in parsed.meta.items()]
    return (parsed.kind, parsed.line, parsed.end_line, parsed.irp, parsed.ioctl, parsed.data,
            parsed.error, meta)


def _compiled(text: str, line: int = 3) -> tuple[object, object | None]:
    """The general reading of the record ``text``, and the compiled reader's (``None``: it
    does not fit, or the text is not a record the reader is given)."""
    general = _carried(irpmon.interpret(irpmon_json._json_half(text, line, 1 << 20, line + 1)))
    head, obj, _ = irpmon_json._json_object(text, line, 1 << 20)
    if obj is None or head or any(name.startswith("Parsers.") for name in obj):
        return general, None
    reader = irpmon_fast.compile_reader(tuple(obj), irpmon_plan._known_size,
                                        irpmon_plan._known_ioctl, irpmon_plan._number)
    parsed = None if reader is None else reader(obj, line, line + 1)
    return general, None if parsed is None else _carried(parsed)


@examples(150, deadline=None)
@given(rows_and_size())
def test_hexer_rows_read_as_the_general_reading(case: tuple[list[str], list[str], int]) -> None:
    rows, names, size = case
    general, compiled = _compiled(_text(rows, size, names))
    assert compiled is None or compiled == general


@examples(50, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.sampled_from([_hexer, _benchmark]))
def test_rows_as_written_take_the_compiled_reading(data: bytes, write: Any) -> None:
    """Not vacuous: rows as hexer.c (and the benchmark) write them are read by the compiled
    reader, to the bytes written."""
    general, compiled = _compiled(_text(write(data), len(data)))
    assert compiled is not None and compiled == general
    assert irpmon_fast.hexer_bytes({"Hexer": {f"Data{n}": row for n, row in
                                              enumerate(write(data))}}, len(data)) == data


@examples(100, deadline=None)
@given(records(), st.sampled_from(["json", "ascii", "cut"]), st.data())
def test_compiled_records_read_as_the_general_reading(record: dict[str, object], how: str,
                                                      data: st.DataObject) -> None:
    text = json.dumps(record, ensure_ascii=how == "ascii")
    if how == "cut":
        text = text[:data.draw(st.integers(0, len(text)))]
    general, compiled = _compiled(text)
    assert compiled is None or compiled == general


def test_the_reader_is_compiled_for_the_member_names() -> None:
    """The reader of a request as IRPMon writes it gives the record's meta in the general
    reading's order (by hand, from the columns), and ``None`` for a record it was not made
    for (a column of another type)."""
    data = bytes(range(40))
    text = _text(_hexer(data), len(data))
    general, compiled = _compiled(text)
    assert compiled == general
    assert compiled is not None and compiled[5] == data
    obj = json.loads(text)
    reader = irpmon_fast.compile_reader(tuple(obj), irpmon_plan._known_size,
                                        irpmon_plan._known_ioctl, irpmon_plan._number)
    assert reader is not None
    assert reader(dict(obj, ID=513), 1, 1) is None  # (an int column: the general reading's)
    assert irpmon_fast.compile_reader((), len, len, len) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["irpmon.jsonl", "irpmon_array.json"])
def test_exports_read_as_with_the_compiled_readers_off(
        vectors: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped exports, read many times over (so their plans' readers are compiled):
    the same records as with the readers off."""
    lines = (vectors / name).read_text(encoding="utf-8").splitlines(keepends=True)
    monkeypatch.setattr(irpmon_plan, "_PLANS", {})
    fast = [list(irpmon_json.iter_irpmon_json(lines)) for _ in range(irpmon_plan.AFTER + 2)]
    # (the array's records all take other ways: a literal Parsers.Hexer.Data0, a Stack)
    assert any(plan.reader is not None for plan in irpmon_plan._PLANS.values()) == (
        name == "irpmon.jsonl")
    monkeypatch.setattr(irpmon_plan, "compile_reader", lambda *args: None)
    monkeypatch.setattr(irpmon_plan, "_PLANS", {})
    general = list(irpmon_json.iter_irpmon_json(lines))
    assert all([(r, repr(r)) for r in run] == [(r, repr(r)) for r in general] for run in fast)


@pytest.mark.parametrize(("column", "texts"), [
    ("Data stripped", ["True", "true", "TRUE", "False", "", "yes"]),
    ("ID", ["513", "0x201", " 12 ", "\u0663", "1`0", "x", "9" * 30]),
    ("Input length", ["I: 16 (0x10)", "0x40", "junk", ""]),
    ("IOCTL", ["0x4D008", "IOCTL_SCSI_MINIPORT", "0x4d008 ", "nope"]),
    ("Type", ["IRP", "IRPComp", "irp"]),
])
def test_columns_read_as_the_general_reading(column: str, texts: list[str]) -> None:
    """Each column's text read into ``meta`` (a number, a size, a flag, the IOCTL, the kind)
    as the general reading reads it, on a record the compiled reader takes."""
    data = bytes(range(40))
    for text in texts:
        general, compiled = _compiled(_text(_hexer(data), len(data), **{column: text}))
        assert compiled == general, text


def _moved(rows: list[str]) -> None:
    rows[0], rows[1] = rows[0] + rows[1][:2], rows[1][2:]


@pytest.mark.parametrize("mutate", [
    _moved,  # the joined rows unchanged: only the rows' lengths tell
    lambda rows: rows.__setitem__(1, rows[1].replace(" ", "\t", 1)),  # a tab between pairs
    lambda rows: rows.__setitem__(0, rows[0][:-3] + "\n" + rows[0][-2:]),  # in the column
    lambda rows: rows.__setitem__(2, rows[2].replace("27 ", "270", 1)),  # after the last pair
    lambda rows: rows.__setitem__(1, rows[1][:5] + rows[1][6] + rows[1][5] + rows[1][7:]),
])
def test_rows_not_as_written_read_as_the_general_reading(mutate: Any) -> None:
    """Rows a character off what hexer.c writes (each broke a check of ``hexer_bytes``
    left out): the general reading's result, an error or other bytes."""
    data = bytes(range(40))
    rows = _hexer(data)
    mutate(rows)
    general, compiled = _compiled(_text(rows, len(data)))
    assert compiled is None or compiled == general
    assert general[6] is not None or general[5] != data  # (not the rows as written)


@pytest.mark.parametrize("names", [
    ["Data0D", "ata1", "Data2"],  # the names run together are the expected ones run together
    ["Data0\0Data1", "", "Data2"],  # a NUL in a name: the names NUL-joined are expected ones
    ["Data1", "Data0", "Data2"],  # the expected names, out of order
])
def test_hexer_names_other_than_data0_on_read_as_the_general_reading(names: list[str]) -> None:
    """Member names whose text, joined, is close to the expected names' (``hexer_bytes``
    compares them as one string): the general reading's result, not the rows' bytes."""
    data = bytes(range(40))
    general, compiled = _compiled(_text(_hexer(data), len(data), names))
    assert compiled is None or compiled == general
    assert general[6] is not None or general[5] != data  # (not the rows as written)
