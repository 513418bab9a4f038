"""``.. spt-structure:: NAME`` — the reference page body of one structure.

Emits, from :func:`iscsitgt_spt.spec.get_layout` and nothing else: what the structure is
for, the IOCTL/control code it travels with, sizeof per profile, then one section per
distinct layout (byte diagram, field table, C declaration from the header exporter), the
members a canonical build fills, and the assumptions that touch it.
"""

from __future__ import annotations

from html import escape
from pathlib import PurePosixPath

from docutils import nodes
from docutils.parsers.rst import directives
from iscsitgt_spt.codec.export import render_svg, row_width
from iscsitgt_spt.spec.constants import IOCTLS, decode_ctl_code
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.layout import CStruct, Layout, Member
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import (
    control_code_name_of,
    control_code_of,
    get_layout,
    ioctl_of,
    structure,
)
from sphinx.util.docutils import SphinxDirective

from .diagram import bit_range, diagram_nodes, note_file
from .i18n import _, fill, keep_out_of_project_catalogs
from .model import (
    ProfileGroup,
    c_declaration,
    embedded_in,
    format_value,
    profile_groups,
    related_assumptions,
)
from .nodes_util import Cell, make_table, para, ref, register_label

__all__ = ["LAYOUT_DIR", "StructureDirective", "svg_files", "svg_name"]

#: Output sub-directory (HTML builders) holding one standalone SVG per structure and layout.
LAYOUT_DIR = "_layouts"


def svg_name(name: str, group: ProfileGroup) -> str:
    return f"{name}-{group.slug}.svg"


def svg_files(wanted: set[str] | None = None) -> dict[str, str]:
    """Diagram files of the site (``wanted``: only these paths under LAYOUT_DIR): name -> SVG."""
    from iscsitgt_spt.spec.registry import STRUCTURES

    files = {}
    for name in STRUCTURES:
        for group in profile_groups(name):
            file = svg_name(name, group)
            if wanted is None or f"{LAYOUT_DIR}/{file}" in wanted:
                files[file] = render_svg(group.layout, title=f"{name} ({group_label(group)})")
    return files


def group_label(group: ProfileGroup) -> str:
    """:attr:`ProfileGroup.label` in the build's language (profile names stay as they are)."""
    words = group.words()
    if words == ["all"]:
        return _("all profiles (win64 and win32, either cookie width)")
    # The separator is translated too (Chinese lists with 、).
    return _(", ").join(w if "/" in w else _("{abi} (either cookie)").format(abi=w)
                        for w in words)


def _struct_link(name: str) -> nodes.Node:
    return ref(f"struct-{name}", nodes.literal("", name))


def _member_cell(m: Member, row_id: str) -> list[nodes.Node]:
    prefix, _dot, leaf = m.path.rpartition(".")
    out: list[nodes.Node] = []
    if prefix:
        out.append(nodes.inline("", prefix + ".", classes=["spt-prefix"]))
    out.append(nodes.literal("", leaf, classes=["spt-name"]))
    out.append(nodes.reference("", "¶", refuri=f"#{row_id}", classes=["spt-rowlink"],
                               reftitle=_("link to this member")))
    return out


def _description(m: Member) -> list[nodes.Node]:
    out: list[nodes.Node] = [nodes.Text(_(m.doc))]
    if m.enum_type is not None:
        name = m.enum_type.__name__
        out += [nodes.Text(" "), *fill(_("Values: {enum}."), enum=ref(
            f"enum-{name}", nodes.literal("", name)))]
    return out


def field_rows(group: ProfileGroup) -> tuple[list[list[Cell]], list[str], list[list[str]]]:
    """Rows, row ids and row classes of the field table of one layout group."""
    layout, slug = group.layout, group.slug
    has_bits = any(m.kind == "bits" for m in layout.walk())
    rows: list[list[Cell]] = []
    ids: list[str] = []
    classes: list[list[str]] = []
    for m in layout.walk():
        row_id = f"{layout.name}.{slug}.{m.path}"
        ctype: Cell = m.ctype
        if m.kind == "struct":
            ctype = _struct_link(m.ctype)
        elif m.kind == "bits":
            ctype = f"{m.ctype} : {m.bit_width}"
        else:
            resolved = [c for c in group.resolved_ctypes(m.path) if c != m.ctype]
            if resolved:
                ctype = [nodes.Text(m.ctype), nodes.inline(
                    "", " = " + _(" or ").join(resolved), classes=["spt-resolved"])]
        size = str(m.size)
        if m.kind == "bits":
            size = (_("{n} bit") if m.bit_width == 1 else _("{n} bits")).format(n=m.bit_width)
        row: list[Cell] = [str(m.offset), f"0x{m.offset:02x}", size]
        if has_bits:
            row.append(bit_range(m) if m.kind == "bits" else "")
        row += [ctype, _member_cell(m, row_id), _description(m)]
        rows.append(row)
        ids.append(row_id)
        classes.append([f"spt-{m.kind}", f"spt-depth-{m.path.count('.')}"])
    return rows, ids, classes


