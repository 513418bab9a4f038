"""cli/_output.py: the standard streams made safe once, before any command runs (issue #12,
cases 6 and 9), tested on streams built here."""

from __future__ import annotations

import contextlib
import io
import json
import os

import pytest
from iscsitgt_spt.cli._output import GuardedWriter, OutputError, prepare_streams


def strict_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")


def test_unencodable_text_is_escaped_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    out = strict_stream()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", strict_stream())
    assert prepare_streams() is None
    text = json.dumps({"note": "a\ud800b"}, ensure_ascii=False)
    out.write(text)
    out.flush()
    written = out.buffer.getvalue()  # type: ignore[attr-defined]
    # The lone surrogate is written as the six characters \ud800: valid UTF-8, and inside a
    # JSON string the JSON escape of the same code point.
    assert written == b'{"note": "a\\ud800b"}'
    assert json.loads(written.decode("utf-8")) == {"note": "a\ud800b"}


def test_closed_stdout_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout", None)
    monkeypatch.setattr("sys.stderr", strict_stream())
    assert prepare_streams() == "standard output is closed"


def test_closed_stdin_fails_on_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr("sys.stdin", None)
    monkeypatch.setattr("sys.stdout", strict_stream())
    monkeypatch.setattr("sys.stderr", strict_stream())
    assert prepare_streams() is None
    with pytest.raises(OSError, match="standard input is closed"):
        sys.stdin.buffer.read()
    with pytest.raises(OSError, match="standard input is closed"):
        sys.stdin.read()


def test_closed_stderr_becomes_a_sink(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr("sys.stderr", None)
    monkeypatch.setattr("sys.stdout", strict_stream())
    assert prepare_streams() is None
    assert sys.stderr is not None
    print("nowhere", file=sys.stderr)
    sys.stderr.close()


# -- an interrupt in a write ----------------------------------------------------------------
class _InterruptedAfterWriting(io.FileIO):
    """A raw file whose write is Python code interrupted after its system call: what the
    output layer's raw file was (a FileIO subclass translating errors in ``write``)."""

    def write(self, data: object) -> int:
        super().write(data)  # type: ignore[arg-type]
        raise KeyboardInterrupt


def test_an_interrupt_below_the_buffer_writes_the_bytes_twice(tmp_path) -> None:
    # Why the layer is built as it is (cli/_output.py GuardedWriter): the buffer, told by an
    # exception that nothing was written, keeps the bytes and writes them again at close.
    path = tmp_path / "out"
    out = io.BufferedWriter(_InterruptedAfterWriting(str(path), "w"))
    out.write(b"line\n")
    with pytest.raises(KeyboardInterrupt):
        out.flush()
    with contextlib.suppress(KeyboardInterrupt):
        out.close()
    assert path.read_bytes() == b"line\nline\n"


def test_every_output_has_no_python_code_below_its_buffer(tmp_path, monkeypatch) -> None:
    # Standard output, a file written, a file appended to: the raw file under the buffer is
    # the interpreter's own FileIO, whose write cannot be interrupted between its system
    # call and its return; errors are translated above the buffer.
    import iscsitgt_spt.cli._output as output
    from iscsitgt_spt.cli._outfile import open_append, open_output

    with open_output(str(tmp_path / "a.txt"), "-o") as text:
        assert type(text.buffer.raw) is io.FileIO
    appended, _ = open_append(str(tmp_path / "b.jsonl"), "--record")
    with appended:
        assert type(appended.buffer.raw) is io.FileIO
    monkeypatch.setattr(output.sys, "stdout", output.sys.__stdout__)
    output._guard_stdout()
    assert type(output.sys.stdout.buffer.raw) is io.FileIO


def test_an_interrupt_above_the_buffer_writes_the_bytes_once(tmp_path) -> None:
    # An interrupt landing just after GuardedWriter.write handed the bytes to the buffer.
    path = tmp_path / "out"

    class Interrupted(GuardedWriter):
        def write(self, data: object) -> int:
            super().write(data)
            raise KeyboardInterrupt

    out = io.TextIOWrapper(Interrupted(os.open(path, os.O_WRONLY | os.O_CREAT), target="x"))
    with pytest.raises(KeyboardInterrupt):
        out.write("line\n")
        out.flush()
    out.close()
    assert path.read_bytes() == b"line\n"


def test_a_failed_flush_at_close_is_an_output_error() -> None:
    # /dev/full: every write fails with ENOSPC (Linux); the text sits in the buffer until
    # close flushes it, through the translating flush.
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    out = GuardedWriter(os.open("/dev/full", os.O_WRONLY), target="/dev/full")
    out.write(b"x" * 10)
    with pytest.raises(OutputError, match="cannot write /dev/full: No space left on device"):
        out.close()
