"""Benchmark: ``decode --jobs N`` and ``send --fuzz-corpus --jobs N`` against ``--jobs 1``,
as ratios that predict the speed-up on free cores whatever the load.

    python tests/benchmarks/jobs.py                  # decode: 1,000,000 records; send: 50,000
    python tests/benchmarks/jobs.py --parts decode --records 200000 --rounds 3
    python tests/benchmarks/jobs.py --parts send --send-records 20000 --rounds 2

decode: a JSON-Lines capture of the benchmark's mix (shapes.py: ``varied``) is written to a
temporary file; each round runs ``iscsitgt-spt decode --json FILE`` with ``--jobs 1`` and then
with ``--jobs N``; the outputs of a pair of runs before the rounds are compared byte for byte.

send: a corpus made by the CLI (``fuzz`` corpus: ``fuzz --all --mode all``, every structure
and mode; ``sessions`` corpus: the recording of ``fuzz --sessions --device sim:``, several
sessions interleaved, whose answers depend on the order of their requests) is sent with
``send --fuzz-corpus FILE --device sim: --json --record FILE`` at ``--jobs 1`` and ``--jobs
N`` (N simulated targets, the lines routed by the sessions their requests name); the summary
and the recording (but its ``time`` and ``pid``) of that pair are compared.  How evenly
the sessions of a corpus fall on N workers bounds the speed-up too (a session goes to the
worker given the fewest lines when a START names it, and stays there until a STOP the
target takes, after which its next START is dealt afresh; the lines that name no session
held go where they even the load out, a line of a session held counted as two: it costs a
worker about twice one that names none): the lines each worker is dealt, and the speed-up
that split of the lines allows, are printed first (a ``fuzz --sessions`` run drives five sessions,
started and stopped again and again: dealt afresh at each START, they split evenly; dealt
once for good, as before, two workers could not share them evenly: 1.76x).  A target
reset is a barrier:
the other workers follow it at its place (each waits for its news unless none of its
sessions holds an open task).

Before the rounds, one run at 1 and one at N write standard output to files, which are
compared (``output identical``), deleted and flushed from the page cache's dirty pages
(``sync``), and not counted: a measured run that writes a file pays the kernel's cost of the
file (page cache, ext4, the writeback of what the runs before it wrote: at a million records
each output is 1.9 GB, and a ``--jobs N`` main process that wrote the second of them took
about three times its usual CPU, mostly system time, and waited for a core as long as the
flusher ran), which ``--jobs 1`` pays in the same way and which is no part of the command's
work; the capture itself is synced to disk (``fsync``) before any run for the same reason.
Every measured run: standard output to /dev/null, without ``PYTHONUNBUFFERED``.
``--cached-bytecode``: also without ``PYTHONDONTWRITEBYTECODE``, the compiled modules kept in
a temporary directory (``PYTHONPYCACHEPREFIX``) from an unmeasured first run on, as an
installed package has them: a shell that keeps no bytecode compiles every module of the
package at each start (about 0.2 s of CPU against 0.1 s), a fixed cost that weighs on a
short run's speed-up.  Per run it reports:

* the wall time, and the speed-up (time at 1 / time at N, median of the paired rounds):
  meaningful only on free cores (the load average is printed before and after);
* the CPU time of all processes, and its ratio to ``--jobs 1``'s (the *overhead*: what the
  workers cost beyond the work itself; see the last point for what the machine adds);
* the CPU time of the main process (the one reader and writer) as a share of the total:
  with N workers the work can go N times as fast only while that share stays well under
  1/N, or the main process is what the workers wait for;
* the time the main process's main thread was blocked (neither running nor waiting for a
  core: waiting for the workers' results or for a free part slot) and the time it waited for
  a core (the machine's load), both from ``/proc/thread-self/schedstat``;
* the page faults of the main process and of the workers (``ru_minflt``): memory taken from
  the system and given back again and again (a large text made per part) shows there first;
* the peak resident set of the largest process (peak.py);
* decode: the CPU of a ``--jobs N`` run whose pool's work is done in the one process (each
  part and its answer still pickled), as a ratio to ``--jobs 1``'s: what the code itself adds.
  The CPU of all processes also holds what the machine adds: two busy cores slow each other
  (shared caches, memory, a host's hyperthreads), and a loaded machine slows a lone process
  that is moved from core to core; so that ratio does move with the load (0.92x at load 8,
  1.13x at load 1.7 on one machine), and the one-process figure tells the code's part.

Speed-up bound from the CPU figures: with a total CPU overhead ``o`` and the
work spread on N cores, the wall time cannot go below ``o / N`` of ``--jobs 1``'s; the
predicted speed-up printed is ``N / o`` when the main process's share is under 1/N, and
``1 / (o * share)`` (the main process's own time) when it is not (it assumes the work is
spread evenly).  Goal: >= 1.8x at N = 2 on two free cores for a million records, which needs
an overhead of at most about 1.08.

The command runs under a small wrapper (``python -c``, the CLI's ``main`` called in the same
process) that writes, at exit, ``getrusage`` of the process itself and of its children (the
workers, all waited for) and the main thread's schedstat to a file.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peak import run
from shapes import SHAPES

__all__ = ["Measured", "compare", "measure", "ratios_line"]

# Runs the CLI in this process and, at its exit, writes what it and its workers used.
_WRAPPER = r"""
import atexit, json, os, resource, sys, time
report = sys.argv.pop(1)
start = time.perf_counter()
def _schedstat():
    with open("/proc/thread-self/schedstat") as f:
        run, wait, _ = (int(v) for v in f.read().split())
    return run / 1e9, wait / 1e9
