"""``decode`` of one raw buffer, streamed past its leading bytes, prints what it printed when it
read the buffer whole (issue 12: memory flat for one big raw buffer).

The expected output of every case is the in-memory path's, run in this process on the same
bytes (``open_records``, which reads the buffer whole, then ``emit_reports``); that path is
what the rest of the suite checks against independent sources.  The streamed path is run the
way users run it, ``iscsitgt-spt decode`` on a file, on a pipe (``-``) and on a file
redirected to standard input: through ``main`` in this process (tests/_inprocess.py: standard
input a stream without a file descriptor, as a pipe gives no size, or the opened file itself),
and for each of the three once as ``python -m iscsitgt_spt`` in a subprocess.
"""

from __future__ import annotations

import contextlib
import io
import random
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from _inprocess import run_main
from iscsitgt_spt.cli import build_parser
from iscsitgt_spt.cli._capture_input import open_records
from iscsitgt_spt.cli._long_input import CHUNK, read_long_raw
from iscsitgt_spt.cli.decode import emit_reports
from iscsitgt_spt.codec.capture.records import RecordTooLarge
from iscsitgt_spt.codec.longbuffer import LongBuffer, leading_size
from iscsitgt_spt.spec.errors import SptError

CAPTURES = Path(__file__).resolve().parents[1] / "vectors" / "captures"
TMF = (CAPTURES / "tmf_abort_task.bin").read_bytes()  # the hand-derived 64-byte sample
LEAD = leading_size()
_RNG = random.Random(1212)
_HEAD = 1 << 16  # what decode reads for format detection

INPUTS = {
    "tmf alone": TMF,
    "tmf + 1": TMF + b"\x07",
    "leading size - 1": TMF + _RNG.randbytes(LEAD - 1 - len(TMF)),
    "leading size": TMF + _RNG.randbytes(LEAD - len(TMF)),
    "leading size + 1": TMF + _RNG.randbytes(LEAD + 1 - len(TMF)),
    "detection head": TMF + _RNG.randbytes(_HEAD - len(TMF)),
    "detection head + 1": TMF + _RNG.randbytes(_HEAD + 1 - len(TMF)),
    "chunk + 17, zeros": TMF + bytes(CHUNK + 17),
    # Two whole chunks past the structure and a short third read: every boundary of the
    # streamed path once (sized for the suite's time: each case runs the CLI on it).
    "2 chunks + 5": TMF + _RNG.randbytes(2 * CHUNK + 5),
    "undecodable": _RNG.randbytes(LEAD + 5000),
    "truncated": TMF[:40],
}
MODES = {
    "text": [],
    "hexdump": ["--hexdump"],
    "json": ["--json"],
    "hexdump colour": ["--hexdump", "--color", "always"],
    "as a pass-through": ["--as", "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "--hexdump"],
}


#: What ``in_memory`` gave, per (from a file, bytes, options): several tests compare other
#: ways of reading the same input with the same options (a file, redirected standard input,
#: a process) against the same expected output, which is computed once.
_EXPECTED: dict[tuple[bool, bytes, tuple[str, ...]], tuple[str, str, int]] = {}


def in_memory(data: bytes | Path, options: list[str]) -> tuple[str, str, int]:
    """(stdout, stderr, exit code) of today's path: the buffer read whole, in this process,
    from a file (a path) or from a stream that is not one (bytes, as a pipe is read)."""
    from_file = isinstance(data, Path)
    key = (from_file, data.read_bytes() if isinstance(data, Path) else data, tuple(options))
    if key not in _EXPECTED:
        _EXPECTED[key] = _read_whole(data, options)
    return _EXPECTED[key]


def _read_whole(data: bytes | Path, options: list[str]) -> tuple[str, str, int]:
    args = build_parser(["decode"]).parse_args(["decode", *options, "-"])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), ExitStack() as stack:
        stream = (stack.enter_context(data.open("rb")) if isinstance(data, Path)
                  else io.BytesIO(data))
        try:
            fmt, records, multi = open_records(stream, args.input, args.max_record_size)
            code = emit_reports(records, fmt, multi, args)
        except SptError as exc:  # what main() prints for it
            print(f"iscsitgt-spt decode: error: {exc}", file=sys.stderr)
            code = 2
    return out.getvalue(), err.getvalue(), code


