"""The text reader's plain pieces (``decode --jobs N``, issue 25): a run of plain ASCII lines
handed on as bytes gives the lines, the line numbers and the too-long error of the general
reader, whatever the bytes and wherever the reads end; and the parts cut from such pieces give
the output of one process."""

from __future__ import annotations

import argparse
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.cli import _jobs, _many
from iscsitgt_spt.cli._text_lines import TextLines, plain_lines
from iscsitgt_spt.spec.errors import SptError


class _Reads(io.RawIOBase):
    """A stream whose reads end where the test says (then one byte at a time)."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.at = data, list(sizes), 0

    def readable(self) -> bool:
        return True

    def read1(self, most: int = -1) -> bytes:
        size = min(self.sizes.pop(0) if self.sizes else 1, most)
        chunk = self.data[self.at:self.at + size]
        self.at += len(chunk)
        return chunk


def _reader(data: bytes, sizes: list[int], bound: int) -> TextLines:
    stream = _Reads(data, sizes)
    return TextLines(stream.read1(1 << 16), stream, bound)  # type: ignore[arg-type]


def _read(lines: object) -> tuple[list[str], str | None]:
    got: list[str] = []
    try:
        for line in lines:  # type: ignore[attr-defined]
            got.extend(plain_lines(line) if isinstance(line, bytes) else [line])
    except SptError as exc:
        return got, str(exc)
    return got, None


# Text that falls in and out of the plain path: ASCII lines, the other line boundaries of
# str.splitlines, whitespace str.strip takes, text past ASCII, a byte that is not UTF-8.
_PIECES = st.sampled_from([b'{"ioctl": 1}', b"\n", b"\r", b"\r\n", b"\x1c", b"\x1e", b"\x1f",
                           b"#", b" ", b"\t", b"\v", "\u00e9".encode(), b"\xff", b"\xc3",
                           "\u2028".encode(), b"abc", b"0123456789" * 7])


@given(parts=st.lists(_PIECES, max_size=60), bom=st.booleans(),
       sizes=st.lists(st.integers(1, 40), max_size=30), bound=st.sampled_from([8, 50, 1 << 20]))
def test_pieces_give_the_lines_of_the_general_reader(parts, bom, sizes, bound) -> None:  # type: ignore[no-untyped-def]
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(parts)
    want = _read(_reader(data, sizes, bound))
    assert _read(_reader(data, sizes, bound).pieces()) == want
    if want[1] is None:  # an oracle apart from the reader: the whole text split at once
        assert want[0] == data.decode("utf-8-sig", "replace").splitlines(keepends=True)


def test_plain_chunks_come_as_one_piece_and_a_long_line_stops_at_the_same_line() -> None:
    data = b"".join(b'{"n": %d}\n' % n for n in range(40)) + b"x" * 300 + b"\nafter\n"
    pieces = list(_reader(data, [50, 200, 200], 1 << 20).pieces())
    assert any(isinstance(piece, bytes) and piece.count(b"\n") > 5 for piece in pieces)
    # A line of 300 characters, bound 100: the general reader names line 41.
    lines, error = _read(_reader(data, [50, 200] + [120] * 9, 100).pieces())
    assert error is not None and "line 41 " in error and len(lines) < 41


def _capture(plain_share: int) -> bytes:
    """A capture whose lines are mostly plain, with comments, blank lines, a broken record
    and (in one read of three) text the plain path does not take."""
    from tests.cli.test_jobs import _capture_lines

    lines = _capture_lines()
    out = []
    for n, line in enumerate(lines):
        out.append(line)
        if n % plain_share == 0:
            out.append('# caf\u00e9 \x1f\n')  # past ASCII: that read is not plain
        if n % 17 == 0:
            out.append("\x1f\t \n")  # blank to the reader: str.strip takes \x1f
    return "".join(out).encode()


def _options() -> argparse.Namespace:
    from tests.cli.test_jobs import _options

    return _options()


@pytest.mark.parametrize("chunk", [1, 3, 50, 100000])
def test_parts_of_plain_pieces_give_the_output_of_one_reader(monkeypatch, chunk) -> None:  # type: ignore[no-untyped-def]
    from tests.cli.test_jobs import _joined, _one_process

    monkeypatch.setattr(_many, "CHUNK_RECORDS", chunk)
    data = _capture(plain_share=40)
    options = _options()
    want = _one_process(data.decode().splitlines(keepends=True), options)
    sizes = [997, 4001, 2503] * 20
    stopped: list[SptError] = []
    pieces = list(_reader(data, sizes, 1 << 22).pieces())
    assert sum(isinstance(piece, bytes) for piece in pieces) > 3
    parts = list(_many.line_parts(iter(pieces), stopped))
    text, told = _joined(_jobs.ordered_output(_many._lines_texts, parts, 2,
                                             extra=(options, 1 << 22)))
    assert (text, tuple(map(sum, zip(*told)))) == want and not stopped
    for part in parts:
        lines = [line for piece in part[2] for line in (
            plain_lines(piece) if isinstance(piece, bytes) else [piece])]
        records = [line for line in lines if _many._is_record(line)]
        assert len(records) <= chunk or len(parts) == 1
        if part is not parts[-1]:
            assert _many._is_record(lines[-1])  # a part ends with a record's line


def test_a_small_byte_budget_cuts_plain_pieces_after_records(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(_many, "CHUNK_BYTES", 300)
    data = b"".join(b'{"n": %d}\n# note\n\n' % n for n in range(200))
    stopped: list[SptError] = []
    parts = list(_many.line_parts(iter([data]), stopped))
    assert len(parts) > 10 and not stopped
    first_index = 0
    for first_line, index, pieces, cut in parts:
        # Record k is on line 3k + 1; a part starts after a record's line, with the comment
        # and blank line before its first record.
        assert index == first_index and first_line == (3 * index - 1 if index else 1)
        assert not cut
        text = b"".join(pieces)  # type: ignore[arg-type]
        first_index += text.count(b"{")
        assert len(text) < 300 + 30
    assert first_index == 200
    assert all(b"".join(p[2]).endswith(b"}\n") for p in parts[:-1])  # type: ignore[arg-type]
