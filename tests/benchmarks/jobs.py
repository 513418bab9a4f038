"""Benchmark: ``decode --jobs N`` against ``--jobs 1`` on one capture, wall time, as a ratio.

    python tests/benchmarks/jobs.py                        # 1,000,000 records, N = 2
    python tests/benchmarks/jobs.py --records 200000 --jobs 2 --rounds 3

A JSON-Lines capture of the benchmark's mix (shapes.py: ``varied``) is written to a temporary
file; each round runs ``iscsitgt-spt decode --json FILE`` with ``--jobs 1`` and then with
``--jobs N`` (output to /dev/null, without ``PYTHONUNBUFFERED``), and reports the wall time
of each, the speed-up (time at 1 / time at N, median of the paired rounds), the CPU time of
all processes (and its ratio to ``--jobs 1``'s: the cost of the parallel path, which the load
of the machine does not change) and the peak resident set of the largest.  Workers only help
on free cores: the load average is printed before and after, and a speed-up measured while
other jobs hold the cores says little.  The output of the two runs is compared byte for byte
in the first round.  Goal: >= 1.8x at N = 2 on two free cores for a million records.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peak import run
from shapes import SHAPES


def _run(cmd: list[str], out: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the process and its workers, peak RSS MiB of the
    largest of them), through peak.py."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    usage = run(cmd, stdout=out, env=env)
    return usage.wall, usage.cpu, usage.peak_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    lines = SHAPES["varied"].lines(20_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "capture.jsonl"
        with path.open("w") as out:
            for i in range(opts.records):
                out.write(lines[i % len(lines)] + "\n")
        cmd = [sys.executable, "-m", "iscsitgt_spt", "decode", "--json", str(path)]
        one_out, many_out = str(Path(tmp) / "one.out"), str(Path(tmp) / "many.out")
        speedups, overheads = [], []
        for round_ in range(opts.rounds):
            one = _run([*cmd, "--jobs", "1"], one_out)
            many = _run([*cmd, "--jobs", str(opts.jobs)], many_out if round_ == 0 else os.devnull)
            if round_ == 0:
                print("output byte-identical:", filecmp.cmp(one_out, many_out, shallow=False))
            speedups.append(one[0] / many[0])
            overheads.append(many[1] / one[1])
            print(f"round {round_ + 1}: --jobs 1 {one[0]:.1f} s wall ({one[1]:.1f} s CPU, "
                  f"{one[2]:.0f} MiB); --jobs {opts.jobs} {many[0]:.1f} s wall ({many[1]:.1f} s "
                  f"CPU, {many[2]:.0f} MiB peak process); speed-up {speedups[-1]:.2f}x, "
                  f"CPU {overheads[-1]:.2f}x; "
                  f"load {os.getloadavg()[0]:.2f}")
    print(f"{opts.records} records, --jobs {opts.jobs}: median speed-up "
          f"{statistics.median(speedups):.2f}x  (goal >= 1.8x on {opts.jobs} free cores); "
          f"CPU time of all processes {statistics.median(overheads):.2f}x that of --jobs 1 "
          "(what the workers cost beyond the work: near 1.0 is what lets N cores give N times)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