def _report():
    wall = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        run, wait = _schedstat()
    except OSError:
        run = wait = float("nan")
    with open(report, "w") as f:
        json.dump({"main": me.ru_utime + me.ru_stime, "workers": kids.ru_utime + kids.ru_stime,
                   "wall": wall, "thread_run": run, "runqueue": wait,
                   "blocked": wall - run - wait, "main_faults": me.ru_minflt,
                   "worker_faults": kids.ru_minflt, "main_peak_kib": me.ru_maxrss,
                   "worker_peak_kib": kids.ru_maxrss}, f)
atexit.register(_report)
if os.environ.get("JOBS_BENCH_IN_ONE") == "1":
    # The pool's work done here, in turn, each part and its answer pickled as to a process.
    import concurrent.futures, pickle
    class _InOne:
        def __init__(self, max_workers, mp_context, initializer, initargs):
            initializer(*initargs)
        def submit(self, fn, *args):
            args = pickle.loads(pickle.dumps(args, pickle.HIGHEST_PROTOCOL))
            done = concurrent.futures.Future()
            done.set_result(pickle.loads(pickle.dumps(fn(*args), pickle.HIGHEST_PROTOCOL)))
            return done
        def shutdown(self, **kwargs):
            pass
    concurrent.futures.ProcessPoolExecutor = _InOne
