"""Byte-layout diagrams of a resolved structure, as standalone SVG.

Why a hand-rolled SVG writer: the diagram must come from the same :class:`Layout` the codec
uses (no offset typed twice), must build offline, and must stay legible for a 1.7 KB structure
as well as an 18-byte one.  So:

* rows of 8 bytes (small structures) or 16 bytes, one labelled box per member segment, padding
  hatched, byte offsets down the left edge;
* long runs of rows that lie inside one array are folded into a single "..." band, so
  ``WCHAR ITNexus[512]`` does not take 64 rows;
* every nested structure gets a coloured strip over its bytes and an entry in the legend;
* every bit-field storage unit gets a bit ruler (bit 7 on the left) under the grid;
* every box carries an SVG ``<title>`` with the full member path, offset and size, so a label
  shortened to fit is still readable as a tooltip.

Pure function of the layout: :func:`render_svg` returns text, it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from iscsitgt_spt.spec.layout import Layout, Member

__all__ = ["render_svg", "row_width"]

_CHAR_W = 6.7  # average advance of an 11 px monospace glyph
_GUTTER = 70
_TOP = 24
_ROW_H = 38
_FOLD_H = 22
_STRIP_H = 4
_BITS_ROW_H = 34
_PALETTE = ("#dbe9f6", "#fde8cf", "#dff3df", "#f3e0f3", "#fdf6c8", "#d9f2f1", "#f6dcdc")
_STRIPS = ("#3b75af", "#e07b00", "#3a923a", "#9a4d9a", "#a39300", "#1f8f88", "#c23b3b")


def row_width(layout: Layout) -> int:
    """Bytes per diagram row: 8 for structures up to 64 bytes, else 16."""
    return 8 if layout.size <= 64 else 16


@dataclass(frozen=True)
class _Box:
    """One storage unit of the diagram: a leaf member, padding, or a bit-field unit."""

    offset: int
    size: int
    label: str
    title: str
    fill: str
    padding: bool
    bits: tuple[Member, ...] = ()


def _hex(value: int) -> str:
    return f"0x{value:x}"


def _fit(text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels; '' if nothing fits."""
    room = int((width - 6) // _CHAR_W)
    if room >= len(text):
        return text
    if room < 2:
        return ""
    return text[: room - 1] + "…"


def _unit_key(m: Member) -> str:
    """Bit-fields sharing a storage unit share this key (unit names repeat across structs)."""
    return f"{m.path.rpartition('.')[0]}/{m.unit}/{m.offset}"


def _boxes(layout: Layout, uid: str) -> list[_Box]:
    boxes: list[_Box] = []
    colour = 0
    units: dict[str, list[Member]] = {}
    for m in layout.walk():
        if m.kind == "bits":
            units.setdefault(_unit_key(m), []).append(m)
    seen_units: set[str] = set()
    for m in layout.walk():
        if m.kind == "struct":
            continue
        where = f"offset {m.offset} ({_hex(m.offset)}), {m.size} byte{'s' * (m.size != 1)}"
        if m.kind == "padding":
            boxes.append(_Box(m.offset, m.size, "padding", f"{m.path}: padding, {where}",
                              f"url(#spt-hatch-{uid})", True))
            continue
        if m.kind == "bits":
            key = _unit_key(m)
            if key in seen_units:
                continue
            seen_units.add(key)
            group = tuple(units[key])
            names = " / ".join(b.name for b in reversed(group))
            title = "; ".join(
                f"{b.path}: bits {b.bit_offset}-{(b.bit_offset or 0) + (b.bit_width or 1) - 1}"
                for b in group
            )
            boxes.append(_Box(m.offset, m.size, names, f"{title} — {m.ctype} at {where}",
                              _PALETTE[colour % len(_PALETTE)], False, group))
            colour += 1
            continue
        boxes.append(_Box(m.offset, m.size, m.name, f"{m.path}: {m.ctype}, {where}",
                          _PALETTE[colour % len(_PALETTE)], False))
        colour += 1
    return boxes


def _rows(layout: Layout, width: int, boxes: list[_Box]) -> list[int | tuple[int, int, _Box]]:
    """Row starts to draw; a ``(first, last, box)`` tuple is a folded run of rows."""
    nrows = -(-layout.size // width)
    inside: list[_Box | None] = []
    for r in range(nrows):
        lo, hi = r * width, min((r + 1) * width, layout.size)
        owner = next((b for b in boxes if b.offset <= lo and hi <= b.offset + b.size), None)
        inside.append(owner if owner is not None and hi - lo == width else None)
    out: list[int | tuple[int, int, _Box]] = []
    r = 0
    while r < nrows:
        owner = inside[r]
        run = r
        while owner is not None and run + 1 < nrows and inside[run + 1] is owner:
            run += 1
        if owner is not None and run - r + 1 >= 4:
            out += [r * width, (r + 1, run - 1, owner), run * width]
            r = run + 1
        else:
            out.append(r * width)
            r += 1
    return out


def _text(x: float, y: float, text: str, cls: str, anchor: str = "middle") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">'
            f"{escape(text)}</text>")


def render_svg(layout: Layout, *, title: str | None = None) -> str:
    """The byte-layout diagram of ``layout`` as a standalone SVG document.

    The document can also be inlined in HTML: its ids and style rules are scoped by the
    structure and profile, so several diagrams can share one page.
    """
    uid = f"{layout.name}-{layout.profile.abi}-{layout.profile.cookie}"
    width = row_width(layout)
    cell = 900 / width if width == 8 else 56.0
    grid_w = cell * width
    boxes = _boxes(layout, uid)
    rows = _rows(layout, width, boxes)
    structs = [m for m in layout.walk() if m.kind == "struct"]
    parts: list[str] = []
    y = float(_TOP)
    for i in range(width):
        parts.append(_text(_GUTTER + cell * (i + 0.5), _TOP - 8, f"+{i:X}", "spt-colhead"))
    for row in rows:
        if isinstance(row, tuple):
            first, last, owner = row
            lo, hi = first * width, (last + 1) * width
            parts.append(f'<g><title>{escape(owner.title)}</title>'
                         f'<rect x="{_GUTTER}" y="{y:.1f}" width="{grid_w:.1f}" height="{_FOLD_H}"'
                         f' class="spt-fold" fill="{owner.fill}"/>')
            parts.append(_text(_GUTTER + grid_w / 2, y + 15,
                               f"⋮  {owner.label} continues: bytes {lo}–{hi - 1} "
                               f"({_hex(lo)}–{_hex(hi - 1)}), {last - first + 1} rows folded  ⋮",
                               "spt-foldtext"))
            parts.append("</g>")
            y += _FOLD_H
            continue
        start = row
        end = min(start + width, layout.size)
        parts.append(_text(_GUTTER - 8, y + _ROW_H / 2 + 4, f"{start:04x}", "spt-rowhead", "end"))
        parts.append(_text(_GUTTER - 8, y + _ROW_H / 2 + 15, f"{start}", "spt-rowdec", "end"))
        for s in structs:
            lo, hi = max(s.offset, start), min(s.end, end)
            if lo < hi:
                depth = s.path.count(".")
                colour = _STRIPS[structs.index(s) % len(_STRIPS)]
                parts.append(
                    f'<rect x="{_GUTTER + (lo - start) * cell:.1f}" '
                    f'y="{y + 1 + depth * (_STRIP_H + 1):.1f}" width="{(hi - lo) * cell:.1f}" '
                    f'height="{_STRIP_H}" fill="{colour}"><title>{escape(s.path)} '
                    f"({escape(s.ctype)}, offset {s.offset}, {s.size} bytes)</title></rect>"
                )
        for box in boxes:
            lo, hi = max(box.offset, start), min(box.offset + box.size, end)
            if lo >= hi:
                continue
            x = _GUTTER + (lo - start) * cell
            w = (hi - lo) * cell
            top = y + 2 * (_STRIP_H + 1) + 1
            h = _ROW_H - 2 * (_STRIP_H + 1) - 2
            cls = "spt-pad" if box.padding else "spt-box"
            parts.append(f'<g><title>{escape(box.title)}</title>'
                         f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'class="{cls}" fill="{box.fill}"/>')
            label = _fit(box.label, w)
            if label:
                parts.append(_text(x + w / 2, top + 13, label,
                                   "spt-padlabel" if box.padding else "spt-label"))
            if lo == box.offset:
                detail = _fit(f"@{box.offset} · {box.size}B", w)
                if detail:
                    parts.append(_text(x + w / 2, top + h - 4, detail, "spt-detail"))
            parts.append("</g>")
        y += _ROW_H
    y += 10
    legend_y = y
    for i, s in enumerate(structs):
        colour = _STRIPS[i % len(_STRIPS)]
        indent = 16 * s.path.count(".")
        parts.append(f'<rect x="{_GUTTER + indent}" y="{legend_y:.1f}" width="18" height="6" '
                     f'fill="{colour}"/>')
        parts.append(_text(_GUTTER + indent + 24, legend_y + 7,
                           f"{s.path} — {s.ctype}, bytes {s.offset}–{s.end - 1} "
                           f"({_hex(s.offset)}–{_hex(s.end - 1)})", "spt-legend", "start"))
        legend_y += 18
    y = legend_y + (6 if structs else 0)
    for box in boxes:
        if not box.bits:
            continue
        nbits = box.size * 8
        bit_w = grid_w / max(nbits, 8) if nbits > 8 else grid_w / 8
        parts.append(_text(_GUTTER - 8, y + 20, f"byte {box.offset}", "spt-rowhead", "end"))
        for b in range(nbits):
            parts.append(_text(_GUTTER + (nbits - 1 - b + 0.5) * bit_w, y + 9, f"bit {b}",
                               "spt-colhead"))
        for m in box.bits:
            low = m.bit_offset or 0
            high = low + (m.bit_width or 1) - 1
            x = _GUTTER + (nbits - 1 - high) * bit_w
            w = (m.bit_width or 1) * bit_w
            span = f"bit {low}" if low == high else f"bits {low}–{high}"
            parts.append(f'<g><title>{escape(m.path)}: {span} of byte {m.offset}</title>'
                         f'<rect x="{x:.1f}" y="{y + 13:.1f}" width="{w:.1f}" '
                         f'height="{_BITS_ROW_H - 12}" class="spt-box" fill="{box.fill}"/>')
            parts.append(_text(x + w / 2, y + 28, _fit(m.name, w), "spt-label"))
            parts.append("</g>")
        y += _BITS_ROW_H + 8
    height = y + 4
    total_w = _GUTTER + grid_w + 10
    heading = escape(title or f"{layout.name} ({layout.profile})")
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:.0f} {height:.0f}" '
        f'width="{total_w:.0f}" height="{height:.0f}" role="img" class="spt-layout-svg">',
        f"<title>{heading}: {layout.size} bytes, {width} per row</title>",
        f"<defs><pattern id=\"spt-hatch-{uid}\" width=\"6\" height=\"6\" "
        "patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/>"
        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c4c4c4\" stroke-width=\"3\"/>"
        "</pattern></defs>",
        "<style>"
        ".spt-layout-svg text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
        "font-size:11px;fill:#222}"
        ".spt-colhead{font-size:9px;fill:#777}.spt-rowhead{font-size:11px;fill:#444}"
        ".spt-rowdec{font-size:9px;fill:#999}.spt-detail{font-size:9px;fill:#666}"
        ".spt-padlabel{fill:#888;font-style:italic}.spt-legend{font-size:11px}"
        ".spt-foldtext{font-size:10px;fill:#555}"
        ".spt-box,.spt-pad{stroke:#555;stroke-width:1}.spt-fold{stroke:#999;stroke-dasharray:4 3}"
        "</style>",
        *parts,
        "</svg>",
        "",
    ])
