"""Sense bytes from the hex text people paste: ``f0 00 03``, ``f0,00,03``, ``0xf0`` or ``f00003``.

Kept apart from :mod:`.decoder` (which takes bytes) and re-exported by it.
"""

from __future__ import annotations

import re

from iscsitgt_spt.spec.errors import InputFormatError

__all__ = ["parse_hex_sense"]

_HEX_TOKEN = re.compile(r"(?:0[xX])?([0-9a-fA-F]+)")


def parse_hex_sense(text: str) -> bytes:
    """Bytes from hex text: ``f0 00 03``, ``f0,00,03``, ``0xf0 0x00`` or ``f00003``.

    Tokens are separated by white space and/or commas; a token of one or two digits is one
    byte (``sg_decode_sense`` reads ``3`` as 03h), a longer one a run of two-digit bytes.
    """
    out = bytearray()
    for match in re.finditer(r"[^\s,]+", text):
        token = match.group()
        hexed = _HEX_TOKEN.fullmatch(token)
        if hexed is None:
            raise InputFormatError("not a hex byte", path="sense", offset=match.start(),
                                   expected="hex digits", actual=repr(token))
        digits = hexed.group(1)
        if len(digits) > 2 and len(digits) % 2:
            raise InputFormatError("odd number of hex digits", path="sense",
                                   offset=match.start(), expected="whole bytes",
                                   actual=repr(token))
        out += bytes.fromhex(digits.zfill(2))
    if not out:
        raise InputFormatError("no hex bytes given", path="sense", expected="hex bytes",
                               actual=repr(text[:20]))
    return bytes(out)
