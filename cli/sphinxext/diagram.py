"""The byte diagram in every builder, and the files HTML pages link to.

HTML builders get the inline SVG of :func:`iscsitgt_spt.codec.export.render_svg` in a
``<figure>`` with its caption.  Every other builder (LaTeX/PDF, text, man, texinfo ...) gets
the same facts as a table under the same caption: one row per storage unit, its bytes and
the member that fills them, padding and bit-fields included, so a printed manual loses no
byte of the diagram.  Both come from the layout; the choice is Sphinx's ``only`` node.

The standalone SVGs and C headers the reference pages link to are written only when a page
links to them (``note_file``), so a project using the small directives gets nothing else in
its build.
"""

from __future__ import annotations

from html import escape
from typing import Any

from docutils import nodes
from iscsitgt_spt.codec.export import render_svg
from iscsitgt_spt.spec.layout import Layout, Member
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .i18n import _, keep_out_of_project_catalogs
from .nodes_util import Cell, make_table

__all__ = ["bit_range", "diagram_nodes", "files_in_use", "note_file", "setup_file_tracking"]

def _units(layout: Layout) -> list[tuple[int, int, str]]:
    """(offset, size, what) of every leaf storage unit, bit-field members one line each."""
    out: list[tuple[int, int, str]] = []
    for m in layout.walk():
        if m.kind == "struct":
            continue
        what = m.path
        if m.kind == "padding":
            what = f"{m.path} {_('(padding)')}"
        elif m.kind == "bits":
            what = f"{m.path}: {bit_range(m)}"
        out.append((m.offset, m.size, what))
    return out


def bit_range(m: Member) -> str:
    """``bit 3`` or ``bits 0–4``: where a bit-field lies in its unit, translated."""
    low = m.bit_offset or 0
    high = low + (m.bit_width or 1) - 1
    if low == high:
        return _("bit {low}").format(low=low)
    return _("bits {low}–{high}").format(low=low, high=high)


def _fallback(layout: Layout, caption: str) -> nodes.Node:
    rows: list[list[Cell]] = []
    for offset, size, what in _units(layout):
        last = offset + size - 1
        span = f"{offset}–{last}" if last != offset else str(offset)
        rows.append([span, f"0x{offset:02x}", nodes.literal("", what), str(size)])
    table = make_table([_("Bytes"), _("Hex"), _("Member"), _("Size")], rows,
                       widths=[10, 8, 60, 8], classes=["spt-diagram-table"])
    table.insert(0, nodes.title("", _(
        "{caption} (the byte diagram as a table: bytes, and the member that fills them)"
    ).format(caption=caption)))
    return table


def diagram_nodes(layout: Layout, caption: str, figcaption: str, *,
                  link: str = "") -> list[nodes.Node]:
    """The diagram for HTML builders (titled ``caption``, under ``figcaption``), and its
    table for the others (under ``caption``).  ``link`` is extra HTML for the figure caption
    (a link to the standalone SVG).  Text arrives translated.
    """
    svg = render_svg(layout, title=caption)
    html = (f'<figure class="spt-diagram">{svg}<figcaption>{escape(figcaption)}'
            f"{' ' + link if link else ''}</figcaption></figure>")
    in_html = addnodes.only(expr="html")
    in_html += nodes.raw("", html, format="html")
    elsewhere = addnodes.only(expr="not html")
    elsewhere += _fallback(layout, caption)
    keep_out_of_project_catalogs([elsewhere])  # translated here already
    return [in_html, elsewhere]


# --- files the HTML pages link to -----------------------------------------------------------

def note_file(env: BuildEnvironment, path: str) -> None:
    """Record that the page being read links to the generated file ``path``."""
    used: dict[str, set[str]] = env.domaindata.setdefault("spt-files", {})
    used.setdefault(env.docname, set()).add(path)


def files_in_use(env: BuildEnvironment) -> set[str]:
    used: dict[str, set[str]] = env.domaindata.get("spt-files", {})
    return set().union(*used.values()) if used else set()


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.domaindata.get("spt-files", {}).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: Any, other: BuildEnvironment) -> None:
    theirs: dict[str, set[str]] = other.domaindata.get("spt-files", {})
    env.domaindata.setdefault("spt-files", {}).update(
        {d: files for d, files in theirs.items() if d in docnames})


def setup_file_tracking(app: Sphinx) -> None:
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
