"""The ``iscsitgt-spt`` command line: a thin layer over the library.

Each subcommand lives in its own module of this package with two functions,
``register(subparsers) -> argparse.ArgumentParser`` and ``run(args) -> int``; this module
only assembles them and turns our errors into one line on stderr and an exit code:

* 0 success, 1 the input decoded but the tool found a problem (lint errors, a failed
  request), 2 bad usage or bad input (our :class:`SptError`), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from iscsitgt_spt.spec.errors import SptError

__all__ = ["COMMANDS", "EXIT_FINDINGS", "EXIT_INPUT", "EXIT_OK", "build_parser", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "demo", "decode", "encode", "layout", "header", "export", "sense", "fuzz", "send",
)


def _available() -> list[str]:
    names = []
    for name in COMMANDS:
        try:
            importlib.import_module(f"iscsitgt_spt.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"iscsitgt_spt.cli.{name}":
                raise
            continue
        names.append(name)
    return names


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also what the docs' CLI reference is generated from)."""
    parser = argparse.ArgumentParser(
        prog="iscsitgt-spt",
        description="Spec and codec for the Windows iSCSI Target pass-through IOCTL structures.",
    )
    from iscsitgt_spt.cli._common import version_text

    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _available():
        module = importlib.import_module(f"iscsitgt_spt.cli.{name}")
        command = module.register(sub)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from iscsitgt_spt.cli._output import prepare_streams

    if (problem := prepare_streams()) is not None:
        print(f"iscsitgt-spt: error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    try:
        code: int = args._run(args)
        return code
    except SptError as exc:
        print(f"iscsitgt-spt {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"iscsitgt-spt {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): not an error worth a traceback.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        print(f"iscsitgt-spt {args.command}: error: {exc.strerror or exc}: "
              f"{getattr(exc, 'filename', '') or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_INPUT
