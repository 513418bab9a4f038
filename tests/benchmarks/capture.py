"""Capture decoding against the hand-written script, interleaved in one process.

The project's ``decode --json`` path (``codec.analysis.stream.decode_jsonl_lines``: the
per-record report the command prints, full reports or ``--no-diagnostics``) and
``capture_baseline.decode_lines`` read the same JSON-Lines records in alternating chunks; each
chunk's CPU time (``time.process_time``: what another helper's load does not inflate) is
divided by the script's chunk taken just before it, and the median of those paired ratios is
the result.

Memory is measured apart (:func:`memory_run`): a capture file of a shape with ``count``
records (no two equal: ``shape.lines(count)``, written once by a child process), then one
``iscsitgt-spt decode --json FILE`` per path (full reports, ``--no-diagnostics``, ``--jobs
2``), output to /dev/null, its peak resident set taken by peak.py (the command's own, or
with ``--jobs`` its largest process, main or worker; never this process's).  Flat means the
same peak at 10 thousand and at a million records.  ``python capture.py --trace COUNT``
runs the library path in this process's child under ``tracemalloc`` (the shape's first 2,000
records repeated) to find what grows.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peak import run, self_peak_mib
from shapes import SHAPES, project

__all__ = ["MEMORY_PATHS", "capture_lines", "interleaved", "memory_run", "write_capture"]

#: The ``decode --json`` paths of the memory runs, by name: their extra options.
MEMORY_PATHS = {"report": [], "bulk": ["--no-diagnostics"], "jobs2": ["--jobs", "2"]}

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
    rounds = max(1, records // chunk)
    # Every round of each contender reads records no earlier run read (the warm-up has its
    # own), as a real capture does: nothing kept from one record helps with the next one
    # (a memo keyed on bytes that vary per I/O would otherwise hit from the second round
    # on).  The script and the project read the same records within a pair.
    chunks = iter(kind.chunks(chunk, 2 * rounds + 1))
    script_lines = kind.script
    contenders = {"script": script_lines, "report": project(kind, True),
                  "bulk": project(kind, False)}
    lines = next(chunks)
    for decoder in contenders.values():  # warm-up: caches, compiled codecs, imports
        _run(decoder, lines)
    times: dict[str, list[float]] = {k: [] for k in contenders}
    sizes: dict[str, int] = {}
    ratios: dict[str, list[float]] = {"report": [], "bulk": []}
    for _ in range(rounds):
        for key in ("report", "bulk"):
            lines = next(chunks)
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
    print(json.dumps({"records": done, "cpu_seconds": elapsed, "max_rss_mb": self_peak_mib(),
                      "tracemalloc_peak_kb": None if peak is None else peak / 1024}))


def _lines_per(kind: Any) -> int:
    """Input lines per record of a shape (a WinDbg dump takes several)."""
    return max(1, len(kind.lines(10)) // 10)


def trace_run(count: int, diagnostics: bool, trace: bool = False,
              shape: str = "mix") -> dict[str, Any]:
    """The library path in a fresh process (see :func:`worker`)."""
    cmd = [sys.executable, __file__, str(count), "--shape", shape]
    cmd += [] if diagnostics else ["--bulk"]
    cmd += ["--trace"] if trace else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def write_capture(shape: str, count: int, path: Path) -> Path:
    """``count`` records of a shape in a capture file, written by a child process (which
    holds the lines; this process stays small), unless the file is there already."""
    if not path.exists():
        subprocess.run([sys.executable, __file__, "--write", shape, str(count), str(path)],
                       check=True)
    return path


def _write(shape: str, count: int, path: str) -> None:
    lines = SHAPES[shape].lines(count)
    part = path + ".part"
    with open(part, "w", encoding="utf-8") as out:
        for at in range(0, len(lines), 10_000):
            out.write("\n".join(lines[at:at + 10_000]) + "\n")
    os.replace(part, path)


def memory_run(count: int, path: str, shape: str, folder: Path) -> dict[str, Any]:
    """Peak of ``decode --json`` (with the options of ``MEMORY_PATHS[path]``) on a capture
    of ``count`` records of a shape, kept in ``folder`` for the other paths."""
    capture = write_capture(shape, count, folder / f"{shape}-{count}.capture")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    usage = run([sys.executable, "-m", "iscsitgt_spt", "decode", "--json",
                 *MEMORY_PATHS[path], str(capture)], env=env)
    return {"records": count, "cpu_seconds": usage.cpu, "wall_seconds": usage.wall,
            "max_rss_mb": usage.peak_mib, "exit": usage.code, "floor_mb": usage.floor_mib,
            "load": os.getloadavg()[0]}


if __name__ == "__main__":
    if sys.argv[1] == "--write":
        _write(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        sys.exit(0)
    worker(int(sys.argv[1]), "--bulk" not in sys.argv, "--trace" in sys.argv,
           sys.argv[sys.argv.index("--shape") + 1] if "--shape" in sys.argv else "mix")
