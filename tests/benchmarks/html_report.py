"""Benchmark: ``decode --html`` memory and speed against ``decode --json`` on the same capture,
and the page of one long raw buffer: its bytes per input byte and its time to interactive.

    python tests/benchmarks/html_report.py            # 1k, 10k and 40k records; 1 and 16 MiB
    python tests/benchmarks/html_report.py --quick    # 1k and 10k; 1 MiB
    python tests/benchmarks/html_report.py --no-browser
    python tests/benchmarks/html_report.py --shapes --baseline /path/to/other/venv/bin/python

``--shapes`` measures only the page of each input shape the goal names (the shipped demo
capture, a ``fuzz --all -n 500`` corpus, 16 MiB of one raw buffer): its bytes per input byte,
and past the page of one small structure (the constant); with ``--baseline``, the same inputs
through another interpreter's installed iscsitgt-spt (an older tree), side by side in one run.

Each run is its own subprocess (peak RSS measured by peak.py), HTML and JSON-Lines
interleaved per size so a load change on a shared machine hits both alike.  Reported as
ratios: the peak memory of the largest capture over the smallest's (flat means about 1.0),
and the HTML run's time over the JSON run's.

The long buffers are a decodable ISCSITGT_SPT_TMF followed by random bytes (incompressible:
the page's worst case) or by zeros.  The page's size is divided by the input's (goal: 1.2
bytes per byte plus a constant); time to interactive is from navigation start to the page
saying it is ready (``body[data-ready]``: the first records drawn, their bytes unpacked, the
hex grids and member trees answering), in Debian's headless Chromium driven by Selenium, the
page opened twice and the second load reported next to the first; goal 3 s for 16 MiB.  The
captures' pages are timed the same way.  Nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peak import run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "cli" / "samples" / "demo.jsonl"
TMF = ROOT / "tests" / "vectors" / "captures" / "tmf_abort_task.bin"


def _capture(folder: Path, records: int) -> Path:
    lines = [line for line in DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
             if line.startswith("{")]
    path = folder / f"capture-{records}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(records):
            out.write(lines[i % len(lines)])
    return path


def _run(args: list[str], python: str = sys.executable) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one CLI run in a child process (peak.py: its own peak,
    not this process's, which a child's ``ru_maxrss`` would start from)."""
    code = "import sys; from iscsitgt_spt.cli import main; main(sys.argv[1:])"
    usage = run([python, "-c", code, *args])
    return usage.wall, usage.peak_mib


