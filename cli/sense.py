"""``iscsitgt-spt sense HEX``: decode a bare SCSI sense buffer, as ``sg_decode_sense`` does."""

from __future__ import annotations

import argparse
import sys

from iscsitgt_spt.cli._common import print_json
from iscsitgt_spt.cli._input import read_bounded
from iscsitgt_spt.codec.sense.asc import T10_REVISION
from iscsitgt_spt.codec.sense.decoder import decode_sense, parse_hex_sense

__all__ = ["SENSE_TEXT_BOUND", "register", "run"]

#: The most hex text read from standard input.  Sense data is at most 252 bytes (SPC-5,
#: ADDITIONAL SENSE LENGTH is one byte past 8 header bytes): even written one byte to a
#: line with an address and a printable column, 64 KiB is far more than that needs.
SENSE_TEXT_BOUND = 1 << 16


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "sense", help="decode a SCSI sense buffer (fixed or descriptor format)",
        description="Decode sense data given as hex (one or more arguments, or - for stdin): "
        "response code, sense key, ASC/ASCQ as code and text (11h/00h  Unrecovered read "
        f"error; T10's list of {T10_REVISION}), information, the sense-key-specific field "
        "and the sense data descriptors (designators as VPD page 83h defines them, checked "
        "against SPC).  What departs from the standards is listed as warnings.  "
        "Vendor-specific sense data (response code 7Fh) is shown as its bytes, with exit "
        "status 0.",
    )
    p.add_argument("hex", nargs="+", metavar="HEX",
                   help="sense bytes as hex, e.g. 'f0 00 03 00 00 12 34 0a' (- reads stdin)")
    p.add_argument("--json", action="store_true", help="machine-readable JSON output")
    return p


def run(args: argparse.Namespace) -> int:
    if args.hex == ["-"]:
        data = read_bounded(sys.stdin.buffer, SENSE_TEXT_BOUND, "standard input")
        text = data.decode("utf-8", errors="replace")
    else:
        text = " ".join(args.hex)
    info = decode_sense(parse_hex_sense(text))
    if args.json:
        print_json(info.to_dict())
    else:
        sys.stdout.write(info.format_text() + "\n")
    return 0
