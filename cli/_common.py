"""Options and input/output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, BinaryIO

from iscsitgt_spt.spec.profiles import ABIS, COOKIES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES

if TYPE_CHECKING:  # loaded on first use (module __getattr__ below)
    from iscsitgt_spt.cli.version import version_text

__all__ = [
    "ABIS",
    "COOKIES",
    "add_old_spelling",
    "add_profile_options",
    "available_cores",
    "jobs_option",
    "parse_int",
    "print_json",
    "profile_from",
    "read_json_document",
    "structure_name",
    "version_text",
    "write_bytes",
]


def add_old_spelling(parser: argparse.ArgumentParser, old: str, dest: str,
                     **kwargs: Any) -> None:
    """``old``, a spelling the option ``dest`` had before the one vocabulary of
    docs/cli.rst (``--output/-o`` files written, ``--format`` formats, ``--input/-i`` files
    read): still accepted, hidden from ``--help`` and the docs, for one release."""
    parser.add_argument(old, dest=dest, help=argparse.SUPPRESS, **kwargs)


def add_profile_options(parser: argparse.ArgumentParser, *, defaults: bool = True) -> None:
    """``--abi`` and ``--cookie``; with ``defaults=False`` they stay ``None`` (auto-detect)."""
    parser.add_argument(
        "--abi", choices=ABIS, default="win64" if defaults else None,
        help="ABI the buffer is laid out for" + (" (default: win64)" if defaults else
                                                  " (default: detect)"),
    )
    parser.add_argument(
        "--cookie", choices=COOKIES, default="u64" if defaults else None,
        help="assumed SESSION_COOKIE/TASK_COOKIE width: u64 = ULONGLONG, ptr = pointer-sized"
        + (" (default: u64)" if defaults else " (default: detect)"),
    )


def profile_from(args: argparse.Namespace) -> Profile:
    return Profile.of(args.abi, args.cookie)


def structure_name(text: str) -> str:
    """argparse type: a structure name, case-insensitive, with the choices in the error."""
    for name in STRUCTURES:
        if name.lower() == text.lower():
            return name
    raise argparse.ArgumentTypeError(
        f"unknown structure {text!r} (choose from {', '.join(STRUCTURES)})"
    )


def parse_int(text: str) -> int:
    """argparse type: decimal or 0x-hex integer."""
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def jobs_option(text: str) -> int:
    """``--jobs`` value: a positive number, or ``auto`` for the cores available."""
    if text.strip().lower() == "auto":
        return available_cores()
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of worker processes or 'auto', not {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"expected 1 to 1024 worker processes, not {value}")
    return value


def read_json_document(path: str) -> Any:
    """The JSON document in FILE (or standard input for ``-``), read safely.

    At most one byte more than the JSON text bound of the record-size bound is read, so an
    endless or huge input costs that much, and the text goes through the one JSON reader
    (:func:`~iscsitgt_spt.codec.safejson.read_json`): any failure is one line with a position.
    """
    from iscsitgt_spt.cli._input import open_source
    from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
    from iscsitgt_spt.codec.jsonform import load_json
    from iscsitgt_spt.codec.safejson import json_text_bound

    bound = json_text_bound(MAX_RECORD_SIZE)
    with ExitStack() as stack:
        text = open_source(path, stack, "--input").stream.read(bound + 1)
    return load_json(text, "stdin" if path == "-" else path, max_record_bytes=bound)


def write_bytes(data: bytes, stream: BinaryIO | None = None) -> None:
    out = stream or sys.stdout.buffer
    out.write(data)
    out.flush()


def print_json(obj: Any, *, compact: bool = False) -> None:
    import json

    if compact:
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    else:
        text = json.dumps(obj, indent=2, ensure_ascii=False)
    # Two writes: ``text + "\n"`` would copy a document holding a large buffer once more.
    sys.stdout.write(text)
    sys.stdout.write("\n")


def __getattr__(name: str) -> Any:
    """``version_text``, re-exported from :mod:`iscsitgt_spt.cli.version` on first use (a
    command that prints no version does not load it)."""
    if name == "version_text":
        from iscsitgt_spt.cli.version import version_text

        return version_text
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
