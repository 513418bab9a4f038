"""Property over every sample: each non-blank input line is in some record or named.

The contract (HOUSE.md): every line of a capture ends up in a record or in a message that names
it.  A line is accounted for when it lies in a record's ``[line, end_line]`` range or is named
(``line N`` / ``lines N-M``) in a record's ``meta["skipped_lines"]``.  Checked for every text
sample in tests/vectors/captures/ read by auto-detection, and read again with its named hint
when it has one (the hints go through the same block reader), so every reader is covered:
the block splitter, plain hex, ioctlbf, IRPMon text and JSON, and our JSONL.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.bounded import line_too_long
from iscsitgt_spt.codec.capture.detect import (
    decode_text,
    detect_format,
    iter_capture_lines,
    read_capture,
)
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.spec.errors import InputFormatError

from tests.codec.capture.conftest import VECTORS

_NAMED = re.compile(r"^lines? (\d+)(?:-(\d+))?:")
TEXT_SAMPLES = sorted(p.name for p in VECTORS.iterdir()
                      if p.suffix not in (".bin", ".py", ".md") and detect_format(
                          p.read_bytes()) != "raw")


def _accounted(records: list[RawRecord]) -> set[int]:
    lines: set[int] = set()
    for record in records:
        assert record.line is not None and record.end_line is not None, record
        assert record.line <= record.end_line, record
        lines.update(range(record.line, record.end_line + 1))
        skipped = record.meta.get("skipped_lines", ())
        assert isinstance(skipped, tuple)
        for entry in skipped:
            named = _NAMED.match(entry)
            assert named is not None, entry
            first = int(named.group(1))
            lines.update(range(first, int(named.group(2) or first) + 1))
    return lines


def _content_lines(data: bytes) -> set[int]:
    text = decode_text(data)
    assert text is not None
    return {n for n, line in enumerate(text.splitlines(), 1) if line.strip()}


def test_samples_cover_every_reader() -> None:
    formats = {detect_format((VECTORS / name).read_bytes()) for name in TEXT_SAMPLES}
    assert {"hex", "xxd", "hexdump-C", "windbg-db", "windbg-dc", "windbg-dd", "windbg-dq",
            "frida", "ioctlbf", "irpmon-text", "irpmon-json", "text"} <= formats


@pytest.mark.parametrize("name", TEXT_SAMPLES)
def test_every_line_is_in_a_record_or_named(name: str) -> None:
    data = (VECTORS / name).read_bytes()
    detected = detect_format(data)
    for fmt in {None, detected}:  # auto-detection, then the named format as a hint
        records = read_capture(data, fmt).records
        missing = _content_lines(data) - _accounted(records)
        assert not missing, (fmt, sorted(missing))


@pytest.mark.parametrize("preamble", [
    ["IOCTL Fuzzer v1.2 started", "logging to C:\\log.txt"],
    ["banner", "1c 00 00 00 49 53 43 53  49 54 47 54 3c 00 00 00  | ....ISCSITGT<..."],
])
def test_ioctlbf_lines_before_the_first_record(preamble: list[str]) -> None:
    log = (VECTORS / "ioctlbf.log").read_text().splitlines()
    records = read_capture("\n".join([*preamble, *log]).encode(), "ioctlbf").records
    assert _content_lines("\n".join([*preamble, *log]).encode()) <= _accounted(records)
    # A banner is named; hex rows that belong to no request are an error record of their own.
    named = [entry for r in records for entry in r.meta.get("skipped_lines", ())]
    assert named[0] == f"line 1: {preamble[0]}"
    errors = [r for r in records if r.error is not None]
    assert len(errors) == (1 if "|" in preamble[1] else 0)
    assert [r.data_in is not None for r in records if r.error is None] == [True, True]


def test_jsonl_comment_lines_are_named(tmf: bytes) -> None:
    line = f'{{"ioctl": "0x0004d008", "in": "{tmf.hex()}"}}'
    data = f"# first\n{line}\n# between\n{line}\n# after\n".encode()
    first, second = read_capture(data, "jsonl").records
    assert (first.line, first.end_line, second.line, second.end_line) == (2, 2, 4, 4)
    assert first.meta["skipped_lines"] == ("line 1: # first",)
    assert second.meta["skipped_lines"] == ("line 3: # between", "line 5: # after")


_JUNK = st.sampled_from([
    "a banner the tool printed", "1c 00 zz 49 53 43", "0:000> r rdx", "rdx=0000014338808600",
    "# a comment", "---------------", "00000010", "*", "Data (Hexer)", "IOCTL Code: 0x0004d008",
    "{not json", "   OutBuff: 0x0, OutSize: 0x40", "ID = 7", "", "]", "{0x1c, 0x00};",
    "00000000: 1c00 0000 4953 4353  ....ISCS", "00000000  1c 00 00 00 49 53 43 53  |....ISCS|",
    "00000143`38808600  1c 00 00 00 49 53 43 53-49 54 47 54 3c 00 00 00  ....ISCSITGT<...",
    "          Offset Bytes                                           Ascii", "HEAD=",
])


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(TEXT_SAMPLES), data=st.data())
def test_lines_inserted_anywhere_are_accounted_for(name: str, data: st.DataObject) -> None:
    """Junk lines inserted into any sample, read as detected and as the sample's own format:
    whatever the reader makes of them, no non-blank line goes unnamed (and nothing raises
    but a clear InputFormatError)."""
    raw = (VECTORS / name).read_bytes()
    text = decode_text(raw)
    assume(text is not None)
    lines = text.lstrip("\ufeff").splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        lines.insert(data.draw(st.integers(0, len(lines))), data.draw(_JUNK))
    mutated = "\n".join(lines).encode()
    for fmt in (None, detect_format(raw)):
        try:
            records = read_capture(mutated, fmt).records
        except InputFormatError:
            continue
        missing = _content_lines(mutated) - _accounted(records)
        assert not missing, (fmt, sorted(missing), [lines[n - 1] for n in sorted(missing)])


def _stopping(lines: list[str], at: int):  # type: ignore[no-untyped-def]
    """The first ``at`` lines, then the error a line too long ends an input with."""
    yield from lines[:at]
    raise line_too_long(at + 1, 64, 64, "input")


@pytest.mark.parametrize("name", TEXT_SAMPLES)
def test_an_input_ended_by_an_error_keeps_what_was_read(name: str) -> None:
    """A line past the bound (or a read that fails) ends the input with an error; what was
    read before it is still the user's: the records handed on first are those of the lines
    before it read as a whole input (the record a reader held until the next line, a dump
    block not yet closed, comment lines named), and the error comes after them."""
    data = (VECTORS / name).read_bytes()
    text = decode_text(data)
    assert text is not None
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    fmt = detect_format(data)
    for at in range(1, len(lines) + 1):
        expected = list(iter_capture_lines(lines[:at], fmt))
        got: list[RawRecord] = []
        with pytest.raises(InputFormatError, match=f"line {at + 1} goes on"):
            for record in iter_capture_lines(_stopping(lines, at), fmt):
                got.append(record)
        assert got == expected, (fmt, at)


@pytest.mark.parametrize("fmt", [None, "jsonl", "windbg-db", "irpmon-json"])
def test_an_input_ended_by_an_error_at_its_first_line_says_why(fmt: str | None) -> None:
    # Nothing read: the error that ended the input is the message, also where the format
    # is detected from the lines (not "empty input").
    with pytest.raises(InputFormatError, match="line 1 goes on"):
        list(iter_capture_lines(_stopping(["x\n"], 0), fmt))


@pytest.mark.parametrize("junk", [("{not json", "]"), ("{", "}"), ("{", "]"), ("{", "{", "}}")])
def test_an_object_opened_after_an_irpmon_array_is_named_to_its_end(junk: tuple[str, ...]
                                                                     ) -> None:
    """Found by the property above (``{not json`` then ``]`` inserted after
    irpmon_array.json's one line): once the export's array has closed, an object opened on a
    later line is no part of it, nor is the line that closes that object; the lines (2 on,
    by hand: the array is line 1) were read as brackets of the export and went unnamed."""
    array = (VECTORS / "irpmon_array.json").read_text(encoding="utf-8").strip()
    assert "\n" not in array
    mutated = "\n".join((array, *junk)).encode()
    for fmt in (None, "irpmon-json"):
        records = read_capture(mutated, fmt).records
        assert set(range(2, 2 + len(junk))) <= _accounted(records), fmt
