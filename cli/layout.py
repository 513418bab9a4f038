"""``iscsitgt-spt layout NAME``: where every member of a structure sits."""

from __future__ import annotations

import argparse
import sys
import textwrap

from iscsitgt_spt.cli._common import (
    add_profile_options,
    print_json,
    profile_from,
    structure_name,
)
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

__all__ = ["format_table", "register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "layout", help="offsets, sizes and C types of a structure's members",
        description="Print every member of a structure at every nesting level, with padding "
        "and bit-fields, as computed from the spec with the MSVC layout rules.",
    )
    p.add_argument("name", type=structure_name, metavar="NAME",
                   help="structure name (case-insensitive), one of: " + ", ".join(STRUCTURES))
    add_profile_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable JSON output")
    return p


def format_table(layout: Layout) -> str:
    lines = [
        f"{layout.name}  ({layout.profile.abi}, cookie {layout.profile.cookie}): "
        f"{layout.size} bytes, {layout.align}-byte aligned",
        "",
        f"{'offset':>6} {'hex':>6} {'size':>5}  {'C type':<26} member",
    ]
    for m in layout.walk():
        depth = m.path.count(".")
        ctype = m.ctype if m.ctype == m.resolved_ctype else f"{m.ctype} ({m.resolved_ctype})"
        if m.kind == "bits":
            ctype = f"{m.ctype} :{m.bit_width} @bit {m.bit_offset}"
        name = "  " * depth + m.name + ("  [padding]" if m.padding else "")
        lines.append(f"{m.offset:>6} {m.offset:>#6x} {m.size:>5}  {ctype:<26} {name}")
    lines.append("")
    lines.append(textwrap.fill(layout.doc, 100))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    layout = get_layout(args.name, profile_from(args))
    if args.json:
        print_json(layout.to_json())
    else:
        sys.stdout.write(format_table(layout) + "\n")
    return 0
