"""Format detection, read_capture and the streaming reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _examples import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture.detect import (
    FORMATS,
    SNIFF_LINES,
    detect_format,
    detection_settled,
    iter_capture_lines,
    read_capture,
)
from iscsitgt_spt.spec.errors import InputFormatError

from tests.codec.capture.test_forms import FORMS

SAMPLES = {
    "tmf_abort_task.bin": "raw", "tmf_abort_task.hex": "hex", "tmf_abort_task.xxd": "xxd",
    "tmf_abort_task.hexdump": "hexdump-C", "windbg_db.txt": "windbg-db",
    "windbg_dc.txt": "windbg-dc", "windbg_dd.txt": "windbg-dd", "windbg_dq.txt": "windbg-dq",
    "frida_hexdump.txt": "frida", "frida_hexdump_ansi.txt": "frida", "ioctlbf.log": "ioctlbf",
    "irpmon.txt": "irpmon-text", "irpmon.jsonl": "irpmon-json",
    "irpmon_array.json": "irpmon-json",
}


@pytest.mark.parametrize(("name", "fmt"), sorted(SAMPLES.items()))
def test_detects_every_sample(vectors: Path, tmf: bytes, name: str, fmt: str) -> None:
    data = (vectors / name).read_bytes()
    assert detect_format(data) == fmt
    result = read_capture(data)
    assert result.format == fmt and result.records[0].data_in == tmf


def test_every_sample_is_listed(vectors: Path) -> None:
    names = {p.name for p in vectors.iterdir() if not p.name.startswith("tmf_")}
    names |= {"tmf_abort_task.bin", "tmf_abort_task.hex", "tmf_abort_task.xxd",
              "tmf_abort_task.hexdump"}
    assert names - {"two_dumps.hexdump", "make_modelled.py"} == set(SAMPLES) | {
        name for name in FORMS if not name.startswith("tmf_")}


def test_jsonl_detected(tmf: bytes) -> None:
    data = f'{{"ioctl": "0x0004d008", "in": "{tmf.hex()}"}}\n'.encode()
    assert detect_format(data) == "jsonl"
    (record,) = read_capture(data).records
    assert record.data_in == tmf and record.ioctl == 0x4D008


def test_binary_is_raw() -> None:
    assert detect_format(b"\x1c\x00\x00\x00ISCSITGT") == "raw"


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(InputFormatError) as info:
        read_capture(b"00", "bogus")
    assert "bogus" in str(info.value) and all(name in str(info.value) for name in FORMATS)


def test_unrecognised_text_and_empty_input() -> None:
    with pytest.raises(InputFormatError, match="line 1"):
        detect_format(b"hello world\n")
    with pytest.raises(InputFormatError, match="empty"):
        detect_format(b"  \n")


def test_all_records_broken_raises_with_line() -> None:
    with pytest.raises(InputFormatError, match="line 2"):
        read_capture(b"# buffer\n1c zz\n", "hex")


def test_streaming_reads_lazily(tmf: bytes) -> None:
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        for _ in range(1000):
            consumed += 1
            yield f'{{"ioctl": "0x0004d008", "in": "{tmf.hex()}"}}'

    stream = iter_capture_lines(lines(), "jsonl")
    first = next(stream)
    assert first.data_in == tmf and consumed < 10
    assert sum(1 for _ in stream) == 999


def test_streaming_detects_from_the_first_lines(vectors: Path, tmf: bytes) -> None:
    with (vectors / "ioctlbf.log").open() as handle:
        records = list(iter_capture_lines(handle))
    assert records[0].source_format == "ioctlbf" and records[0].data_in == tmf


def test_streaming_refuses_non_line_formats() -> None:
    with pytest.raises(InputFormatError, match="choices"):
        iter_capture_lines(["00"], "raw")


def test_jsonl_with_a_leading_comment_line_is_jsonl() -> None:
    # Our JSONL format skips '#' lines; the shipped demo capture starts with one.
    from iscsitgt_spt.codec.capture.detect import detect_format as _detect

    text = b'# a comment\n{"ioctl": "0x0004d008", "in": "00"}\n'
    assert _detect(text) == "jsonl"


def test_every_line_format_has_a_registered_reader() -> None:
    # The registry imports readers by name on first use: a module or function name spelt
    # wrong would only fail when that format is read.
    import importlib

    from iscsitgt_spt.codec.capture import detect

    # The rest go to the one block reader with their hint.
    assert set(detect._READERS) | detect.TEXT_FORMATS | {"hex"} == set(detect.LINE_FORMATS)
    for module, name in [*detect._READERS.values(), ("splitter", "iter_text_records")]:
        reader = getattr(importlib.import_module(f"iscsitgt_spt.codec.capture.{module}"), name)
        assert callable(reader) and reader.__name__ == name


# -- detection on what has come (a live pipe) ---------------------------------------------
def _text_vectors(vectors: Path) -> list[tuple[str, bytes]]:
    """Every capture vector of another tool's output that is text (not the binary ones)."""
    return [(p.name, p.read_bytes()) for p in sorted(vectors.iterdir())
            if p.is_file() and not p.name.endswith((".bin", ".py"))]


def test_settled_detection_decides_as_the_whole_input(vectors: Path) -> None:
    # A reader of a live pipe detects once detection_settled says the bytes that have come
    # are enough; it must then decide what it decides on the same input read whole.  Every
    # prefix that ends a line, and every tenth byte, of every text vector (other tools' real
    # output) is such a moment; the decision on the whole file is the reference.
    checked = settled = 0
    for name, data in _text_vectors(vectors):
        whole = detect_format(data[: 1 << 16])
        cuts = {i + 1 for i, byte in enumerate(data) if byte == 0x0A} | set(range(1, len(data), 10))
        for cut in sorted(cuts):
            checked += 1
            if detection_settled(data[:cut]):
                settled += 1
                assert detect_format(data[:cut]) == whole, (name, cut)
    assert settled > 100 and checked > settled  # both kinds of moment were met