def streamed(path: Path, options: list[str], how: str) -> tuple[str, str, int]:
    """(stdout, stderr, exit code) of ``decode`` run on ``path`` ``how``, in this process."""
    if how == "file":
        result = run_main("decode", *options, str(path))
    elif how == "pipe":
        result = run_main("decode", *options, "-", stdin=path.read_bytes())
    else:
        with path.open("rb") as stdin:
            result = run_main("decode", *options, "-", stdin=stdin)
    return result.stdout.decode(), result.stderr.decode(), result.returncode


def streamed_by_a_process(path: Path, options: list[str], how: str) -> tuple[str, str, int]:
    """:func:`streamed` in a subprocess: real file descriptors, a real pipe."""
    if how == "file":
        command = [sys.executable, "-m", "iscsitgt_spt", "decode", *options, str(path)]
        result = subprocess.run(command, capture_output=True, timeout=300)
    elif how == "pipe":
        command = [sys.executable, "-m", "iscsitgt_spt", "decode", *options, "-"]
        result = subprocess.run(command, input=path.read_bytes(), capture_output=True,
                                timeout=300)
    else:
        with path.open("rb") as stdin:
            command = [sys.executable, "-m", "iscsitgt_spt", "decode", *options, "-"]
            result = subprocess.run(command, stdin=stdin, capture_output=True, timeout=300)
    return result.stdout.decode(), result.stderr.decode(), result.returncode


@pytest.mark.parametrize("name", list(INPUTS))
@pytest.mark.parametrize("mode", list(MODES))
def test_a_file_prints_what_it_printed_read_whole(tmp_path: Path, name: str, mode: str) -> None:
    path = tmp_path / "buffer.bin"
    path.write_bytes(INPUTS[name])
    expected = in_memory(path, MODES[mode])
    assert streamed(path, MODES[mode], "file") == expected


@pytest.mark.parametrize("how", ["file", "pipe", "redirect"])
def test_a_process_prints_what_it_printed_read_whole(tmp_path: Path, how: str) -> None:
    path = tmp_path / "buffer.bin"
    path.write_bytes(INPUTS["2 chunks + 5"])
    expected = in_memory(INPUTS["2 chunks + 5"] if how == "pipe" else path, MODES["hexdump"])
    assert streamed_by_a_process(path, MODES["hexdump"], how) == expected


@pytest.mark.parametrize("name", ["leading size + 1", "2 chunks + 5", "undecodable",
                                  "truncated", "detection head + 1"])
@pytest.mark.parametrize("how", ["pipe", "redirect"])
@pytest.mark.parametrize("mode", ["hexdump", "json"])
def test_standard_input_prints_what_it_printed_read_whole(
    tmp_path: Path, name: str, how: str, mode: str
) -> None:
    path = tmp_path / "buffer.bin"
    path.write_bytes(INPUTS[name])
    expected = in_memory(INPUTS[name] if how == "pipe" else path, MODES[mode])
    assert streamed(path, MODES[mode], how) == expected


@pytest.mark.parametrize("limit", [10, LEAD, _HEAD - 1, _HEAD + 100, 2 * CHUNK + 68,
                                   2 * CHUNK + 69])
@pytest.mark.parametrize("how", ["file", "pipe"])
def test_the_record_size_bound_says_what_it_said(tmp_path: Path, limit: int, how: str) -> None:
    data = INPUTS["2 chunks + 5"]  # 2 * CHUNK + 69 bytes
    path = tmp_path / "buffer.bin"
    path.write_bytes(data)
    options = ["--hexdump", "--max-record-size", str(limit)]
    got = streamed(path, options, how)
    assert got == in_memory(data if how == "pipe" else path, options)
    if limit < len(data):
        assert got[2] == 2 and "exceeds the record-size limit" in got[1]


