"""Coverage-guided fuzzing of the capture readers with atheris (libFuzzer).

Not collected by pytest (``norecursedirs = fuzz``).  Every input is treated as a file given
to ``iscsitgt-spt decode``: it goes through the command's own ``open_records`` (format
detection, then the streamed line readers or the whole-input readers) and ``emit_reports``,
once with format detection in every output mode (text, ``--hexdump`` text, ``--json``) and once
forced to each input format (``--input FORMAT``) in one output mode chosen by the input.

The contract: nothing but one of our :class:`~iscsitgt_spt.spec.errors.SptError` subclasses
escapes (the CLI turns those into one line and exit 2), every error is one line, the output is
UTF-8 text (written through a strict encoder: a lone surrogate reaching the output is a finding)
and every ``--json`` line is JSON.  See ``tests/fuzz/README.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zlib

import atheris

with atheris.instrument_imports():
    from iscsitgt_spt.cli.decode import emit_reports, open_records
    from iscsitgt_spt.codec.capture.detect import FORMATS
    from iscsitgt_spt.spec.errors import SptError

MODES = ({"json": False, "hexdump": False}, {"json": False, "hexdump": True},
         {"json": True, "hexdump": False})


def _args(mode: dict[str, bool]) -> argparse.Namespace:
    return argparse.Namespace(command="decode", name=None, ioctl=None, abi=None, cookie=None,
                              diagnostics=True, verbose=True, color="never", **mode)


def _decode(data: bytes, fmt: str, mode: dict[str, bool]) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    multi = False
    try:
        found, records, multi = open_records(io.BytesIO(data), fmt)
        emit_reports(records, found, multi, _args(mode))
    except SptError as exc:
        if "\n" in str(exc):
            raise AssertionError(f"error of more than one line: {str(exc)!r}") from None
        return
    finally:
        sys.stdout, sys.stderr = saved
    out.flush()
    text = out.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    if mode["json"]:
        # One buffer prints one indented document; several records print JSON Lines.
        for document in text.splitlines() if multi else [text] if text else []:
            json.loads(document)


def test_one_input(data: bytes) -> None:
    for mode in MODES:
        _decode(data, "auto", mode)
    pick = zlib.crc32(data)
    for n, fmt in enumerate(FORMATS):
        _decode(data, fmt, MODES[(pick + n) % len(MODES)])


def main() -> None:
    sys.setrecursionlimit(10_000)  # so that unbounded recursion is found, not masked
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