def _page(src: Path, page: Path, python: str = sys.executable) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, page bytes) of ``decode SRC --html PAGE``."""
    page.unlink(missing_ok=True)
    seconds, peak = _run(["decode", str(src), "--html", str(page),
                          "--max-record-size", str(2**26)], python)
    return seconds, peak, page.stat().st_size


def _long_buffer(folder: Path, mib: int, tail: str) -> Path:
    head = TMF.read_bytes()
    path = folder / f"long-{mib}mib-{tail}.bin"
    with path.open("wb") as out:
        out.write(head)
        rng = random.Random(25)
        left = mib * 2**20 - len(head)
        while left > 0:
            n = min(left, 2**20)
            out.write(rng.randbytes(n) if tail == "random" else bytes(n))
            left -= n
    return path


def _chromium() -> object | None:
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not download anything
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").is_file() or not Path("/usr/bin/chromedriver").is_file():
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"),
                            options=options)


def _interactive(driver: object, page: Path) -> float:
    """Seconds from navigation start to ``body[data-ready]`` (polled every 10 ms)."""
    drv: object = driver
    drv.get("about:blank")  # type: ignore[attr-defined]
    drv.get(page.as_uri())  # type: ignore[attr-defined]
    for _ in range(30_000):
        ms = drv.execute_script(  # type: ignore[attr-defined]
            "return document.body && document.body.dataset.ready ? performance.now() : null")
        if ms is not None:
            return float(ms) / 1000
        time.sleep(0.01)
    return float("inf")


def long_buffers(mibs: tuple[int, ...], driver: object | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _run(["decode", str(TMF), "--html", str(folder / "alone.html")])
        constant = (folder / "alone.html").stat().st_size
        for mib in mibs:
            for tail in ("random", "zeros"):
                src = _long_buffer(folder, mib, tail)
                page = folder / "long.html"
                seconds, peak, size = _page(src, page)
                ratio = size / src.stat().st_size
                # The constant: the page of the structure alone (no long buffer).
                extra = (size - constant) / (src.stat().st_size - TMF.stat().st_size)
                line = (f"{mib:>3} MiB raw, {tail:<6}: --html {seconds:6.2f} s, peak "
                        f"{peak:6.1f} MiB, page {ratio:5.3f} bytes per input byte "
                        f"({extra:5.3f} past the page of the structure alone)")
                if driver is not None:
                    line += _interactive_text(driver, page)
                print(line, flush=True)
                src.unlink()


def _interactive_text(driver: object, page: Path) -> str:
    cold, warm = _interactive(driver, page), _interactive(driver, page)
    return f" | interactive in Chromium {cold:5.2f} s (again {warm:5.2f} s)"


def captures(sizes: tuple[int, ...], driver: object | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for n in sizes:
            capture = _capture(folder, n)
            html_s, html_mib = _run(["decode", str(capture), "--html", str(folder / "r.html")])
            size = (folder / "r.html").stat().st_size
            json_s, json_mib = _run(["decode", str(capture), "--json"])
            rows.append((n, html_s, html_mib, json_s, json_mib))
            print(f"{n:>7} records: --html {html_s:6.2f} s, peak {html_mib:6.1f} MiB, "
                  f"page {size / 2**20:6.1f} MiB ({size / capture.stat().st_size:4.2f} bytes "
                  f"per input byte) | --json {json_s:6.2f} s, peak {json_mib:6.1f} MiB"
                  f" | time html/json {html_s / json_s:4.2f}"
                  + (_interactive_text(driver, folder / "r.html") if driver else ""),
                  flush=True)
        first, last = rows[0], rows[-1]
        print(f"peak memory {last[0]} vs {first[0]} records: --html x{last[2] / first[2]:.2f}, "
              f"--json x{last[4] / first[4]:.2f} (records x{last[0] / first[0]:.0f})")


def _shape_inputs(folder: Path) -> list[tuple[str, Path]]:
    fuzz = folder / "fuzz.jsonl"
    _run(["fuzz", "--all", "-n", "500", "-o", str(fuzz)])
    return [("shipped demo capture", DEMO), ("fuzz --all -n 500", fuzz),
            ("16 MiB raw, random", _long_buffer(folder, 16, "random"))]


def shapes(driver: object | None, baseline: str | None) -> None:
    """Page bytes per input byte of each shape, for this tree (and a baseline's)."""
    trees = [("baseline", baseline)] if baseline else []
    trees.append(("this tree", sys.executable))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        constants = {}
        for who, python in trees:
            _run(["decode", str(TMF), "--html", str(folder / "alone.html")], python)
            constants[who] = (folder / "alone.html").stat().st_size
            print(f"{who}: the page of one {TMF.stat().st_size}-byte structure (the constant) "
                  f"is {constants[who]} bytes", flush=True)
        for label, src in _shape_inputs(folder):
            size = src.stat().st_size
            for who, python in trees:
                page = folder / f"{who.replace(' ', '-')}.html"
                seconds, peak, bytes_ = _page(src, page, python)
                line = (f"{label:<22} {size:>9} B, {who:<9}: page {bytes_:>9} B = "
                        f"{bytes_ / size:6.3f} B/B, {(bytes_ - constants[who]) / size:6.3f} "
                        f"B/B past the constant | --html {seconds:5.2f} s, peak {peak:5.1f} MiB")
                if driver is not None:
                    line += _interactive_text(driver, page)
                print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open the pages in Chromium")
    parser.add_argument("--shapes", action="store_true",
                        help="only the page size (and time to interactive) of each shape")
    parser.add_argument("--baseline", metavar="PYTHON",
                        help="with --shapes: also through this interpreter's iscsitgt-spt")
    args = parser.parse_args()
    driver = None if args.no_browser else _chromium()
    if driver is None and not args.no_browser:
        print("(no Chromium + chromedriver + selenium: time to interactive not measured)")
    try:
        if args.shapes:
            shapes(driver, args.baseline)
            return
        long_buffers((1,) if args.quick else (1, 16), driver)
        captures((1_000, 10_000) if args.quick else (1_000, 10_000, 40_000), driver)
    finally:
        if driver is not None:
            driver.quit()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
