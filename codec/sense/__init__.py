"""SCSI sense data: fixed and descriptor formats, sense-key-specific bytes, ASC/ASCQ texts.

:func:`decode_sense` reads a bare sense buffer the way sg3_utils' ``sg_decode_sense`` does
(:mod:`.decoder`).  The descriptor classes live by the standard that defines them — SPC-4's
first set and the sense-key-specific field in :mod:`.descriptors`, SAT-4's ATA registers in
:mod:`.ata`, SBC-4's in :mod:`.sbc`, SPC-5's newer ones in :mod:`.spc` (with the VPD 83h
designation descriptor in :mod:`.designation`) — and :mod:`.walk` reads the descriptor list;
:mod:`.decoder` re-exports them all.  The ASC/ASCQ table, taken from sg3_utils with its
notice, is in :mod:`.asc` and its package data.
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