sys.argv[0] = "iscsitgt-spt"
from iscsitgt_spt.cli import main
sys.exit(main())
"""


@dataclass(frozen=True)
class Measured:
    """One run: wall and CPU seconds (all processes), peak MiB of the largest process, the
    main process's own CPU seconds, its main thread's blocked and run-queue seconds."""

    wall: float
    cpu: float
    peak_mib: float
    main_cpu: float
    blocked: float
    runqueue: float
    faults: tuple[int, int]

    @property
    def main_share(self) -> float:
        return self.main_cpu / self.cpu if self.cpu else float("nan")


#: What every measured run's environment gets besides (``--cached-bytecode``).
_ENV: dict[str, str] = {}


def measure(args: list[str], out: str | None, tmp: str, in_one: bool = False) -> Measured:
    """Run ``iscsitgt-spt ARGS`` (stdout to the file ``out`` or /dev/null) under the wrapper
    (``in_one``: ``decode --jobs N``'s pool replaced by its work done in the one process)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if _ENV:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(_ENV)
    if in_one:
        env["JOBS_BENCH_IN_ONE"] = "1"
    report = os.path.join(tmp, "usage.json")
    usage = run([sys.executable, "-c", _WRAPPER, report, *args],
                stdout=out if out is not None else os.devnull, env=env)
    if usage.code not in (0, 1):
        raise SystemExit(f"iscsitgt-spt {' '.join(args)}: exit status {usage.code}")
    with open(report) as f:
        inner = json.load(f)
    return Measured(usage.wall, usage.cpu, usage.peak_mib, inner["main"],
                    max(inner["blocked"], 0.0), inner["runqueue"],
                    (inner["main_faults"], inner["worker_faults"]))


def describe(label: str, m: Measured) -> str:
    return (f"{label} {m.wall:.1f} s wall, {m.cpu:.1f} s CPU (main process {m.main_cpu:.1f} s, "
            f"{m.main_share:.0%}; main thread blocked {m.blocked:.1f} s, waited for a core "
            f"{m.runqueue:.1f} s), {m.peak_mib:.0f} MiB peak process, page faults "
            f"{m.faults[0] / 1000:.0f}k main + {m.faults[1] / 1000:.0f}k workers")


def predicted(jobs: int, overhead: float, share: float) -> float:
    """The speed-up N free cores would give (see the module docstring)."""
    return min(jobs / overhead, 1 / (overhead * share)) if share > 0 else jobs / overhead


def ratios_line(jobs: int, overheads: list[float], shares: list[float],
                speedups: list[float]) -> str:
    overhead, share = statistics.median(overheads), statistics.median(shares)
    return (f"--jobs {jobs}: CPU of all processes {overhead:.3f}x that of --jobs 1 (overhead; "
            f"goal <= ~1.08), main process {share:.1%} of it (must stay well under "
            f"{1 / jobs:.0%}); predicted speed-up on {jobs} free cores "
            f"{predicted(jobs, overhead, share):.2f}x; measured {statistics.median(speedups):.2f}x "
            f"under this load (goal >= 1.8x on {jobs} free cores)")


def _recorded(path: str) -> list[dict[str, object]]:
    """A --record capture without ``time`` (a clock's) and ``pid`` (the command's)."""
    records = []
    with open(path) as lines:
        for line in lines:
            record = json.loads(line)
            record.pop("time", None)
            record.pop("pid", None)
            records.append(record)
    return records


def compare(label: str, run_with: Any, same: Any, opts: argparse.Namespace,
            in_one: Any = None) -> None:
    """Paired rounds of ``run_with(jobs, to_files)`` at 1 and at N, after a pair of runs
    ``to_files`` that ``same()`` says are identical (and that deletes what they wrote).
    ``in_one()``, where given: a run of ``--jobs N`` whose pool's work is done in the one
    process, its CPU a ratio to ``--jobs 1``'s: what the code adds (cutting, pickling,
    slots, the main process's part), without what two busy cores cost each other or each
    worker's own warm-up."""
    speedups, overheads, shares, codes = [], [], [], []
    run_with(1, True)
    run_with(opts.jobs, True)
    print(f"{label}: output identical: {same()} (a pair of runs to files, not measured)")
    os.sync()  # what they wrote is on disk before a measured run (see the module docstring)
    for round_ in range(opts.rounds):
        one, many = run_with(1, False), run_with(opts.jobs, False)
        speedups.append(one.wall / many.wall)
        overheads.append(many.cpu / one.cpu)
        shares.append(many.main_share)
        print(f"round {round_ + 1}: {describe('--jobs 1', one)}")
        print(f"         {describe(f'--jobs {opts.jobs}', many)}")
        if in_one is not None:
            codes.append(in_one().cpu / one.cpu)
            print(f"         the pool's work in one process: CPU {codes[-1]:.3f}x")
        print(f"         speed-up {speedups[-1]:.2f}x, CPU {overheads[-1]:.3f}x; "
              f"load {os.getloadavg()[0]:.2f}")
    print(f"{label}, {ratios_line(opts.jobs, overheads, shares, speedups)}")
    if codes:
        print(f"{label}, --jobs {opts.jobs} with the pool's work in one process: CPU "
              f"{statistics.median(codes):.3f}x that of --jobs 1 (the code's own overhead)")


def decode_part(opts: argparse.Namespace, tmp: str) -> None:
    lines = SHAPES["varied"].lines(20_000)
    path = Path(tmp) / "capture.jsonl"
    with path.open("w") as out:
        for i in range(opts.records):
            out.write(lines[i % len(lines)] + "\n")
        out.flush()
        os.fsync(out.fileno())  # (its writeback not paid by the first run)
    outs = {1: str(Path(tmp) / "one.out"), opts.jobs: str(Path(tmp) / "many.out")}

    def run_with(jobs: int, to_files: bool) -> Measured:
        return measure(["decode", "--json", str(path), "--jobs", str(jobs)],
                       outs[jobs] if to_files else None, tmp)

    def same() -> bool:
        try:
            return filecmp.cmp(outs[1], outs[opts.jobs], shallow=False)
        finally:
            for out in outs.values():
                os.unlink(out)

    def in_one() -> Measured:
        return measure(["decode", "--json", str(path), "--jobs", str(opts.jobs)], None, tmp,
                       in_one=True)

    compare(f"decode --json, {opts.records} records", run_with, same, opts, in_one)
    path.unlink()


def _corpus(kind: str, records: int, path: Path) -> int:
    """A send corpus written to ``path`` by the CLI's fuzz command; its line count."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    cli = [sys.executable, "-m", "iscsitgt_spt", "fuzz"]
    if kind == "fuzz":  # every structure, every mode: about 16 cases per -n
        cli += ["--all", "--mode", "all", "-n", str(max(1, records // 16)), "-o", str(path)]
    else:  # the recording of a session fuzzing run: sessions interleaved
        cli += ["--sessions", "--device", "sim:", "--steps", str(records), "--record", str(path)]
    subprocess.run(cli, env=env, stdout=subprocess.DEVNULL, check=True)
    with path.open("rb") as lines:
        return sum(1 for _ in lines)


def send_part(opts: argparse.Namespace, tmp: str, kind: str) -> None:
    corpus = Path(tmp) / f"{kind}.jsonl"
    count = _corpus(kind, opts.send_records, corpus)
    outs = {1: str(Path(tmp) / "one.out"), opts.jobs: str(Path(tmp) / "many.out")}
    recordings = {jobs: str(Path(tmp) / f"recorded-{jobs}.jsonl") for jobs in outs}

    def run_with(jobs: int, to_files: bool) -> Measured:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(recordings[jobs])  # (--record appends)
        return measure(["send", "--fuzz-corpus", str(corpus), "--device", "sim:", "--json",
                        "--record", recordings[jobs], "--jobs", str(jobs)],
                       outs[jobs] if to_files else None, tmp)

    def same() -> bool:
        return (filecmp.cmp(outs[1], outs[opts.jobs], shallow=False)
                and _recorded(recordings[1]) == _recorded(recordings[opts.jobs]))

    label = f"send --fuzz-corpus ({kind}, {count} lines) --device sim: --record"
    print(f"{label}: {_split(corpus, opts.jobs)}")
    compare(label, run_with, same, opts)


def _split(corpus: Path, jobs: int) -> str:
    """How the command's routing deals the corpus's lines to ``jobs`` workers: the speed-up
    the most loaded one allows, each line counted as the same work."""
    from itertools import islice

    from iscsitgt_spt.cli._jobs import CHUNK_RECORDS
    from iscsitgt_spt.cli._keyed import Dealer
    from iscsitgt_spt.cli._send_corpus import _weights
    from iscsitgt_spt.cli._send_route import Router
    from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
    from iscsitgt_spt.codec.safejson import json_text_bound
    from iscsitgt_spt.device.simulator import SimulatedTarget

    router = Router(SimulatedTarget(), json_text_bound(MAX_RECORD_SIZE))
    deal = Dealer(jobs)  # (as keyed_rounds deals them)
    barriers = lines = 0
    load = [0] * jobs
    with corpus.open("rb") as stream:
        while chunk := list(islice(stream, CHUNK_RECORDS)):
            keys, crossings, closed = router.round(chunk, lines + 1)
            for worker in deal.deal(keys, _weights(keys)):
                load[worker] += 1
            deal.forget(closed)
            barriers += len(crossings)
            lines += len(chunk)
    return (f"lines per worker {load}, {barriers} resets (barriers): the split allows at most "
            f"{lines / max(load):.2f}x")


def _warm_up(tmp: str) -> None:
    """Both commands run once on a few records, unmeasured: every module they load (the
    standard library's too) compiled into ``_ENV``'s bytecode directory."""
    path = Path(tmp) / "warm-up.jsonl"
    path.write_text("".join(line + "\n" for line in SHAPES["varied"].lines(3)))
    measure(["decode", "--json", str(path), "--jobs", "2"], None, tmp)
    measure(["send", "--fuzz-corpus", str(path), "--device", "sim:", "--jobs", "2"], None, tmp)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000,
                        help="records of the decode capture (default: a million)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parts", default="decode,send",
                        help="comma-separated: decode, send (default: both)")
    parser.add_argument("--send-records", type=int, default=50_000,
                        help="about as many lines in each send corpus (default: 50,000)")
    parser.add_argument("--cached-bytecode", action="store_true",
                        help="keep the compiled modules from run to run (in a temporary "
                             "directory), as an installed package has them")
    parser.add_argument("--send-corpora", default="fuzz,sessions",
                        help="comma-separated send corpora: fuzz (fuzz --all --mode all), "
                             "sessions (a recorded fuzz --sessions run); default: both")
    opts = parser.parse_args()
    parts = opts.parts.split(",")
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        if opts.cached_bytecode:
            _ENV["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "bytecode")
            _warm_up(tmp)
        if "decode" in parts:
            decode_part(opts, tmp)
        if "send" in parts:
            for kind in opts.send_corpora.split(","):
                send_part(opts, tmp, kind)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
