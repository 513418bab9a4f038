"""The buffer's own header as evidence, when the text alone leaves the bytes open.

Hex words without an address or printable column (``od -t x4 -A n``, a paste of
``1c000000 49534353 ...``) are either bytes in memory order or native little-endian numbers;
the text cannot tell.  The buffers this project reads describe themselves: an
``SRB_IO_CONTROL`` starts with ``HeaderLength == sizeof(SRB_IO_CONTROL)``, a
``SCSI_PASS_THROUGH_DIRECT`` with its own ``Length``.  A reading whose first bytes are such a
header is the one the tool printed; the record says so in ``meta["evidence"]``.
"""

from __future__ import annotations

__all__ = ["header_evidence"]


def header_evidence(data: bytes) -> str | None:
    """What in ``data``'s first bytes makes it a buffer of this spec, or ``None``."""
    from iscsitgt_spt.codec.dispatch import identify  # loaded only when a block needs it
    from iscsitgt_spt.spec.errors import SptError

    try:
        name = identify(data)
    except SptError:
        return None
    if name == "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY":
        return f"the first USHORT ({int.from_bytes(data[:2], 'little')}) is a " \
               "SCSI_PASS_THROUGH_DIRECT Length"
    return f"HeaderLength ({int.from_bytes(data[:4], 'little')}) is sizeof(SRB_IO_CONTROL) " \
           f"({name})"
