"""Runs of rows proven at once (codec/capture/runs.py) against the plan's regex, line by line.

The oracle is the plan's own regex (compiled.compile_plan), which the splitter calls on each
line when no run is proven, and the plan's reading of the groups it captures
(compiled._matched): a run that :func:`runs.prove` takes must be one whose every line the
regex matches, with the same groups, bytes, first address and columns.  Runs are WinDbg rows
of every dump command and address form (tests/codec/capture/test_compiled.py prints them),
with edge bytes (hex-digit characters, spaces, '?', '|'), then damaged: a character
replaced, inserted or dropped (the line keeping its length or not), '??', a tab, a column
character changed, a line end changed.  Whole sessions through the splitter, against the
general reader, are test_compiled.py's (the runs are part of the plans they compare).
"""

from __future__ import annotations

import pytest
from _counting import found_by
from _examples import examples
from hypothesis import example, given
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture import compiled, runs, splitter
from iscsitgt_spt.codec.capture.detect import iter_capture_lines

from tests.codec.capture.test_compiled import _data, _windbg_row

_COMMANDS = st.sampled_from(["db", "dd", "dc", "dw", "dq"])
_FORMS = st.sampled_from(["64`", "64", "32"])
_BASES = st.sampled_from([0x10, 0x8A1B2C00, 0xFFFFFFF0, 0x14338808600, 0xFFFFFFFFFFFFFF00])
_ENDINGS = st.sampled_from(["", "\n", "\r\n"])
_CHANGES = st.sampled_from(" -`?0aF.\t|:\r\n\x00\u00e9")


@st.composite
def damaged_runs(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(a template row, a run of rows of its layout, a few of them damaged)."""
    command, form = draw(_COMMANDS), draw(_FORMS)
    rows = draw(st.integers(1, 40))
    data = draw(_data(16 * rows))
    base = draw(_BASES)
    ending = draw(_ENDINGS)
    lines = [_windbg_row(command, form, base + at, data[at:at + 16], False) + ending
             for at in range(0, len(data), 16)]
    template = lines[0]
    for _ in range(draw(st.integers(0, 2))):
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        at = draw(st.integers(0, len(line) - 1))
        how = draw(st.sampled_from(["replace", "shift", "unread", "address"]))
        if how == "replace":
            line = line[:at] + draw(_CHANGES) + line[at + 1:]
        elif how == "shift":  # a character inserted and another dropped: the same length
            drop = draw(st.integers(0, len(line) - 1))
            line = (line[:at] + draw(_CHANGES) + line[at:])
            line = line[:drop] + line[drop + 1:]
        elif how == "unread":
            line = line.replace(line[19:21], "??", 1)
        else:  # an address that does not follow
            line = _windbg_row(command, form, base + 0x1000, data[:16], False) + ending
        lines[index] = line
    return template, lines


def _plan(template: str) -> compiled.BlockPlan | None:
    return compiled.compile_plan(template, splitter._NOT_PROMPT)


def _by_regex(plan: compiled.BlockPlan, lines: list[str]) -> list[tuple[str, ...]] | None:
    found = [plan.match(line) for line in lines]
    return None if None in found else [m.groups() for m in found]  # type: ignore[union-attr]


#: A db row whose column starts with a byte the general reader could take for one more group
#: ('ab' then a space): the plan refuses it (its guard), so must a run.
_GUARDED = _windbg_row("db", "64`", 0x14338808600, b"ab " + bytes(13), False)


@examples(100, deadline=None)
@given(damaged_runs())
@example((_GUARDED, [_GUARDED]))
def test_a_proven_run_is_what_the_regex_matches(case: tuple[str, list[str]]) -> None:
    template, lines = case
    plan = _plan(template)
    if plan is None or plan.run is None:
        return
    run = [line for line in lines if len(line) == plan.run.length]
    if not run:
        return
    proven = runs.prove(plan.run, run)
    expected = _by_regex(plan, run)
    if proven is None:
        return  # (a run not proven is read line by line: the regex decides)
    assert expected is not None, "a run was proven that the regex does not match"
    assert proven.groups() == expected
    by_regex = compiled._matched(plan, expected)
    by_run = compiled._matched(plan, [proven])
    if by_regex is None:
        assert by_run is None
        return
    assert by_run is not None
    assert (by_run.base, by_run.memory, by_run.address) == (
        by_regex.base, by_regex.memory, by_regex.address)
    if by_run.dotted:
        assert by_regex.asciis[:1] == by_run.asciis and compiled._dotted(plan, by_regex)
    else:
        assert by_run.asciis == by_regex.asciis


@pytest.mark.parametrize("command", ["db", "dd", "dc", "dw", "dq"])
@pytest.mark.parametrize("form", ["64`", "64", "32"])
@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_undamaged_runs_are_proven(command: str, form: str, ending: str) -> None:
    """The property above is not vacuous: an undamaged run of every command and address
    form, printable bytes and not, is proven (a plan of rows with a column read at once)."""
    data = bytes(byte for byte in range(256) if byte != 0x20)[:240] * 2  # (no column trimmed)
    lines = [_windbg_row(command, form, 0x14338808600 + at, data[at:at + 16], False) + ending
             for at in range(0, len(data), 16)]
    plan = _plan(lines[0])
    assert plan is not None and plan.run is not None
    proven = runs.prove(plan.run, lines)
    assert proven is not None and proven.groups() == _by_regex(plan, lines)
    assert proven.base == (0x38808600 if form == "32" else 0x14338808600)
    assert proven.dotted == (command == "db")


def test_a_session_takes_its_rows_in_runs() -> None:
    """In a session of db dumps (the benchmark's WinDbg shape) every dump but the first is
    proven as one run, and the records are the general reader's."""
    lines = []
    for index in range(20):
        data = bytes((index * 7 + i) % 256 for i in range(0x90))
        lines.append(f"0:000> db @rdx L{len(data):x}")
        lines += [_windbg_row("db", "64`", 0x14338808600 + 0x1000 * index + at,
                              data[at:at + 16], False) for at in range(0, len(data), 16)]
    with found_by(splitter, "prove") as proven:
        records = list(iter_capture_lines(lines))
        runs = proven()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(splitter, "compile_plan", lambda raw, not_prompt: None)
        assert records == list(iter_capture_lines(lines))
    assert runs >= 19
