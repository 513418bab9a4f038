"""Benchmark: ``decode --html`` memory and speed against ``decode --json`` on the same capture.

    python tests/benchmarks/html_report.py            # 1k, 10k and 40k records
    python tests/benchmarks/html_report.py --quick    # 1k and 10k

Each run is its own subprocess (peak RSS read from the child's rusage), HTML and JSON-Lines
interleaved per size so a load change on a shared machine hits both alike.  Reported as
ratios: the peak memory of the largest capture over the smallest's (flat means about 1.0),
and the HTML run's time over the JSON run's.  Nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "cli" / "samples" / "demo.jsonl"


def _capture(folder: Path, records: int) -> Path:
    lines = [line for line in DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
             if line.startswith("{")]
    path = folder / f"capture-{records}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(records):
            out.write(lines[i % len(lines)])
    return path


def _run(args: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one CLI run in a child process."""
    code = ("import resource, sys; from iscsitgt_spt.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
            "sys.exit(0)")
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    seconds = time.perf_counter() - start
    peak_kib = int(run.stderr.strip().splitlines()[-1])
    return seconds, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    sizes = (1_000, 10_000) if parser.parse_args().quick else (1_000, 10_000, 40_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for n in sizes:
            capture = _capture(folder, n)
            html_s, html_mib = _run(["decode", str(capture), "--html", str(folder / "r.html")])
            size_mib = (folder / "r.html").stat().st_size / 2**20
            json_s, json_mib = _run(["decode", str(capture), "--json"])
            rows.append((n, html_s, html_mib, json_s, json_mib, size_mib))
            print(f"{n:>7} records: --html {html_s:6.2f} s, peak {html_mib:6.1f} MiB, "
                  f"page {size_mib:6.1f} MiB | --json {json_s:6.2f} s, peak {json_mib:6.1f} MiB"
                  f" | time html/json {html_s / json_s:4.2f}")
        first, last = rows[0], rows[-1]
        print(f"peak memory {last[0]} vs {first[0]} records: --html x{last[2] / first[2]:.2f}, "
              f"--json x{last[4] / first[4]:.2f} (records x{last[0] / first[0]:.0f})")


if __name__ == "__main__":
    main()
