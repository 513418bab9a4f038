"""Field tables of a resolved layout: plain text, Markdown, reStructuredText and JSON.

One list of rows (:func:`field_rows`) feeds every format here and the Sphinx directive of the
CLI layer, so an offset shown anywhere is the same number from the same
:class:`~iscsitgt_spt.spec.layout.Layout`.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from iscsitgt_spt.spec.layout import Layout, Member

__all__ = [
    "FieldRow",
    "field_rows",
    "render_json",
    "render_markdown",
    "render_rst",
    "render_text",
]


@dataclass(frozen=True)
class FieldRow:
    """One member of a layout as the tables show it."""

    member: Member
    depth: int
    ctype: str
    bits: str

    @property
    def offset(self) -> int:
        return self.member.offset

    @property
    def size(self) -> int:
        return self.member.size

    @property
    def path(self) -> str:
        return self.member.path

    @property
    def description(self) -> str:
        m = self.member
        if m.enum_type is not None:
            return f"{m.doc} Values: {m.enum_type.__name__}."
        return m.doc


def _bits(m: Member) -> str:
    if m.kind != "bits":
        return ""
    low = m.bit_offset or 0
    high = low + (m.bit_width or 1) - 1
    return f"{low}" if low == high else f"{low}-{high}"


def field_rows(layout: Layout) -> list[FieldRow]:
    """Every member at every level, in offset order (padding and bit-fields included)."""
    rows = []
    for m in layout.walk():
        ctype = m.ctype if m.ctype == m.resolved_ctype else f"{m.ctype} ({m.resolved_ctype})"
        if m.kind == "bits":
            ctype = f"{m.ctype} : {m.bit_width}"
        rows.append(FieldRow(m, m.path.count("."), ctype, _bits(m)))
    return rows


def _heading(layout: Layout) -> str:
    return (f"{layout.name} ({layout.profile.abi}, cookie {layout.profile.cookie}): "
            f"{layout.size} bytes, {layout.align}-byte aligned")


def render_text(layout: Layout) -> str:
    """The table ``iscsitgt-spt layout NAME`` prints for people."""
    lines = [_heading(layout), "", f"{'offset':>6} {'hex':>6} {'size':>5}  {'C type':<26} member"]
    for row in field_rows(layout):
        m = row.member
        ctype = f"{m.ctype} :{m.bit_width} @bit {m.bit_offset}" if m.kind == "bits" else row.ctype
        name = "  " * row.depth + m.name + ("  [padding]" if m.padding else "")
        lines.append(f"{m.offset:>6} {m.offset:>#6x} {m.size:>5}  {ctype:<26} {name}")
    lines += ["", textwrap.fill(layout.doc, 100)]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(layout: Layout) -> str:
    """A GitHub-flavoured Markdown table (pipes in text escaped)."""
    lines = [f"**{_md_cell(_heading(layout))}**", "",
             "| Offset | Hex | Size | Bits | C type | Member | Description |",
             "| ---: | ---: | ---: | ---: | --- | --- | --- |"]
    for row in field_rows(layout):
        member = f"`{row.path}`" + (" (padding)" if row.member.padding else "")
        lines.append(
            f"| {row.offset} | 0x{row.offset:x} | {row.size} | {row.bits} | "
            f"`{_md_cell(row.ctype)}` | {member} | {_md_cell(row.description)} |"
        )
    lines += ["", _md_cell(layout.doc)]
    return "\n".join(lines) + "\n"


def _rst_text(text: str) -> str:
    # Inline markup characters would start roles or emphasis; escape them.
    out = text
    for ch in ("\\", "*", "`", "|", "_"):
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ")


def render_rst(layout: Layout) -> str:
    """A reStructuredText ``list-table`` (valid docutils input; no Sphinx needed)."""
    lines = [
        f".. list-table:: {_rst_text(_heading(layout))}",
        "   :header-rows: 1",
        "   :widths: 7 7 6 6 20 24 40",
        "",
        "   * - Offset",
        "     - Hex",
        "     - Size",
        "     - Bits",
        "     - C type",
        "     - Member",
        "     - Description",
    ]
    for row in field_rows(layout):
        member = f"``{row.path}``" + (" (padding)" if row.member.padding else "")
        cells = [str(row.offset), f"0x{row.offset:x}", str(row.size), row.bits or "\\-",
                 f"``{row.ctype}``", member, _rst_text(row.description) or "\\-"]
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {c}" for c in cells[1:]]
    return "\n".join(lines) + "\n"


def render_json(layout: Layout) -> str:
    """The ``layout --json`` document (:meth:`Layout.to_json`), indented."""
    return json.dumps(layout.to_json(), indent=2, ensure_ascii=False) + "\n"
