"""The C declaration of one structure, rendered from its definition."""

from __future__ import annotations

from iscsitgt_spt.spec.c_header import struct_declaration
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout

__all__ = ["c_declaration"]


def c_declaration(name: str, profile: Profile) -> str:
    """The ``typedef struct`` of ``name`` exactly as ``iscsitgt-spt header`` writes it: the
    header renders each structure with the same function, so the two cannot differ."""
    return struct_declaration(get_layout(name, profile))
