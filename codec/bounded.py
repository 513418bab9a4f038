"""Lines of a byte stream, none held past a bound: the one line reader of the input layer.

Every line-oriented input -- a ``send --fuzz-corpus`` corpus, a ``replay:`` capture, a text
capture ``decode`` reads -- can be endless (``/dev/zero``, ``yes``, a FIFO nobody closes) or hold
one line longer than any record could be.  Such a line is never held whole: the reader gets
its first ``bound`` + 1 bytes (which it refuses as too long: one broken record) and the rest
is skipped; a line that goes on for :data:`SKIP_FACTOR` times the bound without ending is not
line text at all, and ends the input with one error naming it.

The bounds themselves come from the record-size bound (``--max-record-size``):
:func:`~iscsitgt_spt.codec.safejson.json_text_bound` for JSON lines, :func:`text_line_bound`
for the text dumps.

A line of text ends at ``\n``, ``\r\n`` or ``\r`` (:func:`split_lines`), as :func:`open`
reads text, and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TypeVar

from iscsitgt_spt.spec.errors import InputFormatError

__all__ = ["SKIP_FACTOR", "bounded_lines", "ended_lines", "line_too_long", "split_lines",
           "text_line_bound", "until_error"]

#: How many bounds' worth of one over-long line are skipped before the input is given up.
SKIP_FACTOR = 4

#: Room for what a text line carries besides the bytes (an address, a printable column).
_TEXT_OVERHEAD = 1 << 16


#: The characters :meth:`str.splitlines` breaks a line at besides ``\n`` and ``\r``: no
#: capture tool ends a line with one, and a JSON string may hold each but the first five
#: unescaped (a JSON-Lines record holding U+2028 or U+0085 was cut in two).
_OTHER_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: A line and its end, or the unfinished last line.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of ``text``, each ended by ``\n``, ``\r\n`` or ``\r`` (the last one
    maybe by nothing): the line ends of every text input, Python's universal newlines.

    :meth:`str.splitlines` (C speed) when it breaks nowhere else: it gives as many lines as
    those ends (plus the unfinished last line), and the text does not end with another
    break, which would add no line (counting the ends costs about a third of splitting)."""
    if not keepends and "\r" not in text:  # ("\n" the one line end: the fastest split)
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()
        return lines
    lines = text.splitlines(keepends)
    if not text or text[-1] in _OTHER_BREAKS:
        return _universal(text, keepends) if text else lines
    ends = text.count("\n")
    if "\r" in text:
        ends += text.count("\r") - text.count("\r\n")
    if len(lines) == ends + (text[-1] not in "\r\n"):
        return lines
    return _universal(text, keepends)


def ended_lines(text: str) -> tuple[list[str], str]:
    """(the lines of ``text`` that end in it, the unfinished last line: ``""`` when the text
    ends with a line end), for a reader of text read a piece at a time.  A line comes with
    its end or without it (without where ``\n`` is the text's only line end: the fastest
    split); every capture reader takes both."""
    if "\r" not in text:
        lines = text.split("\n")
        return lines, lines.pop()
    lines = split_lines(text, keepends=True)
    return lines, lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""


def _universal(text: str, keepends: bool) -> list[str]:
    lines = _LINE.findall(text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


def text_line_bound(record_bytes: int) -> int:
    """Longest text line that can carry a record of ``record_bytes`` bytes.

    The widest spelling of a byte among the text formats is a C array's ``0x00,`` and a space (six
    characters); eight per byte leaves room for separators and line decorations.
    """
    return 8 * record_bytes + _TEXT_OVERHEAD


T = TypeVar("T")


def until_error(items: Iterable[T], failed: list[Exception]) -> Iterator[T]:
    """``items`` up to an error that ends the input (a line past the bound, a read that
    failed), which goes into ``failed`` instead of unwinding what reads them.  What was read
    before it is still the user's: the reader ends there as at the input's end (the record
    it held for the next line, a block not yet closed, a page not yet complete), and its
    caller raises the error after what it made of them."""
    try:
        yield from items
    except Exception as error:
        failed.append(error)


def line_too_long(lineno: int, past: int, bound: int, what: str) -> InputFormatError:
    """The error that ends an input whose line ``lineno`` goes on past ``past`` bytes."""
    return InputFormatError(
        f"line {lineno} goes on past {past} bytes without a line break "
        "(an endless input, or not line text)", path=what,
        expected=f"at most {bound} bytes a line",
    )


def bounded_lines(stream: BinaryIO, bound: int, what: str = "input") -> Iterator[bytes]:
    """The lines of ``stream`` (with their ``\\n``), none read past ``bound`` + 1 bytes.

    A longer line comes out as its first ``bound`` + 1 bytes, without a line end, and the
    rest of it is skipped, never held; past :data:`SKIP_FACTOR` bounds of skipping the input
    ends with :func:`line_too_long`.  ``stream`` is only read, never seeked: pipes and FIFOs
    work.
    """
    lineno = 0
    while line := stream.readline(bound + 1):
        lineno += 1
        if len(line) > bound and not line.endswith(b"\n"):
            _skip_rest(stream, bound, lineno, what)
        yield line


def _skip_rest(stream: BinaryIO, bound: int, lineno: int, what: str) -> None:
    skipped = 0
    while rest := stream.readline(bound + 1):
        if rest.endswith(b"\n"):
            return
        skipped += len(rest)
        if skipped > SKIP_FACTOR * bound:
            raise line_too_long(lineno, SKIP_FACTOR * bound, bound, what)
