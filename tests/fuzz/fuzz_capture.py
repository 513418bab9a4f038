"""Coverage-guided fuzzing of the capture readers with atheris (libFuzzer).

Not collected by pytest (``norecursedirs = fuzz``).  Every input is treated as a file given
to ``iscsitgt-spt decode``: it goes through the command's own ``open_input`` (format
detection, then the streamed line readers, the whole-input readers or the long raw reader)
and ``emit_reports``, as ``decode``'s ``run()`` does, once with format detection in every
output mode (text, ``--hexdump`` text, ``--json``, ``--json --no-diagnostics``) and once forced
to each input format (``--format FORMAT``) in one output mode chosen by the input.

The contract: nothing but one of our :class:`~iscsitgt_spt.spec.errors.SptError` subclasses
escapes (the CLI turns those into one line and exit 2), every error is one line, the output is
UTF-8 text (written through a strict encoder: a lone surrogate reaching the output is a finding)
and every ``--json`` line is JSON.  Three differential checks on top:

* the long raw buffer: the input, padded past :func:`leading_size` with bytes derived from it,
  is reported as a :class:`LongBuffer` (its leading bytes held, the rest served in small chunks
  of varying size) and as the same bytes held whole; text, ``--hexdump`` and ``--json`` output,
  stderr and exit status must be identical;
* the bulk shortcut: every line ``decode --json`` (with and without ``--no-diagnostics``) writes
  for a multi-record capture must be ``report_record(record).to_json_line()`` of the record the
  same reader gives;
* text and ``--json`` of the same input end with the same stderr and exit status.

See ``tests/fuzz/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import pkgutil
import random
import sys
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import atheris

with atheris.instrument_imports():
    import iscsitgt_spt.codec
    import iscsitgt_spt.spec

    # The readers and the hex view are imported on first use, which would be outside this
    # block and so not instrumented (no coverage feedback from them): import them all here.
    for _package in (iscsitgt_spt.codec, iscsitgt_spt.spec):
        for _module in pkgutil.walk_packages(_package.__path__, _package.__name__ + "."):
            importlib.import_module(_module.name)
    from iscsitgt_spt.cli import main as cli_main
    from iscsitgt_spt.cli._capture_input import open_input
    from iscsitgt_spt.cli._output import GuardedWriter
    from iscsitgt_spt.cli.decode import emit_reports
    from iscsitgt_spt.codec.analysis.report import report_record
    from iscsitgt_spt.codec.bounded import SKIP_FACTOR, text_line_bound
    from iscsitgt_spt.codec.capture.detect import FORMATS, RawRecord, read_capture
    from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
    from iscsitgt_spt.codec.longbuffer import LongBuffer, leading_size
    from iscsitgt_spt.spec.errors import SptError

TEXT = {"json": False, "hexdump": False, "diagnostics": True}
HEXDUMP = {"json": False, "hexdump": True, "diagnostics": True}
JSON = {"json": True, "hexdump": False, "diagnostics": True}
JSON_BULK = {"json": True, "hexdump": False, "diagnostics": False}
MODES = (TEXT, HEXDUMP, JSON, JSON_BULK)


class Outcome:
    """What one ``decode`` wrote and how it ended."""

    def __init__(self, out: str, err: str, status: int | None, error: str | None) -> None:
        self.out, self.err, self.status, self.error = out, err, status, error

    def key(self) -> tuple[str, str, int | None, str | None]:
        return self.out, self.err, self.status, self.error


def _args(mode: dict[str, bool]) -> argparse.Namespace:
    return argparse.Namespace(command="decode", name=None, ioctl=None, abi=None, cookie=None,
                              verbose=True, color="never", fail_on=None, **mode)


def _capture(mode: dict[str, bool], body: Callable[[argparse.Namespace], int]) -> Outcome:
    """Run ``body`` with stdout (strict UTF-8) and stderr captured; check the contract."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    status: int | None = None
    error: str | None = None
    try:
        status = body(_args(mode))
    except SptError as exc:
        error = str(exc)
        if "\n" in error:
            raise AssertionError(f"error of more than one line: {error!r}") from None
    finally:
        sys.stdout, sys.stderr = saved
    out.flush()
    text = out.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    for line in err.getvalue().splitlines():
        if not line.startswith("iscsitgt-spt decode: "):
            raise AssertionError(f"stderr line not from decode: {line!r}")
    return Outcome(text, err.getvalue(), status, error)


