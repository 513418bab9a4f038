"""The packed form of a long buffer's bytes in the HTML report (cli/views/html/packed.py).

The expected bytes come from an independent reading of the format as the module's docstring
states it (tests/_html_page.py, character by character), with the standard library's
``zlib.decompress`` for the deflate layer; the page's JavaScript reads the same form (checked
in Chromium by tests/export/test_html_report.py).
"""

from __future__ import annotations

import itertools
import random
import zlib

from _html_page import unpack_bits
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.cli.views.html.packed import pack_chunks


def _unpack(text: str) -> bytes:
    return zlib.decompress(unpack_bits(text))


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
