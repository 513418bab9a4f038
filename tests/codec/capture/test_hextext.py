"""Plain hex, xxd and hexdump -C readers.

The xxd/hexdump samples were produced by running the real tools on the .bin files next to
them (see tests/vectors/README.md), so the .bin file is the independent expected value.
The ``hex``, ``xxd`` and ``hexdump-C`` hints are read by the block reader; these tests used to
call the deleted per-format readers and now read through the hint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from iscsitgt_spt.codec.capture.detect import iter_capture_lines, read_capture
from iscsitgt_spt.codec.capture.hextext import read_raw
from iscsitgt_spt.codec.capture.records import RawRecord


def iter_plain_hex(lines: list[str]) -> list[RawRecord]:
    return list(iter_capture_lines(lines, "hex"))


def iter_xxd(lines: list[str]) -> list[RawRecord]:
    return list(iter_capture_lines(lines, "xxd"))


def iter_hexdump_c(lines: list[str]) -> list[RawRecord]:
    return list(iter_capture_lines(lines, "hexdump-C"))


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_raw_is_the_bytes(tmf: bytes) -> None:
    (record,) = read_raw(tmf)
    assert record.data_in == tmf and record.source_format == "raw"


def test_plain_hex_sample_two_records(vectors: Path, tmf: bytes, tmf5: bytes) -> None:
    records = list(iter_plain_hex(_lines(vectors / "tmf_abort_task.hex")))
    assert [r.data_in for r in records] == [tmf, tmf5]
    assert [r.line for r in records] == [3, 10]
    assert all(r.ok and r.source_format == "hex" for r in records)


@pytest.mark.parametrize("text", [
    "1c 00 00 00", "1c,00,00,00", "1c\t00\t00\t00", "1c-00-00-00", "0x1c 0x00 0X00 0x0",
    "1c000000", "1c00\n0000", "# header\n1c 00 # tail comment\n00 00",
])
def test_plain_hex_separators(text: str) -> None:
    (record,) = iter_plain_hex(text.splitlines())
    assert record.data_in == b"\x1c\x00\x00\x00"


@pytest.mark.parametrize(("text", "needle"), [
    ("1c 0g", "'0g' is not hex"), ("1c0", "odd number"), ("0x1c000000", "not one byte"),
])
def test_plain_hex_errors_name_line(text: str, needle: str) -> None:
    (record,) = iter_plain_hex(["# c", text])
    assert record.error is not None and needle in record.error and "line 2" in record.error


def test_plain_hex_broken_record_mid_capture(tmf: bytes) -> None:
    text = f"{tmf.hex()}\n\n1c zz\n00\n\n{tmf.hex()}\n"
    records = list(iter_plain_hex(text.splitlines()))
    assert [r.data_in for r in records] == [tmf, None, tmf]
    assert records[1].error is not None and "line 3" in records[1].error
    assert [r.index for r in records] == [0, 1, 2]


def test_plain_hex_unreadable_bytes() -> None:
    (record,) = iter_plain_hex(["01 02 ?? ?? 05"])
    assert record.data_in == b"\x01\x02"
    assert record.unreadable == ((2, 4),)
    assert record.meta["segments"] == ((0, b"\x01\x02"), (4, b"\x05"))


@pytest.mark.parametrize("name", ["tmf_abort_task", "tmf_first20", "tmf_zero_tail"])
def test_xxd_real_output(vectors: Path, name: str) -> None:
    expected = (vectors / f"{name}.bin").read_bytes()
    (record,) = iter_xxd(_lines(vectors / f"{name}.xxd"))
    assert record.ok and record.data_in == expected and record.meta["address"] == 0


@pytest.mark.parametrize("name", ["tmf_abort_task", "tmf_first20", "tmf_zero_tail"])
def test_hexdump_c_real_output(vectors: Path, name: str) -> None:
    expected = (vectors / f"{name}.bin").read_bytes()
    (record,) = iter_hexdump_c(_lines(vectors / f"{name}.hexdump"))
    assert record.ok and record.data_in == expected


def test_hexdump_star_is_expanded_from_the_next_offset(vectors: Path) -> None:
    text = (vectors / "tmf_zero_tail.hexdump").read_text()
    assert "\n*\n" in text  # the real tool did print the repeat marker
    (record,) = iter_hexdump_c(text.splitlines())
    assert len(record.data_in or b"") == 0x80


def test_hexdump_two_dumps(vectors: Path, tmf: bytes, tmf5: bytes) -> None:
    records = list(iter_hexdump_c(_lines(vectors / "two_dumps.hexdump")))
    assert [r.data_in for r in records] == [tmf, tmf5]


def test_hexdump_final_offset_mismatch_is_an_error(vectors: Path) -> None:
    lines = _lines(vectors / "tmf_abort_task.hexdump")
    lines[-1] = "00000050"
    (record,) = iter_hexdump_c(lines)
    assert record.error is not None and "final offset" in record.error


def test_hexdump_broken_dump_mid_capture(vectors: Path, tmf: bytes, tmf5: bytes) -> None:
    lines = _lines(vectors / "two_dumps.hexdump")
    lines[1] = "00000010  02 01 zz 00 00 00 00 00  24 00 00 00 00 00 00 00  |........$.......|"
    records = list(iter_hexdump_c(lines))
    assert records[0].error is not None and "line 2" in records[0].error
    assert records[1].data_in == tmf5


def test_xxd_broken_dump_mid_capture(vectors: Path, tmf: bytes) -> None:
    good = _lines(vectors / "tmf_abort_task.xxd")
    bad = list(good)
    bad[2] = "00000020: 8877 66 garbage"
    records = list(iter_xxd([*good, "", *bad, "", *good]))
    assert [r.data_in for r in records] == [tmf, None, tmf]
    assert records[1].error is not None and "line 8" in records[1].error


def test_read_capture_detects_real_tool_output(vectors: Path, tmf: bytes) -> None:
    for name, fmt in (("tmf_abort_task.xxd", "xxd"), ("tmf_abort_task.hexdump", "hexdump-C"),
                      ("tmf_abort_task.hex", "hex")):
        result = read_capture((vectors / name).read_bytes())
        assert result.format == fmt
        assert result.records[0].data_in == tmf


@pytest.mark.parametrize("name", ["tmf_abort_task.xxd-e", "tmf_abort_task.pyhexdump"])
def test_xxd_hint_reads_little_endian_words_and_wide_rows(vectors: Path, tmf: bytes,
                                                          name: str) -> None:
    # Real output of `xxd -e` (0000001c = bytes 1c 00 00 00) and of the PyPI hexdump
    # package (16 bytes a row with two spaces after the eighth), read with the xxd hint.
    (record,) = iter_xxd(_lines(vectors / name))
    assert record.ok and record.data_in == tmf
