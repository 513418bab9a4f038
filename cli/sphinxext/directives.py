"""The embedding directives: one structure, one profile, one piece of its reference.

``.. spt-fields:: NAME``, ``.. spt-diagram:: NAME`` and ``.. spt-declaration:: NAME``, each
with ``:abi:`` (win64 | win32) and ``:cookie:`` (u64 | ptr), default win64/u64.  Every value
shown comes from :mod:`iscsitgt_spt.codec.export` (the same renderers as ``iscsitgt-spt
layout --format`` and ``iscsitgt-spt header``); nothing here refers to a page of our own
site, so the directives build cleanly (``-W``) in any project.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from iscsitgt_spt.codec.export import c_declaration, field_rows, row_width
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import ABIS, COOKIES, Profile
from iscsitgt_spt.spec.registry import get_layout, structure
from sphinx.util.docutils import SphinxDirective

from .diagram import diagram_nodes
from .i18n import _, fill, keep_out_of_project_catalogs
from .nodes_util import Cell, make_table

__all__ = ["DeclarationDirective", "DiagramDirective", "FieldsDirective"]


def _choice(values: tuple[str, ...]) -> Callable[[str], str]:
    def check(text: str) -> str:
        return str(directives.choice(text, values))

    return check


class _ProfileDirective(SphinxDirective):
    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "abi": _choice(ABIS),
        "cookie": _choice(COOKIES),
        "caption": directives.unchanged,
    }

    def layout(self) -> Layout:
        try:
            name = structure(self.arguments[0]).c_name
            profile = Profile.of(self.options.get("abi"), self.options.get("cookie"))
        except SptError as exc:
            raise self.error(f"{self.name}: {exc}") from None
        return get_layout(name, profile)

    def caption(self, layout: Layout, template: str) -> str:
        """The ``:caption:`` option, else ``template`` (translated) filled for ``layout``."""
        if "caption" in self.options:
            return str(self.options["caption"])
        return template.format(name=layout.name, abi=layout.profile.abi,
                               cookie=layout.profile.cookie, size=layout.size)


class FieldsDirective(_ProfileDirective):
    """The field table: offset, hex, size, bits, C type, member path, description."""

    def run(self) -> list[nodes.Node]:
        layout = self.layout()
        rows: list[list[Cell]] = []
        classes: list[list[str]] = []
        for row in field_rows(layout):
            m = row.member
            member: Cell = [nodes.literal("", m.path)] + (
                [nodes.Text(" " + _("(padding)"))] if m.padding else [])
            description: Cell = _(m.doc)
            if m.enum_type is not None:
                description = [nodes.Text(_(m.doc) + " "), *fill(
                    _("Values: {enum}."), enum=nodes.literal("", m.enum_type.__name__))]
            rows.append([str(m.offset), f"0x{m.offset:02x}", str(m.size), row.bits,
                         nodes.literal("", row.ctype), member, description])
            classes.append([f"spt-{m.kind}", f"spt-depth-{row.depth}"])
        table = make_table(
            [_("Offset"), _("Hex"), _("Size"), _("Bits"), _("C type"), _("Member"),
             _("Description")], rows,
            widths=[7, 7, 6, 6, 17, 27, 40], row_classes=classes,
            classes=["spt-fields", f"spt-profile-{layout.profile.abi}-{layout.profile.cookie}"],
            col_classes=["spt-col-offset", "spt-col-hex", "spt-col-size", "spt-col-bits",
                         "spt-col-ctype", "spt-col-member", "spt-col-doc"],
        )
        table.insert(0, nodes.title("", self.caption(
            layout, _("{name} members ({abi}, cookie {cookie}): {size} bytes"))))
        keep_out_of_project_catalogs([table])
        return [table]


class DiagramDirective(_ProfileDirective):
    """The byte diagram: inline SVG in HTML output, a table under the same caption elsewhere."""

    def run(self) -> list[nodes.Node]:
        layout = self.layout()
        caption = self.caption(
            layout, _("{name} byte layout ({abi}, cookie {cookie}): {size} bytes"))
        note = _("{width} bytes per row; hover a box for its path, offset and size; padding "
                 "is hatched.").format(width=row_width(layout))
        # HTML: the SVG under caption and note; other builders: its table under the caption.
        return diagram_nodes(layout, caption, f"{caption} — {note}")


class DeclarationDirective(_ProfileDirective):
    """The C declaration, as ``iscsitgt-spt header --standalone`` writes it."""

    def run(self) -> list[nodes.Node]:
        layout = self.layout()
        code = c_declaration(layout.name, layout.profile)
        block = nodes.literal_block(code, code, language="c", classes=["spt-decl"])
        container = nodes.container("", literal_block=True, classes=["literal-block-wrapper"])
        container += nodes.caption("", self.caption(
            layout, _("{name} C declaration ({abi}, cookie {cookie}): {size} bytes")))
        container += block
        keep_out_of_project_catalogs([container])
        return [container]
