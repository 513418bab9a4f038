"""SCSI sense data: fixed and descriptor formats, sense-key-specific bytes, ASC/ASCQ texts.

:func:`decode_sense` reads a bare sense buffer the way sg3_utils' ``sg_decode_sense`` does
(:mod:`.decoder`); the descriptor classes live in :mod:`.descriptors`; the ASC/ASCQ table,
taken from sg3_utils with its notice, in :mod:`.asc` and its package data.
"""

from __future__ import annotations

from iscsitgt_spt.codec.sense.asc import asc_ascq_text, describe_asc_ascq
from iscsitgt_spt.codec.sense.decoder import SenseInfo, decode_sense, parse_hex_sense

__all__ = [
    "SenseInfo",
    "asc_ascq_text",
    "decode_sense",
    "describe_asc_ascq",
    "parse_hex_sense",
]
