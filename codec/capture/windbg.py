"""Reader for WinDbg/KD memory dumps: ``db``, ``dc``, ``dd`` and ``dq`` output.

Rows look like::

    0:000> db @rdx L40
    00000143`38808600  1c 00 00 00 49 53 43 53-49 54 47 54 3c 00 00 00  ....ISCSITGT<...
    0:000> dd @rdx L4
    00000143`38808600  0000001c 53435349 54475449 0000003c
    0:000> dq @rdx L2
    00000143`38808600  53435349`0000001c 0000003c`54475449

``db`` prints bytes (a ``-`` between the 8th and 9th), ``??`` for unreadable memory.  ``dd`` and
``dc`` print little-endian 32-bit words, ``dq`` 64-bit words with a backtick between the
halves; the words are turned back into the bytes in memory order (``0000001c`` is
``1c 00 00 00``).  ``dc`` adds an ascii column after two spaces; only the text before those two
spaces is read, so ascii that happens to look like hex is never taken for a word.

A prompt line (``0:000>``, ``kd>``, ``1: kd>``) starts a new dump and its command (``db``,
``dc``, ``dd``, ``dq``) says how to read the rows; without a prompt the format name given to
the reader decides.  Output of any other command is skipped; a prompt followed by an error
message (``Memory access error``) yields an error record for that command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from iscsitgt_spt.codec.capture.dumps import Line, iter_dumps
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE, RawRecord

__all__ = ["WINDBG_FORMATS", "classify_windbg", "iter_windbg", "prompt_command"]

WINDBG_FORMATS = {"db": "windbg-db", "dc": "windbg-dc", "dd": "windbg-dd", "dq": "windbg-dq"}

_PROMPT = re.compile(r"^\s*(?:\d+:\s*)?(?:\d+:\d+(?::\w+)?|l?kd)>\s?(.*)$")
_ADDRESS = r"[0-9a-fA-F]{8}(?:`[0-9a-fA-F]{8})?|[0-9a-fA-F]{16}"
_ROW = re.compile(rf"^\s*({_ADDRESS})\s\s?(\S.*)$")
_BYTE = re.compile(r"[0-9a-fA-F]{2}\Z")
_WORD = re.compile(r"[0-9a-fA-F]{8}\Z")
_QWORD = re.compile(r"[0-9a-fA-F]{8}`[0-9a-fA-F]{8}\Z")
_COMMAND = re.compile(r"^\s*(d[bcdq])\b", re.IGNORECASE)


def prompt_command(text: str) -> str | None:
    """The command after a WinDbg prompt, or ``None`` when ``text`` is not a prompt line."""
    match = _PROMPT.match(text)
    return None if match is None else match.group(1).strip()


def _bytes(region: str) -> tuple[int | None, ...] | None:
    values: list[int | None] = []
    for token in region.replace("-", " ").split():
        if token == "??":
            values.append(None)
        elif _BYTE.match(token):
            values.append(int(token, 16))
        else:
            return None
    return tuple(values) if len(values) <= 16 else None


def _words(region: str, width: int) -> tuple[int | None, ...] | None:
    values: list[int | None] = []
    pattern, unknown = (_WORD, "????????") if width == 4 else (_QWORD, "????????`????????")
    for token in region.split():
        if token == unknown:
            values.extend([None] * width)
        elif pattern.match(token):
            values.extend(int(token.replace("`", ""), 16).to_bytes(width, "little"))
        else:
            return None
    return tuple(values)


def classify_windbg(text: str, state: dict[str, object]) -> Line:
    """One line of a WinDbg session; ``state['kind']`` is the current dump command."""
    if not text.strip():
        return Line("blank")
    command = prompt_command(text)
    if command is not None:
        match = _COMMAND.match(command)
        if match is None:
            state["ignore"] = True
            return Line("blank")
        kind = match.group(1).lower()
        state["kind"], state["ignore"] = kind, False
        return Line("sep", meta={"command": command}, source_format=WINDBG_FORMATS[kind])
    if state.get("ignore"):
        return Line("skip")
    kind = str(state.get("kind", "db"))
    match = _ROW.match(text)
    if match:
        # The values end at the two spaces before the ascii column (db, dc).
        region = match.group(2).split("  ", 1)[0]
        values = _bytes(region) if kind == "db" else _words(region, 8 if kind == "dq" else 4)
        if values:
            address = int(match.group(1).replace("`", ""), 16)
            return Line("row", address=address, values=values,
                        source_format=WINDBG_FORMATS[kind])
    return Line("bad", message=f"not a WinDbg {kind} row: {text.strip()[:60]!r}")


def iter_windbg(
    lines: Iterable[str], fmt: str = "windbg-db", start: int = 1, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Records from WinDbg output, one per dump; ``fmt`` decides rows without a prompt."""
    kinds = {name: kind for kind, name in WINDBG_FORMATS.items()}
    if fmt not in kinds:
        raise ValueError(f"not a WinDbg format: {fmt!r}")
    state: dict[str, object] = {"kind": kinds[fmt]}

    def classify(text: str, _state: dict[str, object]) -> Line:
        return classify_windbg(text, state)

    return iter_dumps(lines, fmt, classify, start, limit)
