"""``iscsitgt-spt demo``: decode the sample capture shipped inside the package.

The sample (``iscsitgt_spt/cli/samples/demo.jsonl``) tells one session: start, a READ that
fails with sense data, an ABORT TASK, a win32 request, an unknown control code, a truncated
record (reported, while the rest still decode) and the stop.
"""

from __future__ import annotations

import argparse
import io
from importlib import resources

from iscsitgt_spt.cli import EXIT_OK
from iscsitgt_spt.cli.decode import emit_reports, open_records

__all__ = ["SAMPLE", "register", "run", "sample_bytes"]

SAMPLE = "demo.jsonl"


def sample_bytes() -> bytes:
    return resources.files("iscsitgt_spt.cli.samples").joinpath(SAMPLE).read_bytes()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "demo", help="decode the sample capture shipped with the package",
        description="Decode the sample capture inside the package: every structure, the "
        "driver's answers, sense data, diagnostics and a broken record.",
    )
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p.add_argument("--hexdump", action="store_true", help="add annotated hex dumps")
    p.add_argument("--verbose", "-v", action="store_true", help="print whole output buffers")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour in text output (default: when writing to a terminal)")
    return p


def run(args: argparse.Namespace) -> int:
    args.name = args.ioctl = args.abi = args.cookie = None
    fmt, records, multi = open_records(io.BytesIO(sample_bytes()))
    emit_reports(records, fmt, multi, args)
    # The sample contains a broken record on purpose; showing it is the demo working.
    return EXIT_OK
