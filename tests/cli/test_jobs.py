"""``decode --jobs N``: the same bytes on standard output and the same exit status as one
process, for every kind of record a capture holds (the shipped demo capture: every structure,
an answer, a broken record), in JSON and text; chunks smaller than the capture so that several
workers take part."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from iscsitgt_spt.cli import _jobs, _keyed
from iscsitgt_spt.cli._jobs import chunked, jobs_option, ordered_output

from tests.cli.conftest import run_cli, run_here


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
    one = run_here("decode", *mode, path)  # (workers: run_cli, a process of its own)
    two = run_cli("decode", *mode, "--jobs", "2", path)
    assert one.stdout and one.stdout == two.stdout
    assert (one.returncode, one.stderr) == (two.returncode, two.stderr)
    assert one.returncode == 1  # the demo's broken record is counted by the workers too


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_jobs_output_in_another_encoding(tmp_path, encoding) -> None:  # type: ignore[no-untyped-def]
    # Standard output not UTF-8 (utf-16: a byte order mark once, at the start): the workers'
    # text goes back through the text stream, and the bytes are those of one process.
    path = _demo_capture(tmp_path, 75)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONIOENCODING"] = encoding
    runs = [subprocess.run([sys.executable, "-m", "iscsitgt_spt", "decode", "--json", path,
                            "--jobs", jobs], capture_output=True, env=env, timeout=120)
            for jobs in ("1", "2")]
    assert runs[0].stdout and runs[0].stdout == runs[1].stdout
    assert runs[0].stdout.decode(encoding).startswith('{"')
    assert runs[0].returncode == runs[1].returncode == 1


def test_jobs_values() -> None:
    assert jobs_option("auto") == _jobs.available_cores() >= 1
    assert jobs_option("3") == 3
    for bad in ("0", "-1", "two", "1e3"):
        with pytest.raises(argparse.ArgumentTypeError):
            jobs_option(bad)
    result = run_here("decode", "--jobs", "zero", "-")
    assert result.returncode == 2 and "--jobs" in result.stderr


def _square_all(chunk: list[int], extra: int) -> _jobs.Texts[int]:
    return (f"{n * n + extra}\n" for n in chunk), lambda: len(chunk)


def _joined(results) -> tuple[str, list[int]]:  # type: ignore[no-untyped-def]
    text, told = [], []
    for pieces, count in results:
        text.extend(bytes(piece).decode() for piece in pieces)
        told.append(count)
    return "".join(text), told


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_ordered_output_keeps_input_order_and_bounds_what_it_holds(monkeypatch, jobs) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(_jobs, "CHUNK_RECORDS", 7)
    taken = []

    def numbers():  # type: ignore[no-untyped-def]
        for n in range(200):
            taken.append(n)
            yield n

    results = ordered_output(_square_all, chunked(numbers()), jobs, extra=1)
    first = _joined([next(results)])
    # One result out: at most 2 * jobs chunks of 7 were read ahead (plus the one closing).
    assert first == ("".join(f"{n * n + 1}\n" for n in range(7)), [7])
    assert len(taken) <= 7 * (2 * jobs + 1)
    rest = _joined(results)
    assert first[0] + rest[0] == "".join(f"{n * n + 1}\n" for n in range(200))
    assert first[1] + rest[1] == [7] * 28 + [4]  # 200 = 28 x 7 + 4


def _wide(chunk: list[int], extra: int) -> _jobs.Texts[int]:
    return (f"{n:0{extra}}\n" for n in chunk), lambda: len(chunk)


@pytest.mark.parametrize(("slot", "kept", "width"), [
    (10, 1 << 20, 1),  # a part's text past its slot: the rest through the pipe
    (4 << 12, 1 << 12, 3000),  # parts of 5 x 3001 bytes: the slot's pages past 4 KiB freed
])
def test_ordered_output_past_the_shared_slot(monkeypatch, slot, kept, width) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(_jobs, "SLOT_BYTES", slot)
    monkeypatch.setattr(_jobs, "SLOT_KEPT", kept)
    monkeypatch.setattr(_jobs, "CHUNK_RECORDS", 5)
    text, told = _joined(ordered_output(_wide, chunked(iter(range(60))), 2, extra=width))
    assert text == "".join(str(n).zfill(width) + "\n" for n in range(60)) and told == [5] * 12


def test_one_process_loads_no_process_pool() -> None:
    # Start-up: the pool (multiprocessing, concurrent.futures) is imported only for workers.
    code = ("import sys, iscsitgt_spt.cli.decode; "
            "print(sorted(m for m in ('multiprocessing', 'concurrent.futures') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


# -- a JSON-Lines capture cut into parts of whole lines (cli/_many.py) ----------------------
def _options(**changes):  # type: ignore[no-untyped-def]
    from iscsitgt_spt.cli._many import chunk_options

    given = {"name": None, "ioctl": None, "abi": None, "cookie": None, "json": True,
             "hexdump": False, "verbose": False, "fail_on": "warning", "diagnostics": True,
             "width": None, **changes}
    args = argparse.Namespace(**given)
    return chunk_options(args, "jsonl", False)


def _capture_lines() -> list[str]:
    """The demo's records with what a capture can hold between them: comment lines before a
    record (named in its skipped_lines), blank and indented lines, a CRLF line, a broken
    record, and comments after the last record."""
    text = resources.files("iscsitgt_spt.cli.samples").joinpath("demo.jsonl").read_text()
    records = [line for line in text.splitlines() if line and not line.startswith("#")]
    lines = []
    for n in range(40):
        if n % 6 == 0:
            lines.append(f"# comment before record group {n}\n")
        if n % 9 == 0:
            lines.append("\n")
            lines.append("   \t\n")
            lines.append("  # an indented comment\n")
        lines.extend(f"{record}\n" for record in records[: 1 + n % len(records)])
        if n % 11 == 0:
            lines.append(" " + records[0] + "\r\n")  # indented, CRLF: still a record
            lines.append('{"broken": \n')
    return [*lines, "# after the last record\n", "\n"]


def _one_process(lines: list[str], options: argparse.Namespace) -> tuple[str, tuple]:  # type: ignore[type-arg]
    from iscsitgt_spt.cli._many import JsonLines, report_texts
    from iscsitgt_spt.cli._verdict import Verdict

    verdict = Verdict(options.fail_on)
    text = "".join(report_texts(JsonLines(iter(lines), 1 << 22), options, verdict))
    return text, verdict.counts()


def _in_parts(lines, options, jobs, stop_after=None):  # type: ignore[no-untyped-def]
    from iscsitgt_spt.cli import _many
    from iscsitgt_spt.spec.errors import InputFormatError

    def source():  # type: ignore[no-untyped-def]
        for n, line in enumerate(lines):
            if n == stop_after:
                raise InputFormatError("line too long")
            yield line

    stopped: list = []
    parts = list(_many.line_parts(source(), stopped))
    text, told = _joined(_jobs.ordered_output(_many._lines_texts, parts, jobs,
                                             extra=(options, 1 << 22)))
    counts = tuple(map(sum, zip(*told)))
    return text, counts, parts, stopped


@pytest.mark.parametrize("chunk", [1, 2, 7, 100000])
@pytest.mark.parametrize("json_output", [True, False])
def test_line_parts_give_the_output_of_one_reader(monkeypatch, chunk, json_output) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("iscsitgt_spt.cli._many.CHUNK_RECORDS", chunk)
    lines = _capture_lines()
    options = _options() if json_output else _options(json=False)
    want = _one_process(lines, options)
    text, counts, parts, stopped = _in_parts(lines, options, jobs=2)
    assert (text, counts) == want and not stopped
    assert "skipped_lines" in want[0] or "not data, skipped" in want[0]
    assert want[1][1] > 0 and want[1][0] > 100  # broken records counted, many records
    # Every line in exactly one part, in order; every part but the last ends with a record.
    assert [line for part in parts for line in part[2]] == lines
    if chunk < 100000:
        assert len(parts) > 2
        assert all(part[2][-1].lstrip()[:1] == "{" for part in parts[:-1])


@pytest.mark.parametrize("stop_after", [5, 60, 137])
def test_reading_stopped_writes_every_record_read_before(monkeypatch, stop_after) -> None:  # type: ignore[no-untyped-def]
    # When the lines stop with an error (a line too long), every record read before it is
    # written, the one the reader held until the next line included (a broken line costs
    # only itself), with workers as with one process.
    monkeypatch.setattr("iscsitgt_spt.cli._many.CHUNK_RECORDS", 3)
    lines = _capture_lines()
    options = _options()
    want = _one_process(lines[:stop_after], options)
    records_read = sum(1 for line in lines[:stop_after]
                       if line.strip() and not line.strip().startswith("#"))
    assert want[1][0] == records_read  # (the helper reads to the end: every record)
    text, counts, _, stopped = _in_parts(lines, options, jobs=2, stop_after=stop_after)
    assert len(stopped) == 1
    assert counts[0] == records_read
    assert text == want[0]


def test_one_buffer_loads_no_capture_machinery() -> None:
    # Start-up (issue 25): decode of one buffer imports neither the worker pool nor the
    # many-record output (progress, the bulk JSON line), which a capture loads when it needs.
    buffer = Path(__file__).resolve().parents[1] / "vectors/c/win64-u64/ISCSITGT_SPT_TMF.bin"
    code = ("import sys; from iscsitgt_spt.cli import main; main(['decode', sys.argv[1]]); "
            "print(sorted(m for m in ('multiprocessing', 'concurrent.futures', "
            "'iscsitgt_spt.cli._many', 'iscsitgt_spt.cli._progress', "
            "'iscsitgt_spt.codec.analysis.bulk') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(buffer)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "ISCSITGT_SPT_TMF" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def _dies_on_seven(chunk: list[int], extra: int) -> _jobs.Texts[int]:
    if 7 in chunk:
        os._exit(3)  # a worker killed (out of memory, kill -9)
    return _square_all(chunk, extra)


def _dies_on_seven_keyed(state: object, item: int) -> int:
    if item == 7:
        os._exit(3)
    return item


def _no_state(extra: object) -> None:
    return None


def _anywhere(item: int) -> None:
    return None


def test_a_worker_that_dies_ends_the_run_with_one_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Never a hang nor a traceback: WorkerLost, which main reports in one line (exit 1).
    monkeypatch.setattr(_jobs, "CHUNK_RECORDS", 3)
    with pytest.raises(_jobs.WorkerLost):
        for _ in ordered_output(_dies_on_seven, chunked(iter(range(40))), 2, extra=0):
            pass
    with pytest.raises(_jobs.WorkerLost):  # its inbox left unsent: the pool still stops
        for _ in _keyed.keyed_map(_no_state, _dies_on_seven_keyed, iter(range(5000)), _anywhere,
                                  2):
            pass