class _Watched(io.RawIOBase):
    """A pipe (no fileno, no seek) that records every read's size and gives at most ``most``
    bytes a read (an unbuffered stream reads short)."""

    def __init__(self, data: bytes, most: int | None = None) -> None:
        self._data, self._most, self.sizes = io.BytesIO(data), most, []

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:  # type: ignore[override]
        self.sizes.append(size)
        if size is None or size < 0:
            size = len(self._data.getbuffer())
        return self._data.read(size if self._most is None else min(size, self._most))


@pytest.mark.parametrize("most", [None, 100])
@pytest.mark.parametrize("total", [LEAD - 1, LEAD + 1, _HEAD, _HEAD + 1, 3 * CHUNK + 5])
def test_a_pipe_is_read_in_bounded_pieces_and_the_codec_gets_the_leading_bytes(
    total: int, most: int | None,
) -> None:
    data = (bytes(range(251)) * (total // 251 + 1))[:total]
    stream = _Watched(data, most)
    head = stream.read(_HEAD)
    with ExitStack() as stack:
        got = read_long_raw(head, stream, 1 << 30, stack)
        if total <= len(head) or (most is not None and total < LEAD):
            assert got == data  # it all came in the first read(s): held, as it always was
        else:
            assert isinstance(got, LongBuffer)
            assert len(got.head) == LEAD and len(got) == total  # the codec decodes LEAD bytes
            assert got.tobytes() == data and got.tobytes() == data  # read again: spooled
            assert all(len(c) <= CHUNK for c in got.chunks())
    # Never a read of everything (a size of None or -1), never more than a chunk at a time.
    assert all(size is not None and 0 < size <= max(CHUNK, _HEAD) for size in stream.sizes)


def test_a_regular_file_is_read_again_where_the_rest_starts(tmp_path: Path) -> None:
    data = bytes(range(256)) * 3000
    path = tmp_path / "buffer.bin"
    path.write_bytes(data)
    with path.open("rb") as stream, ExitStack() as stack:
        head = stream.read(_HEAD)
        got = read_long_raw(head, stream, 1 << 30, stack)
        assert isinstance(got, LongBuffer) and len(got.head) == LEAD
        assert got[LEAD - 3 : LEAD + 3] == data[LEAD - 3 : LEAD + 3]
        assert got.tobytes() == data
        with pytest.raises(RecordTooLarge):
            stream.seek(0)
            read_long_raw(stream.read(_HEAD), stream, len(data) - 1, stack)


def _page_held_whole(data: bytes, title: str) -> str:
    """The ``--html`` page of one raw buffer held whole, in this process: the general path
    (``report_record`` on the bytes) through ``render_html``."""
    from iscsitgt_spt.cli.views.html import render_html
    from iscsitgt_spt.codec.analysis.report import report_record
    from iscsitgt_spt.codec.capture.records import read_raw

    reports = [report_record(record) for record in read_raw(data, 1 << 30)]
    return "".join(render_html(reports, "raw", title=title))


@pytest.mark.parametrize("name", ["leading size + 1", "detection head + 1", "2 chunks + 5",
                                  "undecodable"])
@pytest.mark.parametrize("how", ["file", "pipe"])
def test_the_html_page_of_a_long_buffer_is_the_page_of_the_buffer_held_whole(
    tmp_path: Path, name: str, how: str
) -> None:
    # --html reads a long raw buffer as decode does (its leading bytes held, the rest streamed
    # into the page's JSON block); the page must be the one the bytes held whole give.
    data = INPUTS[name]
    path = tmp_path / "buffer.bin"
    path.write_bytes(data)
    page = tmp_path / "page.html"
    result = run_main("decode", "--html", str(page), "-" if how == "pipe" else str(path),
                      stdin=data if how == "pipe" else None)
    assert result.returncode in (0, 1), result.stderr
    title = f"iscsitgt-spt decode {'stdin' if how == 'pipe' else 'buffer.bin'}"
    assert page.read_text(encoding="utf-8") == _page_held_whole(data, title)
