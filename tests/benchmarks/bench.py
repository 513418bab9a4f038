"""Benchmark: the codec against hand-written baselines, side by side in one process, as ratios.

    python tests/benchmarks/bench.py              # everything (~10 minutes on 2 cores)
    python tests/benchmarks/bench.py --quick      # fewer samples, short capture runs

Four parts, each printing ratios to a baseline measured interleaved with it (so a load
change on a shared machine hits every contender alike) and the machine's load average:

* structures: for every structure and profile, the hand-written ``struct`` codec
  (baselines.py) against ``fast_decode``/``fast_encode``, the public ``decode``/``encode``,
  the construct path, construct compiled, dissect.cstruct and ctypes (others.py); CPU time
  per call, median of ``--repeat`` paired ratios.  Goal: public decode/encode <= 2x.
* capture: ``decode --json`` and ``decode --json --no-diagnostics`` on every capture shape
  (shapes.py: the mix, varied pass-through, recorded, fuzz corpora per profile, IRPMon JSON,
  a WinDbg session) against the hand-written
  capture script (capture_baseline.py) in alternating chunks of the same records (capture.py).
  Goals: <= 3x and <= 1.5x.  Then peak memory of ``decode --json`` (full reports,
  ``--no-diagnostics``, ``--jobs 2``) on files of 10k, 100k and 1M distinct records of each
  shape, one fresh process each, measured by peak.py; flat: 1M <= 10k + 5 MiB.
* hexdump: ``decode --hexdump`` against ``hexdump -C`` on 16 MiB of decodable and of random
  bytes, CPU time of each process (hexdump.py).  Goal: <= 3x.
* start-up: fresh ``iscsitgt-spt`` processes against ``python -c "import construct"``
  (startup.py).  Goal: ``layout NAME`` and ``decode`` of one buffer <= 1.4x.

Nothing here asserts a time: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import baseline, plain_decoder
from capture import MEMORY_PATHS, interleaved, memory_run
from hexdump import hexdump_ratios, print_hexdump
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.fast import _full_decode, _full_encode, compiled, fast_decode, fast_encode
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout
from others import others
from shapes import SHAPES
from startup import startup

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


def _calibrate(call: Callable[[], Any], target: float = 0.002) -> int:
    number = 1
    while True:
        start = time.process_time()
        for _ in range(number):
            call()
        if time.process_time() - start >= target or number >= 1 << 20:
            return number
        number *= 2


def _timed(call: Callable[[], Any], number: int) -> float:
    # CPU time of this process: on a machine shared with other jobs, wall time also counts
    # the time the scheduler gave to them.
    start = time.process_time()
    for _ in range(number):
        call()
    return (time.process_time() - start) / number


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


DECODE_COLS = ["pub/dict", "fast", "public", "full", "construct", "compiled", "dissect",
               "ctypes"]


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
    # The public decode against a plain struct decoder into nested dicts (no typed value).
    plain = plain_decoder(name, profile)
    _, to_plain = measure({"baseline": lambda: plain(data),
                           "public": lambda: api.decode(name, data, profile=profile)}, repeat)
    decode_ratios["pub/dict"] = to_plain["public"]
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


def print_capture(results: list[dict[str, Any]]) -> None:
    print("\nCAPTURE decode --json vs the hand-written script (capture_baseline.py), in one "
          f"process: per shape (shapes.py), {results[0]['rounds']} interleaved rounds of "
          f"{results[0]['chunk']} records (no two records equal); CPU µs per record, median "
          "paired ratio; goals: full reports <= 3x, --no-diagnostics <= 1.5x")
    print(f"{'shape':16} {'script µs':>9} {'full µs':>8} {'ratio':>6} {'bulk µs':>8} "
          f"{'ratio':>6}  goals")
    for r in results:
        us, ratio = r["us_per_record"], r["ratio"]
        met = ("met" if ratio["report"] <= 3.0 else "NOT met",
               "met" if ratio["bulk"] <= 1.5 else "NOT met")
        print(f"{r['shape']:16} {us['script']:9.1f} {us['report']:8.1f} "
              f"{ratio['report']:6.2f} {us['bulk']:8.1f} {ratio['bulk']:6.2f}  "
              f"{met[0]} / {met[1]}")


#: Flat: the peak at the largest size at most this many MiB over the peak at the smallest.
FLAT_MIB = 5.0


def memory_table(shapes: list[str], paths: list[str], sizes: list[int],
                 folder: str | None) -> None:
    """Peak of ``decode --json`` per shape, path and size (capture.py's memory_run), each
    row printed as it is measured; a shape's capture files are deleted after its rows."""
    print("\nCAPTURE memory: decode --json FILE > /dev/null, one fresh process per run, peak "
          "resident set of the command (jobs2: of its largest process, main or worker) by "
          f"peak.py; flat: peak at {max(sizes)} <= peak at {min(sizes)} + {FLAT_MIB:g} MiB",
          flush=True)
    print(f"{'shape':16} {'path':6} " + " ".join(f"{n:>9}" for n in sizes)
          + "  MiB  flat   CPU µs/rec (largest)  load", flush=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for shape in shapes:
            for path in paths:
                runs = [memory_run(n, path, shape, Path(tmp)) for n in sizes]
                peaks = [r["max_rss_mb"] for r in runs]
                flat = "yes" if peaks[-1] <= peaks[0] + FLAT_MIB else "NO"
                bad = "" if all(r["exit"] in (0, 1) for r in runs) else "  exit " + ",".join(
                    str(r["exit"]) for r in runs)
                print(f"{shape:16} {path:6} " + " ".join(f"{p:9.1f}" for p in peaks)
                      + f"       {flat:4} {runs[-1]['cpu_seconds'] / sizes[-1] * 1e6:10.1f}"
                      f"            {runs[-1]['load']:5.2f}{bad}", flush=True)
            for capture in Path(tmp).glob(f"{shape}-*"):
                capture.unlink()


def print_startup(result: dict[str, Any]) -> None:
    print(f"\nSTART-UP: wall time of a fresh process, median of {result['rounds']} interleaved "
          "rounds; ratio: median paired ratio to `python -c \"import construct\"`")
    print(f"{'command':30} {'ms':>8} {'ratio':>6}")
    for key, ms in result["ms"].items():
        ratio = result["ratio"].get(key)
        goal = ""
        if key in ("layout SRB_IO_CONTROL", "decode one buffer") and ratio is not None:
            goal = "  <= 1.4x: " + ("met" if ratio <= 1.4 else "NOT met")
        print(f"{key:30} {ms:8.1f} " + ("     1" if ratio is None else f"{ratio:6.2f}") + goal)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=41, help="timing samples per contender")
    parser.add_argument("--quick", action="store_true",
                        help="9 samples, short capture and start-up runs")
    parser.add_argument("--captures", default="10000,100000,1000000",
                        help="comma-separated capture sizes (records) for the memory runs")
    parser.add_argument("--memory-paths", default=",".join(MEMORY_PATHS),
                        help="decode --json paths of the memory runs (default: "
                        + ", ".join(MEMORY_PATHS) + ")")
    parser.add_argument("--capture-dir", help="where the memory runs write their capture "
                        "files (default: the system's temporary folder; a million records of "
                        "a shape take up to 2 GB)")
    parser.add_argument("--no-memory", action="store_true",
                        help="no capture memory runs (the capture ratios only)")
    parser.add_argument("--no-ratios", action="store_true",
                        help="no capture ratios (the capture memory runs only)")
    parser.add_argument("--capture-records", type=int, default=40_000,
                        help="records per contender and shape in the interleaved capture "
                        "comparison")
    parser.add_argument("--startup-rounds", type=int, default=21)
    parser.add_argument("--no-structures", action="store_true")
    parser.add_argument("--no-capture", action="store_true")
    parser.add_argument("--no-hexdump", action="store_true")
    parser.add_argument("--shapes", help="comma-separated capture shapes (default: all: "
                        + ", ".join(SHAPES) + ")")
    parser.add_argument("--memory-shapes", help="capture shapes of the memory runs "
                        "(default: those of --shapes)")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--only", help="one structure name")
    args = parser.parse_args()
    repeat = 9 if args.quick else args.repeat
    sizes = [10_000, 100_000] if args.quick else [int(s) for s in args.captures.split(",")]
    records = 20_000 if args.quick else args.capture_records
    rounds = 5 if args.quick else args.startup_rounds
    print(f"machine: {machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; command: python "
          f"tests/benchmarks/bench.py {' '.join(sys.argv[1:])}".rstrip())
    if not args.no_structures:
        structures(args.only, repeat)
    shapes = args.shapes.split(",") if args.shapes else list(SHAPES)
    if not args.no_capture and not args.no_ratios:
        print_capture([interleaved(records, shape=shape) for shape in shapes])
        print(f"load average now: {os.getloadavg()[0]:.2f}")
    if not args.no_capture and not args.no_memory:
        memory = args.memory_shapes.split(",") if args.memory_shapes else shapes
        memory_table(memory, args.memory_paths.split(","), sizes, args.capture_dir)
        print(f"load average now: {os.getloadavg()[0]:.2f}")
    if not args.no_hexdump:
        print_hexdump(hexdump_ratios(4 if args.quick else 16, 1 if args.quick else 5))
        print(f"load average now: {os.getloadavg()[0]:.2f}")
    if not args.no_startup:
        print_startup(startup(rounds))
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def structures(only: str | None, repeat: int) -> None:
    names = [only] if only else list(STRUCTURES)
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
    for op, col in (("decode", "pub/dict"), ("decode", "fast"), ("decode", "public"),
                    ("encode", "fast"), ("encode", "public")):
        if col in results[0][f"{op}_ratio"]:
            worst = max(results, key=lambda r, op=op, col=col: r[f"{op}_ratio"][col])
            verdict = ""
            if col in ("public", "pub/dict"):
                verdict = "  <= 2x: " + ("met" if worst[f"{op}_ratio"][col] <= 2 else "NOT met")
            print(f"worst {col} {op} ratio: {worst[f'{op}_ratio'][col]:.2f} "
                  f"({worst['name']} {worst['profile']}){verdict}")
    print(f"load average now: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