def _check_json(outcome: Outcome, multi: bool) -> list[str]:
    """Every ``--json`` document parses; the lines of a multi-record output."""
    text = outcome.out
    # One buffer prints one indented document; several records print JSON Lines.
    documents = text.splitlines() if multi else [text] if text else []
    for document in documents:
        json.loads(document)
    return documents if multi else []


def _decode(data: bytes, fmt: str, mode: dict[str, bool]) -> tuple[Outcome, bool]:
    """``decode`` of ``data`` as a file, the way ``run()`` drives it; (outcome, multi)."""
    multi = False

    def body(args: argparse.Namespace) -> int:
        nonlocal multi
        with ExitStack() as stack:
            stream = io.BytesIO(data)
            found, records, multi, long_input = open_input(stream, fmt, MAX_RECORD_SIZE, stack)
            return emit_reports(records, found, multi, args, total_bytes=len(data),
                                position=stream.tell, long_input=long_input)

    outcome = _capture(mode, body)
    if mode["json"]:
        lines = _check_json(outcome, multi)
        if multi and outcome.error is None:
            _check_bulk(data, fmt, mode, lines)
    return outcome, multi


def _check_bulk(data: bytes, fmt: str, mode: dict[str, bool], lines: list[str]) -> None:
    """Each line of a multi-record ``--json`` output is what the general path writes for
    the record the same reader gives (the bulk shortcut is never a second opinion)."""
    with ExitStack() as stack:
        _, records, _, _ = open_input(io.BytesIO(data), fmt, MAX_RECORD_SIZE, stack)
        expected = [report_record(r, diagnostics=mode["diagnostics"]).to_json_line()
                    for r in records]
    if lines != expected:
        for n, (got, want) in enumerate(zip(lines, expected, strict=False)):
            if got != want:
                raise AssertionError(f"record {n}: bulk line differs from report_record's:\n"
                                     f"bulk:    {got}\ngeneral: {want}")
        raise AssertionError(f"{len(lines)} lines written, {len(expected)} records read")


# -- the long raw buffer ----------------------------------------------------------------------
def _padded(data: bytes, seed: int) -> bytes:
    """``data`` padded past the leading bytes with bytes derived from it."""
    rng = random.Random(seed)
    pad = max(0, leading_size() + 1 - len(data)) + rng.randrange(97)
    return data + rng.randbytes(pad)


def _long_buffer(padded: bytes, seed: int) -> LongBuffer:
    """``padded`` as ``open_input`` gives a long raw input: the first ``leading_size()`` bytes
    held, the rest re-read, here in small chunks of a size that varies within and between
    reads (an empty chunk and memoryviews among them)."""
    lead = leading_size()
    reads = 0

    def rest() -> Iterator[bytes | memoryview]:
        nonlocal reads
        reads += 1
        rng = random.Random(seed * 7919 + reads)
        position = lead
        while position < len(padded):
            size = rng.randrange(0, 40)
            chunk = padded[position : position + size]
            yield memoryview(chunk) if rng.random() < 0.25 else chunk
            position += len(chunk)

    return LongBuffer(padded[:lead], len(padded), rest)


def _long_record(buffer: LongBuffer) -> RawRecord:
    # The record open_input makes for a LongBuffer (cli/_capture_input.py).
    return RawRecord(index=0, data_in=bytes(buffer.head), data_out=None, ioctl=None,
                     source_format="raw", line=None, meta={"size": len(buffer)})


def _check_long(data: bytes, seed: int, mode: dict[str, bool]) -> None:
    """The same padded bytes, held whole and as a LongBuffer, report the same."""
    padded = _padded(data, seed)

    def whole(args: argparse.Namespace) -> int:
        result = read_capture(padded, "raw", MAX_RECORD_SIZE)
        return emit_reports(iter(result.records), result.format, False, args, long_input=None)

    def long(args: argparse.Namespace) -> int:
        buffer = _long_buffer(padded, seed)
        return emit_reports(iter([_long_record(buffer)]), "raw", False, args, long_input=buffer)

    held, streamed = _capture(mode, whole), _capture(mode, long)
    if mode["json"]:
        _check_json(held, False)
    if held.key() != streamed.key():
        names = ("stdout", "stderr", "exit status", "error")
        for name, a, b in zip(names, held.key(), streamed.key(), strict=True):
            if a != b:
                raise AssertionError(f"{len(padded)} bytes, mode {mode}: {name} differs, "
                                     f"held whole:\n{a!r}\nas a LongBuffer:\n{b!r}")


