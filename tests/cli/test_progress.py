"""The progress line: drawn for a person at a terminal, silent in pipes and logs."""

from __future__ import annotations

import io
from typing import Any

import pytest
from iscsitgt_spt.cli._input import Source
from iscsitgt_spt.cli._progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()  # isatty() is False, as for a pipe or a file
    progress = Progress(total=10, stream=stream)
    for done in range(1, 11):
        progress.update(done)
    progress.close()
    assert stream.getvalue() == ""


def test_draws_and_clears_on_a_terminal() -> None:
    stream = _Tty()
    progress = Progress(total=200, stream=stream, label="cases")
    progress._last = -1.0  # the redraw limit (10/s) must not hide the first update
    progress.update(50)
    drawn = stream.getvalue()
    assert drawn.startswith("\r50/200 cases (25%)")
    progress.close()
    # Cleared with spaces over what was drawn, then back to the line's start: no escape
    # sequence anywhere (NO_COLOR, plain terminals).
    assert stream.getvalue().endswith("\r" + " " * len(drawn.strip("\r")) + "\r")
    assert "\x1b" not in stream.getvalue()


def test_silent_on_a_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")  # a terminal that cannot redraw a line
    stream = _Tty()
    progress = Progress(total=10, stream=stream)
    progress._last = -1.0
    progress.update(5)
    progress.close()
    assert stream.getvalue() == ""


def test_byte_progress_when_the_record_count_is_unknown() -> None:
    stream = _Tty()
    progress = Progress(stream=stream, total_bytes=1000)
    progress._last = -1.0
    progress.update(7, nbytes=250)
    assert "7 records, 25% of input" in stream.getvalue()


def test_decode_asks_for_the_read_position_only_to_draw_progress(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file's read position (its tell, a system call) is what the progress line shows;
    # standard error that is no terminal draws none, so decode never asks for it.  The
    # output is the same either way (a file is read ahead as before).
    from _inprocess import run_main
    from iscsitgt_spt.cli import decode

    capture = tmp_path / "c.jsonl"
    capture.write_text("".join(f'{{"ioctl":"0x4d008","in":"{"00" * 40}"}}\n'
                               for _ in range(40)))
    asked = [0]
    opened = decode.open_source

    def counted(*args: Any) -> Any:
        source = opened(*args)
        tell = source.position
        assert tell is not None  # (a regular file: it has a position)

        def position() -> int:
            asked[0] += 1
            return tell()

        return Source(source.stream, source.size, position)

    monkeypatch.setattr(decode, "open_source", counted)
    done = run_main("decode", "--json", "--no-diagnostics", str(capture))
    assert done.returncode == 0 and done.stdout.count(b"\n") == 40
    assert asked[0] == 0
