"""Benchmark: peak memory of ``decode`` as the input grows (issue #12, cases 12 and 14).

    python tests/benchmarks/memory.py                 # 1 and 16 MiB dumps, a 64 MiB IRPMon record
    python tests/benchmarks/memory.py --sizes 1 4 --irpmon-mib 8      # quicker

Each measurement is one ``python -m iscsitgt_spt decode ...`` subprocess writing to /dev/null;
its peak resident set comes from ``os.wait4`` (the kernel's ``ru_maxrss``), and the floor is
the same command on the 64-byte sample buffer, measured in the same run.  Reported, never
asserted:

* ``decode --hexdump`` of a decodable buffer (the hand-derived 64-byte TMF sample followed by
  N MiB of random bytes, so every row past the structure is ``(trailing)``) and of N MiB of
  random bytes (which do not decode: a plain dump after the error line), as peak MiB, growth
  over the floor per input byte, and the ratio of the largest to the smallest size;
* the renderer alone, in this process: ``tracemalloc`` peak of iterating
  :func:`~iscsitgt_spt.codec.analysis.hexview.iter_hexdump` over each size, which must not grow;
* an IRPMon JSON array export holding one record whose ``Parsers.Hexer.Data0`` hex string is
  M MiB of text, decoded to text and to ``--json``, as peak over input size.

Measured (2 shared cores, load average 2.1-2.9, floor 23.3 MiB), peak RSS of
``decode --hexdump`` of the decodable input:

* before (``head + stream.read()`` and a copied ``Decoded.trailing``): 1 MiB 25.2 MiB,
  16 MiB 55.2 MiB (2.00 bytes per input byte), ratio 2.19;
* after (the buffer read once, trailing bytes a memoryview of it): 1 MiB 24.3, 4 MiB 27.3,
  8 MiB 31.4 (1.0 byte per input byte: the buffer, held once), 16 MiB 45.9 MiB, ratio 1.89.
  The 16 MiB point is ~6 MiB above one byte per byte for a reason not yet found (it is the
  same without ``--hexdump``).  The issue's 1.3x is not reached: holding the input once
  costs 16 MiB at 16 MiB; only decoding the leading bytes and streaming the rest to the hex
  view (not built) would get there.  Random input: 1 MiB 45.9 (a jump from 23.7 at 512 KiB,
  in the plain-dump failure path, also not yet found), 16 MiB 45.9.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "vectors" / "captures"
TMF = (CAPTURES / "tmf_abort_task.bin").read_bytes()
MIB = 1 << 20


def peak_of(args: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, exit code) of ``python -m iscsitgt_spt ARGS``."""
    start = time.monotonic()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "iscsitgt_spt", *args],
                                stdout=sink, stderr=sink)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.monotonic() - start, proc.returncode


def record_size_option() -> list[str]:
    """``--max-record-size`` large enough for the biggest input, when decode has the option."""
    help_text = subprocess.run([sys.executable, "-m", "iscsitgt_spt", "decode", "--help"],
                               capture_output=True, text=True).stdout
    return ["--max-record-size", str(1 << 30)] if "--max-record-size" in help_text else []


def renderer_peak(size: int) -> float:
    from iscsitgt_spt.codec.analysis.hexview import iter_hexdump
    from iscsitgt_spt.codec.dispatch import decode_buffer

    data = TMF + os.urandom(size)
    decoded = decode_buffer(data)
    tracemalloc.start()
    try:
        for _ in iter_hexdump(decoded, data):
            pass
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def irpmon_export(path: Path, mib: int) -> int:
    sample = (CAPTURES / "irpmon_array.json").read_text()
    data0 = TMF.hex()
    assert data0 in sample
    big = data0 + "ab" * ((mib * MIB - len(data0)) // 2)
    text = sample.replace(data0, big)
    path.write_text(text)
    return len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 16], metavar="MIB")
    parser.add_argument("--irpmon-mib", type=int, default=64)
    opts = parser.parse_args()
    extra = record_size_option()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor_file = folder / "floor.bin"
        floor_file.write_bytes(TMF)
        floor, _, _ = peak_of(["decode", "--hexdump", *extra, str(floor_file)])
        print(f"floor (decode --hexdump of the 64-byte sample): {floor:.1f} MiB")
        for kind in ("decodable", "random"):
            peaks = {}
            for mib in opts.sizes:
                path = folder / f"{kind}-{mib}.bin"
                path.write_bytes((TMF if kind == "decodable" else b"") + os.urandom(mib * MIB))
                peak, seconds, code = peak_of(["decode", "--hexdump", *extra, str(path)])
                peaks[mib] = peak
                growth = (peak - floor) / mib  # MiB per MiB = bytes per input byte
                print(f"decode --hexdump, {kind:9} {mib:4} MiB: peak {peak:7.1f} MiB, "
                      f"{growth:5.2f} bytes/input byte over the floor, {seconds:6.1f} s, "
                      f"exit {code}")
                path.unlink()
            low, high = min(opts.sizes), max(opts.sizes)
            print(f"  ratio peak({high} MiB) / peak({low} MiB): {peaks[high] / peaks[low]:.2f}")
        for mib in opts.sizes:
            print(f"iter_hexdump alone over {mib:4} MiB (tracemalloc peak): "
                  f"{renderer_peak(mib * MIB):.2f} MiB")
        export = folder / "irpmon.json"
        size = irpmon_export(export, opts.irpmon_mib) / MIB
        for mode in ([], ["--json"]):
            peak, seconds, code = peak_of(["decode", *mode, *extra, str(export)])
            print(f"IRPMon JSON, one {size:.0f} MiB record, decode {' '.join(mode) or '(text)'}:"
                  f" peak {peak:.1f} MiB = {peak / size:.1f}x the input "
                  f"({(peak - floor) / size:.1f}x over the floor), {seconds:.1f} s, exit {code}")


if __name__ == "__main__":
    main()
