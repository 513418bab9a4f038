"""Capture decoding against the hand-written script, interleaved in one process.

The project's ``decode --json`` path (``codec.analysis.stream.decode_jsonl_lines``: the
per-record report the command prints, full reports or ``--no-diagnostics``) and
``capture_baseline.decode_lines`` read the same JSON-Lines records in alternating chunks; each
chunk's CPU time (``time.process_time``: what another helper's load does not inflate) is
divided by the script's chunk taken just before it, and the median of those paired ratios is
the result.  Memory is measured apart, one fresh process per capture size, by the process's
maximum resident set: flat means the same peak at 10 thousand and at a million records.
"""

from __future__ import annotations

import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shapes import SHAPES, project

__all__ = ["capture_lines", "interleaved", "memory_run"]

def capture_lines(count: int = 10) -> list[str]:
    """``count`` records of the benchmark's mix (see shapes.py: ``mix``)."""
    return SHAPES["mix"].lines(count)


def _run(decoder: Callable[[Iterable[str]], Iterator[str]], lines: list[str]) -> tuple[float, int]:
    start = time.process_time()
    size = 0
    for out in decoder(lines):
        size += len(out) + 1
    return time.process_time() - start, size


def interleaved(records: int, chunk: int = 2000, shape: str = "mix") -> dict[str, Any]:
    """Paired CPU-time ratios of full reports and --no-diagnostics to the script, on the
    records of one capture shape (shapes.py)."""
    kind = SHAPES[shape]
    lines = kind.lines(chunk)
    script_lines = kind.script
    contenders = {"script": script_lines, "report": project(kind, True),
                  "bulk": project(kind, False)}
    for decoder in contenders.values():  # warm-up: caches, compiled codecs, imports
        _run(decoder, lines)
    times: dict[str, list[float]] = {k: [] for k in contenders}
    sizes: dict[str, int] = {}
    ratios: dict[str, list[float]] = {"report": [], "bulk": []}
    for _ in range(max(1, records // chunk)):
        for key in ("report", "bulk"):
            base, sizes["script"] = _run(script_lines, lines)
            spent, sizes[key] = _run(contenders[key], lines)
            times["script"].append(base)
            times[key].append(spent)
            ratios[key].append(spent / base)
    return {
        "us_per_record": {k: statistics.median(v) / chunk * 1e6 for k, v in times.items()},
        "bytes_per_record": {k: v / chunk for k, v in sizes.items()},
        "ratio": {k: statistics.median(v) for k, v in ratios.items()},
        "rounds": len(ratios["report"]),
        "chunk": chunk,
        "shape": shape,
    }


def worker(count: int, diagnostics: bool, trace: bool, shape: str = "mix") -> None:
    """Runs in its own process: decode ``count`` records of a shape, print one JSON result
    line.  The shape's first 2,000 records are repeated (their lines held once)."""
    kind = SHAPES[shape]
    lines = itertools.islice(itertools.cycle(kind.lines(2000)), count * _lines_per(kind))
    if trace:
        tracemalloc.start()
    start = time.process_time()
    done = 0
    for _ in project(kind, diagnostics)(lines):
        done += 1
    elapsed = time.process_time() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    print(json.dumps({"records": done, "cpu_seconds": elapsed,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "tracemalloc_peak_kb": None if peak is None else peak / 1024}))


def _lines_per(kind: Any) -> int:
    """Input lines per record of a shape (a WinDbg dump takes several)."""
    return max(1, len(kind.lines(10)) // 10)


def memory_run(count: int, diagnostics: bool, trace: bool = False,
               shape: str = "mix") -> dict[str, Any]:
    cmd = [sys.executable, __file__, str(count), "--shape", shape]
    cmd += [] if diagnostics else ["--bulk"]
    cmd += ["--trace"] if trace else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    worker(int(sys.argv[1]), "--bulk" not in sys.argv, "--trace" in sys.argv,
           sys.argv[sys.argv.index("--shape") + 1] if "--shape" in sys.argv else "mix")
