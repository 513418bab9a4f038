"""A structure's layout as a Mermaid ``packet`` diagram, for READMEs and GitHub.

Mermaid (11+; GitHub renders it in Markdown) draws a packet diagram from ``start-end:
"label"`` lines, numbered in *bits* from 0, left to right, 32 to a row, every bit covered
once and in order, and refuses a diagram of more than 10,000 bits.  So:

* structures of up to 1,250 bytes are drawn in bits: each member over its bytes
  (``offset * 8`` to ``end * 8 - 1``), and each MSVC bit-field over its own bits.  Mermaid
  numbers bits as network diagrams do, most significant first within a byte, so bit ``b`` of
  the byte at ``offset`` (least significant first, the MSVC allocation) is cell
  ``offset * 8 + 7 - b``: ``SENSE_DATA.Valid`` (bit 7 of byte 0) is cell 0.
* larger structures (ISCSITGT_SPT_SESSION_START, 1,704 bytes) are drawn one cell per
  *byte*, said in the title; a bit-field unit is then one cell named after all its members.

Labels are member paths (``Header.ControlCode``), never shortened: Mermaid wraps nothing, so
a narrow cell clips its label on screen, but the full name stays in the diagram's text.
"""

from __future__ import annotations

from collections.abc import Iterator

from iscsitgt_spt.spec.layout import Layout, Member

__all__ = ["MAX_BITS", "render_mermaid"]

#: Mermaid's limit on a packet diagram (``maxPacketSize`` in its packet parser).
MAX_BITS = 10_000


def _label(text: str) -> str:
    # Mermaid's entity escapes: a quote would end the label.
    return '"' + text.replace('"', "#quot;") + '"'


def _bit_cells(m: Member) -> tuple[int, int]:
    """First and last cell of bit-field ``m``, most significant bit of each byte first."""
    low = m.bit_offset or 0
    high = low + (m.bit_width or 1) - 1
    byte_lo, byte_hi = m.offset + low // 8, m.offset + high // 8
    if byte_lo != byte_hi:  # a field across bytes: cover the bytes it touches
        return byte_lo * 8, byte_hi * 8 + 7
    return byte_lo * 8 + 7 - high % 8, byte_lo * 8 + 7 - low % 8


def _units(layout: Layout) -> Iterator[tuple[int, int, str, tuple[Member, ...]]]:
    """(offset, size, label, bit-fields) of every leaf storage unit, in byte order."""
    seen: set[tuple[str, int]] = set()
    for m in layout.walk():
        if m.kind == "struct":
            continue
        if m.kind == "bits":
            key = (m.path.rpartition(".")[0], m.offset)
            if key in seen:
                continue
            seen.add(key)
            group = tuple(b for b in layout.walk() if b.kind == "bits"
                          and (b.path.rpartition(".")[0], b.offset) == key)
            yield m.offset, m.size, " / ".join(b.path for b in group), group
        else:
            yield m.offset, m.size, m.path + (" (padding)" if m.kind == "padding" else ""), ()


def _bit_cells_of(layout: Layout) -> Iterator[tuple[int, int, str]]:
    for offset, size, label, bits in _units(layout):
        if not bits:
            yield offset * 8, (offset + size) * 8 - 1, label
            continue
        yield from sorted((*_bit_cells(b), b.path) for b in bits)


def _line(first: int, last: int, label: str) -> str:
    return (f"{first}-{last}: " if first != last else f"{first}: ") + _label(label)


def _bit_lines(layout: Layout) -> Iterator[str]:
    # Mermaid wants every cell once, in order: bits no bit-field claims get a cell of their own.
    nxt = 0
    for first, last, label in sorted(_bit_cells_of(layout)):
        if first > nxt:
            yield _line(nxt, first - 1, "(bits no member names)")
        if first >= nxt:
            yield _line(first, last, label)
            nxt = last + 1


def _byte_lines(layout: Layout) -> Iterator[str]:
    for offset, size, label, _ in _units(layout):
        yield _line(offset, offset + size - 1, label)


def render_mermaid(layout: Layout) -> str:
    """The Mermaid ``packet-beta`` source of ``layout`` (paste it inside a mermaid fence)."""
    in_bits = layout.size * 8 <= MAX_BITS
    unit = "bits, most significant first in each byte" if in_bits else "one cell per byte"
    lines = [
        "packet-beta",
        f"title {layout.name} ({layout.profile}), {layout.size} bytes ({unit})",
        *(_bit_lines(layout) if in_bits else _byte_lines(layout)),
    ]
    return "\n".join(lines) + "\n"
