"""``iscsitgt-spt export kaitai``: the spec as a Kaitai Struct description (``.ksy``)."""

from __future__ import annotations

import argparse

from iscsitgt_spt.cli._common import (
    add_profile_options,
    profile_from,
    structure_name,
    version_text,
)
from iscsitgt_spt.cli._outfile import open_output
from iscsitgt_spt.codec.export import render_kaitai

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export", help="the spec in another tool's language (Kaitai Struct)",
        description="Write a description of every structure of the family under one profile "
        "in another tool's language. kaitai: a .ksy for the Kaitai Struct compiler and Web IDE "
        "(padding, bit-fields, UTF-16 strings, the ControlCode dispatch, enums, field docs).",
    )
    p.add_argument("target", choices=("kaitai",), help="what to export")
    add_profile_options(p)
    p.add_argument("--root", type=structure_name, metavar="NAME",
                   help="make this structure the top-level type (default: an "
                   "IOCTL_SCSI_MINIPORT buffer, dispatched on its ControlCode)")
    p.add_argument("-o", "--output", metavar="FILE", default="-",
                   help="write to FILE instead of standard output")
    return p


def run(args: argparse.Namespace) -> int:
    text = render_kaitai(profile_from(args), root=args.root, generator=version_text())
    with open_output(args.output, "--output") as out:
        out.write(text)
    return 0
