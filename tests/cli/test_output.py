"""cli/_output.py: the standard streams made safe once, before any command runs (issue #12,
cases 6 and 9), tested on streams built here."""

from __future__ import annotations

import io
import json

import pytest
from iscsitgt_spt.cli._output import prepare_streams


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
