"""The packed form of a long buffer's bytes in the HTML report (codec/analysis/html/packed.py).

The expected bytes come from an independent reading of the format as the module's docstring
states it, written here character by character (no big integers, no slicing tricks), with the
standard library's ``zlib.decompress`` for the deflate layer; the page's JavaScript reads the
same form (checked in Chromium by tests/export/test_html_report.py).
"""

from __future__ import annotations

import itertools
import random
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.cli.views.html.packed import pack_chunks


def _unpack(text: str) -> bytes:
    """Groups of 8 characters (the last one shorter): 7 low-7-bit values, then their 7 high
    bits, bit j for byte j; a character at U+0080 or above stands for the value minus 0x80."""
    values = [ord(c) - 0x80 if ord(c) >= 0x80 else ord(c) for c in text]
    assert all(0 <= v < 0x80 for v in values)
    out = bytearray()
    for start in range(0, len(values), 8):
        group = values[start:start + 8]
        high = group[-1]
        for j, low in enumerate(group[:-1]):
            out.append(low | ((high >> j) & 1) << 7)
    return zlib.decompress(bytes(out))


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.lists(st.integers(min_value=0), max_size=5))
def test_packed_text_reads_back_as_the_bytes_however_they_were_chunked(
    data: bytes, cuts: list[int]
) -> None:
    text = "".join(pack_chunks(_split(data, cuts)))
    assert _unpack(text) == data
    # Nothing an HTML parser would change or end a <script> element with.
    assert not {"\x00", "\r", "<"} & set(text)


def test_packed_text_of_every_byte_value_and_the_escaped_ones() -> None:
    data = bytes(range(256)) * 3 + b"\x00\r<\x80\x8d\xbc" * 500
    text = "".join(pack_chunks([data]))
    assert _unpack(text) == data


def test_incompressible_bytes_cost_under_1_2_bytes_each() -> None:
    # 8 characters per 7 bytes is 1.143; the three escaped values of 128 add 3/128 of that
    # (1.170); deflate's stored blocks add 5 bytes per 64 KiB.
    data = random.Random(25).randbytes(1 << 18)
    size = sum(len(piece.encode("utf-8")) for piece in pack_chunks([data]))
    assert size <= 1.2 * len(data)
    assert _unpack("".join(pack_chunks([data]))) == data
