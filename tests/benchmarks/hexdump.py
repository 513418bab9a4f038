"""Benchmark: ``decode --hexdump`` against ``hexdump -C``, CPU time and peak memory, as ratios.

    python tests/benchmarks/hexdump.py               # 16 MiB, 5 interleaved rounds
    python tests/benchmarks/hexdump.py --mib 4 --rounds 3

Two inputs of ``--mib`` MiB: *decodable* (the hand-derived 64-byte TMF sample followed by
random bytes, so every row past the structure carries the trailing-bytes finding and its
marker row) and *random* (bytes that do not decode: a plain dump after the error line).  Each
round runs ``hexdump -C`` and then ``iscsitgt-spt decode --hexdump`` on the same file, output
to /dev/null; the CPU time of each (user + system, from ``os.wait4``) and the ratio of the
pair are recorded, and the median ratio is reported with both peaks (peak.py: the
command's own, not this process's).  The
command runs without ``PYTHONUNBUFFERED``, as in a user's shell (with it, Python writes
each line with its own system call).  Goal: ratio <= 3x on both, memory flat (memory.py
measures the growth with the input size).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory import TMF, write_input
from peak import run

__all__ = ["hexdump_ratios"]


def _cpu(cmd: list[str]) -> tuple[float, float]:
    """(CPU seconds, peak RSS MiB) of one command, output to /dev/null (peak.py)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    usage = run(cmd, env=env)
    return usage.cpu, usage.peak_mib


def hexdump_ratios(mib: int = 16, rounds: int = 5) -> dict[str, Any] | None:
    """Per input kind: median CPU seconds of each, median paired ratio, peaks; ``None``
    without ``hexdump`` (bsdextrautils)."""
    tool = shutil.which("hexdump")
    if tool is None:
        return None
    out: dict[str, Any] = {"mib": mib, "rounds": rounds}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("decodable", "random"):
            path = Path(tmp) / f"{kind}.bin"
            write_input(path, TMF if kind == "decodable" else b"", mib)
            ours_cmd = [sys.executable, "-m", "iscsitgt_spt", "decode", "--hexdump",
                        "--max-record-size", str(1 << 30), str(path)]
            theirs, ours, ratios = [], [], []
            for _ in range(rounds):
                base = _cpu([tool, "-C", str(path)])
                mine = _cpu(ours_cmd)
                theirs.append(base)
                ours.append(mine)
                ratios.append(mine[0] / base[0])
            out[kind] = {"hexdump_s": statistics.median(t[0] for t in theirs),
                         "ours_s": statistics.median(t[0] for t in ours),
                         "ratio": statistics.median(ratios),
                         "hexdump_mib": max(t[1] for t in theirs),
                         "ours_mib": max(t[1] for t in ours)}
            path.unlink()
    return out


def print_hexdump(result: dict[str, Any] | None) -> None:
    if result is None:
        print("\nHEXDUMP: hexdump not installed (apt-get install bsdextrautils): skipped")
        return
    print(f"\nHEXDUMP decode --hexdump vs hexdump -C on {result['mib']} MiB, CPU time (user + "
          f"system), median of {result['rounds']} interleaved rounds")
    print(f"{'input':10} {'hexdump -C s':>12} {'ours s':>8} {'ratio':>6} {'peak MiB':>9}  goal")
    for kind in ("decodable", "random"):
        r = result[kind]
        print(f"{kind:10} {r['hexdump_s']:12.2f} {r['ours_s']:8.2f} {r['ratio']:6.2f} "
              f"{r['ours_mib']:9.1f}  <= 3x: {'met' if r['ratio'] <= 3 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    print_hexdump(hexdump_ratios(opts.mib, opts.rounds))
