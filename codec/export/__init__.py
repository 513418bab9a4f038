"""iscsitgt_spt.codec.export — the spec rendered for other tools and documents.

Pure renderers (layouts in, text out; nothing here writes a file): field tables as text,
Markdown, reStructuredText and JSON, the SVG byte diagram shared by the docs and the CLI, and
the Kaitai Struct description of the whole family.
"""

from __future__ import annotations

from iscsitgt_spt.codec.export.declaration import c_declaration
from iscsitgt_spt.codec.export.diagram import render_svg, row_width
from iscsitgt_spt.codec.export.kaitai import kaitai_document, kaitai_id, render_kaitai
from iscsitgt_spt.codec.export.tables import (
    FieldRow,
    field_rows,
    render_json,
    render_markdown,
    render_rst,
    render_text,
)

__all__ = [
    "FieldRow",
    "c_declaration",
    "field_rows",
    "kaitai_document",
    "kaitai_id",
    "render_json",
    "render_kaitai",
    "render_markdown",
    "render_rst",
    "render_svg",
    "render_text",
    "row_width",
]
