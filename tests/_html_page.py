"""A ``decode --html`` page read back without a browser: its packed bytes and its records.

An independent reading of the form ``cli/views/html/packed.py`` documents, character by
character (no big integers, no slicing tricks), with the standard library's ``zlib`` for the
deflate layer; the page's JavaScript reads the same form (checked in Chromium by
tests/export/test_html_report.py).
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

_RECS = re.compile(r'<script type="application/x-iscsitgt-spt-bytes" class="recs">(.*?)</script>',
                   re.S)


def unpack_bits(text: str) -> bytes:
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
    return bytes(out)


def record_lines(page: str) -> list[str]:
    """The lines of the page's record stream: every ``recs`` element unpacked on its own, the
    bytes of all of them inflated as one stream."""
    data = b"".join(unpack_bits(text) for text in _RECS.findall(page))
    return zlib.decompress(data).decode("utf-8").splitlines()


def records(page: str) -> list[dict[str, Any]]:
    """The JSON of each record ("R" line: kind, severity, structures, rules, then JSON)."""
    return [json.loads(line.split("\t", 4)[4]) for line in record_lines(page)
            if line.startswith("R\t")]