# -- the input and output layers (issue 24) -----------------------------------------------------
#: The record-size bound of the endless-stream check: small, so that the bound is reached fast.
SMALL_LIMIT = 4096
#: The most an input may be read under SMALL_LIMIT before it ends: the detection head, then
#: one text line bound read (and skipped SKIP_FACTOR times over) or one raw record, and the
#: text reader's read size (1 MiB) past it.
READ_BUDGET = (1 << 16) + (SKIP_FACTOR + 2) * text_line_bound(SMALL_LIMIT) + (2 << 20)


#: Bytes that make (or may make, in UTF-8 or UTF-16) a line boundary of str.splitlines:
#: \n \v \f \r, the separators 1C-1E, NEL (C2 85), U+2028/2029 (E2 80 A8/A9; 28 20 and
#: 29 20 in UTF-16).
_LINE_BYTES = bytes([0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0xA8, 0xA9, 0x28, 0x29])


class _Endless(io.RawIOBase):
    """``data`` without anything that could end a line, repeated for ever, read in short
    pieces; no seeking (as ``/dev/zero`` or ``yes | tr -d '\\n'``).  Counts what was read."""

    def __init__(self, data: bytes) -> None:
        self.unit = data.translate(None, _LINE_BYTES) or b"\0"
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.read_so_far > READ_BUDGET:
            raise AssertionError(f"read {self.read_so_far} bytes of an endless line "
                                 f"without ending (budget {READ_BUDGET})")
        size = min(len(buffer), 1 + (self.read_so_far * 7919) % 65536)
        start = self.read_so_far % len(self.unit)
        piece = (self.unit * (size // len(self.unit) + 2))[start:start + size]
        buffer[:size] = piece
        self.read_so_far += size
        return size


def _check_endless(data: bytes, fmt: str) -> None:
    """An endless line (the input, its line ends removed, repeated) ends with one SptError
    within the read budget, whatever the format: no read holds more than the bound."""
    stream = io.BufferedReader(_Endless(data))
    try:
        with ExitStack() as stack:
            _, records, _, _ = open_input(stream, fmt, SMALL_LIMIT, stack)  # type: ignore[arg-type]
            for _record in records:
                pass
    except SptError as exc:
        if "\n" in str(exc):
            raise AssertionError(f"error of more than one line: {exc!r}") from None
        return
    raise AssertionError("an endless input ended without an error")


def _run_main(argv: list[str], stdout: io.TextIOWrapper) -> tuple[int, str]:
    """``iscsitgt-spt ARGV`` in this process with ``stdout``; (status, stderr)."""
    err = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, err
    try:
        status = cli_main(argv)
    finally:
        sys.stdout, sys.stderr = saved
    lines = err.getvalue().splitlines()
    # One line per failure (a dump that failed to write after a bad input says both).
    if (status != 0 and not lines) or any(not line.startswith("iscsitgt-spt decode: ")
                                          for line in lines):
        raise AssertionError(f"{argv}: status {status} with stderr {err.getvalue()!r}")
    return status, err.getvalue()


def _fd_output(fd: int) -> io.TextIOWrapper:
    """A standard output on ``fd`` as the CLI makes it (``fd`` stays the caller's)."""
    return io.TextIOWrapper(GuardedWriter(fd, target="standard output", closefd=False),
                            encoding="utf-8", errors="backslashreplace")


def _discard(stdout: io.TextIOWrapper) -> None:
    """Close ``stdout`` whatever is left in it (the command reported its failure already)."""
    with contextlib.suppress(Exception):
        stdout.close()
    with contextlib.suppress(Exception):
        stdout.buffer.raw.close()  # type: ignore[attr-defined]


def _check_outputs(path: str, json_mode: bool) -> None:
    """Standard output on a full device: status 1 (or 2: unusable input, nothing written)
    and one line, never 0 with the output lost; on a pipe whose reader has gone: 0 quietly
    (or 2 and one line).  ``--html`` on the full device: 1 or 2, one line."""
    extra = ["--json"] if json_mode else []
    full = os.open("/dev/full", os.O_WRONLY)
    stdout = _fd_output(full)
    status, err = _run_main(["decode", path, *extra], stdout)
    _discard(stdout)
    os.close(full)
    if status not in (1, 2):
        raise AssertionError(f"stdout on /dev/full: status {status}, stderr {err!r}")
    if status == 1 and "No space left on device" not in err:
        raise AssertionError(f"stdout on /dev/full: status 1 without saying why: {err!r}")
    read_end, write_end = os.pipe()
    os.close(read_end)
    stdout = _fd_output(write_end)
    status, err = _run_main(["decode", path, *extra], stdout)
    _discard(stdout)
    os.close(write_end)
    # Quiet (0) unless the command had failed on its own (1, 2: said in one line each).
    if (status == 0) != (err == ""):
        raise AssertionError(f"stdout on a closed pipe: status {status}, stderr {err!r}")
    null = os.open(os.devnull, os.O_WRONLY)
    sink = _fd_output(null)
    status, err = _run_main(["decode", path, "--html", "/dev/full"], sink)
    _discard(sink)
    os.close(null)
    if status not in (1, 2):
        raise AssertionError(f"--html /dev/full: status {status}, stderr {err!r}")


def _check_pipe_input(data: bytes, path: str) -> None:
    """The input through a pipe (``decode <(...)``): never seeked, the same result as the
    file's."""
    def run(argv: list[str]) -> tuple[int, str, bytes]:
        out_read, out_write = os.pipe()
        collected: list[bytes] = []
        reader = threading.Thread(target=lambda: collected.append(_drain(out_read)))
        reader.start()
        stdout = _fd_output(out_write)
        status, err = _run_main(argv, stdout)
        _discard(stdout)
        os.close(out_write)
        reader.join()
        return status, err, collected[0]

    in_read, in_write = os.pipe()
    feeder = threading.Thread(target=_feed, args=(in_write, data))
    feeder.start()
    try:
        piped = run(["decode", f"/dev/fd/{in_read}", "--json", "--color", "never"])
    finally:
        os.close(in_read)  # (a feeder still writing gets EPIPE and ends)
        feeder.join()
    filed = run(["decode", path, "--json", "--color", "never"])
    if piped != filed:
        raise AssertionError(f"through a pipe: {piped[:2]!r}, from the file: {filed[:2]!r}")


def _feed(fd: int, data: bytes) -> None:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        pass  # the command stopped reading (an unusable input): what it read is what counts
    finally:
        os.close(fd)


def _drain(fd: int) -> bytes:
    with open(fd, "rb") as stream:
        return stream.read()


def _check_layers(data: bytes, pick: int) -> None:
    _check_endless(data, "auto" if pick & 2 else FORMATS[pick % len(FORMATS)])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "input")
        with open(path, "wb") as fh:
            fh.write(data)
        _check_outputs(path, bool(pick & 4))
        _check_pipe_input(data, path)


def test_one_input(data: bytes) -> None:
    outcomes = [_decode(data, "auto", mode)[0] for mode in MODES]
    # Text and JSON of one input end the same way (the bulk path keeps the verdict).
    if outcomes[0].err != outcomes[2].err or outcomes[0].status != outcomes[2].status:
        raise AssertionError(f"text and --json end differently: {outcomes[0].err!r} "
                             f"{outcomes[0].status} / {outcomes[2].err!r} {outcomes[2].status}")
    pick = zlib.crc32(data)
    for n, fmt in enumerate(FORMATS):
        _decode(data, fmt, MODES[(pick + n) % len(MODES)])
    for mode in (TEXT, HEXDUMP, JSON, JSON_BULK) if pick & 1 else (TEXT, HEXDUMP, JSON):
        _check_long(data, pick, mode)
    _check_layers(data, pick)


def main() -> None:
    sys.setrecursionlimit(10_000)  # so that unbounded recursion is found, not masked
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
