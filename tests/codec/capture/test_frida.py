"""Frida hexdump() reader.  frida_hexdump.txt is hand-written from frida-gum's hexdump.js;
the ANSI sample was written by a transcription of that function (see the vectors README).
The ``frida`` hint is read by the block reader; these tests used to call the deleted per-tool
reader (its ``strip_ansi`` is now the anatomy's ``strip_line``)."""

from __future__ import annotations

from pathlib import Path

from iscsitgt_spt.codec.capture.anatomy import strip_line as strip_ansi
from iscsitgt_spt.codec.capture.detect import iter_capture_lines, read_capture
from iscsitgt_spt.codec.capture.records import RawRecord


def iter_frida(lines: list[str]) -> list[RawRecord]:
    """The records of ``lines`` read with the ``frida`` hint."""
    return list(iter_capture_lines(lines, "frida"))


def test_plain_with_header(vectors: Path, tmf: bytes) -> None:
    result = read_capture((vectors / "frida_hexdump.txt").read_bytes())
    assert result.format == "frida"
    (record,) = result.records
    assert record.data_in == tmf and record.meta["address"] == 0x7FFD4C2A1000
    assert record.line == 1


def test_ansi_colour_is_stripped_two_dumps(vectors: Path, tmf: bytes, tmf5: bytes) -> None:
    data = (vectors / "frida_hexdump_ansi.txt").read_bytes()
    assert b"\x1b[0;33m" in data
    result = read_capture(data)
    assert result.format == "frida"
    assert [r.data_in for r in result.records] == [tmf, tmf5]


def test_strip_ansi() -> None:
    assert strip_ansi("\x1b[0;32m7ffd\x1b[0m  \x1b[0;33m1c\x1b[0m") == "7ffd  1c"


def test_without_header_and_partial_row() -> None:
    lines = ["00000000  1c 00 00 00 49 53 43 53 49 54 47 54 3c 00 00 00  ....ISCSITGT<...",
             "00000010  02 01                                            .."]
    (record,) = iter_frida(lines)
    assert record.data_in == bytes.fromhex("1c00000049534353495447543c0000000201")


def test_broken_dump_mid_capture(vectors: Path, tmf: bytes, tmf5: bytes) -> None:
    text = (vectors / "frida_hexdump_ansi.txt").read_text().splitlines()
    text[2] = strip_ansi(text[2]).replace("02 01", "02 0x")
    records = list(iter_frida(text))
    assert records[0].error is not None and "line 3" in records[0].error
    assert records[1].data_in == tmf5
