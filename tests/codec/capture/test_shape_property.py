"""Property: byte text printed in generated shapes reads back as the buffer (issue 19).

The printer here is the test's own, written from the shapes' definitions, not from the
reader: a dump is rows of an address column (hex, decimal or octal, stepping by the bytes a
row carries; or none) then units (binary, octal, decimal or hex bytes, ``0x`` words printed
as the number a little-endian value is), maybe a printable column; a literal is a Python,
JSON/Rust/Go, hex or Java signed list, or an escaped string, after some text on its line and
maybe wrapped over several lines.  Cases no reader could settle are left out with
``assume``, each for a reason:

* words without an address column whose first bytes are no header of this spec (the text
  cannot tell memory order from numbers; the reader needs the header's evidence);
* a dump of a single row (its address column is proven by the step between rows).
"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture import read_text

HEADER = bytes.fromhex("1c000000495343534954475400000000")  # HeaderLength 0x1c, "ISCSITGT"


def _unit(kind: str, value: int, width: int) -> str:
    if kind == "bin":
        return f"{value:08b}"
    if kind == "oct":
        return f"{value:03o}"
    if kind == "dec":
        return f"{value:>3d}"
    if kind == "0x":
        return f"0x{value:0{2 * width}x}"
    return f"{value:0{2 * width}x}"


def _address(base: str, offset: int) -> str:
    return {"hex": f"{offset:08x}", "hex:": f"{offset:08x}:", "0x": f"0x{offset:012x}:",
            "dec": f"{offset:08d}", "oct": f"{offset:07o}", "none": ""}[base]


@st.composite
def dumps(draw: st.DrawFn) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["bin", "oct", "dec", "0x", "hex"]))
    width = draw(st.sampled_from([1, 2, 4, 8])) if kind in ("0x", "hex") else 1
    base = draw(st.sampled_from(["hex", "hex:", "0x", "dec", "oct", "none"]))
    per_row = draw(st.sampled_from([4, 8, 16])) // width or 1
    row_bytes = per_row * width
    rows = draw(st.integers(2, 4))
    data = HEADER + draw(st.binary(min_size=row_bytes * rows, max_size=row_bytes * rows))
    data = data[:row_bytes * rows]
    if base == "none":
        # Words without addresses: only the header tells their order; bytes need addresses.
        assume(width > 1 and kind == "hex")
    printable = draw(st.booleans()) and base != "none" and not (kind == "hex" and width > 1)
    lines = []
    for offset in range(0, len(data), row_bytes):
        chunk = data[offset:offset + row_bytes]
        units = [_unit(kind, int.from_bytes(chunk[i:i + width], "little"), width)
                 for i in range(0, len(chunk), width)]
        line = (_address(base, offset) + "  " + " ".join(units)).strip()
        if printable:
            line += "  " + "".join(chr(b) if 0x20 < b < 0x7F else "." for b in chunk)
        lines.append(line)
    return data, "\n".join(lines)


@st.composite
def literals(draw: st.DrawFn) -> tuple[bytes, str]:
    data = draw(st.binary(min_size=4, max_size=48))
    form = draw(st.sampled_from(["python", "list", "hexlist", "java", "go", "escaped"]))
    if form == "python":
        body = repr(data)
    elif form == "list":
        body = "[" + ", ".join(str(b) for b in data) + "]"
    elif form == "hexlist":
        body = "{" + ", ".join(f"0x{b:02x}" for b in data) + "}"
    elif form == "java":
        body = "[" + ", ".join(str(b - 256 if b > 127 else b) for b in data) + "]"
    elif form == "go":
        body = "[" + " ".join(str(b) for b in data) + "]"
    else:
        body = '"' + "".join(f"\\x{b:02x}" for b in data) + '"'
    prefix = draw(st.sampled_from(["", "x = ", "Out[3]: ", "$1 = ", "buf := "]))
    text = prefix + body
    wrap = draw(st.sampled_from([0, 60, 70]))
    if wrap and len(text) > wrap:
        # A hard wrap as `fold -w` makes it: cut every `wrap` characters, nothing removed.
        text = "\n".join(text[i:i + wrap] for i in range(0, len(text), wrap))
    return data, text


@settings(max_examples=60, deadline=None)
@given(dumps())
def test_generated_dumps_read_back(case: tuple[bytes, str]) -> None:
    data, text = case
    records = list(read_text(text))
    assert [r.data_in for r in records] == [data], text


@settings(max_examples=60, deadline=None)
@given(literals())
def test_generated_literals_read_back(case: tuple[bytes, str]) -> None:
    data, text = case
    records = list(read_text(text))
    assert [r.data_in for r in records] == [data], text


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(dumps(), literals()), min_size=2, max_size=4),
       st.sampled_from(["", "(gdb) x/64xb buf", "some words between", "[New Thread 0x7f (LWP 9)]"]))
def test_mixed_generated_shapes_read_back_in_order(
    cases: list[tuple[bytes, str]], between: str
) -> None:
    text = ("\n\n" + between + ("\n" if between else "")).join(t for _, t in cases)
    records = list(read_text(text))
    assert [r.data_in for r in records] == [d for d, _ in cases], text
