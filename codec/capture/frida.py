"""Reader for the output of Frida's ``hexdump()``.

Following frida-gum's ``bindings/gumjs/runtime/hexdump.js``: an optional header row (the
address column left blank, then `` 0  1  2 ... F`` and ``0123456789ABCDEF``), then rows of
``<address padded to at least 8 hex digits>  xx xx ... xx  <ascii>`` with 16 bytes a row, no
extra gap in the middle and no ``|`` around the ascii.  With ``ansi: true`` every address and
byte is wrapped in colour escapes (``ESC[0;32m``, ``ESC[0;33m``, ``ESC[0m``); they are stripped
before a line is read.  A header row starts a new dump, so several ``hexdump()`` results in one
console log come out as several records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from iscsitgt_spt.codec.capture.dumps import Line, iter_dumps
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE, RawRecord

__all__ = ["classify_frida", "iter_frida", "strip_ansi"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_HEADER = re.compile(r"^\s*0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+A\s+B\s+C\s+D\s+E\s+F"
                     r"\s+0123456789ABCDEF\s*$")
_ROW = re.compile(r"^\s*([0-9a-fA-F]{8,16})  (\S.*)$")
_BYTE = re.compile(r"[0-9a-fA-F]{2}\Z")


def strip_ansi(text: str) -> str:
    """``text`` without ANSI colour/escape sequences."""
    return _ANSI.sub("", text)


def classify_frida(text: str, state: dict[str, object]) -> Line:
    """One line of ``hexdump()`` output."""
    text = strip_ansi(text)
    if not text.strip():
        return Line("blank")
    if _HEADER.match(text):
        return Line("sep")
    match = _ROW.match(text)
    if match:
        # Bytes are single-space separated; two spaces start the ascii column.
        tokens = match.group(2).split("  ", 1)[0].split(" ")
        if 0 < len(tokens) <= 16 and all(_BYTE.match(t) for t in tokens):
            return Line("row", address=int(match.group(1), 16),
                        values=tuple(int(t, 16) for t in tokens))
    return Line("bad", message=f"not a Frida hexdump row: {text.strip()[:60]!r}")


def iter_frida(
    lines: Iterable[str], start: int = 1, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Records from Frida ``hexdump()`` output, one per dump."""
    return iter_dumps(lines, "frida", classify_frida, start, limit)
