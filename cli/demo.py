"""``iscsitgt-spt demo``: decode the sample capture shipped inside the package.

The sample (``iscsitgt_spt/cli/samples/demo.jsonl``; ``iscsitgt-spt samples`` shows where it
is) tells one session: start, a READ that fails with sense data, an ABORT TASK, a win32
request, an unknown control code, a truncated record (reported, while the rest still decode)
and the stop.  The truncated record is broken on purpose, so it does not make the demo fail:
the exit status is 0 unless ``--fail-on`` asks findings to count.
"""

from __future__ import annotations

import argparse
import io
import sys

from iscsitgt_spt.cli._capture_input import open_records
from iscsitgt_spt.cli._verdict import add_fail_on_option
from iscsitgt_spt.cli.decode import emit_reports, refuse_unwritten
from iscsitgt_spt.cli.samples import sample_bytes, sample_path

__all__ = ["SAMPLE", "register", "run"]

SAMPLE = "demo.jsonl"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "demo", help="decode the sample capture shipped with the package",
        description=f"Decode the sample capture inside the package ({SAMPLE}): every "
        "structure, the driver's answers, sense data, diagnostics and a record broken on "
        "purpose. Exit status 0 (the broken record is part of the demo), or 1 when --fail-on "
        "is given and a finding reaches it.",
    )
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p.add_argument("--hexdump", action="store_true", help="add annotated hex dumps")
    p.add_argument("--verbose", "-v", action="store_true", help="print whole output buffers")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour in text output (default: when writing to a terminal)")
    add_fail_on_option(p)
    return p


def _introduction() -> str:
    return (f"Decoding {SAMPLE}, the sample capture shipped with the package:\n"
            f"  {sample_path(SAMPLE)}\n"
            "It tells one session; one record is truncated on purpose, to show that a broken\n"
            "record costs only itself (`iscsitgt-spt samples --output DIR` writes a copy).\n")


def run(args: argparse.Namespace) -> int:
    args.name = args.ioctl = args.abi = args.cookie = None
    refuse_unwritten(args)
    # Text goes to the terminal after the introduction; JSON Lines keep stdout machine-only.
    intro_stream = sys.stderr if args.json else sys.stdout
    intro_stream.write(_introduction() + ("" if args.json else "\n"))
    intro_stream.flush()
    fmt, records, multi = open_records(io.BytesIO(sample_bytes(SAMPLE)))
    return emit_reports(records, fmt, multi, args, undecoded_fails=False)
