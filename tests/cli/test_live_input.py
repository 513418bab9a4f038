"""A capture read as it is written (a monitor or a debugger's log piped in): records come out
as their input comes, and the same input read any way decodes the same (cli/_input.py,
cli/_capture_input.py, codec/capture/detect.py's settled detection).

Before, ``decode -`` read 64 KiB for detection, then a megabyte at a time, each read waiting
until it was full or the writer closed the pipe, and then held 64 records before writing:
a person watching a live capture saw nothing until it ended.
"""

from __future__ import annotations

import io
import os
import random
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _inprocess import run_main
from iscsitgt_spt.cli._input import read_head, read_some

#: Other tools' real output (origins: tests/vectors/README.md).
CAPTURES = Path(__file__).resolve().parents[1] / "vectors" / "captures"
#: The samples the package ships (``iscsitgt-spt samples``).
SAMPLES = Path(__file__).resolve().parents[2] / "cli" / "samples"


@pytest.fixture
def vectors() -> Path:
    return CAPTURES


class _Trickle(io.RawIOBase):
    """A pipe whose writer writes a few bytes at a time: each raw read gives what one write
    put in (sizes from a seeded generator)."""

    def __init__(self, data: bytes, seed: int, most: int = 7) -> None:
        self._data, self._at = data, 0
        self._sizes = random.Random(seed)
        self._most = most
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        self.reads += 1
        size = min(len(buffer), self._sizes.randint(1, self._most), len(self._data) - self._at)
        buffer[:size] = self._data[self._at:self._at + size]
        self._at += size
        return size


def test_read_some_takes_what_has_come() -> None:
    raw = _Trickle(b"0123456789" * 10, seed=1)
    stream = io.BufferedReader(raw, buffer_size=4)
    piece = read_some(stream, 1000)
    assert 1 <= len(piece) <= 7 and raw.reads == 1  # one write's bytes, not 1000 of them


def test_read_head_stops_when_enough_has_come_and_not_before_four_bytes() -> None:
    data = b"ab\ncd\nef\n" * 100
    asked: list[bytes] = []

    def enough(head: bytes) -> bool:
        asked.append(head)
        return head.count(b"\n") >= 2

    head = read_head(io.BufferedReader(_Trickle(data, seed=2), buffer_size=4), 1 << 16, enough)
    assert head.count(b"\n") >= 2 and len(head) < 30 and data.startswith(head)
    assert all(len(h) >= 4 for h in asked)  # a byte-order mark is never cut
    # Asked only after a read that ended a line: not once per byte of a hostile writer.
    assert len(asked) <= head.count(b"\n") + 1


def test_read_head_of_a_file_is_one_read_of_all_it_asks() -> None:
    data = b"line\n" * 20000
    head = read_head(io.BytesIO(data), 1 << 16, lambda head: True)
    assert head == data[: 1 << 16]


def _captures(vectors: Path) -> list[Path]:
    return [p for p in sorted(vectors.iterdir()) if p.is_file() and not p.name.endswith(".py")]


@pytest.mark.parametrize(("seed", "most"), [(3, 61), (4, 3)])
def test_every_capture_trickled_in_decodes_as_from_its_file(vectors: Path, seed: int,
                                                             most: int) -> None:
    # Other tools' real output (tests/vectors/captures, origins in its README), each read once
    # from its file and once from a pipe that gives a few bytes per read: the same output,
    # stderr and exit status.  The file's decode is the reference: reading it is the path
    # every earlier release took.  (Reads of a few bytes cut a "\r\n" in two, a UTF-8
    # character, a UTF-16 code unit and its byte-order mark; the first version of this change
    # split CRLF lines at such a cut, and this test found it.)
    for path in _captures(vectors):
        from_file = run_main("decode", "--json", str(path))
        piped = io.BufferedReader(_Trickle(path.read_bytes(), seed, most=most), buffer_size=64)
        from_pipe = run_main("decode", "--json", "-", stdin=piped)
        assert (from_pipe.returncode, from_pipe.stdout, from_pipe.stderr) == (
            from_file.returncode, from_file.stdout, from_file.stderr), path.name


