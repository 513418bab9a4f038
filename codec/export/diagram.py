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
* every box carries an SVG ``<title>`` with the full member path, offset and size; a label
  that does not fit its box is shortened *with a key number* (``[3] Additi…``), and the key
  under the diagram gives the full path, so the name is readable on paper too;
* the width follows the structure: byte cells as wide as its labels need (within bounds),
  the drawing as wide as its grid or its longest legend line, and it scales down
  (``max-width: 100%``) in a narrower column;
* colours are CSS custom properties with a light and a dark palette: the dark one applies when
  the SVG is a document of its own and the reader prefers dark (``prefers-color-scheme``), or
  when it is inlined in a page whose theme says dark (``data-theme="dark"``, as furo and the
  PyData theme set, or furo's ``auto`` with a dark preference); every text colour has a
  contrast of at least 4.5:1 on what it is drawn on, in both palettes.

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
_KEY_H = 16
_MIN_CELL = 40.0  # px per byte: room for "[12]" in a one-byte box
_MAX_GRID = 960.0  # px: the widest grid, whatever the labels want
_FILLS = 7  # box and strip colours, cycled

#: Light palette, then what changes in the dark one (CSS custom properties).
_LIGHT = {
    "bg": "#ffffff", "text": "#1f1f1f", "muted": "#555555", "stroke": "#555555",
    "pad-bg": "#eeeeee", "pad-fg": "#c4c4c4", "fold": "#8a8a8a",
    "c0": "#dbe9f6", "c1": "#fde8cf", "c2": "#dff3df", "c3": "#f3e0f3", "c4": "#fdf6c8",
    "c5": "#d9f2f1", "c6": "#f6dcdc",
    "s0": "#3b75af", "s1": "#e07b00", "s2": "#3a923a", "s3": "#9a4d9a", "s4": "#a39300",
    "s5": "#1f8f88", "s6": "#c23b3b",
}
_DARK = {
    "bg": "#1d1e22", "text": "#ececec", "muted": "#bdbdbd", "stroke": "#8c8c8c",
    "pad-bg": "#2a2a2e", "pad-fg": "#3d3d42", "fold": "#8a8a8a",
    "c0": "#1f3a55", "c1": "#4a3117", "c2": "#1f4220", "c3": "#432a43", "c4": "#45400f",
    "c5": "#143f3c", "c6": "#4b2222",
    "s0": "#7fb0e0", "s1": "#f0a550", "s2": "#7cc47c", "s3": "#c99ac9", "s4": "#d8c64a",
    "s5": "#5cc7bf", "s6": "#ec8080",
}


def _vars(palette: dict[str, str]) -> str:
    return ";".join(f"--spt-{k}:{v}" for k, v in palette.items())


_DARK_RULE = "{" + _vars(_DARK) + "}"
_STYLE = (
    "<style>"
    f"svg.spt-layout-svg{{{_vars(_LIGHT)}}}"
    # Dark: a standalone document (the SVG is :root) when the reader prefers dark, or an
    # inline diagram in a page whose theme says dark.  A light-only theme keeps it light.
    f"@media (prefers-color-scheme: dark){{svg.spt-layout-svg:root,"
    f"[data-theme=auto] svg.spt-layout-svg{_DARK_RULE}}}"
    f"[data-theme=dark] svg.spt-layout-svg{_DARK_RULE}"
    ".spt-layout-svg text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:11px;fill:var(--spt-text)}"
    ".spt-layout-svg .spt-bg{fill:var(--spt-bg)}"
    ".spt-layout-svg .spt-colhead{font-size:9px;fill:var(--spt-muted)}"
    ".spt-layout-svg .spt-rowhead{fill:var(--spt-muted)}"
    ".spt-layout-svg .spt-rowdec,.spt-layout-svg .spt-detail{font-size:9px;fill:var(--spt-muted)}"
    ".spt-layout-svg .spt-padlabel{fill:var(--spt-muted);font-style:italic}"
    ".spt-layout-svg .spt-foldtext{font-size:10px;fill:var(--spt-muted)}"
    ".spt-layout-svg .spt-box,.spt-layout-svg .spt-pad{stroke:var(--spt-stroke);stroke-width:1}"
    ".spt-layout-svg .spt-fold{stroke:var(--spt-fold);stroke-dasharray:4 3}"
    ".spt-layout-svg .spt-hatch-bg{fill:var(--spt-pad-bg)}"
    ".spt-layout-svg .spt-hatch-fg{stroke:var(--spt-pad-fg)}"
    + "".join(f".spt-layout-svg .spt-c{i}{{fill:var(--spt-c{i})}}"
              f".spt-layout-svg .spt-s{i}{{fill:var(--spt-s{i})}}" for i in range(_FILLS))
    + "</style>"
)


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
    fill: str  # a class: spt-c<N>, or spt-pad for padding
    padding: bool
    bits: tuple[Member, ...] = ()
    path: str = ""  # the full name a shortened label is keyed to


def _hex(value: int) -> str:
    return f"0x{value:x}"


def _room(width: float) -> int:
    """Characters of label that fit ``width`` pixels."""
    return int((width - 6) // _CHAR_W)


def _fit(text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels; '' if nothing fits."""
    room = _room(width)
    if room >= len(text):
        return text
    if room < 2:
        return ""
    return text[: room - 1] + "…"


class _Keys:
    """Numbers for labels that do not fit, and the key that spells them out."""

    def __init__(self) -> None:
        self.entries: dict[str, int] = {}

    def label(self, name: str, full: str, width: float) -> str:
        """``name`` if it fits ``width``, else ``[k] name…`` (or ``[k]``) with ``full`` keyed."""
        if _room(width) >= len(name):
            return name
        k = self.entries.setdefault(full, len(self.entries) + 1)
        mark = f"[{k}]"
        return _fit(f"{mark} {name}", width) if _room(width) >= len(mark) + 3 else mark

    def lines(self) -> list[str]:
        return [f"[{k}] {full}" for full, k in self.entries.items()]


def _unit_key(m: Member) -> str:
    """Bit-fields sharing a storage unit share this key (unit names repeat across structs)."""
    return f"{m.path.rpartition('.')[0]}/{m.unit}/{m.offset}"


def _where(m: Member) -> str:
    return f"offset {m.offset} ({_hex(m.offset)}), {m.size} byte{'s' * (m.size != 1)}"


def _bit_box(m: Member, group: tuple[Member, ...], colour: int) -> _Box:
    names = " / ".join(b.name for b in reversed(group))
    title = "; ".join(
        f"{b.path}: bits {b.bit_offset}-{(b.bit_offset or 0) + (b.bit_width or 1) - 1}"
        for b in group
    )
    return _Box(m.offset, m.size, names, f"{title} — {m.ctype} at {_where(m)}",
                f"spt-c{colour % _FILLS}", False, group,
                " / ".join(b.path for b in reversed(group)) + f" ({m.ctype} at {_where(m)})")


def _boxes(layout: Layout) -> list[_Box]:
    boxes: list[_Box] = []
    units: dict[str, list[Member]] = {}
    for m in layout.walk():
        if m.kind == "bits":
            units.setdefault(_unit_key(m), []).append(m)
    seen_units: set[str] = set()
    for m in layout.walk():
        if m.kind == "struct":
            continue
        if m.kind == "padding":
            boxes.append(_Box(m.offset, m.size, "padding", f"{m.path}: padding, {_where(m)}",
                              "spt-pad", True))
        elif m.kind == "bits":
            if _unit_key(m) not in seen_units:
                seen_units.add(_unit_key(m))
                colour = sum(not b.padding for b in boxes)
                boxes.append(_bit_box(m, tuple(units[_unit_key(m)]), colour))
        else:
            colour = sum(not b.padding for b in boxes)
            boxes.append(_Box(m.offset, m.size, m.name, f"{m.path}: {m.ctype}, {_where(m)}",
                              f"spt-c{colour % _FILLS}", False, (), m.path))
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


def _cell_width(boxes: list[_Box], width: int) -> float:
    """Pixels per byte: what the widest-wanting label asks for, within bounds."""
    want = _MIN_CELL
    for box in boxes:
        first_row = min(box.size, width - box.offset % width)
        want = max(want, (len(box.label) * _CHAR_W + 8) / first_row)
    return min(want, _MAX_GRID / width)


def _text(x: float, y: float, text: str, cls: str, anchor: str = "middle") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">'
            f"{escape(text)}</text>")


@dataclass
class _Canvas:
    """What is drawn so far: SVG parts, the next free y, and the widest text line."""

    layout: Layout
    width: int  # bytes per row
    cell: float
    keys: _Keys
    parts: list[str]
    y: float = float(_TOP)
    text_w: float = 0.0

    @property
    def grid_w(self) -> float:
        return self.cell * self.width

    def line(self, x: float, y: float, text: str, cls: str, size: float = _CHAR_W) -> None:
        """A left-aligned text line outside the grid (its width counts for the drawing's)."""
        self.parts.append(_text(x, y, text, cls, "start"))
        self.text_w = max(self.text_w, x - _GUTTER + len(text) * size)


def _fold(c: _Canvas, first: int, last: int, owner: _Box) -> None:
    lo, hi = first * c.width, (last + 1) * c.width
    c.parts.append(f'<g><title>{escape(owner.title)}</title>'
                   f'<rect x="{_GUTTER}" y="{c.y:.1f}" width="{c.grid_w:.1f}" height="{_FOLD_H}"'
                   f' class="spt-fold {owner.fill}"/>')
    text = (f"⋮  {owner.label} continues: bytes {lo}–{hi - 1} "
            f"({_hex(lo)}–{_hex(hi - 1)}), {last - first + 1} rows folded  ⋮")
    c.parts.append(_text(_GUTTER + c.grid_w / 2, c.y + 15, text, "spt-foldtext"))
    c.text_w = max(c.text_w, len(text) * 6.1 + 12)
    c.parts.append("</g>")
    c.y += _FOLD_H


def _strips(c: _Canvas, structs: list[Member], start: int, end: int) -> None:
    for i, s in enumerate(structs):
        lo, hi = max(s.offset, start), min(s.end, end)
        if lo < hi:
            depth = s.path.count(".")
            c.parts.append(
                f'<rect x="{_GUTTER + (lo - start) * c.cell:.1f}" '
                f'y="{c.y + 1 + depth * (_STRIP_H + 1):.1f}" width="{(hi - lo) * c.cell:.1f}" '
                f'height="{_STRIP_H}" class="spt-s{i % _FILLS}"><title>{escape(s.path)} '
                f"({escape(s.ctype)}, offset {s.offset}, {s.size} bytes)</title></rect>"
            )


def _box(c: _Canvas, box: _Box, start: int, end: int) -> None:
    lo, hi = max(box.offset, start), min(box.offset + box.size, end)
    if lo >= hi:
        return
    x = _GUTTER + (lo - start) * c.cell
    w = (hi - lo) * c.cell
    top = c.y + 2 * (_STRIP_H + 1) + 1
    h = _ROW_H - 2 * (_STRIP_H + 1) - 2
    cls = "spt-pad" if box.padding else "spt-box"
    fill = f"url(#spt-hatch-{_uid(c.layout)})" if box.padding else ""
    c.parts.append(f'<g><title>{escape(box.title)}</title>'
                   f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" '
                   f'class="{cls} {box.fill}"' + (f' fill="{fill}"' if fill else "") + "/>")
    label = _fit(box.label, w) if box.padding else c.keys.label(box.label, box.path, w)
    if label:
        c.parts.append(_text(x + w / 2, top + 13, label,
                             "spt-padlabel" if box.padding else "spt-label"))
    if lo == box.offset:
        detail = _fit(f"@{box.offset} · {box.size}B", w)
        if detail:
            c.parts.append(_text(x + w / 2, top + h - 4, detail, "spt-detail"))
    c.parts.append("</g>")


def _grid(c: _Canvas, boxes: list[_Box], structs: list[Member]) -> None:
    for i in range(c.width):
        c.parts.append(_text(_GUTTER + c.cell * (i + 0.5), _TOP - 8, f"+{i:X}", "spt-colhead"))
    for row in _rows(c.layout, c.width, boxes):
        if isinstance(row, tuple):
            _fold(c, *row)
            continue
        start, end = row, min(row + c.width, c.layout.size)
        c.parts.append(_text(_GUTTER - 8, c.y + _ROW_H / 2 + 4, f"{start:04x}", "spt-rowhead",
                             "end"))
        c.parts.append(_text(_GUTTER - 8, c.y + _ROW_H / 2 + 15, f"{start}", "spt-rowdec",
                             "end"))
        _strips(c, structs, start, end)
        for box in boxes:
            _box(c, box, start, end)
        c.y += _ROW_H


def _legend(c: _Canvas, structs: list[Member]) -> None:
    c.y += 10
    for i, s in enumerate(structs):
        indent = 16 * s.path.count(".")
        c.parts.append(f'<rect x="{_GUTTER + indent}" y="{c.y:.1f}" width="18" height="6" '
                       f'class="spt-s{i % _FILLS}"/>')
        c.line(_GUTTER + indent + 24, c.y + 7,
               f"{s.path} — {s.ctype}, bytes {s.offset}–{s.end - 1} "
               f"({_hex(s.offset)}–{_hex(s.end - 1)})", "spt-legend")
        c.y += 18
    c.y += 6 if structs else 0


def _bit_ruler(c: _Canvas, box: _Box) -> None:
    nbits = box.size * 8
    bit_w = c.grid_w / max(nbits, 8)
    c.parts.append(_text(_GUTTER - 8, c.y + 20, f"byte {box.offset}", "spt-rowhead", "end"))
    for b in range(nbits):
        c.parts.append(_text(_GUTTER + (nbits - 1 - b + 0.5) * bit_w, c.y + 9, f"bit {b}",
                             "spt-colhead"))
    for m in box.bits:
        low = m.bit_offset or 0
        high = low + (m.bit_width or 1) - 1
        x = _GUTTER + (nbits - 1 - high) * bit_w
        w = (m.bit_width or 1) * bit_w
        span = f"bit {low}" if low == high else f"bits {low}–{high}"
        c.parts.append(f'<g><title>{escape(m.path)}: {span} of byte {m.offset}</title>'
                       f'<rect x="{x:.1f}" y="{c.y + 13:.1f}" width="{w:.1f}" '
                       f'height="{_BITS_ROW_H - 12}" class="spt-box {box.fill}"/>')
        label = c.keys.label(m.name, m.path, w)
        c.parts.append(_text(x + w / 2, c.y + 28, label, "spt-label"))
        c.parts.append("</g>")
    c.y += _BITS_ROW_H + 8


def _key(c: _Canvas) -> None:
    for entry in c.keys.lines():
        c.line(_GUTTER, c.y + 11, entry, "spt-legend")
        c.y += _KEY_H
    c.y += 4 if c.keys.entries else 0


def _uid(layout: Layout) -> str:
    return f"{layout.name}-{layout.profile.abi}-{layout.profile.cookie}"


def render_svg(layout: Layout, *, title: str | None = None) -> str:
    """The byte-layout diagram of ``layout`` as a standalone SVG document.

    The document can also be inlined in HTML: its ids and style rules are scoped by the
    structure and profile, so several diagrams can share one page.
    """
    width = row_width(layout)
    boxes = _boxes(layout)
    structs = [m for m in layout.walk() if m.kind == "struct"]
    c = _Canvas(layout, width, _cell_width(boxes, width), _Keys(), [])
    _grid(c, boxes, structs)
    _legend(c, structs)
    for box in boxes:
        if box.bits:
            _bit_ruler(c, box)
    _key(c)
    height = c.y + 4
    total_w = _GUTTER + max(c.grid_w, c.text_w) + 10
    heading = escape(title or f"{layout.name} ({layout.profile})")
    uid = _uid(layout)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:.0f} {height:.0f}" '
        f'width="{total_w:.0f}" height="{height:.0f}" role="img" class="spt-layout-svg" '
        'style="max-width:100%;height:auto">',
        f"<title>{heading}: {layout.size} bytes, {width} per row</title>",
        f'<defs><pattern id="spt-hatch-{uid}" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" class="spt-hatch-bg"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="spt-hatch-fg" stroke-width="3"/>'
        "</pattern></defs>",
        _STYLE,
        f'<rect width="{total_w:.0f}" height="{height:.0f}" class="spt-bg"/>',
        *c.parts,
        "</svg>",
        "",
    ])
