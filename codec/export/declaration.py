"""The C declaration of one structure, cut from the generated header."""

from __future__ import annotations

from iscsitgt_spt.spec.c_header import render_header
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["c_declaration"]


def c_declaration(name: str, profile: Profile) -> str:
    """The ``typedef struct`` of ``name`` exactly as ``iscsitgt-spt header`` writes it.

    The standalone flavour is used because the SDK flavour leaves SRB_IO_CONTROL and
    SCSI_PASS_THROUGH_DIRECT to ``<ntddscsi.h>``; the block is cut out of the full header at
    its blank-line boundaries, so the text is the exporter's, unchanged.
    """
    header = render_header(profile, standalone=True, asserts=False, structures=[name])
    marker = f"typedef struct _{name} {{"
    for block in header.split("\n\n"):
        if marker in block:
            return block.strip("\n")
    raise LookupError(f"{name} not found in the generated header")
