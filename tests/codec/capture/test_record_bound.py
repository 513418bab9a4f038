"""One record-size bound for every reader: work follows the input, never a number written in it.

Reproducers from issue 12: case 1 (25 bytes of xxd / hexdump -C text whose ``*`` row claims
4 GiB) must end at once with an error record, and the bound is a parameter of every reader.
"""

from __future__ import annotations

import pytest
from iscsitgt_spt.codec.capture.detect import FORMATS, iter_capture_lines, read_capture
from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    bound_records,
)
from iscsitgt_spt.spec.errors import InputFormatError

XXD_BOMB = "0000: 00\n*\nffffffff: 00\n"
HEXDUMP_BOMB = "00000000  00 |.|\n*\nffffffff  00 |.|\n"


@pytest.mark.parametrize("fmt", [None, "xxd", "text"])
def test_issue12_case1_xxd_star_bomb_is_an_error_record(fmt: str | None) -> None:
    (record,) = iter_capture_lines(XXD_BOMB.splitlines(), fmt)
    assert record.error is not None and "record-size limit" in record.error
    assert "line 3" in record.error


@pytest.mark.parametrize("fmt", [None, "hexdump-C", "text"])
def test_issue12_case1_hexdump_star_bomb_is_an_error_record(fmt: str | None) -> None:
    (record,) = iter_capture_lines(HEXDUMP_BOMB.splitlines(), fmt)
    assert record.error is not None and "record-size limit" in record.error


def test_a_star_within_the_bound_still_expands() -> None:
    # 0x10 bytes then '*' up to 0x30: three rows of zeros, 48 bytes in all (hand count).
    text = ("00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
            "*\n00000030\n")
    (record,) = iter_capture_lines(text.splitlines())
    assert record.data_in == bytes(48)


def test_the_limit_is_a_parameter_of_every_reader() -> None:
    rows = "00000000: 0102 0304 0506 0708 090a 0b0c 0d0e 0f10  ................\n"
    for fmt in (None, "xxd", "text"):
        (record,) = iter_capture_lines([rows], fmt, limit=8)
        assert record.error is not None and "limit of 8 bytes" in record.error
    with pytest.raises(InputFormatError, match="limit of 8 bytes"):
        read_capture(bytes(range(16)) * 2 + b"\x00", "raw", limit=8)
    with pytest.raises(InputFormatError, match="limit of 8 bytes"):
        read_capture(b"01 02 03 04 05 06 07 08 09\n", "hex", limit=8)


def test_every_line_format_passes_the_bound() -> None:
    # bound_records is the one check every reader's records pass through.
    record = RawRecord(index=0, data_in=bytes(9), data_out=None, ioctl=None,
                       source_format="jsonl", line=4)
    (bounded,) = bound_records([record], limit=8)
    assert bounded.error is not None and "record 1 (line 4)" in bounded.error
    assert "jsonl" in FORMATS


def test_assembler_checks_before_copying() -> None:
    asm = ByteAssembler(limit=32)
    asm.extend(range(16))
    with pytest.raises(RecordTooLarge):
        asm.repeat_last(16, 1 << 40)
    assert asm.length == 16
    assert MAX_RECORD_SIZE == 4 << 20


def test_a_text_block_too_long_for_any_record_is_not_held() -> None:
    # With a limit of 8 bytes, a block longer than 8 * 8 + 4096 characters cannot be a record
    # within it: it becomes one error record naming its lines, and the next block is read.
    from iscsitgt_spt.codec.capture.splitter import iter_text_records

    lines = ["00 " * 40] * 50 + ["", "01 02 03"]
    first, second = iter_text_records(lines, limit=8)
    assert first.error is not None and first.error.startswith("lines 1-50:")
    assert second.data_in == b"\x01\x02\x03"
