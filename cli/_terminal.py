"""What the terminal allows: colour, redrawn progress lines, and its width — decided here once.

* Colour: ``--color always``/``never`` decide; ``auto`` (the default) colours only a terminal,
  and never when ``NO_COLOR`` is set to anything non-empty (https://no-color.org) or
  ``TERM=dumb``.
* A progress line redraws itself with ``\\r`` and an erase sequence: only on a terminal, and
  not under ``TERM=dumb``.
* Width: ``COLUMNS`` when it is a positive number (as :func:`shutil.get_terminal_size` reads
  it), else the terminal's; ``None`` when the output is not a terminal and ``COLUMNS`` is not
  set — a file or a pipe gets lines as long as they are.  Prose lines (notes, evidence,
  findings, errors) are wrapped to it at spaces, never inside a word; tables and hex rows are
  not wrapped, and a hex dump narrows to 8 bytes a row when 16 would not fit.

Only :mod:`os` and :mod:`sys` (its pattern compiled on first use): the module is imported by
every command at start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from iscsitgt_spt.codec._lazy import lazy_pattern

__all__ = ["color_wanted", "columns", "hexdump_width", "interactive", "stdin_at_terminal",
           "wrap_prose"]

#: ``--color`` values.
COLOR_CHOICES = ("auto", "always", "never")

#: The columns a 16-byte hex dump row needs (offset, 16 cells, ASCII column, margins).
_HEX_ROW_16 = 80


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def interactive(stream: TextIO | None) -> bool:
    """Whether ``stream`` is a terminal that takes cursor control (not ``TERM=dumb``)."""
    return _isatty(stream) and os.environ.get("TERM") != "dumb"


def color_wanted(choice: str = "auto", stream: TextIO | None = None) -> bool:
    """Whether to colour what goes to ``stream`` (standard output by default)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return interactive(sys.stdout if stream is None else stream)


def columns(stream: TextIO | None = None) -> int | None:
    """The width to fit text to (see the module docstring), or ``None`` for no limit."""
    try:
        width = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        width = 0
    if width > 0:
        return width
    stream = sys.stdout if stream is None else stream
    if not _isatty(stream):
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None


def hexdump_width(width: int | None) -> int:
    """Bytes per hex dump row: 16, or 8 on a narrower screen."""
    return 8 if width is not None and width < _HEX_ROW_16 else 16


#: A prose line: a note, evidence, a finding, an error (indented or not), or a record title.
#: (Compiled on first use: output to a file or a pipe is not wrapped.)
_PROSE = lazy_pattern(r"^(\s*)((?:note|evidence|error|warning|info|profile|findings?)\b:?\s|"
                      r"record \d)")


def _wrap(line: str, width: int) -> Iterator[str]:
    """``line`` in lines of at most ``width`` characters, broken at spaces only; continuation
    lines are indented two more than the first.  A word longer than the width stays whole."""
    lead = line[: len(line) - len(line.lstrip())]
    current = lead
    for word in line.strip().split(" "):
        if current.strip() and len(current) + 1 + len(word) > width:
            yield current
            current = lead + "  " + word
        else:
            current += (" " if current.strip() else "") + word
    yield current


def wrap_prose(lines: Iterable[str], width: int | None) -> Iterator[str]:
    """``lines`` with the prose among them wrapped to ``width`` (see the module docstring);
    unchanged when ``width`` is ``None``."""
    for line in lines:
        if width is None or len(line) <= width or "\n" in line or not _PROSE().match(line):
            yield line
        else:
            yield from _wrap(line, width)


def stdin_at_terminal(command: str, named: bool, usage: str) -> bool:
    """Whether a command about to read standard input would wait at a terminal for text the
    user does not know to type.  Then it says so on stderr: with no input named, how to give
    one (``usage``; the caller stops, exit 2); with ``-`` named, that it is reading and how to
    end the input (the caller reads on)."""
    if not _isatty(sys.stdin):
        return False
    if named:
        sys.stderr.write(f"iscsitgt-spt {command}: reading standard input; paste the text, "
                         "then Ctrl-D (Ctrl-Z Enter on Windows)\n")
        return False
    sys.stderr.write(f"iscsitgt-spt {command}: error: no input: {usage}\n")
    return True