@pytest.mark.parametrize(("name", "fmt", "after"), [
    ("windbg_session.txt", "windbg-db", 1),  # the command line names the debugger
    ("irpmon.jsonl", "irpmon-json", 1),  # the first record is JSON with IRPMon's members
    ("ioctlbf.log", "ioctlbf", 3),  # its third line is the first "IOCTL Code:" line
    ("irpmon.txt", "irpmon-text", 1),  # "ID = n" first
])
def test_a_line_naming_its_tool_settles_detection(vectors: Path, name: str, fmt: str,
                                                  after: int) -> None:
    # Expected line numbers read off the vector files (head -n 3).
    lines = (vectors / name).read_bytes().splitlines(keepends=True)
    assert not detection_settled(b"".join(lines[: after - 1]))
    assert detection_settled(b"".join(lines[:after]))
    assert detect_format(b"".join(lines[:after])) == fmt


def test_a_hex_dump_waits_for_its_200_lines() -> None:
    # Plain hex rows name no tool: whether the input is hex, xxd or text is decided on up to
    # SNIFF_LINES lines (a later line may not be hex), so a live pipe of them waits for them.
    row = b"00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
    assert not detection_settled(row * (SNIFF_LINES - 1))
    assert detection_settled(row * SNIFF_LINES)


def test_a_line_that_is_not_text_after_the_deciding_line_is_that_record_s() -> None:
    # Before: any control byte in the first 64 KiB made the whole input one raw buffer, so a
    # JSON-Lines capture with one corrupt line among its first 200 was not read as JSON Lines.
    good = b'{"ioctl": "0x4d008", "in": "00"}\n'
    data = good + b"\x00\x01 corrupt \x02\n" + good
    assert detect_format(data) == "jsonl"
    records = read_capture(data).records
    assert [r.error is None for r in records] == [True, False, True]
    # Before the first line of content, a control byte still means binary.
    assert detect_format(b"\x00\x01\n" + good) == "raw"


#: Lines of the formats detection tells apart, and lines that trip its text rules: an
#: invalid UTF-8 byte (whole-text decoding falls back to Latin-1), a no-break space (blank in
#: UTF-8, not in Latin-1), line breaks other than LF (CR, NEL, U+2028, form feed), a BOM,
#: control bytes, a C initialiser, a comment hiding a CR.
_FRAGMENTS = (
    b'{"ioctl":"0x4d008","in":"00"}', b"# comment", b"", b"   ", b"0:000> db @rdx L40",
    b"kd> dd 1000", b"00000143`38808600  1c 00 00 00 49 53 43 53-49 54 47 54 3c 00 00 00  "
    b"....ISCSITGT<...", b"ID = 512", b"IOCTL Code: 0x0004d008,  Method: METHOD_BUFFERED",
    b"00 01 02 03 04 05 06 07", b"00000000: 1c00 0000 4953 4353  ....ISCS", b"\x00\x01junk",
    b'[{"ID" : "1", "Type" : "IRP"}]', b'{"ID" : "1", "Type" : "IRP"}', b'\xef\xbb\xbf{"a":1}',
    b"\xc2\xa0", b"hello world", b"\x1b[31m00 01\x1b[0m", b"{ 0x1c, 0x00 }", b"#x\r{}",
    b"\x85text", b"\xe2\x80\xa8{", b"\xe9t\xe9", b"\x0c", b"\t#tab",
)


@settings(max_examples=150, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(_FRAGMENTS) | st.binary(max_size=6),
                          st.sampled_from((b"\n", b"\r\n", b"\r", b"\n\n"))),
                min_size=1, max_size=12))
def test_settled_detection_of_made_up_input_decides_as_the_whole(lines) -> None:
    # The same rule as above, on inputs made of pieces: a random search of this kind found
    # inputs where an invalid UTF-8 byte late in the input turned an early no-break-space
    # line from blank to content (the whole text fell back to Latin-1), so the first
    # version decided differently on a prefix; lines are now decoded one by one.
    data = b"".join(text + end for text, end in lines)

    def detected(part: bytes) -> str:
        try:
            return detect_format(part)
        except InputFormatError:
            return "refused"

    ends = [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    settled = next((end for end in ends if end >= 4 and detection_settled(data[:end])), None)
    if settled is not None:
        assert detected(data[:settled]) == detected(data)


_BOMMED = st.lists(st.sampled_from([b"\xef\xbb\xbf", b"\xef\xbb", b"\xbf", b"a", b"\xe2\x82\xac",
                                    b"\x00", b"\xff", b"\n"]), max_size=8).map(b"".join)


def _decoded(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return data.decode("latin-1")


@examples(60)
@given(_BOMMED)
def test_text_is_what_utf_8_sig_decodes(data: bytes) -> None:
    # detect strips UTF-8's BOM itself (the "utf-8-sig" codec is a module to load): the
    # codec is the oracle, for a BOM, two, a cut one, a BOM after text, bytes not UTF-8,
    # for the whole input and for its first line.
    from iscsitgt_spt.codec.bounded import split_lines
    from iscsitgt_spt.codec.capture import detect

    assert detect._as_text(data) == _decoded(data, "utf-8-sig")
    lines = data.split(b"\n")[:-1]
    assert detect._lines_each(data) == [
        part for number, line in enumerate(lines)
        for part in split_lines(_decoded(line, "utf-8-sig" if number == 0 else "utf-8"))]
