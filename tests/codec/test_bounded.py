"""codec/bounded.py: where a line of text ends.

The oracle is the standard library's own reading of text: ``io.StringIO(text, newline="")``
gives the lines of universal-newlines mode (ended by ``\\n``, ``\\r\\n`` or ``\\r``, the ends
kept), as :func:`open` reads a text file.
"""

from __future__ import annotations

import io

from _examples import examples
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec.bounded import ended_lines, split_lines

#: Every character str.splitlines() breaks at, and some that are not line ends at all.
_PIECES = ["a", "{}", " ", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
           "\x85", "\u2028", "\u2029", "\t"]


def _universal(text: str, keepends: bool) -> list[str]:
    lines = io.StringIO(text, newline="").readlines()
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


@examples(200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), st.booleans())
def test_lines_end_where_open_ends_them(text: str, keepends: bool) -> None:
    assert split_lines(text, keepends) == _universal(text, keepends)


def test_a_json_string_may_hold_what_splitlines_breaks_at() -> None:
    # RFC 8259 lets a string hold U+2028, U+2029 and U+0085 unescaped (only U+0000-U+001F
    # must be escaped); a JSON-Lines line is ended by "\n" alone.
    record = '{"note": "a\u2028b\u2029c\x85d"}'
    assert split_lines(record + "\n" + record) == [record, record]
    assert split_lines(record + "\u2028") == [record + "\u2028"]  # (a break at the very end)


@examples(200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_ended_lines_are_the_lines_but_the_unfinished_one(text: str) -> None:
    lines, rest = ended_lines(text)
    whole = _universal(text, keepends=True)
    unfinished = whole[-1] if whole and not whole[-1].endswith(("\n", "\r")) else ""
    assert rest == unfinished
    # Each line with its end or without it: the same line either way.
    assert [line.rstrip("\r\n") for line in lines] == [
        line.rstrip("\r\n") for line in whole[:len(whole) - bool(unfinished)]]
