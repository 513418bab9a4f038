"""Benchmark: the fast path against a hand-written struct baseline, and capture throughput.

    python tests/benchmarks/bench.py              # everything (~5 minutes on 2 cores)
    python tests/benchmarks/bench.py --quick      # fewer samples, 10k/100k capture

For every structure and profile it times, side by side and interleaved (so a load change on
a shared machine hits every contender alike), the hand-written baseline (baselines.py) and
reports each other way as a RATIO to it: ``fast_decode``/``fast_encode`` called directly, the
public ``decode``/``encode`` (which go through the fast path), the full
construct path the codec used before, construct interpreted and compiled, dissect.cstruct and
ctypes (others.py).  Then it decodes JSON-Lines captures of growing size through
``codec.stream.decode_jsonl_lines`` in one subprocess per size, reporting records per second
and peak memory.  Times are medians of ``--repeat`` samples; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import baseline
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, record_to_line
from iscsitgt_spt.codec.fast import _full_decode, _full_encode, compiled, fast_decode, fast_encode
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.constants import (
    IOCTL_SCSI_MINIPORT,
    IOCTL_SCSI_PASS_THROUGH_DIRECT,
)
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout
from others import others

COOKIE = 0xFFFFA0012C3D5E70
NEXUS = ("iqn.1991-05.com.microsoft:initiator01,i,0x400001370000,"
         "iqn.1991-05.com.microsoft:target01-lun0-target,t,0x0001")

def sample_fields(name: str, profile: Profile) -> dict[str, Any]:
    """A realistic value of every structure (the demo capture's requests)."""
    cookie = COOKIE if profile.cookie_size == 8 else COOKIE & 0xFFFFFFFF
    buffer = 0x1D4F2A10000 if profile.pointer_size == 8 else 0x2A10000
    cdb = bytes.fromhex("28000000123400000800")  # READ(10), LBA 0x1234, 8 blocks
    sptd = {"ScsiStatus": 2, "CdbLength": 10, "DataIn": 1, "DataTransferLength": 4096,
            "TimeOutValue": 30, "DataBuffer": buffer, "Cdb": cdb}
    spta = {"SessionCookie": cookie, "TaskCookie": 0x17, "IsFinal": 1}
    sense = {"ErrorCode": 0x70, "Valid": 1, "SenseKey": 3, "Information": b"\0\0\x12\x34",
             "AdditionalSenseLength": 10, "AdditionalSenseCode": 0x11}
    return {
        "SRB_IO_CONTROL": {"ControlCode": 0x102, "Length": 36},
        "ISCSITGT_SPT_SESSION_START": {"ITNexusHandle": cookie, "PeerAddress": "192.0.2.17",
                                       "ITNexus": NEXUS, "ChapUserName": "operator"},
        "ISCSITGT_SPT_SESSION_STOP": {"ITNexusHandle": cookie},
        "ISCSITGT_SPT_TMF": {"ITNexusHandle": cookie, "Lun": 1, "TaskManagementFunction": 1,
                             "ReferenceTaskCookie": 0x17},
        "SCSI_PASS_THROUGH_DIRECT": sptd,
        "SCSI_PASS_THROUGH_AUXILIARY": spta,
        "SENSE_DATA": sense,
        "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": {
            "ScsiPassThroughDirect": sptd, "ScsiPassThroughAuxiliary": spta,
            "SenseData": sense},
    }[name]


def sample(name: str, profile: Profile) -> StructValue:
    return api.build(name, sample_fields(name, profile), profile=profile)


def _calibrate(call: Callable[[], Any], target: float = 0.001) -> int:
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        if time.perf_counter() - start >= target or number >= 1 << 20:
            return number
        number *= 2


def _timed(call: Callable[[], Any], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - start) / number


def measure(
    calls: dict[str, Callable[[], Any] | None], repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds per call of each contender, and its median *paired* ratio.

    On a shared machine the load changes from one millisecond to the next, so each sample
    of a contender is taken right after a sample of the baseline and divided by it: the
    median of those ratios is what a load change disturbs least.
    """
    numbers = {k: _calibrate(c) for k, c in calls.items() if c is not None}
    base = calls["baseline"]
    assert base is not None
    times: dict[str, list[float]] = {k: [] for k in numbers}
    ratios: dict[str, list[float]] = {k: [] for k in numbers}
    for _ in range(repeat):
        for key, number in numbers.items():
            call = calls[key]
            assert call is not None
            reference = _timed(base, numbers["baseline"])
            sample = _timed(call, number)
            times[key].append(sample)
            ratios[key].append(sample / reference)
    return ({k: statistics.median(v) for k, v in times.items()},
            {k: statistics.median(v) for k, v in ratios.items()})


DECODE_COLS = ["fast", "public", "full", "construct", "compiled", "dissect", "ctypes"]


def bench_case(name: str, profile: Profile, repeat: int) -> dict[str, Any]:
    layout = get_layout(name, profile)
    value = sample(name, profile)
    data = api.encode(value)
    base = baseline(name, profile)
    assert base.decode(data) == fast_decode(layout, data) == value
    assert base.encode(value) == fast_encode(value) == data
    compiled(layout)  # compile outside the timing, as a long-running decoder would
    other = others(layout, data, value)
    decode_calls: dict[str, Callable[[], Any] | None] = {
        "baseline": lambda: base.decode(data),
        "fast": lambda: fast_decode(layout, data),
        "public": lambda: api.decode(name, data, profile=profile),
        "full": lambda: _full_decode(layout, data),
    }
    encode_calls: dict[str, Callable[[], Any] | None] = {
        "baseline": lambda: base.encode(value),
        "fast": lambda: fast_encode(value),
        "public": lambda: api.encode(value),
        "full": lambda: _full_encode(value),
    }
    notes = {}
    for key, (dec, enc, note) in other.items():
        decode_calls[key], encode_calls[key] = dec, enc
        notes[key] = note
    decode_times, decode_ratios = measure(decode_calls, repeat)
    encode_times, encode_ratios = measure(encode_calls, repeat)
    return {"name": name, "profile": str(profile), "size": layout.size,
            "decode": decode_times, "encode": encode_times,
            "decode_ratio": decode_ratios, "encode_ratio": encode_ratios, "notes": notes}


def _ratio(ratios: dict[str, float], key: str) -> str:
    return f"{ratios[key]:.2f}" if key in ratios else "n/a"


def print_table(results: list[dict[str, Any]], op: str) -> None:
    print(f"\n{op.upper()}: baseline median µs; other columns: median paired ratio to it "
          "(lower is faster)")
    head = f"{'structure':40} {'profile':10} {'base µs':>8} " + " ".join(
        f"{c:>9}" for c in DECODE_COLS)
    print(head)
    print("-" * len(head))
    for r in results:
        t, q = r[op], r[f"{op}_ratio"]
        print(f"{r['name']:40} {r['profile']:10} {t['baseline'] * 1e6:8.2f} "
              + " ".join(f"{_ratio(q, c):>9}" for c in DECODE_COLS))


# -- capture throughput --------------------------------------------------------------------
def capture_lines() -> list[str]:
    """A busy target's mix: mostly pass-through I/O, some TMFs, a session start and stop."""
    records = [
        (IOCTL_SCSI_PASS_THROUGH_DIRECT, "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", 6),
        (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_TMF", 2),
        (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_SESSION_START", 1),
        (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_SESSION_STOP", 1),
    ]
    lines = []
    for ioctl, name, weight in records:
        data = api.encode(sample(name, Profile()))
        lines += [record_to_line(CaptureRecord(ioctl=ioctl, data_in=data))] * weight
    return lines


def capture_worker(count: int, diagnostics: bool, trace: bool) -> None:
    """Runs in its own process: decode ``count`` records, print one JSON result line.

    ``diagnostics`` is ``decode --json`` (full reports: profile evidence, lint, changes);
    without it, ``decode --json --no-diagnostics`` (the bulk mode).
    """
    from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines

    lines = itertools.islice(itertools.cycle(capture_lines()), count)
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    done = out_bytes = errors = 0
    for line in decode_jsonl_lines(lines, diagnostics=diagnostics):
        done += 1
        out_bytes += len(line)
        errors += '"error"' in line
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    print(json.dumps({"records": done, "errors": errors, "seconds": elapsed,
                      "rate": done / elapsed, "out_mb": out_bytes / 1e6,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "tracemalloc_peak_kb": None if peak is None else peak / 1024}))


def run_capture(count: int, diagnostics: bool, trace: bool) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--capture-worker", str(count)]
    cmd += [] if diagnostics else ["--bulk"]
    cmd += ["--trace"] if trace else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return (f"{model}; {os.cpu_count()} CPUs; Python {platform.python_version()} "
            f"({platform.python_implementation()}); load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=41, help="timing samples per contender")
    parser.add_argument("--quick", action="store_true", help="5 samples, small captures")
    parser.add_argument("--captures", default="100000,1000000",
                        help="comma-separated capture sizes in records")
    parser.add_argument("--no-capture", action="store_true")
    parser.add_argument("--only", help="one structure name")
    parser.add_argument("--capture-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--bulk", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.capture_worker is not None:
        capture_worker(args.capture_worker, not args.bulk, args.trace)
        return
    repeat = 9 if args.quick else args.repeat
    sizes = [10_000, 100_000] if args.quick else [int(s) for s in args.captures.split(",")]
    print(f"machine: {machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; command: python "
          f"tests/benchmarks/bench.py {' '.join(sys.argv[1:])}".rstrip())
    names = [args.only] if args.only else list(STRUCTURES)
    results = [bench_case(n, p, repeat) for n in names for p in PROFILES]
    print_table(results, "decode")
    print_table(results, "encode")
    print("\nnotes (contender: note -> structures):")
    seen: dict[tuple[str, str], set[str]] = {}
    for r in results:
        for key, note in r["notes"].items():
            seen.setdefault((key, note), set()).add(r["name"])
    for (key, note), where in seen.items():
        print(f"  {key}: {note} -> {', '.join(sorted(where))}")
    for op in ("decode", "encode"):
        for col in ("fast", "public"):
            worst = max(results, key=lambda r, op=op, col=col: r[f"{op}_ratio"][col])
            print(f"worst {col} {op} ratio: {worst[f'{op}_ratio'][col]:.2f} "
                  f"({worst['name']} {worst['profile']})")
    if args.no_capture:
        return
    print(f"\nCAPTURE decode --json (codec.stream.decode_jsonl_lines), one process per run, "
          f"{len(capture_lines())}-record mix cycled")
    print(f"{'records':>9} {'path':6} {'rec/s':>9} {'µs/rec':>8} {'max RSS MB':>10} "
          f"{'tracemalloc peak KB':>20}")
    runs = [(n, True, False) for n in sizes] + [(n, False, False) for n in sizes]
    runs += [(sizes[0], True, True), (sizes[0] // 10, True, True)]
    for count, diagnostics, trace in runs:
        r = run_capture(count, diagnostics, trace)
        peak = "" if r["tracemalloc_peak_kb"] is None else f"{r['tracemalloc_peak_kb']:.0f}"
        print(f"{r['records']:>9} {'report' if diagnostics else 'bulk':6} {r['rate']:>9.0f} "
              f"{1e6 / r['rate']:>8.1f} {r['max_rss_mb']:>10.1f} {peak:>20}"
              + ("  (timed under tracemalloc)" if trace else ""))


if __name__ == "__main__":
    main()
