"""Small docutils node builders shared by the directives (tables, cross-references)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeAlias

from docutils import nodes
from sphinx import addnodes

__all__ = ["Cell", "inline_text", "label_target", "make_table", "para", "ref", "register_label"]

#: A table cell: plain text, or ready-made inline/body nodes.
Cell: TypeAlias = "str | nodes.Node | Sequence[nodes.Node | str]"


#: A backquoted command, or an option name standing alone (``--fail-on``, ``-o``, ``-``).
_LITERAL = re.compile(r"`([^`]+)`|(?<![\w`-])(--?[A-Za-z][\w-]*)")


def inline_text(text: str) -> list[nodes.Node]:
    """``text`` as inline nodes: quoted commands and option names literal, the rest text.

    Help texts and assumption records are plain text written for a terminal; as literal nodes
    their option names show as code, copy as typed, and Sphinx's smart quotes never turn
    ``--`` into a dash."""
    out: list[nodes.Node] = []
    end = 0
    for match in _LITERAL.finditer(text):
        if match.start() > end:
            out.append(nodes.Text(text[end:match.start()]))
        out.append(nodes.literal("", match.group(1) or match.group(2)))
        end = match.end()
    if end < len(text):
        out.append(nodes.Text(text[end:]))
    return out


def ref(label: str, *content: nodes.Node | str, reftype: str = "ref") -> addnodes.pending_xref:
    """A cross-reference to a ``std`` label (or a document with ``reftype='doc'``)."""
    children = [nodes.Text(c) if isinstance(c, str) else c for c in content]
    inner = nodes.inline("", "", *children, classes=["std", f"std-{reftype}"])
    return addnodes.pending_xref(
        "", inner, refdomain="std", reftype=reftype,
        # :ref: targets are matched lower-cased (docutils normalises label names).
        reftarget=label.lower() if reftype == "ref" else label,
        refexplicit=True, refwarn=True,
    )


def register_label(document: nodes.document, label: str, node: nodes.Element) -> None:
    """Make ``node`` the target of ``:ref:`label``` (an explicit, referencable label)."""
    node_id = nodes.make_id(label)
    if node_id not in node["ids"]:
        node["ids"].append(node_id)
    node["names"].append(nodes.fully_normalize_name(label))
    document.note_explicit_target(node)


def label_target(document: nodes.document, label: str) -> nodes.target:
    """A stand-alone target node carrying ``label``."""
    target = nodes.target("", "")
    register_label(document, label, target)
    return target


def para(*content: nodes.Node | str, classes: Sequence[str] = ()) -> nodes.paragraph:
    children = [nodes.Text(c) if isinstance(c, str) else c for c in content]
    return nodes.paragraph("", "", *children, classes=list(classes))


def _cell(value: Cell) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(value, str):
        entry += nodes.paragraph("", value)
    elif isinstance(value, nodes.Node):
        entry += value if not isinstance(value, nodes.Inline | nodes.Text) else para(value)
    else:
        items = [nodes.Text(v) if isinstance(v, str) else v for v in value]
        if all(isinstance(v, nodes.Inline | nodes.Text) for v in items):
            entry += para(*items)
        else:
            entry.extend(items)
    return entry


def make_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    widths: Sequence[int] | None = None,
    classes: Sequence[str] = (),
    row_ids: Sequence[str | None] | None = None,
    row_classes: Sequence[Sequence[str]] | None = None,
    col_classes: Sequence[str] | None = None,
) -> nodes.table:
    """A docutils table; optional per-row ids (anchors) and classes (styling)."""
    # "colwidths-given" makes the HTML writer emit the relative widths as <col> styles.
    extra = ["colwidths-given"] if widths is not None else []
    table = nodes.table(classes=["spt-table", *extra, *classes])
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in widths or [1] * len(header):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    hrow = nodes.row()
    for j, title in enumerate(header):
        entry = _cell(title)
        if col_classes is not None and col_classes[j]:
            entry["classes"].append(col_classes[j])
        hrow += entry
    head += hrow
    group += head
    body = nodes.tbody()
    for i, values in enumerate(rows):
        row = nodes.row()
        if row_ids is not None and row_ids[i]:
            row["ids"].append(row_ids[i])
        if row_classes is not None:
            row["classes"].extend(row_classes[i])
        for j, value in enumerate(values):
            entry = _cell(value)
            if col_classes is not None and col_classes[j]:
                entry["classes"].append(col_classes[j])
            row += entry
        body += row
    group += body
    return table
