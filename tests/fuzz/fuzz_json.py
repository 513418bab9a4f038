"""Coverage-guided fuzzing of every JSON input with atheris (libFuzzer).

Not collected by pytest (``norecursedirs = fuzz``).  Every input is fed, unchanged, to each
place a user's JSON enters the tool:

* ``encode`` documents: :func:`~iscsitgt_spt.codec.jsonform.load_json` then
  :func:`~iscsitgt_spt.codec.documents.encode_document`, with and without a NAME;
* ``send`` request lists: the same text as ``send`` reads it (an object or a list), through the
  command's own ``_name_and_profile`` and ``encode_document`` for every item;
* fuzz corpora (``send --fuzz-corpus``): every line, as bytes, through ``parse_line``;
* replay files (``replay:FILE``): the text through ``ReplayTransport.from_lines``;
* JSONL captures and IRPMon JSON exports: through the capture readers, every record turned
  into a report and printed in text and JSON form.

The contract: nothing but one of our :class:`~iscsitgt_spt.spec.errors.SptError` subclasses
escapes, every error renders as one line (``str(exc)``), and whatever is printed encodes as
UTF-8.  Anything else is a finding (libFuzzer writes ``crash-*``).  See ``tests/fuzz/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys

import atheris

with atheris.instrument_imports():
    from iscsitgt_spt.cli.send import _name_and_profile
    from iscsitgt_spt.codec.analysis.report import report_record
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


def test_one_input(data: bytes) -> None:
    _documents(data)
    _lines(data)
    _captures(data)


def main() -> None:
    sys.setrecursionlimit(10_000)  # so that unbounded recursion is found, not masked
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
