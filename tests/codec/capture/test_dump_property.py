"""Property: whatever layout a dump is printed in, reading it back gives the buffer.

The printer below is the test's own, independent of the readers: it prints a buffer the way
the tools do (address styles, widths and bases; groups of 1, 2, 4 or 8 bytes; memory or
little-endian order; an ascii column or none; ``*`` for repeated rows with a final offset;
CRLF, tabs, a BOM).  Two cases cannot be read unambiguously by anyone and are left out with
``assume``, each for a stated reason:

* multi-byte groups without an ascii column are printed little-endian (tools that print words
  print numbers); with a column, some row must show the order (a character the other order
  would not give), else the order is unknowable;
* a bare ascii column (no bars) beginning or ending with a space loses it when the line is
  trimmed, so it cannot show the order there;
* a single unmarked row without an ascii column is indistinguishable from plain hex whose
  first group happens to be an address.
"""

from __future__ import annotations

import itertools

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture.splitter import iter_text_records

STYLES = ("plain", "colon", "0x", "backtick", "physical")


def _char(byte: int) -> str:
    return chr(byte) if 0x20 <= byte < 0x7F else "."


def _group_bytes(row: bytes, size: int, order: str) -> list[bytes]:
    groups = [row[i:i + size] for i in range(0, len(row), size)]
    return [g[::-1] if order == "little" else g for g in groups]


def _shows_order(row: bytes, size: int, order: str) -> bool:
    """Does the row's ascii column rule out the other byte order?  (Own derivation: the
    column is the bytes in memory order; reading the groups the other way gives other bytes;
    a printable character can only stand for itself, '.' only for an unprintable byte.)"""
    other = b"".join(g[::-1] for g in [row[i:i + size] for i in range(0, len(row), size)])
    for shown, wrong in zip(row, other):
        printable_shown = 0x20 <= shown < 0x7F
        printable_wrong = 0x20 <= wrong < 0x7F
        if printable_wrong and _char(shown) != chr(wrong):
            return True
        if not printable_wrong and wrong < 0x80 and printable_shown and chr(shown) not in ". ?":
            return True
    return False


@st.composite
def dumps(draw: st.DrawFn) -> tuple[bytes, str, tuple[int, int]]:
    """(buffer, its dump as text, (first address, address after the last byte))."""
    size = draw(st.sampled_from([1, 2, 4, 8]))
    per_row = draw(st.sampled_from([8, 16])) if size <= 8 else 16
    rows_count = draw(st.integers(1, 4))
    data = draw(st.binary(min_size=per_row * rows_count, max_size=per_row * rows_count))
    repeat = draw(st.booleans()) and rows_count >= 3
    if repeat:  # rows 1.. equal to row 0, so a '*' stands for them
        data = data[:per_row] * (rows_count - 1) + data[per_row * (rows_count - 1):]
    style = draw(st.sampled_from(STYLES))
    ascii_mode = draw(st.sampled_from(["none", "bars", "bare"]))
    order = "memory" if size == 1 else draw(st.sampled_from(["memory", "little"]))
    rows = [data[i:i + per_row] for i in range(0, len(data), per_row)]
    if size > 1 and ascii_mode == "none":
        order = "little"
    if size > 1 and ascii_mode != "none":
        assume(any(_shows_order(r, size, order) for r in rows))
        if ascii_mode == "bare":  # edge spaces of a bare column are lost to trimming
            assume(not any(r[:1] == b" " or r[-1:] == b" " for r in rows))
    if style == "plain" and ascii_mode == "none":
        assume(rows_count >= 2)
    base = draw(st.integers(0, 1 << 32)) // per_row * per_row
    digits = max(draw(st.integers(4, 16)), len(f"{base + len(data):x}"))
    upper = draw(st.booleans())
    sep = draw(st.sampled_from(["  ", " ", "\t"]))

    def address(offset: int) -> str:
        if style == "backtick":
            text = f"{offset:016x}"
            return text[:8] + "`" + text[8:]
        text = f"{offset:0{digits}x}"
        text = text.upper() if upper else text
        return {"plain": text, "colon": text + ":", "0x": "0x" + text,
                "physical": "#" + f"{offset:x}".rjust(8)}.get(style, text)

    lines = []
    previous: bytes | None = None
    starred = False
    for index, row in enumerate(rows):
        if repeat and row == previous and style in ("plain", "colon") and index < len(rows) - 1:
            if not starred:
                lines.append("*")
            starred = True
            continue
        starred, previous = False, row
        groups = " ".join(g.hex().upper() if upper else g.hex()
                          for g in _group_bytes(row, size, order))
        line = f"{address(base + index * per_row)}{sep}{groups}"
        text = "".join(_char(b) for b in row)
        if ascii_mode == "bars":
            line += f"  |{text}|"
        elif ascii_mode == "bare":
            line += f"  {text}"
        lines.append(line)
    if repeat and style in ("plain", "colon"):
        lines.append(address(base + len(data)).rstrip(":"))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return data, bom + newline.join(lines) + newline, (base, base + len(data))


@settings(max_examples=60)
@given(dumps())
def test_printed_dump_reads_back(case: tuple[bytes, str, tuple[int, int]]) -> None:
    data, text, _ = case
    records = list(iter_text_records(text.splitlines()))
    assert [(r.error, r.data_in) for r in records] == [(None, data)], text


@settings(max_examples=25)
@given(st.lists(dumps(), min_size=1, max_size=4), st.booleans())
def test_concatenated_dumps_give_one_record_each(
    cases: list[tuple[bytes, str, tuple[int, int]]], blank: bool
) -> None:
    if not blank:
        # Pasted back to back, a dump that starts where the previous one ended continues it
        # (the same memory, read on): only a different address tells two dumps apart.
        assume(all(a[2][1] != b[2][0] for a, b in itertools.pairwise(cases)))
    text = ("\n" if blank else "").join(t.lstrip("\ufeff") for _, t, _ in cases)
    records = list(iter_text_records(text.splitlines()))
    assert [(r.error, r.data_in) for r in records] == [(None, d) for d, _, _ in cases], text
    lines = [n for r in records for n in (r.line, r.end_line)]
    assert lines == sorted(lines)


_PIECES = st.sampled_from([
    "00000143`38808600  ", "0000: ", "0x00000010  ", "#  3d94380 ", "1c 00 00 00 ", "1c00 0000 ",
    "0000001c ", "53435349`0000001c ", "?? ", "-", "*", "|....|", ">..<", "  ....ISCSITGT<...",
    "0:000> db @rdx L40", "0:000> dps", "Offset(h) 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F",
    "{0x1c, 0x00", "}", "[byte[]](0x1C", ")", '"\\x1c\\x00', '"', "HAAAAElTQ1NJVEdU", "\t", "\n",
    "\r\n", "\ufeff", " ", "00000040", "ffffffff: 00",
])


@settings(max_examples=60)
@given(st.lists(_PIECES, max_size=40), st.integers(1, 4096))
def test_any_text_gives_records_or_error_records_never_an_exception(
    pieces: list[str], limit: int
) -> None:
    # Fragments of every form, glued at random: the reader may only produce records (some
    # with errors); each names lines that exist, in order.
    text = "".join(pieces)
    records = list(iter_text_records(text.splitlines(), limit=limit))
    count = len(text.splitlines())
    for record in records:
        assert record.line is not None and 1 <= record.line <= count
        assert record.data_in is None or len(record.data_in) <= limit
