"""``decode --jobs N`` of a JSON-Lines file cut into parts from its bytes (cli/_plain_parts.py):
the same output, exit status and error line as one process (``--jobs 1``, the oracle: the
reader of lines), whatever the file holds where the bytes are not what they were taken for
(comment and blank lines, other line breaks, invalid UTF-8, a long line, no last line
break); and the reader's lines before a line too long do not depend on where a read ended."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.cli import _jobs, _many, _plain_parts

from tests.cli.conftest import run_here

# Bytes a capture's text can hold that a part cut from bytes must not be taken for plain lines
# with: line breaks of str.splitlines, the starts of blank and comment lines, a byte order
# mark, invalid UTF-8, braces.
_ODD = [b"\n", b"\r\n", b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1e", "\x85".encode(),
        "\u2028".encode(), "\u2029".encode(), b"#", b"# a comment\n", b" ", b"\t", b"\n\n",
        b"\xef\xbb\xbf", b"\xff", b"\xe2\x80", b"{", b"}", b"\x00"]


def _demo_records() -> list[bytes]:
    text = resources.files("iscsitgt_spt.cli.samples").joinpath("demo.jsonl").read_bytes()
    return [line + b"\n" for line in text.splitlines() if line and not line.startswith(b"#")]


_RECORDS = _demo_records()


@pytest.fixture
def small_parts(monkeypatch):  # type: ignore[no-untyped-def]
    # Parts of a few records and windows of a few records' bytes (the demo's longest is 6940
    # bytes): many parts, windows that end inside a line, on a small file.
    for module in (_jobs, _many, _plain_parts):
        monkeypatch.setattr(module, "CHUNK_RECORDS", 5)
        monkeypatch.setattr(module, "CHUNK_BYTES", 8192)


def _same_as_one_process(path: str, *options: str) -> tuple[int, str]:
    one = run_here("decode", "--json", path, *options)
    two = run_here("decode", "--json", path, *options, "--jobs", "2")
    assert (two.returncode, two.stderr) == (one.returncode, one.stderr)
    assert two.stdout == one.stdout
    return one.returncode, one.stdout


def test_a_plain_file_is_cut_from_bytes_not_lines(tmp_path, small_parts, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"".join(_RECORDS * 6))
    seen = []
    monkeypatch.setattr(_many, "line_parts", lambda *args: seen.append(args) or iter(()))
    status, out = _same_as_one_process(str(path))
    assert not seen  # the main process never read the lines
    assert out.count("\n") == len(_RECORDS) * 6 and status == 1  # (the demo's broken record)


_CASES = [
    # inside a record: a line break there splits it (a line that does not start with "{")
    *[("inside", odd) for odd in (b"# a comment\n", b"\n", b"  \n", b"\x0b", "\u2028".encode(),
                                  b"\r", b"\xff\xfe", b" ")],
    # before a record: a comment, blank or whitespace line of its own
    *[("before", odd) for odd in (b"# a comment\n", b"\n", b"  \n", b"\x0b")],
    # instead of the line break before a record: a line break \n is not
    *[("instead", odd) for odd in (b"\x0b", b"\x1c", "\u2028".encode(), "\x85".encode(), b"\r")],
]


@pytest.mark.parametrize("at", [7, 13])
@pytest.mark.parametrize(("where", "odd"), _CASES)
def test_what_is_not_plain_is_read_as_lines(tmp_path, small_parts, at, where, odd) -> None:  # type: ignore[no-untyped-def]
    # Parts of 5 lines: record 7 is inside the second part, 13 inside the third; parts come
    # after it (a miscounted part would shift their record and line numbers).
    records = _RECORDS * 5
    path = tmp_path / "capture.jsonl"
    line = records[at]
    if where == "inside":
        records[at] = line[:9] + odd + line[9:]
    elif where == "before":
        records[at] = odd + line
    else:
        records[at - 1] = records[at - 1][:-1] + odd
    path.write_bytes(b"".join(records))
    _same_as_one_process(str(path))


@pytest.mark.parametrize("text", [
    b"\xef\xbb\xbf" + b"".join(_RECORDS * 3),  # a byte order mark
    b"".join(_RECORDS * 3)[:-1],  # no line break after the last line
    b"".join(line[:-1] + b"\r\n" for line in _RECORDS * 3),  # CRLF
    b"".join(_RECORDS * 3) + b"# after the last record\n\n",
    b"# a header\n" + b"".join(_RECORDS * 3),
    b"".join(_RECORDS[:9]) + b'{"in": "' + b"00" * 3000 + b'"}\n' + b"".join(_RECORDS),
])
def test_the_edges_of_a_file(tmp_path, small_parts, text) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "capture.jsonl"
    path.write_bytes(text)
    _same_as_one_process(str(path))


@pytest.mark.parametrize("at", [60, 101])
def test_a_line_too_long_costs_only_itself(tmp_path, small_parts, at) -> None:  # type: ignore[no-untyped-def]
    # One reader: the records of every line before a line too long, the last one (held
    # until the next line is read) included; reading ends there.  The long line starts in
    # the second read (past the first 64 KiB, in the next MiB) and goes on past it; the
    # reader used to raise before
    # giving the whole lines of the read it starts in (``at`` records expected, not the
    # 50 or so of the first read), and parts cut from bytes hand over to the lines at
    # another place in the file.
    records = (_RECORDS * 20)[:at]
    assert len(b"".join(records)) > 1 << 16
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"".join(records) + b'{"in": "' + b"00" * 600_000 + b'"}\n'
                     + b"".join(_RECORDS))
    status, out = _same_as_one_process(str(path), "--max-record-size", "1000")
    assert status == 2 and out.count("\n") == at


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.sampled_from(_RECORDS), min_size=1, max_size=30),
       changes=st.lists(st.tuples(st.integers(0, 1 << 16), st.sampled_from(_ODD)), max_size=4))
def test_mutated_captures_decode_as_with_one_process(tmp_path, small_parts, records,
                                                     changes) -> None:  # type: ignore[no-untyped-def]
    text = bytearray(b"".join(records))
    for at, odd in changes:
        at %= len(text) + 1
        text[at:at] = odd
    path = tmp_path / "capture.jsonl"
    path.write_bytes(bytes(text))
    _same_as_one_process(str(path))


@pytest.mark.parametrize("held", ["\u2028", "\u2029", "\x85"])
def test_a_json_string_may_hold_what_str_splitlines_breaks_at(tmp_path, small_parts, held) -> None:  # type: ignore[no-untyped-def]
    # RFC 8259 lets a string hold these unescaped, and a JSON-Lines line ends at "\n" alone:
    # each record below is one line, and decodes as the same record without the character.
    # Before, the reader broke lines where str.splitlines does: each record was cut into
    # broken pieces, and the line numbers after it were off.
    import json

    def with_note(note: str) -> bytes:
        return b"".join(b'{"note": "' + note.encode() + b'", ' + line[1:]
                        for line in _RECORDS * 3)

    path, plain = tmp_path / "held.jsonl", tmp_path / "plain.jsonl"
    path.write_bytes(with_note(f"a{held}b"))
    plain.write_bytes(with_note("ab"))
    status, out = _same_as_one_process(str(path))
    expected = run_here("decode", "--json", str(plain))
    assert status == expected.returncode
    got = [json.loads(line) for line in out.split("\n")[:-1]]  # (our lines hold it too)
    assert [r["line"] for r in got] == list(range(1, 3 * len(_RECORDS) + 1))
    assert [r.get("error") for r in got] == [
        json.loads(line).get("error") for line in expected.stdout.split("\n")[:-1]]
