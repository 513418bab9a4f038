"""Format detection, read_capture and the streaming reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from iscsitgt_spt.codec.capture.detect import (
    FORMATS,
    detect_format,
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