def field_table(layout: Layout, group: ProfileGroup) -> nodes.table:
    has_bits = any(m.kind == "bits" for m in layout.walk())
    header = [_("Offset"), _("Hex"), _("Size")] + ([_("Bits")] if has_bits else []) + [
        _("C type"), _("Member"), _("Description")]
    widths = [7, 7, 7] + ([8] if has_bits else []) + [17, 27, 40]
    rows, ids, classes = field_rows(group)
    profile_classes = [f"spt-profile-{p.abi}-{p.cookie}" for p in group.profiles]
    col_classes = ["spt-col-offset", "spt-col-hex", "spt-col-size"] + (
        ["spt-col-bits"] if has_bits else []) + ["spt-col-ctype", "spt-col-member", "spt-col-doc"]
    return make_table(header, rows, widths=widths, classes=["spt-fields", *profile_classes],
                      row_ids=ids, row_classes=classes, col_classes=col_classes)


class StructureDirective(SphinxDirective):
    """``.. spt-structure:: ISCSITGT_SPT_TMF`` (option ``:no-diagram:`` skips the SVG)."""

    required_arguments = 1
    has_content = False
    option_spec = {"no-diagram": directives.flag}  # noqa: RUF012 - docutils API

    def run(self) -> list[nodes.Node]:
        try:
            name = structure(self.arguments[0]).c_name
        except SptError as exc:  # Sphinx reports it at the directive's line
            raise self.error(f"{self.name}: {exc}") from None
        groups = profile_groups(name)
        layout = groups[0].layout
        out: list[nodes.Node] = [para(_(layout.doc), classes=["spt-lead"])]
        out.append(self._travels_with(name, layout))
        out.append(self._sizes(name))
        for group in groups:
            out.append(self._group_section(name, group, single=len(groups) == 1))
        rules = self._rules_section(name, groups)
        if rules is not None:
            out.append(rules)
        out.append(self._assumptions_section(name, layout))
        keep_out_of_project_catalogs(out)
        return out

    # -- pieces ---------------------------------------------------------------------------
    def _section(self, title: str, ident: str) -> nodes.section:
        section = nodes.section()
        section += nodes.title("", title)
        register_label(self.state.document, ident, section)
        return section

    def _travels_with(self, name: str, layout: Layout) -> nodes.Node:
        fields = nodes.field_list(classes=["spt-facts"])

        def add(label: str, *body: nodes.Node | str) -> None:
            field = nodes.field()
            field += nodes.field_name("", label)
            content = nodes.field_body()
            content += para(*body)
            field += content
            fields.append(field)

        ioctl = ioctl_of(name)
        code = control_code_of(name)
        if ioctl is not None:
            parts = decode_ctl_code(ioctl)
            note = _(" (an assumption, see below)") if code is None else ""
            add("IOCTL", ref("ioctl-codes", nodes.literal("", IOCTLS.get(ioctl, hex(ioctl)))),
                f" = 0x{ioctl:08X} = {parts.describe()}{note}")
        if code is not None:
            add("SRB_IO_CONTROL.ControlCode",
                ref("control-codes", nodes.literal("", control_code_name_of(name) or hex(code))),
                f" = 0x{code:X}")
        if ioctl is None and code is None:
            add("IOCTL", _("none of its own: it travels inside the structures listed below."))
        nested = sorted({m.ctype for m in layout.walk() if m.kind == "struct"},
                        key=lambda n: next(m.offset for m in layout.walk() if m.ctype == n))
        if nested:
            items: list[nodes.Node | str] = []
            for n in nested:
                items += [_struct_link(n), ", "]
            add(_("Contains"), *items[:-1])
        users = embedded_in(name)
        if users:
            items = []
            for n in users:
                items += [_struct_link(n), ", "]
            add(_("Embedded in"), *items[:-1])
        return fields

    def _sizes(self, name: str) -> nodes.Node:
        rows: list[list[Cell]] = []
        for p in PROFILES:
            lay = get_layout(name, p)
            rows.append([nodes.literal("", str(p)), str(lay.size), f"0x{lay.size:x}",
                         str(lay.align)])
        return make_table([_("Profile (abi/cookie)"), "sizeof", _("hex"), _("alignment")], rows,
                          widths=[20, 10, 10, 10], classes=["spt-sizes"])

    def _group_section(self, name: str, group: ProfileGroup, single: bool) -> nodes.Node:
        layout = group.layout
        title = _("Layout: {profiles}").format(profiles=group_label(group))
        section = self._section(title, f"{name}-layout-{group.slug}")
        width = row_width(layout)
        summary = _("sizeof {size} (0x{hex}), alignment {align}.") if single else _(
            "sizeof {size} (0x{hex}), alignment {align}. Profiles not listed here lay this "
            "structure out differently.")
        section += para(summary.format(size=layout.size, hex=f"{layout.size:x}",
                                       align=layout.align))
        if "no-diagram" not in self.options:
            section += self._diagram(name, group, width)
        section += field_table(layout, group)
        decl_title = nodes.rubric("", "", *fill(_("C declaration (as generated by {command})"),
                                                command=nodes.literal("", "iscsitgt-spt header")))
        section += decl_title
        code = c_declaration(name, group.profiles[0])
        block = nodes.literal_block(code, code, language="c", classes=["spt-decl"])
        section += block
        return section

    def _diagram(self, name: str, group: ProfileGroup, width: int) -> list[nodes.Node]:
        depth = len(PurePosixPath(self.env.docname).parts) - 1
        file = f"{LAYOUT_DIR}/{svg_name(name, group)}"
        note_file(self.env, file)
        caption = _("Byte layout, {width} bytes per row; hover a box for its path, offset and "
                    "size; padding is hatched.").format(width=width)
        link = (f'<a class="spt-svglink" href="{"../" * depth}{file}">'
                f'{escape(_("Open the SVG on its own"))}</a>')
        return diagram_nodes(group.layout, f"{name} ({group_label(group)})", caption, link=link)

    def _rules_section(self, name: str, groups: list[ProfileGroup]) -> nodes.Node | None:
        paths: list[str] = []
        for g in groups:
            paths += [p for p in g.layout.rules if p not in paths]
        if not paths:
            return None
        section = self._section(_("Filled by a canonical build"), f"{name}-rules")
        section += para(*fill(
            _("When a request is built ({encode} or {build}) and these members are not given, "
              "they get these values. Derived values are computed from the layout; defaults are "
              "conventions or named assumptions. A value given explicitly always wins."),
            encode=nodes.literal("", "iscsitgt-spt encode"),
            build=nodes.literal("", "iscsitgt_spt.codec.build")))
        rows: list[list[Cell]] = []
        for path in paths:
            values = []
            kind = describe = ""
            for g in groups:
                if path not in g.layout.rules:
                    continue
                rule, value = g.layout.rules[path]
                kind = _(rule.kind)
                describe = rule.describe(_declaring(g.layout, path))
                prefix = "" if len(groups) == 1 else f"{group_label(g)}: "
                values.append(prefix + format_value(value))
            rows.append([nodes.literal("", path), kind, nodes.literal("", describe),
                         "; ".join(values)])
        section += make_table([_("Member"), _("Kind"), _("From"), _("Value")], rows,
                              widths=[30, 10, 35, 30], classes=["spt-rules"])
        return section

    def _assumptions_section(self, name: str, layout: Layout) -> nodes.Node:
        section = self._section(_("Assumptions"), f"{name}-assumptions")
        found = related_assumptions(layout)
        if not found:
            section += para(_("None: every byte of this structure is defined by public "
                              "documentation."))
            return section
        items = nodes.bullet_list()
        for a in found:
            item = nodes.list_item()
            item += para(*fill(_("{name}: {question} We assume: {choice}"),
                               name=ref(f"assumption-{a.name}", nodes.literal("", a.name)),
                               question=_(a.topic), choice=_(a.choice)))
            items += item
        section += items
        return section


def _declaring(layout: Layout, path: str) -> CStruct:
    """The definition that declares the rule at ``path`` (a nested structure's, if nested)."""
    owner: CStruct = layout.template
    prefix = path.rpartition(".")[0]
    while prefix:
        sub = layout.sublayout(prefix).template
        if path[len(prefix) + 1:] in sub.rules:
            return sub
        prefix = prefix.rpartition(".")[0]
    return owner
