"""The checks of a public function's arguments: a wrong type is a TypeError naming the argument.

Every public function of the codec and the device layer takes user values; a ``None`` or a
string where a :class:`~iscsitgt_spt.spec.profiles.Profile` or bytes belong must not surface
as an ``AttributeError`` from deep inside (``'str' object has no attribute 'abi'``).  These
helpers are called where the value enters, on the path that is not the hot one (a cache miss,
a slow path): the checks cost the common call nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iscsitgt_spt.spec.profiles import Profile

if TYPE_CHECKING:
    from iscsitgt_spt.spec.layout import CStruct

__all__ = ["buffer_argument", "int_argument", "profile_argument", "structure_argument",
           "text_argument"]


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def profile_argument(value: object, argument: str = "profile") -> Profile:
    """``value`` as a Profile: a Profile, or its text ``"abi/cookie"`` (``"win32/ptr"``, as
    ``str(profile)`` writes it; a bad name is a ProfileError)."""
    if isinstance(value, Profile):
        return value
    if isinstance(value, str):
        abi, _, cookie = value.partition("/")
        return Profile.of(abi, cookie or None)
    raise TypeError(f"{argument} must be a Profile (or its text, such as 'win32/ptr'), not "
                    f"{_kind(value)}")


def structure_argument(value: object, argument: str = "structure") -> str | CStruct:
    """``value`` when it names a structure (its name, or its definition)."""
    from iscsitgt_spt.spec.layout import CStruct

    if isinstance(value, (str, CStruct)):
        return value
    raise TypeError(f"{argument} must be a structure name (str) or definition, not "
                    f"{_kind(value)}")


def buffer_argument(value: object, argument: str = "data") -> bytes | bytearray | memoryview:
    """``value`` when it is bytes-like (bytes, bytearray, memoryview)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return value
    raise TypeError(f"{argument} must be bytes, bytearray or memoryview, not {_kind(value)}")


def int_argument(value: object, argument: str, *, optional: bool = False) -> int | None:
    """``value`` when it is an int (``None`` too when ``optional``); never a bool."""
    if value is None and optional:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"{argument} must be an int{' or None' if optional else ''}, not "
                    f"{_kind(value)}")


def text_argument(value: object, argument: str) -> str:
    """``value`` when it is a str."""
    if isinstance(value, str):
        return value
    raise TypeError(f"{argument} must be a str, not {_kind(value)}")
