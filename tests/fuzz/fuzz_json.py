"""Coverage-guided fuzzing of every JSON input with atheris (libFuzzer).

Not collected by pytest (``norecursedirs = fuzz``).  Every input is fed, unchanged, to each
place a user's JSON enters the tool:

* ``encode`` documents: :func:`~iscsitgt_spt.codec.jsonform.load_json` then
  :func:`~iscsitgt_spt.codec.documents.encode_document`, with and without a NAME;
* ``send`` request lists: the same text as ``send`` reads it (an object or a list), through the
  command's own ``_name_and_profile`` and ``encode_document`` for every item;
* fuzz corpora (``send --fuzz-corpus``): every line, as bytes, through ``parse_line``;
* replay files (``replay:FILE``): the text through ``ReplayTransport.from_lines``, and the
  bytes through ``ReplayTransport.from_file`` read from a pipe (never seeked; the same records
  and the same error as from the lines), and as an endless line (the input without its line
  ends, repeated), which must end with one error within the line bound;
* the input layer's line reader (``bounded_lines``, what ``send --fuzz-corpus`` reads with)
  under a small bound: every line it gives is the input's line or its first bound + 1 bytes,
  and an endless line ends with one error;
* JSONL captures and IRPMon JSON exports: through the capture readers, every record turned
  into a report and printed in text and JSON form.

The contract: nothing but one of our :class:`~iscsitgt_spt.spec.errors.SptError` subclasses
escapes, every error renders as one line (``str(exc)``), and whatever is printed encodes as
UTF-8.  Anything else is a finding (libFuzzer writes ``crash-*``).  See ``tests/fuzz/README.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading

import atheris

with atheris.instrument_imports():
    from iscsitgt_spt.cli.send import _name_and_profile
    from iscsitgt_spt.codec.analysis.report import report_record
    from iscsitgt_spt.codec.bounded import SKIP_FACTOR, bounded_lines
    from iscsitgt_spt.codec.capture.detect import iter_capture_lines
    from iscsitgt_spt.codec.capture.jsonl import parse_line
    from iscsitgt_spt.codec.documents import encode_document
    from iscsitgt_spt.codec.jsonform import load_json
    from iscsitgt_spt.device.recording import ReplayTransport
    from iscsitgt_spt.spec.errors import SptError

NO_OPTIONS = argparse.Namespace(name=None, abi=None, cookie=None)


def _check_error(exc: SptError) -> None:
    text = str(exc)
    if "\n" in text:
        raise AssertionError(f"error message of more than one line: {text!r}")
    text.encode("utf-8")
    json.dumps(exc.to_dict(), ensure_ascii=False).encode("utf-8")


def _documents(data: bytes) -> None:
    try:
        obj = load_json(data, "stdin")
    except SptError as exc:
        _check_error(exc)
        return
    for name in (None, "ISCSITGT_SPT_TMF"):
        try:
            encode_document(obj, name)
        except SptError as exc:
            _check_error(exc)
    items = obj if isinstance(obj, list) else [obj]
    for n, item in enumerate(items[:8]):
        try:
            name, profile = _name_and_profile(item, NO_OPTIONS, f"[{n}].")
            encode_document(item, name, abi=profile.abi, cookie=profile.cookie)
        except SptError as exc:
            _check_error(exc)


def _lines(data: bytes) -> None:
    for lineno, line in enumerate(data.split(b"\n")[:64], 1):
        try:
            parse_line(line, lineno)
        except SptError as exc:
            _check_error(exc)
    try:
        ReplayTransport.from_lines(data.decode("utf-8", "surrogateescape").split("\n"))
    except SptError as exc:
        _check_error(exc)


def _captures(data: bytes) -> None:
    text = data.decode("utf-8", "replace")  # as decode's line reader does
    for fmt in ("jsonl", "irpmon-json"):
        for record in iter_capture_lines(text.splitlines(keepends=True), fmt):
            report = report_record(record)
            json.dumps(report.to_json(), ensure_ascii=False).encode("utf-8")
            str(record.meta.get("pid", "")), str(record.meta.get("status", ""))


# -- the input layer (issue 24) ----------------------------------------------------------------
SMALL_BOUND = 64


class _Endless(io.RawIOBase):
    """``unit`` repeated for ever (no seeking); raises past ``budget`` bytes read."""

    def __init__(self, unit: bytes, budget: int) -> None:
        self.unit, self.budget, self.read_so_far = unit or b"\0", budget, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.read_so_far > self.budget:
            raise AssertionError(f"read {self.read_so_far} bytes of an endless line")
        size = min(len(buffer), 4096)
        start = self.read_so_far % len(self.unit)
        buffer[:size] = (self.unit * (size // len(self.unit) + 2))[start:start + size]
        self.read_so_far += size
        return size


def _bounded(data: bytes) -> None:
    """bounded_lines under a small bound: each line is the input's, or its first bound + 1
    bytes; an endless line ends with one SptError before SKIP_FACTOR + 2 bounds are read."""
    wanted = [line[:SMALL_BOUND + 1] for line in io.BytesIO(data).readlines()]
    try:
        got = list(bounded_lines(io.BytesIO(data), SMALL_BOUND))
    except SptError as exc:  # a line past SKIP_FACTOR bounds
        _check_error(exc)
        return
    if got != wanted:
        raise AssertionError(f"bounded_lines gave {got!r}, expected {wanted!r}")
    budget = (SKIP_FACTOR + 3) * (SMALL_BOUND + 1) + 8192  # (the buffered reader reads ahead)
    endless = io.BufferedReader(_Endless(data.replace(b"\n", b""), budget))
    try:
        for _line in bounded_lines(endless, SMALL_BOUND):
            pass
    except SptError as exc:
        _check_error(exc)
        return
    raise AssertionError("an endless line ended without an error")


def _replay_outcome(make: object) -> tuple[str, int]:
    try:
        transport = make()  # type: ignore[operator]
    except SptError as exc:
        _check_error(exc)
        return str(exc).split(": ", 1)[-1], -1
    return "", transport.remaining()


def _replay_from_pipe(data: bytes) -> None:
    """``replay:/dev/fd/N`` (a pipe): the same records, or the same error, as the lines."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        try:
            os.write(write_end, data) if data else None
        except BrokenPipeError:
            pass
        finally:
            os.close(write_end)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        piped = _replay_outcome(lambda: ReplayTransport.from_file(f"/dev/fd/{read_end}"))
    finally:
        os.close(read_end)
        feeder.join()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if piped[1] != -1:
            raise AssertionError("a capture that is not UTF-8 replayed from a pipe") from None
        return
    lined = _replay_outcome(lambda: ReplayTransport.from_lines(text.split("\n")))
    if (piped[1] == -1) != (lined[1] == -1) or piped[1] != lined[1]:
        raise AssertionError(f"replay from a pipe: {piped!r}, from the lines: {lined!r}")


def test_one_input(data: bytes) -> None:
    _documents(data)
    _lines(data)
    _captures(data)
    _bounded(data)
    if len(data) < 60000:  # (one pipe buffer: the feeder never waits)
        _replay_from_pipe(data)


def main() -> None:
    sys.setrecursionlimit(10_000)  # so that unbounded recursion is found, not masked
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
