"""``iscsitgt-spt header``: the C declarations of the spec, with layout assertions."""

from __future__ import annotations

import argparse

from iscsitgt_spt.cli._common import add_profile_options, profile_from, structure_name
from iscsitgt_spt.cli._outfile import open_output
from iscsitgt_spt.spec.c_header import render_header

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "header", help="C header with the structures and _Static_assert layout checks",
        description="Write a C header declaring the structures for one ABI profile, with "
        "_Static_assert on sizeof and every offsetof (compile it with the matching MSVC or "
        "mingw-w64 compiler to check the layout). By default it includes <windows.h> and "
        "<ntddscsi.h> for the public structures; --standalone declares everything itself.",
    )
    p.add_argument("names", nargs="*", type=structure_name, metavar="NAME",
                   help="structures to declare (default: all)")
    add_profile_options(p)
    p.add_argument("--standalone", action="store_true",
                   help="declare every structure with <stdint.h> types; no Windows headers")
    p.add_argument("--no-asserts", action="store_true", help="leave out the _Static_asserts")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    return p


def run(args: argparse.Namespace) -> int:
    text = render_header(
        profile_from(args), standalone=args.standalone, asserts=not args.no_asserts,
        structures=args.names or None,
    )
    with open_output("-" if args.output is None else args.output, "--output") as out:
        out.write(text)
    return 0