# -- a live pipe, a person watching ----------------------------------------------------------
def _watch(args: list[str], first: bytes, rest: bytes, expect: bytes) -> tuple[bytes, bytes]:
    """Run ``iscsitgt-spt ARGS`` with a pipe in and a terminal out; write ``first``, wait
    until ``expect`` shows on the terminal (what it showed, before ``rest`` is written), then
    write ``rest`` and close.  Returns (shown before the rest, stderr)."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-m", "iscsitgt_spt", *args],
                               stdin=subprocess.PIPE, stdout=slave, stderr=subprocess.PIPE,
                               env=env)
    os.close(slave)
    assert process.stdin is not None and process.stderr is not None
    shown = b""
    try:
        process.stdin.write(first)
        process.stdin.flush()
        # Not a timing assertion: the output must come while the pipe is still open; the
        # deadline only keeps a failing run from hanging.
        deadline = time.monotonic() + 60
        while expect not in shown and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                shown += os.read(master, 1 << 16)
        process.stdin.write(rest)
        process.stdin.close()
        _drain(master, process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(master)
    return shown, process.stderr.read()


def _drain(master: int, process: subprocess.Popen[bytes]) -> None:
    while True:
        try:
            if select.select([master], [], [], 0.5)[0] and os.read(master, 1 << 16):
                continue
        except OSError:  # the terminal's other end closed
            return
        if process.poll() is not None:
            return


live = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal (pty)")


@live
def test_a_json_lines_capture_shows_each_record_while_the_pipe_is_open() -> None:
    # The shipped demo capture (made by tests/vectors/make_demo_capture.py): a comment line,
    # then one record per line.  Three lines come, then the writer pauses.  The first
    # record's line must be on the terminal before the rest is written; a JSON-Lines record
    # is held until the next line comes (comment lines after a record are named in it), so
    # the second shows when the third comes, and the third is not there yet.
    lines = (SAMPLES / "demo.jsonl").read_bytes().splitlines(keepends=True)
    shown, _ = _watch(["decode", "--json", "-"], b"".join(lines[:3]), b"".join(lines[3:]),
                      b'"record":0')
    assert b'"record":0' in shown and b'"record":2' not in shown


@live
def test_a_debugger_session_shows_its_dumps_while_the_pipe_is_open(vectors: Path) -> None:
    # windbg_session.txt (a cdb session of four dumps), twice over: eight dumps, each ending
    # where the next prompt line starts.  All but the last dump's rows come, then the writer
    # pauses: the first records must be on the terminal before the rest is written.
    lines = (vectors / "windbg_session.txt").read_bytes().splitlines(keepends=True) * 2
    last = [i for i, line in enumerate(lines) if line.startswith(b"0:000>")][-1]
    shown, _ = _watch(["decode", "-"], b"".join(lines[:last + 1]),
                      b"".join(lines[last + 1:]), b"record 2")
    assert b"format: windbg-db" in shown and b"record 2" in shown


@live
def test_a_fuzzer_log_shows_its_records_while_the_pipe_is_open(vectors: Path) -> None:
    # ioctlbf.log (two requests; a record ends where the next one's header starts), twice
    # over, the writer pausing after the third record's "IOCTL Code:" line: the first two
    # records are whole and must be on the terminal.  A first version read records ahead in
    # batches and handed a batch on only when the text reader held no more lines; here the
    # reader still held the third record's first lines, read them, and waited for the rest
    # with two records held back.
    lines = (vectors / "ioctlbf.log").read_bytes().splitlines(keepends=True) * 2
    third = [i for i, line in enumerate(lines) if line.startswith(b"IOCTL Code:")][2]
    shown, _ = _watch(["decode", "--json", "-"], b"".join(lines[:third + 1]),
                      b"".join(lines[third + 1:]), b'"record":1')
    assert b'"record":0' in shown and b'"record":1' in shown and b'"record":2' not in shown
