"""What the structure pages show, computed from the spec: profile groups, relations, values.

A structure is documented once per *distinct* layout: the four profiles (win64/win32 x
cookie u64/ptr) are grouped by the bytes they produce, so SRB_IO_CONTROL gets one section,
SCSI_PASS_THROUGH_DIRECT one per ABI and ISCSITGT_SPT_TMF three.  Nothing here is Sphinx
specific, so the docs test can call it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iscsitgt_spt.codec.export import c_declaration
from iscsitgt_spt.spec.assumptions import ASSUMPTIONS, Assumption
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import ABIS, COOKIES, PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

__all__ = [
    "ProfileGroup",
    "c_declaration",
    "embedded_in",
    "format_value",
    "profile_groups",
    "related_assumptions",
]


@dataclass(frozen=True)
class ProfileGroup:
    """Profiles that lay a structure out identically, and that layout."""

    profiles: tuple[Profile, ...]
    layout: Layout

    @property
    def slug(self) -> str:
        """Short id for anchors and file names: ``all``, ``win64``, ``win64_win32-u64`` ..."""
        return "_".join(w.replace("/", "-") for w in self.words())

    def resolved_ctypes(self, path: str) -> list[str]:
        """The distinct resolved C types of member ``path`` across the group's profiles."""
        found: list[str] = []
        for p in self.profiles:
            ctype = get_layout(self.layout.name, p).member(path).resolved_ctype
            if ctype not in found:
                found.append(ctype)
        return found

    @property
    def label(self) -> str:
        """Readable name: ``all profiles``, ``win64 (either cookie), win32/u64`` ..."""
        words = self.words()
        if words == ["all"]:
            return "all profiles (win64 and win32, either cookie width)"
        return ", ".join(w if "/" in w else f"{w} (either cookie)" for w in words)

    def words(self) -> list[str]:
        """``["all"]``, or ABIs (every cookie) and ``abi/cookie`` profiles, in order."""
        if len(self.profiles) == len(PROFILES):
            return ["all"]
        words: list[str] = []
        for abi in ABIS:
            mine = [p for p in self.profiles if p.abi == abi]
            if len(mine) == len(COOKIES):
                words.append(abi)
            else:
                words += [str(p) for p in mine]
        return words


def _signature(layout: Layout) -> tuple[object, ...]:
    # The bytes only: a cookie that is a ULONGLONG on one profile and an 8-byte PVOID on
    # another lays out the same, so both profiles share a section.
    return (layout.size, layout.align, *(
        (m.path, m.offset, m.size, m.kind, m.bit_offset, m.bit_width)
        for m in layout.walk()
    ))


def profile_groups(name: str) -> list[ProfileGroup]:
    """The distinct layouts of ``name``, in profile order (win64 first)."""
    groups: dict[tuple[object, ...], list[Profile]] = {}
    for abi in ABIS:
        for cookie in COOKIES:
            profile = Profile(abi, cookie)
            groups.setdefault(_signature(get_layout(name, profile)), []).append(profile)
    return [ProfileGroup(tuple(ps), get_layout(name, ps[0])) for ps in groups.values()]


def embedded_in(name: str) -> list[str]:
    """Structures of the spec that contain ``name`` as a member (directly or deeper)."""
    found = []
    for other in STRUCTURES:
        if other == name:
            continue
        layout = get_layout(other)
        if any(m.kind == "struct" and m.ctype == name for m in layout.walk()):
            found.append(other)
    return found


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUALIFIED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)")


def related_assumptions(layout: Layout) -> list[Assumption]:
    """Assumptions whose topic names this structure, a nested type, or one of its members.

    The match is on identifiers of the assumption's topic (``SRB_IO_CONTROL.Signature``,
    ``SESSION_COOKIE``), so an assumption written for a header member also shows on every
    request that embeds the header; rule defaults naming an assumption count too.
    """
    names = {layout.name}
    for m in layout.walk():
        if m.kind == "padding":
            continue
        names.add(m.ctype)
        if len(m.name) > 3:  # "Lun" and the like are too generic to match on
            names.add(m.name)
    rule_names = {r.describe(layout.template) for r, _ in layout.rules.values()}
    types = {layout.name} | {m.ctype for m in layout.walk() if m.kind == "struct"}
    out = []
    for a in ASSUMPTIONS:
        # "SRB_IO_CONTROL.Signature" is about that structure's member only, not every Signature.
        qualified = _QUALIFIED.findall(a.topic)
        bare = set(_IDENT.findall(_QUALIFIED.sub(" ", a.topic)))
        if (
            any(owner in types for owner, _ in qualified)
            or bare & names
            or a.name in rule_names
        ):
            out.append(a)
    return out


def format_value(value: int | bytes) -> str:
    """A rule's value for a table: ``28 (0x1c)`` or ``b'ISCSITGT'``."""
    if isinstance(value, bytes):
        return repr(value)
    return f"{value} (0x{value:x})"
