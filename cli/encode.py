"""``iscsitgt-spt encode NAME``: JSON on standard input to the structure's bytes."""

from __future__ import annotations

import argparse
import sys

from iscsitgt_spt.cli._common import ABIS, COOKIES, read_json_document, structure_name, write_bytes
from iscsitgt_spt.cli._terminal import stdin_at_terminal
from iscsitgt_spt.codec.documents import encode_document

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "encode", help="build a structure's bytes from JSON on stdin",
        description="Read a JSON value (partial is fine: derived members such as HeaderLength, "
        "Length, ControlCode, Size are filled) or a whole `decode --json` document on standard "
        "input and write the bytes. `decode --json | encode` reproduces the input exactly.",
    )
    p.add_argument("name", nargs="?", type=structure_name, metavar="NAME",
                   help="structure name (default: the document's own name)")
    p.add_argument("--abi", choices=ABIS, help="ABI (default: the document's, else win64)")
    p.add_argument("--cookie", choices=COOKIES,
                   help="cookie width (default: the document's, else u64)")
    p.add_argument("--hex", action="store_true", help="write hex text instead of raw bytes")
    p.add_argument("--raw", action="store_true",
                   help="do not fill derived members: missing members are zero")
    p.add_argument("--input", "-i", metavar="FILE",
                   help="read JSON from FILE (- for standard input, the default)")
    return p


def run(args: argparse.Namespace) -> int:
    if (args.input or "-") == "-" and stdin_at_terminal(
            "encode", args.input is not None, "pipe a JSON value in "
            "(... | iscsitgt-spt encode NAME), or give --input FILE"):
        return 2
    data = encode_document(
        read_json_document(args.input or "-"),
        args.name, abi=args.abi, cookie=args.cookie, canonical=not args.raw,
    )
    if args.hex:
        sys.stdout.write(data.hex() + "\n")
    else:
        if sys.stdout.isatty():
            sys.stderr.write("iscsitgt-spt encode: writing binary to a terminal; use --hex\n")
            sys.stdout.write(data.hex() + "\n")
            return 0
        write_bytes(data)
    return 0
