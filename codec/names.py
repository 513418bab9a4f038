"""The names a member's values have, both ways: number → name to show, name → number to read.

One place answers, from the definitions: a member whose C type is annotated with an
enumeration (``UCHAR.of(TmfFunction)``, ``DataIn``, ``SenseKey``, ...) takes that
enumeration's names; ``SRB_IO_CONTROL.ControlCode`` takes the published ``CTLCODE_...``
names of the requests the spec defines (:func:`~iscsitgt_spt.spec.registry.control_codes`).
``build``, ``replace`` and JSON input accept a name wherever a number goes (exact spelling,
or any letter case); the text tree and ``repr`` show the name beside the number (JSON
output keeps the number alone, as every reader expects).

Signatures (``UCHAR`` arrays named ``Signature``) are tags of ASCII text: they accept text
(``"ISCSITGT"``) as well as bytes, NUL-padded like any short ``UCHAR`` array.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.registry import control_codes

__all__ = ["is_text_tag", "name_for", "names_of", "value_for"]

#: The member whose values the published control codes name (not an enumeration in the
#: headers: a ``#define`` per code).
_CONTROL_CODE_MEMBER = "ControlCode"


@cache
def _enum_names(enum_type: type) -> Mapping[int, str]:
    return {int(item): item.name for item in enum_type}  # type: ignore[attr-defined]


def names_of(member: Member) -> Mapping[int, str] | None:
    """Number → name for the member's values, or ``None`` when its values have no names."""
    if member.enum_type is not None:
        return _enum_names(member.enum_type)
    if member.name == _CONTROL_CODE_MEMBER and member.kind == "int":
        return control_codes()
    return None


def name_for(member: Member, value: int) -> str | None:
    """The name of ``value`` in the member's vocabulary, if it has one."""
    names = names_of(member)
    return None if names is None else names.get(value)


@cache
def _by_name(names: tuple[tuple[int, str], ...]) -> Mapping[str, int]:
    return {name.upper(): number for number, name in names}


def value_for(member: Member, text: str) -> int | None:
    """The number a name (any letter case) stands for in this member; ``None`` when it is
    not one of its names.  (JSON input also takes numbers written as text, ``"0x102"``:
    :mod:`~iscsitgt_spt.codec.jsonform` reads those; ``build`` takes numbers as numbers.)"""
    names = names_of(member)
    if names is None:
        return None
    return _by_name(tuple(names.items())).get(text.strip().upper())


def is_text_tag(member: Member) -> bool:
    """Whether the member is a signature: ASCII text in a ``UCHAR`` array."""
    return member.kind == "bytes" and member.name == "Signature"
