"""Benchmark: CPU time of reading the usual text captures (WinDbg sessions, xxd, JSON-Lines).

    python tests/benchmarks/text_capture.py            # median of 15 runs per input
    python tests/benchmarks/text_capture.py --repeat 5 --json out.json

Issue 19 made the text reader shape-driven (literals, columns in any base, sessions); its
generality must not cost the usual paths more than 10%.  This script times
:func:`~iscsitgt_spt.codec.capture.detect.read_capture` on inputs built here (a WinDbg ``db``
session of 2,000 dumps, the same in ``dd`` words, an ``xxd`` dump of 256 KiB, and a
JSON-Lines capture of 20,000 records), by ``time.process_time`` so that other jobs on a shared
machine do not inflate it, and prints the median per input.  Run it on the tree before and
after a change (``git stash`` or another worktree) and compare the medians as ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

from iscsitgt_spt.codec.capture.detect import read_capture


def _windbg(dumps: int, words: bool) -> bytes:
    rng = os.urandom(64 * dumps)
    out = []
    for d in range(dumps):
        base = 0x0000014338808600 + d * 0x1000
        chunk = rng[64 * d:64 * d + 64]
        out.append(f"0:000> {'dd' if words else 'db'} {base:x} L{16 if words else 64}")
        for r in range(4):
            row = chunk[16 * r:16 * r + 16]
            addr = base + 16 * r
            at = f"{addr >> 32:08x}`{addr & 0xFFFFFFFF:08x}"
            if words:
                cells = " ".join(f"{int.from_bytes(row[i:i + 4], 'little'):08x}"
                                 for i in range(0, 16, 4))
                out.append(f"{at}  {cells}")
            else:
                text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
                left = " ".join(f"{b:02x}" for b in row[:8])
                right = " ".join(f"{b:02x}" for b in row[8:])
                out.append(f"{at}  {left}-{right}  {text}")
    return ("\n".join(out) + "\n").encode()


def _xxd(size: int) -> bytes:
    data = os.urandom(size)
    out = []
    for off in range(0, size, 16):
        row = data[off:off + 16]
        pairs = " ".join(row[i:i + 2].hex() for i in range(0, 16, 2))
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        out.append(f"{off:08x}: {pairs}  {text}")
    return ("\n".join(out) + "\n").encode()


def _jsonl(records: int) -> bytes:
    line = json.dumps({"ioctl": "0x0004d008", "in": "1c000000" * 16})
    return ((line + "\n") * records).encode()


INPUTS: dict[str, Callable[[], bytes]] = {
    "windbg-db session (2,000 dumps)": lambda: _windbg(2000, False),
    "windbg-dd session (2,000 dumps)": lambda: _windbg(2000, True),
    "xxd (256 KiB)": lambda: _xxd(256 << 10),
    "jsonl (20,000 records)": lambda: _jsonl(20000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", help="write the medians here as JSON")
    parser.add_argument("--only", default="", help="only the inputs whose name holds this")
    args = parser.parse_args()
    results = {}
    for name, make in INPUTS.items():
        if args.only not in name:
            continue
        data = make()
        read_capture(data)  # warm: imports, compiled patterns
        samples = []
        for _ in range(args.repeat):
            start = time.process_time()
            read_capture(data)
            samples.append(time.process_time() - start)
        results[name] = statistics.median(samples)
        print(f"{name:36} {results[name] * 1000:8.1f} ms (median of {args.repeat})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=1)


if __name__ == "__main__":
    main()
