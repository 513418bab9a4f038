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
from types import ModuleType

__all__ = ["COMMANDS", "EXIT_FINDINGS", "EXIT_INPUT", "EXIT_OK", "build_parser", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "demo", "decode", "encode", "layout", "header", "export", "sense", "fuzz", "send",
)


def _load(name: str) -> ModuleType | None:
    """The subcommand module ``name``, or ``None`` when it is not installed (the device layer
    is optional: ``send`` is listed only where it can run)."""
    try:
        return importlib.import_module(f"iscsitgt_spt.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"iscsitgt_spt.cli.{name}":
            raise
        return None


def _available() -> list[str]:
    return [name for name in COMMANDS if _load(name) is not None]


class _VersionAction(argparse.Action):
    """``--version``, with the version read (``importlib.metadata``) only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from iscsitgt_spt.cli._version import version_text

        sys.stdout.write(version_text() + "\n")  # where argparse's own version action writes
        parser.exit()


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; with every subcommand unless ``commands`` names the ones to load.

    The full parser is what ``--help`` prints and what the docs' CLI reference is generated
    from; a run that names its command builds the parser of that command only, so it imports
    no other subcommand module (start-up time).
    """
    parser = argparse.ArgumentParser(
        prog="iscsitgt-spt",
        description="Spec and codec for the Windows iSCSI Target pass-through IOCTL structures.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if commands is None else commands:
        module = _load(name)
        if module is None:
            continue
        command = module.register(sub)
        command.set_defaults(_run=module.run)
    return parser


def _chosen(argv: Sequence[str]) -> list[str] | None:
    """The subcommands a run needs, when that is certain before parsing: the command it
    starts with, or none at all for ``--version``; ``None`` (all of them) for help, a typo or
    no command, which list every command."""
    if argv and argv[0] in COMMANDS and _load(argv[0]) is not None:
        return [argv[0]]
    if argv and len(argv[0]) > 2 and "--version".startswith(argv[0]):
        return []
    return None


def main(argv: Sequence[str] | None = None) -> int:
    from iscsitgt_spt.cli._output import prepare_streams

    if (problem := prepare_streams()) is not None:
        print(f"iscsitgt-spt: error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    args_list = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_chosen(args_list))
    args = parser.parse_args(args_list)
    if getattr(args, "_run", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    from iscsitgt_spt.spec.errors import SptError  # after parsing: --version needs no spec

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
