"""iscsitgt_spt.codec.export — the spec rendered for other tools and documents.

Pure renderers (layouts in, text out; nothing here writes a file): field tables as text,
Markdown, reStructuredText and JSON, the SVG byte diagram shared by the docs and the CLI, the
Mermaid packet diagram for READMEs, and the Kaitai Struct description of the whole family.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iscsitgt_spt.codec._lazy import lazy_attributes

if TYPE_CHECKING:  # type checkers see the names; at run time they load on first use
    from iscsitgt_spt.codec.export.declaration import c_declaration
    from iscsitgt_spt.codec.export.diagram import render_svg, row_width
    from iscsitgt_spt.codec.export.kaitai import kaitai_document, kaitai_id, render_kaitai
    from iscsitgt_spt.codec.export.mermaid import render_mermaid
    from iscsitgt_spt.codec.export.tables import (
        FieldRow,
        field_rows,
        render_json,
        render_markdown,
        render_rst,
        render_text,
    )

# Each public name and the module it lives in, imported on first use (``layout`` needs the
# tables and the diagram, not the Kaitai writer).
_WHERE: dict[str, str] = {
    'c_declaration': 'iscsitgt_spt.codec.export.declaration',
    'render_svg': 'iscsitgt_spt.codec.export.diagram',
    'row_width': 'iscsitgt_spt.codec.export.diagram',
    'kaitai_document': 'iscsitgt_spt.codec.export.kaitai',
    'kaitai_id': 'iscsitgt_spt.codec.export.kaitai',
    'render_kaitai': 'iscsitgt_spt.codec.export.kaitai',
    'render_mermaid': 'iscsitgt_spt.codec.export.mermaid',
    'FieldRow': 'iscsitgt_spt.codec.export.tables',
    'field_rows': 'iscsitgt_spt.codec.export.tables',
    'render_json': 'iscsitgt_spt.codec.export.tables',
    'render_markdown': 'iscsitgt_spt.codec.export.tables',
    'render_rst': 'iscsitgt_spt.codec.export.tables',
    'render_text': 'iscsitgt_spt.codec.export.tables',
}


__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = [
    "FieldRow",
    "c_declaration",
    "field_rows",
    "kaitai_document",
    "kaitai_id",
    "render_json",
    "render_kaitai",
    "render_markdown",
    "render_mermaid",
    "render_rst",
    "render_svg",
    "render_text",
    "row_width",
]
