"""iscsitgt_spt.spec — the structures, constants and assumptions, as data.

Definitions are construct ``Struct``\\ s (:mod:`~iscsitgt_spt.spec.requests`,
:mod:`~iscsitgt_spt.spec.passthrough`, ...); :func:`get_layout` resolves one for an ABI
profile with the MSVC rules.  Everything else — codec, docs, C header, fuzzing — reads them.
"""

from __future__ import annotations

from iscsitgt_spt.spec.assumptions import ASSUMPTIONS, QUIRKS, Assumption
from iscsitgt_spt.spec.layout import CStruct, Layout, Member
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE, PROFILES, Profile
from iscsitgt_spt.spec.registry import (
    STRUCTURES,
    control_code_of,
    get_layout,
    ioctl_of,
    structure,
    structure_for_control_code,
)

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_PROFILE",
    "PROFILES",
    "QUIRKS",
    "STRUCTURES",
    "Assumption",
    "CStruct",
    "Layout",
    "Member",
    "Profile",
    "control_code_of",
    "get_layout",
    "ioctl_of",
    "structure",
    "structure_for_control_code",
]
