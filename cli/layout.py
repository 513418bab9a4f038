"""``iscsitgt-spt layout NAME``: where every member of a structure sits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from iscsitgt_spt.cli._common import add_profile_options, profile_from, structure_name

# From the modules themselves: the export package loads its renderers on first use, and the
# tables and the diagram need nothing but the spec (start-up time).
from iscsitgt_spt.codec.export.diagram import render_svg
from iscsitgt_spt.codec.export.mermaid import render_mermaid
from iscsitgt_spt.codec.export.tables import render_json, render_markdown, render_rst, render_text
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

__all__ = ["FORMATS", "format_table", "register", "run"]

#: ``--format`` name -> renderer (all from :mod:`iscsitgt_spt.codec.export`).
FORMATS: dict[str, Callable[[Layout], str]] = {
    "table": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "rst": render_rst,
    "svg": render_svg,
    "mermaid": render_mermaid,
}


def format_table(layout: Layout) -> str:
    """The human-readable table (kept for callers of the earlier API)."""
    return render_text(layout).rstrip("\n")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "layout", help="offsets, sizes and C types of a structure's members",
        description="Print every member of a structure at every nesting level, with padding "
        "and bit-fields, as computed from the spec with the MSVC layout rules: as a table, "
        "JSON, Markdown, reStructuredText, the SVG byte diagram of the docs, or a Mermaid packet "
        "diagram (for a README on GitHub: paste it inside a mermaid code block).",
    )
    p.add_argument("name", type=structure_name, metavar="NAME",
                   help="structure name (case-insensitive), one of: " + ", ".join(STRUCTURES))
    add_profile_options(p)
    p.add_argument("--format", choices=tuple(FORMATS), default="table",
                   help="output format (default: table)")
    p.add_argument("--json", action="store_const", dest="format", const="json",
                   help="same as --format json")
    return p


def run(args: argparse.Namespace) -> int:
    layout = get_layout(args.name, profile_from(args))
    sys.stdout.write(FORMATS[args.format](layout))
    return 0
