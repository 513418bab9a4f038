"""Which tool printed a dump: the commands whose output the block reader knows, their names.

A dump row does not say which tool printed it, but the command before it often does (WinDbg
``dd``, ``xxd -e``, ``od -t x4``), and so does a format the caller names (``--input
windbg-dd``).  What that tells the block reader
(:mod:`~iscsitgt_spt.codec.capture.dumpblock`) is kept here: which commands print words as
little-endian numbers, which print bytes in memory order, which print one word and a symbol
per row, and the name a record's ``source_format`` gets.
"""

from __future__ import annotations

import re

from iscsitgt_spt.codec.capture.anatomy import Row

__all__ = ["HINTS", "LITTLE_COMMANDS", "MEMORY_COMMANDS", "SINGLE_WORD", "tool_name"]

#: Named dump formats -> the command whose output they are (it decides the byte order of
#: multi-byte groups when no ascii column does, and which rows hold one word and a symbol).
HINTS = {
    "xxd": "xxd", "hexdump-C": "hexdump -C", "frida": "",
    "windbg-db": "db", "windbg-dc": "dc", "windbg-dd": "dd", "windbg-dq": "dq",
}

#: Commands that print words as numbers (little-endian in memory), and that print byte pairs.
LITTLE_COMMANDS = re.compile(
    r"^\s*!?d[wdqp]|^\s*!?dc\b|^\s*xxd\b.*\s-e\b|^\s*hexdump\s*(?!.*-C)|^\s*od\b.*-t\s*x[248]",
    re.I)
MEMORY_COMMANDS = re.compile(r"^\s*xxd\b|^\s*(?:px|pxw?)\b", re.I)
#: WinDbg commands printing one word per row, then a symbol or the memory it points to.
SINGLE_WORD = re.compile(r"^\s*d[dqp][spau]\b", re.I)
_WINDBG_COMMAND = re.compile(r"^\s*(!?d[bcwdqp][a-z]?)\b", re.I)
#: lldb's ``memory read`` as typed: the command, an abbreviation lldb accepts (``mem read``,
#: ``me rea``; ``r`` and ``re`` are ambiguous with ``region``), or its ``x`` alias.  Its byte
#: rows (``0x...: 1c 00 ...  ascii``) are no other tool's we know, but only the command says lldb.
_LLDB_READ = re.compile(r"^\s*(?:me(?:m(?:o(?:ry?)?)?)?\s+read?|x)(?:\s|$)")


def tool_name(row: Row, command: str) -> str:
    """A name for the tool whose rows these are (the record's ``source_format``)."""
    windbg = _WINDBG_COMMAND.match(command)
    if windbg:
        return "windbg-" + windbg.group(1).lower().lstrip("!")
    if row.physical:
        return "windbg-physical"
    ascii_text = row.ascii or ""
    if ascii_text.startswith("|"):
        return "hexdump-C"
    if ascii_text.startswith(">"):
        return "od"
    if "`" in row.address_text or (row.width == 4 and len(row.address) == 8 and not row.marked):
        names = {1: "windbg-db", 2: "windbg-dw", 4: "windbg-dd", 8: "windbg-dq"}
        name = names[row.width]
        return "windbg-dc" if name == "windbg-dd" and row.ascii else name
    if row.address_text.lower().startswith("0x"):
        # radare2's px rows hold a bare 0x offset; a colon after it is lldb's (or unknown).
        if not row.address_text.endswith(":"):
            return "radare2"
        return "lldb" if _LLDB_READ.match(command) else "dump"
    if row.address_text.endswith(":"):
        return "xxd" if row.width > 1 or row.ascii is None else "hexdump-py"
    return "hexdump" if row.width == 2 and row.ascii is None else "dump"
