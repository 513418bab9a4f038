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

from capture_baseline import decode_lines as script_lines
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, record_to_line
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH_DIRECT
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["capture_lines", "interleaved", "memory_run"]

MIX = (
    (IOCTL_SCSI_PASS_THROUGH_DIRECT, "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", 6),
    (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_TMF", 2),
    (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_SESSION_START", 1),
    (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_SESSION_STOP", 1),
)


def capture_lines(count: int = 10) -> list[str]:
    """``count`` records of a busy target's mix: per 10, six pass-through requests with sense
    data, two TMFs, a session start and a stop.  No two records are equal (task cookies, LBAs,
    sense Information, session handles and LUNs change), so nothing keyed on a record's bytes
    can be reused from one record to the next, as in a real capture."""
    from bench import sample_fields  # the structures' realistic values

    kinds = [(ioctl, name) for ioctl, name, weight in MIX for _ in range(weight)]
    lines = []
    for i in range(count):
        ioctl, name = kinds[i % len(kinds)]
        fields = sample_fields(name, Profile())
        handle = 0xFFFFA0012C3D0000 + i
        if name == "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY":
            lba = (0x1234 + 8 * i).to_bytes(4, "big")
            sptd = dict(fields["ScsiPassThroughDirect"])
            sptd["Cdb"] = b"\x28\x00" + lba + b"\x00\x00\x08\x00"
            spta = dict(fields["ScsiPassThroughAuxiliary"], SessionCookie=handle, TaskCookie=i)
            sense = dict(fields["SenseData"], Information=lba)
            fields = {"ScsiPassThroughDirect": sptd, "ScsiPassThroughAuxiliary": spta,
                      "SenseData": sense}
        elif name == "ISCSITGT_SPT_TMF":
            fields = dict(fields, ITNexusHandle=handle, ReferenceTaskCookie=i, Lun=i % 8)
        else:
            fields = dict(fields, ITNexusHandle=handle)
        data = api.encode(api.build(name, fields))
        lines.append(record_to_line(CaptureRecord(ioctl=ioctl, data_in=data)))
    return lines


def _project(diagnostics: bool) -> Callable[[Iterable[str]], Iterator[str]]:
    from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines

    return lambda lines: decode_jsonl_lines(lines, diagnostics=diagnostics)


def _run(decoder: Callable[[Iterable[str]], Iterator[str]], lines: list[str]) -> tuple[float, int]:
    start = time.process_time()
    size = 0
    for out in decoder(lines):
        size += len(out) + 1
    return time.process_time() - start, size


def interleaved(records: int, chunk: int = 2000) -> dict[str, Any]:
    """Paired CPU-time ratios of full reports and --no-diagnostics to the script."""
    lines = capture_lines(chunk)
    contenders = {"script": script_lines, "report": _project(True), "bulk": _project(False)}
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
    }


def worker(count: int, diagnostics: bool, trace: bool) -> None:
    """Runs in its own process: decode ``count`` records, print one JSON result line."""
    from iscsitgt_spt.codec.analysis.stream import decode_jsonl_lines

    lines = itertools.islice(itertools.cycle(capture_lines(2000)), count)
    if trace:
        tracemalloc.start()
    start = time.process_time()
    done = 0
    for _ in decode_jsonl_lines(lines, diagnostics=diagnostics):
        done += 1
    elapsed = time.process_time() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    print(json.dumps({"records": done, "cpu_seconds": elapsed,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "tracemalloc_peak_kb": None if peak is None else peak / 1024}))


def memory_run(count: int, diagnostics: bool, trace: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, __file__, str(count)]
    cmd += [] if diagnostics else ["--bulk"]
    cmd += ["--trace"] if trace else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    worker(int(sys.argv[1]), "--bulk" not in sys.argv, "--trace" in sys.argv)
