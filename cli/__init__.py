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
import contextlib
import gc
import gettext
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = [
    "COMMANDS", "EXIT_FAILED", "EXIT_INPUT", "EXIT_OK", "build_parser", "main",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

#: The exit-code contract in one paragraph, for ``iscsitgt-spt --help``.
EXIT_CODES_HELP = (
    "Exit status: 0 done (decode, demo: every record decoded, whatever its findings); "
    "1 done but failed somewhere (a record could not be decoded, a finding reached "
    "--fail-on, a send request failed, a transport failure during send --fuzz-corpus); "
    "2 unusable input or usage; 130 interrupted."
)


def _interrupted_at_start_up(signum: int, frame: object) -> None:
    """Ctrl-C while the command line is still loading: one line and status 130 (Python's
    own handler would print a KeyboardInterrupt traceback from whatever was importing)."""
    with contextlib.suppress(OSError):  # (standard error may be closed)
        os.write(2, b"iscsitgt-spt: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


def _started_as_command() -> bool:
    """Whether this process is the ``iscsitgt-spt`` command (its script, or ``python -m
    iscsitgt_spt``) rather than a program that imports the package (Sphinx, pytest)."""
    script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    name = os.path.basename(script)
    return name.startswith("iscsitgt-spt") or (
        name == "__main__.py" and os.path.basename(os.path.dirname(script)) == "iscsitgt_spt")


def _interrupt_again(unraisable: Any) -> None:
    """``sys.unraisablehook`` while the command runs: a Ctrl-C that landed where Python
    cannot raise it (a weakref callback of the import system's module locks: Python prints
    "Exception ignored" with a traceback and goes on, and the command would end as if never
    interrupted) is raised again, at the command's next line, which reports it as any
    interrupt: one line and status 130.  Anything else goes to Python's own hook."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)
        return
    here = sys._getframe()

    def raise_once(frame: Any, event: str, arg: Any) -> None:
        # The first event past this hook is the command's own code again (an exception
        # raised from a profile function propagates there, and the function is dropped).
        if frame is not here:
            sys.setprofile(None)
            raise KeyboardInterrupt

    sys.setprofile(raise_once)


if signal.getsignal(signal.SIGINT) is signal.default_int_handler and _started_as_command():
    # Installed as this package loads, the first thing the command does; ``main`` hands
    # interrupts back to Python once it can report them itself.
    signal.signal(signal.SIGINT, _interrupted_at_start_up)

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "demo", "decode", "encode", "layout", "header", "export", "sense", "fuzz", "send",
    "samples",
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


class _VersionAction(argparse.Action):
    """``--version``, with the version read (``importlib.metadata``) only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from iscsitgt_spt.cli.version import version_text

        sys.stdout.write(version_text() + "\n")  # where argparse's own version action writes
        parser.exit()


def _columns() -> int:
    """The width help is wrapped to: ``COLUMNS``, then standard output's terminal, else 80
    (:func:`iscsitgt_spt.cli._terminal.columns`, which decides it for every command)."""
    from iscsitgt_spt.cli._terminal import columns

    return columns(sys.__stdout__) or 80


def _argparse_text(message: str) -> str:
    """argparse's ``_`` while :func:`build_parser` builds: :func:`gettext.gettext`, which
    searches for a catalog on every call (and imports :mod:`locale`, about 1 ms, to spell the
    language names it tries).  Where the domain's catalog directory does not exist there is
    no catalog to find, and gettext would give the message itself: so does this, at once."""
    if os.path.isdir(gettext.bindtextdomain(gettext.textdomain())):
        return gettext.gettext(message)
    return message


#: The width read once while :func:`build_parser` builds (argparse makes a formatter for every
#: argument it adds, only to check its metavar: twenty look-ups of the terminal per command).
_BUILDING: list[int] = []


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, the width read without :mod:`shutil`.

    ``HelpFormatter`` imports shutil (and with it bz2, lzma and zlib, 3 ms) for the terminal
    width, and ``add_argument`` makes a formatter for every argument: every run paid for it.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            width = (_BUILDING[0] if _BUILDING else _columns()) - 2
        super().__init__(prog, indent_increment, max_help_position, width)

    # argparse wraps with textwrap's defaults, which cut a word longer than the line (a
    # device spec, a path) anywhere, and split at hyphens (an option name): a word that does
    # not fit overflows its line instead, whole, so it can still be read and copied.
    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommand parsers (made with ``type(self)``) share its
    formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; with every subcommand unless ``commands`` names the ones to load.

    The full parser is what ``--help`` prints and what the docs' CLI reference is generated
    from; a run that names its command builds the parser of that command only, so it imports
    no other subcommand module (start-up time).
    """
    _BUILDING[:] = [_columns()]
    translate, argparse._ = argparse._, _argparse_text  # type: ignore[attr-defined]
    try:
        parser = _Parser(
            prog="iscsitgt-spt",
            description="Spec and codec for the Windows iSCSI Target pass-through IOCTL "
            "structures.",
            epilog=EXIT_CODES_HELP,
        )
        parser.add_argument("--version", action=_VersionAction)
        sub = parser.add_subparsers(dest="command", metavar="COMMAND")
        for name in COMMANDS if commands is None else commands:
            module = _load(name)
            if module is None:
                continue
            command = module.register(sub)
            command.set_defaults(_run=module.run)
    finally:
        # (help printed later reads the terminal, and gettext, as they are then)
        _BUILDING.clear()
        argparse._ = translate  # type: ignore[attr-defined]
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


def _parse_at_start_up(
    argv: list[str],
) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    """Load the command and parse ``argv`` with the cyclic garbage collector paused.

    Start-up allocates long-lived objects only (modules, the spec's construct trees, the
    parser), so the collector would scan them again and again, and once more at exit, to
    find nothing.  What loading made is frozen out of later collections
    (:func:`gc.freeze`); the command itself runs with the collector on.  Only the process
    entry point does this: a program calling :func:`main` with its own arguments keeps its
    collector as it is.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        parser = build_parser(_chosen(argv))
        return parser, parser.parse_args(argv)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _say(command: str | None, message: str) -> None:
    """One line on stderr, after what standard output holds (which may fail: ignored then,
    the exit status already says something went wrong)."""
    from iscsitgt_spt.cli._output import one_line

    # The error shown is the first one; the exit status says the rest.
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    name = f"iscsitgt-spt {command}" if command else "iscsitgt-spt"
    print(f"{name}: {one_line(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: the process's); the exit status.

    Standard output is flushed here, inside the handling, for ``--help`` and ``--version``
    (which end in ``SystemExit``) as for every command.
    """
    from iscsitgt_spt.cli._output import OutputError, drop_output, finish_output

    code = EXIT_OK
    try:
        if argv is None:
            # Interrupts raise again from here: the handling below reports them.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            sys.unraisablehook = _interrupt_again
        try:
            code = _main(argv)
        except SystemExit:
            finish_output()
            raise
        finish_output()  # a failed write is reported, never dropped at exit
        return code
    except KeyboardInterrupt:
        _say(_Current.command, "interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): not an error, as for the POSIX tools.  A command
        # that had finished keeps its own status (a record it could not decode is still 1).
        drop_output()
        return code
    except OutputError as exc:
        drop_output()
        _say(_Current.command, f"error: {exc}")
        return EXIT_FAILED
    except Exception as exc:
        # A --jobs worker that died (cli._jobs.WorkerLost: only where that module was loaded,
        # so that no other command loads it at start-up).
        jobs = sys.modules.get("iscsitgt_spt.cli._jobs")
        if jobs is None or not isinstance(exc, jobs.WorkerLost):
            raise
        try:
            finish_output()  # what the workers before it gave
        except (OutputError, BrokenPipeError):
            drop_output()  # (the status is 1 already)
        _say(_Current.command, f"error: {exc}")
        return EXIT_FAILED


class _Current:
    """The command being run, for messages of the handlers that outlive it."""

    command: str | None = None


def _main(argv: Sequence[str] | None) -> int:
    from iscsitgt_spt.cli._output import prepare_streams

    _Current.command = None
    if (problem := prepare_streams()) is not None:
        print(f"iscsitgt-spt: error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    if argv is None:  # the process's own command line: this run owns the interpreter
        parser, args = _parse_at_start_up(sys.argv[1:])
    else:
        parser = build_parser(_chosen(argv))
        args = parser.parse_args(list(argv))
    if getattr(args, "_run", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    _Current.command = args.command
    from iscsitgt_spt.spec.errors import SptError  # after parsing: --version needs no spec

    try:
        code: int = args._run(args)
        return code
    except SptError as exc:
        help_text = getattr(exc, "help_text", None)  # e.g. sim:fault=help: a list, not an error
        if isinstance(help_text, str):
            print(help_text)  # (a reader that went away: main's handling)
            return EXIT_OK
        _say(args.command, f"error: {exc}")
        return EXIT_INPUT
    except BrokenPipeError:
        raise  # main's: a reader may go away outside a command too
    except OSError as exc:
        name = getattr(exc, "filename", None)
        where = f": {os.fsdecode(name)}" if isinstance(name, (str, bytes)) else ""
        _say(args.command, f"error: {exc.strerror or exc}{where}")
        return EXIT_INPUT
