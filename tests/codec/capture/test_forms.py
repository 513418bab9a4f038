"""Every supported dump and byte-text form, read by auto-detection (block by block).

Each sample holds tmf_abort_task.bin (the hand-derived buffer in conftest.py); the samples were
made by the real tool where it runs here and modelled on the tool's published output otherwise
(tests/vectors/README.md, captures section, gives each origin).  The .bin file is the expected
value, so nothing here is copied from our own output.

Byte order, hand-derived: tools that print words print numbers, so the first four bytes
``1c 00 00 00`` appear as ``0000001c`` (xxd -e, od -t x4, WinDbg dc/dd, !dc), ``001c 0000``
(hexdump, od -t x2) or ``53435349`0000001c`` / ``5343534900000000001c`` (dq/dps, od -t x8);
xxd and radare2 print byte pairs in memory order (``1c00 0000``).  Where a row has an ascii
column (``....ISCSITGT<...``) only one of the two readings gives those characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from iscsitgt_spt.codec.capture.detect import read_capture
from iscsitgt_spt.spec.errors import InputFormatError

#: sample -> (number of records, source_format of the first record or None for any)
FORMS = {
    # real tool output, made here
    "tmf_abort_task.xxd-e": (1, "xxd"),
    "tmf_abort_task.xxd-i": (1, "c-array"),
    "tmf_abort_task.xxd-p": (1, "hex"),
    "tmf_abort_task.hexdump-default": (1, "hexdump"),
    "tmf_abort_task.hd": (1, "hexdump-C"),
    "tmf_abort_task.od-x1z": (1, "od"),
    "tmf_abort_task.od-x1": (1, None),
    "tmf_abort_task.od-x2": (1, None),
    "tmf_abort_task.od-x4": (1, None),
    "tmf_abort_task.od-x8": (1, None),
    "tmf_abort_task.base64": (1, "base64"),
    "tmf_abort_task.pyhexdump": (1, None),
    "tmf_abort_task.hex-colon": (1, "hex-string"),
    # lldb names itself only by its command: `memory read` and the abbreviations and alias it
    # accepts (the third command prints words, read as a generic dump)
    "lldb_session.txt": (4, "lldb"),
    # modelled on published output
    "ps51_format_hex.txt": (1, None),
    "ps7_format_hex.txt": (1, None),
    "certutil_encodehex.txt": (1, None),
    "hxd_copy.txt": (1, None),
    "x64dbg_dump.txt": (1, None),
    "x64dbg_dump_single_space.txt": (1, None),
    "ollydbg_dump.txt": (1, None),
    "radare2_px.txt": (1, "radare2"),
    "windbg_session.txt": (4, "windbg-db"),
    "windbg_physical.txt": (2, "windbg-db"),
    "tmf_abort_task.c": (1, "c-array"),
    "tmf_abort_task.escaped": (1, "escaped-string"),
    "tmf_abort_task.ps1": (2, "powershell-bytes"),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_gives_the_buffer(vectors: Path, tmf: bytes, name: str) -> None:
    count, fmt = FORMS[name]
    records = read_capture((vectors / name).read_bytes()).records
    assert [r.error for r in records] == [None] * count
    assert [r.data_in for r in records] == [tmf] * count
    if fmt is not None:
        assert records[0].source_format == fmt
    for record in records:
        assert record.line is not None and record.end_line is not None
        assert record.line <= record.end_line


def test_zero_tail_hexdump_default_expands_the_star(vectors: Path) -> None:
    text = (vectors / "tmf_zero_tail.hexdump-default").read_text()
    assert "\n*\n" in text  # the real tool printed the repeat marker
    (record,) = read_capture(text.encode()).records
    assert record.data_in == (vectors / "tmf_zero_tail.bin").read_bytes()


def test_od_octal_addresses(vectors: Path) -> None:
    # od -t x1 prints octal offsets: 0000020 is byte 16.
    assert "0000020 02 01" in (vectors / "tmf_abort_task.od-x1").read_text()


def test_physical_rows_keep_their_address(vectors: Path) -> None:
    first, second = read_capture((vectors / "windbg_physical.txt").read_bytes()).records
    assert first.meta["address"] == second.meta["address"] == 0x3D94380
    assert second.meta["byte_order"] == "little"


def test_powershell_51_is_utf16_with_bom(vectors: Path) -> None:
    assert (vectors / "ps51_format_hex.txt").read_bytes()[:2] == b"\xff\xfe"


# -- nothing lost: the two cases issue 11 found ------------------------------------------------


def test_windbg_db_dps_db_session_gives_three_records(vectors: Path, tmf: bytes) -> None:
    lines = (vectors / "windbg_session.txt").read_text().splitlines()
    session = lines[0:14] + lines[19:24]  # db, dps, db (the dp dump left out)
    assert [line for line in session if "> " in line] == [
        "0:000> db @rdx L40", "0:000> dps @rdx L8", "0:000> db @rdx L40"]
    records = read_capture("\n".join(session).encode()).records
    assert [r.data_in for r in records] == [tmf, tmf, tmf]
    assert [(r.line, r.end_line) for r in records] == [(1, 5), (6, 14), (15, 19)]


def test_xxd_hexdump_and_windbg_in_one_file_give_three_records(vectors: Path, tmf: bytes,
                                                                 tmf5: bytes) -> None:
    text = ((vectors / "tmf_abort_task.xxd").read_text()
            + (vectors / "tmf_abort_task.hexdump").read_text()
            + "".join((vectors / "windbg_db.txt").read_text().splitlines(True)[5:10]))
    records = read_capture(text.encode()).records
    assert [r.data_in for r in records] == [tmf, tmf, tmf5]
    assert [(r.line, r.end_line) for r in records] == [(1, 4), (5, 9), (10, 14)]


def test_data_that_cannot_be_read_is_an_error_record_with_its_lines(tmf: bytes) -> None:
    text = (f"{tmf.hex()}\n\n"
            "00000000: 1c00 0000 4953 4353 4954 4754 3c00 0000  ....ISCSITGT<...\n"
            "00000010: 0201 zz00 0000 0000 2400 0000 0000 0000  ........$.......\n\n"
            "1c 00 00 zz 00 00 00\n\n"
            f"{tmf.hex()}\n")
    records = read_capture(text.encode()).records
    assert [r.data_in for r in records] == [tmf, None, None, tmf]
    assert "line 4" in (records[1].error or "")
    assert "line 6" in (records[2].error or "") and records[2].line == 6


def test_commentary_lines_are_reported_not_dropped(tmf: bytes) -> None:
    text = f"Microsoft (R) Windows Debugger Version 10.0\n\n{tmf.hex()}\n\ntrailing remark\n"
    (record,) = read_capture(text.encode()).records
    assert record.data_in == tmf
    assert record.meta["skipped_lines"] == (
        "line 1: banner: Microsoft (R) Windows Debugger Version 10.0", "line 5: trailing remark")


def test_dump_command_without_a_dump_is_an_error_record(tmf: bytes) -> None:
    text = (f"0:000> db 0 L10\nMemory access error at '0 L10'\n0:000> db @rdx\n"
            f"00000143`38808600  {' '.join(f'{b:02x}' for b in tmf[:16])}\n")
    first, second = read_capture(text.encode()).records
    assert first.error is not None and "line 1" in first.error and first.line == 1
    assert second.data_in == tmf[:16]


# -- bytes as text ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", [
    "{{{c}}}", "unsigned char buf[] = {{ {c} }};", "byte[] b = new byte[] {{ {c} }};",
    '"{x}"', 'b"{x}"', "[byte[]]({c})", "[byte[]]@({c})", "@({d})", "$b = [byte[]] ({c})",
])
def test_byte_text_forms(tmf: bytes, template: str) -> None:
    text = template.format(c=", ".join(f"0x{b:02x}" for b in tmf),
                           x="".join(f"\\x{b:02x}" for b in tmf),
                           d=",".join(str(b) for b in tmf))
    (record,) = read_capture(text.encode()).records
    assert record.data_in == tmf


def test_escaped_string_with_printable_characters(tmf: bytes) -> None:
    # "ISCSITGT" written as text and "<" as itself: the same 64 bytes.
    text = '"\\x1c\\0\\0\\0ISCSITGT<\\0\\0\\0' + "".join(f"\\x{b:02x}" for b in tmf[16:]) + '"'
    (record,) = read_capture(text.encode()).records
    assert record.data_in == tmf


def test_byte_text_errors_name_the_line() -> None:
    with pytest.raises(InputFormatError, match="line 3: '300' is not a byte value"):
        read_capture(b"unsigned char b[] = {\n 0x1c, 0x00,\n 300, 0x00 };\n")
    text = b"unsigned char b[] = { 0x1c, 0x00 };\nunsigned int b_len = 3;\n"
    with pytest.raises(InputFormatError, match="declared length 3"):
        read_capture(text)


def test_base64_only_when_the_whole_block_is_base64(vectors: Path, tmf: bytes) -> None:
    data = (vectors / "tmf_abort_task.base64").read_bytes()
    assert read_capture(data).records[0].data_in == tmf
    # Not base64 as a whole (one character changed), or too short to be a buffer (9 bytes):
    # no record is made up from them.
    for text in (data.replace(b"A", b"!", 1), b"SGVsbG8gd29y\n"):
        with pytest.raises(InputFormatError):
            read_capture(text)


def test_hex_digits_are_hex_not_base64(tmf: bytes) -> None:
    (record,) = read_capture((tmf.hex() + "\n").encode()).records
    assert record.source_format == "hex" and record.data_in == tmf


def test_ascii_column_that_looks_framed_is_still_the_column() -> None:
    # A row of real `xxd` output on random bytes: the column happens to start with '>' and
    # end with '<' (bytes 3e and 3c), like od's frame; it is still this row's ascii.
    row = "00030cc0: 3eea 464f 9fed c4e2 ce41 44e8 5ac5 1c3c  >.FO.....AD.Z..<"
    (record,) = read_capture(row.encode()).records
    assert record.data_in == bytes.fromhex("3eea464f9fedc4e2ce4144e85ac51c3c")


def test_windbg_dpp_reads_the_pointer_column_only(tmf: bytes) -> None:
    # dpp prints each pointer-sized value, then the value it points to: only the first
    # column is the memory dumped (the words hand-derived from the buffer, little-endian).
    words = [int.from_bytes(tmf[i:i + 8], "little") for i in range(0, 64, 8)]
    rows = [f"00000143`{0x38808600 + 8 * i:08x}  {w >> 32:08x}`{w & 0xFFFFFFFF:08x} "
            f"00000000`00000000" for i, w in enumerate(words)]
    (record,) = read_capture("\n".join(["0:000> dpp @rdx L8", *rows]).encode()).records
    assert record.data_in == tmf


def test_a_prompt_count_is_never_expanded(vectors: Path, tmf: bytes) -> None:
    # `L?0xffffffff` asks WinDbg for 4 GiB; only the rows printed are data.
    rows = (vectors / "windbg_db.txt").read_text().splitlines()[1:5]
    (record,) = read_capture("\n".join(["0:000> db @rdx L?0xffffffff", *rows]).encode()).records
    assert record.data_in == tmf and record.meta["command"] == "db @rdx L?0xffffffff"


def test_other_commands_and_their_output_are_reported(vectors: Path, tmf: bytes) -> None:
    rows = (vectors / "windbg_db.txt").read_text().splitlines()[:5]
    session = ["0:000> r rdx", "rdx=0000014338808600", *rows, "0:000> k"]
    (record,) = read_capture("\n".join(session).encode()).records
    assert record.data_in == tmf and (record.line, record.end_line) == (3, 7)
    assert record.meta["skipped_lines"] == (
        "line 1: debugger prompt: 0:000> r rdx", "line 2: rdx=0000014338808600",
        "line 8: debugger prompt: 0:000> k")
