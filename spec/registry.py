"""The structures of the spec by name, and what selects each one.

Which structure a buffer holds is decided by the IOCTL it travels with and, for
IOCTL_SCSI_MINIPORT, by ``SRB_IO_CONTROL.ControlCode``; both maps are read from the
definitions (the ControlCode rule of each request), never typed again here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from iscsitgt_spt.spec.arguments import profile_argument, structure_argument
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT
from iscsitgt_spt.spec.errors import UnknownStructureError
from iscsitgt_spt.spec.layout import CStruct, Layout, resolve
from iscsitgt_spt.spec.passthrough import (
    SCSI_PASS_THROUGH_AUXILIARY,
    SCSI_PASS_THROUGH_DIRECT,
    SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY,
)
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE, Profile
from iscsitgt_spt.spec.requests import (
    ISCSITGT_SPT_SESSION_START,
    ISCSITGT_SPT_SESSION_STOP,
    ISCSITGT_SPT_TMF,
)
from iscsitgt_spt.spec.rules import Const
from iscsitgt_spt.spec.sense_data import SENSE_DATA
from iscsitgt_spt.spec.srb_io_control import CONTROL_CODE_PATH, SRB_IO_CONTROL

__all__ = [
    "CONTROL_CODE_PATH",
    "DERIVED_CACHES",
    "STRUCTURES",
    "control_code_name_of",
    "control_code_of",
    "control_codes",
    "get_layout",
    "ioctl_of",
    "register",
    "structure",
    "structure_for_control_code",
    "unregister",
]

#: Every structure, in the order the docs present them.
STRUCTURES: dict[str, CStruct] = {
    s.c_name: s
    for s in (
        SRB_IO_CONTROL,
        ISCSITGT_SPT_SESSION_START,
        ISCSITGT_SPT_SESSION_STOP,
        ISCSITGT_SPT_TMF,
        SCSI_PASS_THROUGH_DIRECT,
        SCSI_PASS_THROUGH_AUXILIARY,
        SENSE_DATA,
        SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY,
    )
}
_BUILT_IN = frozenset(STRUCTURES)


#: ``cache_clear`` of every cache, anywhere, derived from the set of structures; each such
#: cache adds itself here so that :func:`register` keeps it true.
DERIVED_CACHES: list[Callable[[], None]] = []


def register(struct: CStruct) -> CStruct:
    """Add a structure to the spec at run time (extensions, tests); returns it.

    The spec's own structures are the ``STRUCTURES`` lines above: adding one there is the
    whole registration.  This is the same step for a structure defined elsewhere; everything
    derived from the set of structures is recomputed on next use.
    """
    if not isinstance(struct, CStruct):
        raise TypeError(f"struct must be a CStruct, not {type(struct).__name__}")
    STRUCTURES[struct.c_name] = struct
    _changed()
    return struct


def unregister(name: str) -> None:
    """Remove a structure added by :func:`register` (the spec's own ones stay)."""
    if name in _BUILT_IN:
        raise ValueError(f"{name} is one of the spec's own structures")
    STRUCTURES.pop(name, None)
    _changed()


def _changed() -> None:
    control_codes.cache_clear()
    for clear in DERIVED_CACHES:
        clear()


def structure(name: str) -> CStruct:
    """The definition called ``name`` (exact Microsoft spelling; case-insensitive)."""
    if not isinstance(name, str):
        raise TypeError(f"a structure name must be a str, not {type(name).__name__}")
    found = STRUCTURES.get(name) or STRUCTURES.get(name.upper())
    if found is None:
        raise UnknownStructureError(
            "unknown structure", expected="one of " + ", ".join(STRUCTURES), actual=repr(name)
        )
    return found


def get_layout(name: str | CStruct, profile: Profile = DEFAULT_PROFILE) -> Layout:
    """The resolved layout of a structure under ``profile``."""
    definition = structure(name) if isinstance(name, str) else structure_argument(name, "name")
    return resolve(definition, profile_argument(profile))


def control_code_of(name: str | CStruct) -> int | None:
    """The SRB_IO_CONTROL.ControlCode a request travels with, or ``None``."""
    rule = (structure(name) if isinstance(name, str) else name).rules.get(CONTROL_CODE_PATH)
    return rule.value if isinstance(rule, Const) and isinstance(rule.value, int) else None


def control_code_name_of(name: str | CStruct) -> str | None:
    """The published name of the ControlCode a request travels with, or ``None``."""
    rule = (structure(name) if isinstance(name, str) else name).rules.get(CONTROL_CODE_PATH)
    return rule.name if isinstance(rule, Const) and isinstance(rule.value, int) else None


@functools.cache
def control_codes() -> dict[int, str]:
    """Every SRB_IO_CONTROL.ControlCode of the spec and its published name, read from the
    request definitions (their ControlCode rule), in registry order.  Do not mutate."""
    codes: dict[int, str] = {}
    for s in STRUCTURES.values():
        code, name = control_code_of(s), control_code_name_of(s)
        if code is not None and name is not None:
            codes[code] = name
    return codes


def structure_for_control_code(code: int) -> CStruct | None:
    """The request structure for an IOCTL_SCSI_MINIPORT control code, if we know it."""
    for s in STRUCTURES.values():
        if control_code_of(s) == code:
            return s
    return None


def ioctl_of(name: str | CStruct) -> int | None:
    """The IOCTL a structure travels with (an assumption for the pass-through)."""
    s = structure(name) if isinstance(name, str) else name
    if control_code_of(s) is not None:
        return IOCTL_SCSI_MINIPORT
    if s is SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY:
        return ASSUMED_PASS_THROUGH_IOCTL
    return None
