"""WinDbg db/dc/dd/dq dumps, auto-detected and under their named hints (samples hand-written
following captures.md and WinDbg's layout).  Every named hint is read by the block reader
(codec/capture/dumpblock.py); these tests used to call the deleted per-tool reader.

Word byte order, hand-derived: ``dd`` shows the little-endian 32-bit word, so the bytes
``1c 00 00 00`` print as ``0000001c``; ``dq`` shows the 64-bit word with a backtick, so the
bytes ``1c 00 00 00 49 53 43 53`` print as ``53435349`0000001c``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from iscsitgt_spt.codec.capture.detect import iter_capture_lines, read_capture
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.capture.splitter import prompt_of


def iter_windbg(lines: list[str], fmt: str = "windbg-db") -> list[RawRecord]:
    """The records of ``lines`` read with the named WinDbg hint."""
    return list(iter_capture_lines(lines, fmt))


def test_dd_word_is_byte_swapped_back() -> None:
    (record,) = iter_windbg(["00000000`00a0f000  0000001c"], "windbg-dd")
    assert record.data_in == bytes([0x1C, 0x00, 0x00, 0x00])


def test_dq_word_is_byte_swapped_back() -> None:
    (record,) = iter_windbg(["00000000`00a0f000  53435349`0000001c"], "windbg-dq")
    assert record.data_in == bytes([0x1C, 0, 0, 0, 0x49, 0x53, 0x43, 0x53])


def test_dc_example_from_captures_md() -> None:
    # captures.md: dc prints 6d206e49 for the bytes 49 6e 20 6d ("In m").
    (record,) = iter_windbg(["00a0f000  6d206e49                             In m"],
                            "windbg-dc")
    assert record.data_in == bytes([0x49, 0x6E, 0x20, 0x6D])


def test_dc_ascii_column_that_looks_like_hex_is_not_read() -> None:
    # The ascii of bytes 31..38 ("12345678") is itself an 8-digit hex word.
    row = "00a0f000  34333231 38373635                    12345678"
    (record,) = iter_windbg([row], "windbg-dc")
    assert record.data_in == b"12345678"


@pytest.mark.parametrize(("name", "fmt"), [
    ("windbg_dd.txt", "windbg-dd"), ("windbg_dc.txt", "windbg-dc"), ("windbg_dq.txt", "windbg-dq"),
])
def test_word_dumps(vectors: Path, tmf: bytes, name: str, fmt: str) -> None:
    result = read_capture((vectors / name).read_bytes())
    assert result.format == fmt
    (record,) = result.records
    assert record.data_in == tmf and record.source_format == fmt
    assert record.meta["address"] == 0x0000014338808600


def test_db_sample_three_dumps_with_unreadable_tail(vectors: Path, tmf: bytes,
                                                    tmf5: bytes) -> None:
    result = read_capture((vectors / "windbg_db.txt").read_bytes())
    assert result.format == "windbg-db"
    first, second, third = result.records
    assert (first.data_in, second.data_in) == (tmf, tmf5)
    assert first.meta["command"] == "db @rdx L40" and first.line == 1 and second.line == 6
    # Third dump: 32 readable bytes, then a page that could not be read.
    assert third.data_in == tmf[:32]
    assert third.unreadable == ((32, 64),)
    assert third.meta["size"] == 64


def test_db_unreadable_in_the_middle_keeps_later_bytes() -> None:
    row = "00000143`38808600  01 02 ?? ?? 05 06 07 08-09 0a 0b 0c 0d 0e 0f 10  ................"
    (record,) = iter_windbg([row])
    assert record.data_in == b"\x01\x02"
    assert record.unreadable == ((2, 4),)
    assert record.meta["segments"] == ((0, b"\x01\x02"), (4, bytes(range(5, 17))))


def test_prompt_lines() -> None:
    assert prompt_of("0:000> db @rdx L40") == "db @rdx L40"
    assert prompt_of("1: kd> dq rcx") == "dq rcx"
    assert prompt_of("kd> dd 0") == "dd 0"
    assert prompt_of("0:000:x86> dc esp") == "dc esp"
    assert prompt_of("00000143`38808600  1c") is None


def test_broken_dump_mid_capture_and_other_commands_skipped(vectors: Path, tmf: bytes) -> None:
    lines = (vectors / "windbg_db.txt").read_text().splitlines()[:5]
    session = [
        "0:000> r rdx", "rdx=0000014338808600",  # not a dump: skipped
        *lines,
        "0:000> db 0 L10", "Memory access error at '0 L10'",  # failed command
        *lines,
    ]
    records = list(iter_windbg(session))
    assert [r.data_in for r in records] == [tmf, None, tmf]
    assert records[1].error is not None and "line 9" in records[1].error
    assert records[1].line == 8 and records[1].meta["command"] == "db 0 L10"


def test_dumps_without_prompts_split_on_discontinuity(vectors: Path, tmf: bytes) -> None:
    rows = [line for line in (vectors / "windbg_db.txt").read_text().splitlines()
            if not line.startswith("0:000>")][:8]
    records = list(iter_windbg(rows))
    assert len(records) == 2 and records[0].data_in == tmf


@pytest.mark.parametrize("name", ["windbg_session.txt", "windbg_physical.txt", "windbg_db.txt"])
def test_named_hint_reads_like_detection(vectors: Path, name: str) -> None:
    # One reader: a session with prompts reads the same named or detected (the prompts'
    # commands decide), line ranges included.
    data = (vectors / name).read_bytes()
    detected = read_capture(data).records
    named = read_capture(data, "windbg-db").records
    assert [(r.data_in, r.line, r.end_line, r.error) for r in named] == [
        (r.data_in, r.line, r.end_line, r.error) for r in detected]
