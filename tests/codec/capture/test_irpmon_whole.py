"""Differential: IRPMon JSON records read in a few whole-record operations (the Hexer rows
at once, the usual member layout at once) give what the member-by-member, row-by-row reading
gives, on generated rows and records: well formed or not (a pair missing, a bad digit, an
offset that does not follow, no tab, a trailing newline), any declared size, extra parsers,
a ``Stack`` member, literal ``Parsers.Hexer.DataN`` keys, non-string columns.

The oracle is the general reading kept in the modules (``_row_by_row``, ``_members``).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture import irpmon_json
from iscsitgt_spt.codec.capture import irpmon_rows as irpmon


@st.composite
def hexer_rows(draw: st.DrawFn) -> list[str]:
    data = draw(st.binary(min_size=1, max_size=300))  # (offsets of three digits too)
    rows = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        offset = draw(st.sampled_from([f"{at:02x}", f"{at:02X}", f"{at:04x}", f"{at + 1:02x}"]))
        pairs = " ".join(f"{b:02x}" for b in chunk)
        row = f"{offset}:\t{pairs}\t" + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        how = draw(st.sampled_from(["ok"] * 6 + ["pair", "digit", "tab", "newline", "lead",
                                                 "space", "inner", "upper", "padded"]))
        if how == "pair":
            row = row.replace(" ", "", 1)
        elif how == "digit":
            row = row.replace("\t", "\tz", 1)
        elif how == "tab":
            row = row.replace("\t", "    ")
        elif how == "newline":
            row += "\n"
        elif how == "lead":
            row = " " + row
        elif how == "space":  # a space after the colon, not Hexer's tab
            row = row.replace("\t", " ", 1)
        elif how == "inner":  # a line break inside the column
            row = row[:-1] + "\n" + row[-1:]
        elif how == "upper":
            row = row.upper()
        elif how == "padded":  # spaces before the column's tab
            row = row[::-1].replace("\t", "\t  ", 1)[::-1]
        rows.append(row)
    return rows


def _general(rows: list[str], limit: int | None) -> bytes | str:
    try:
        return irpmon._row_by_row(list(enumerate(rows, 1)), limit)
    except ValueError as exc:
        return str(exc)


@settings(max_examples=400, deadline=None)
@given(hexer_rows(), st.one_of(st.none(), st.integers(0, 100)))
def test_rows_at_once_as_row_by_row(rows: list[str], limit: int | None) -> None:
    whole = irpmon._whole_rows(rows, limit)
    if whole is not None:
        assert whole == _general(rows, limit)


_STRINGS = st.text("ab1 .:", max_size=6)


@st.composite
def records(draw: st.DrawFn) -> dict[str, object]:
    record: dict[str, object] = {key: draw(_STRINGS) for key in draw(st.lists(
        st.sampled_from(["ID", "Time", "Type", "IOCTL", "Stack", "Parsers.Hexer.Data0",
                         "Parsers.X"]), unique=True))}
    names = [f"Data{n}" for n in range(draw(st.integers(0, 4)))]
    if draw(st.booleans()):
        names = draw(st.permutations(names + ["Data10", "Data01", "Other"][:draw(
            st.integers(0, 3))]))
    hexer: dict[str, object] = {name: draw(st.one_of(_STRINGS, st.integers())) if draw(
        st.integers(0, 9)) == 0 else draw(_STRINGS) for name in names}
    parsers: dict[str, object] = {"Hexer": hexer}
    if draw(st.booleans()):
        parsers["Other"] = {"Data0": "x"}
    record["Parsers"] = parsers if draw(st.integers(0, 5)) else "none"
    if draw(st.integers(0, 5)) == 0:
        record["Size"] = 12
    return record


@settings(max_examples=400, deadline=None)
@given(records())
def test_usual_layout_at_once_as_member_by_member(record: dict[str, object]) -> None:
    fields: dict[str, str] = {}
    rows = irpmon_json._hexer_rows(record, fields)
    if rows is not None:
        expected: dict[str, str] = {}
        assert rows == irpmon_json._members(record, expected)
        assert fields == expected


def test_the_usual_layouts_are_read_at_once() -> None:
    """Not vacuous: IRPMon's own layout takes the whole-record path."""
    rows = ["00:\t" + " ".join(["1c"] * 16) + "\t................", "10:\t00 01\t.."]
    assert irpmon._whole_rows(rows, 18) == bytes([0x1C] * 16 + [0, 1])
    assert irpmon._full_rows(rows[:1]) == bytes([0x1C] * 16)
    # a record of 300 rows (offsets of three digits; past the sizes whose cuts are kept)
    data = (bytes(range(256)) * 19)[:4800]
    long = [f"{at:02x}:\t" + " ".join(f"{b:02x}" for b in data[at:at + 16]) + "\t" + "." * 16
            for at in range(0, 4800, 16)]
    assert irpmon._whole_rows(long, None) == irpmon._full_rows(long) == data
    record = {"ID": "1", "Stack": "x", "Parsers": {"Hexer": {"Data0": rows[0], "Data1": rows[1]}}}
    fields: dict[str, str] = {}
    assert irpmon_json._hexer_rows(record, fields) == rows
    assert fields == {"ID": "1"}
