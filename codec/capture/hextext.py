"""Readers for raw binary and plain hex text.

Plain hex is what people paste: bytes separated by spaces, commas, semicolons, tabs, hyphens or
newlines, optional ``0x`` prefixes, ``#`` comments, or one unbroken string of hex digits.
:func:`hex_line_bytes` reads one line; the splitter
(:mod:`~iscsitgt_spt.codec.capture.splitter`) makes records of blocks of them (a blank line
ends one, so several buffers can share one file).  ``??`` stands for an
unreadable byte.  A ``0x`` token longer than one byte (``0x1c000000``) is refused: it could be
a little-endian word or a byte string, and guessing would silently reorder bytes.

Dumps with addresses (``xxd``, ``hexdump -C`` ...) are read by
:mod:`~iscsitgt_spt.codec.capture.dumpblock`; ``xxd -p`` output is plain hex and ``xxd -i`` a
C array (:mod:`~iscsitgt_spt.codec.capture.bytestext`).
"""

from __future__ import annotations

import re

from iscsitgt_spt.codec.capture.records import read_raw

__all__ = [
    "hex_line_bytes",
    "read_raw",
]

_SEPARATORS = re.compile(r"[\s,;\-]+")
_HEX = re.compile(r"[0-9a-fA-F]+\Z")


def hex_line_bytes(line: str, lineno: int) -> bytes | list[int | None]:
    """The bytes of one plain-hex line (``None`` for ``??``); raises ValueError with a reason.

    A line of bytes only (unbroken, or pairs between spaces) is read by ``bytes.fromhex`` into
    half or a third of its size: a line of megabytes costs no token list (issue 24).
    """
    if "#" not in line:
        try:
            return bytes.fromhex(line)
        except ValueError:
            pass  # separators, 0x prefixes, ?? or a mistake: taken apart below
    values: list[int | None] = []
    text = line.split("#", 1)[0]
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        if token == "??":
            values.append(None)
            continue
        if token[:2] in ("0x", "0X"):
            digits = token[2:]
            if not _HEX.match(digits) or len(digits) > 2:
                raise ValueError(
                    f"line {lineno}: {token!r} is not one byte (a 0x token takes 1-2 hex "
                    "digits; write longer values as separate bytes)")
            values.append(int(digits, 16))
            continue
        if not _HEX.match(token):
            raise ValueError(f"line {lineno}: {token!r} is not hex")
        if len(token) % 2:
            raise ValueError(f"line {lineno}: {token!r} has an odd number of hex digits")
        values.extend(bytes.fromhex(token))
    return values
