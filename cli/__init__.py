"""The ``iscsitgt-spt`` command line: a thin layer over the library.

Each subcommand lives in its own module of this package with two functions,
``register(subparsers) -> argparse.ArgumentParser`` and ``run(args) -> int``; this module
only assembles them and turns our errors into one line on stderr and an exit code.

Exit codes mean one thing each, in every command:

* **0** done.  For ``decode`` and ``demo``: every record decoded, whatever its findings
  (findings are output, not failure; ``demo``'s sample holds a record broken on purpose).
* **1** done, but failed somewhere: a record could not be decoded whole (``decode``: a
  broken record of a capture, a buffer cut short); a finding reached ``--fail-on LEVEL``
  (``decode``, ``demo``); a single ``send`` request failed (a non-zero ReturnCode, a failing
  TMF Response, CHECK CONDITION, a failed DeviceIoControl); a transport failure during
  ``send --fuzz-corpus`` (the target's own failure answers are results there, and are
  summarised).  One line on stderr says why.
* **2** unusable input or usage (our :class:`SptError`, argparse errors): one line naming
  the member path and byte offset where there is one.
* **130** interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from iscsitgt_spt.spec.errors import SptError

__all__ = [
    "COMMANDS", "EXIT_FAILED", "EXIT_FINDINGS", "EXIT_INPUT", "EXIT_OK", "build_parser", "main",
]

EXIT_OK = 0
EXIT_FAILED = 1
#: The former name of EXIT_FAILED, from when findings failed a run; they no longer do.
EXIT_FINDINGS = EXIT_FAILED
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

#: The exit-code contract in one paragraph, for ``iscsitgt-spt --help``.
EXIT_CODES_HELP = (
    "Exit status: 0 done (decode, demo: every record decoded, whatever its findings); "
    "1 done but failed somewhere (a record could not be decoded, a finding reached "
    "--fail-on, a send request failed, a transport failure during send --fuzz-corpus); "
    "2 unusable input or usage; 130 interrupted."
)

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "demo", "decode", "encode", "layout", "header", "export", "sense", "fuzz", "send",
    "samples",
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
        epilog=EXIT_CODES_HELP,
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
