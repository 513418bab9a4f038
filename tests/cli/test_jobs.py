"""``decode --jobs N``: the same bytes on standard output and the same exit status as one
process, for every kind of record a capture holds (the shipped demo capture: every structure,
an answer, a broken record), in JSON and text; chunks smaller than the capture so that several
workers take part."""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import resources

import pytest
from iscsitgt_spt.cli import _jobs
from iscsitgt_spt.cli._jobs import jobs_option, ordered_map

from tests.cli.conftest import run_cli


def _demo_capture(tmp_path, copies: int) -> str:  # type: ignore[no-untyped-def]
    text = resources.files("iscsitgt_spt.cli.samples").joinpath("demo.jsonl").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    path = tmp_path / "capture.jsonl"
    path.write_text("\n".join(lines * copies) + "\n")
    return str(path)


@pytest.mark.parametrize("mode", [["--json"], ["--no-diagnostics"],
                                  ["--json", "--fail-on", "warning"]])
def test_jobs_output_is_byte_identical_to_one_process(tmp_path, mode) -> None:  # type: ignore[no-untyped-def]
    path = _demo_capture(tmp_path, 75)  # 75 x 7 records: a chunk of 512 and another
    one = run_cli("decode", *mode, path)
    two = run_cli("decode", *mode, "--jobs", "2", path)
    assert one.stdout and one.stdout == two.stdout
    assert (one.returncode, one.stderr) == (two.returncode, two.stderr)
    assert one.returncode == 1  # the demo's broken record is counted by the workers too


def test_jobs_values() -> None:
    assert jobs_option("auto") == _jobs.available_cores() >= 1
    assert jobs_option("3") == 3
    for bad in ("0", "-1", "two", "1e3"):
        with pytest.raises(argparse.ArgumentTypeError):
            jobs_option(bad)
    result = run_cli("decode", "--jobs", "zero", "-")
    assert result.returncode == 2 and "--jobs" in result.stderr


def _square_all(chunk: list[int], extra: int) -> list[int]:
    return [n * n + extra for n in chunk]


def test_ordered_map_keeps_input_order_and_bounds_what_it_holds(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(_jobs, "CHUNK_RECORDS", 7)
    taken = []

    def numbers():  # type: ignore[no-untyped-def]
        for n in range(200):
            taken.append(n)
            yield n

    results = ordered_map(_square_all, numbers(), 2, extra=1)
    first = next(results)
    # One result out: at most 2 * jobs chunks of 7 were read ahead (plus the one closing).
    assert first == [n * n + 1 for n in range(7)] and len(taken) <= 7 * 5
    rest = [x for chunk in results for x in chunk]
    assert first + rest == [n * n + 1 for n in range(200)]


def test_one_process_loads_no_process_pool() -> None:
    # Start-up: the pool (multiprocessing, concurrent.futures) is imported only for workers.
    code = ("import sys, iscsitgt_spt.cli.decode; "
            "print(sorted(m for m in ('multiprocessing', 'concurrent.futures') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
