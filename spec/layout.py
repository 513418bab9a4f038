"""From a structure definition and a profile to a concrete layout.

A definition (:class:`CStruct`) is a construct ``Struct`` written the way the C header reads,
with ABI-dependent placeholders and no padding.  :func:`resolve` applies the MSVC rules for a
:class:`~iscsitgt_spt.spec.profiles.Profile`:

* every member is placed at the next multiple of its alignment (its own size for scalars,
  the element's for arrays, the largest member's for structures), capped by ``#pragma pack``;
* the structure's size is rounded up to its own alignment;
* bit-fields share their declared storage unit, allocated from the least significant bit.

The gaps become named members (``_pad_before_<next member>`` and ``_pad_tail``) in a concrete
construct ``Struct``, so parse and build see every byte and stay lossless.  The same walk
produces the :class:`Member` tree that the docs, the C header and the CLI print, which is why
no offset or size is ever written by hand anywhere in the project.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any, Literal

import construct
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.primitives import (
    SESSION_COOKIE,
    TASK_COOKIE,
    AbiDependent,
    CArrayBytes,
    CBitFields,
    CPrimitive,
    CWcharArray,
)
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.rules import Rule

__all__ = ["COOKIE_TYPES", "CStruct", "CookieMember", "Layout", "Member", "MemberKind", "resolve"]

MemberKind = Literal["int", "bytes", "wchar", "struct", "padding", "bits"]


class CStruct(construct.Struct):  # type: ignore[misc]
    """A C structure definition: construct members in declaration order, plus metadata.

    ``rules`` maps a member path (relative to this structure) to the :class:`Rule` that fills
    it in a canonical build when the caller does not give it.  ``creates`` names the cookie
    members (``SESSION_COOKIE``/``TASK_COOKIE``) whose value this structure introduces, such as
    the handle of the session a START opens; every other cookie member refers to something
    that already exists (lint and the session fuzzer read this, never a list of names).
    ``doc_ref`` is where the structure is published (Microsoft's page), for documents that
    link to their source.
    """

    def __init__(
        self,
        c_name: str,
        *subcons: construct.Construct,
        doc: str,
        pack: int | None = None,
        rules: Mapping[str, Rule] | None = None,
        doc_ref: str | None = None,
        creates: tuple[str, ...] = (),
    ) -> None:
        super().__init__(*subcons)
        self.c_name = c_name
        self.doc = doc
        self.pack = pack
        self.rules: Mapping[str, Rule] = dict(rules or {})
        self.doc_ref = doc_ref
        self.creates = frozenset(creates)

    def __repr__(self) -> str:
        return f"<CStruct {self.c_name}>"


@frozen
class Member:
    """One member of a resolved structure, at any nesting level."""

    name: str
    path: str
    offset: int
    size: int
    ctype: str
    resolved_ctype: str
    kind: MemberKind
    doc: str
    align: int
    signed: bool = False
    count: int | None = None
    bit_offset: int | None = None
    bit_width: int | None = None
    unit: str | None = None
    enum_type: type[enum.IntEnum] | None = None
    children: tuple[Member, ...] = ()

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def padding(self) -> bool:
        return self.kind == "padding"

    @property
    def min_value(self) -> int:
        if self.kind == "bits":
            return 0
        return -(1 << (self.size * 8 - 1)) if self.signed else 0

    @property
    def max_value(self) -> int:
        if self.kind == "bits":
            assert self.bit_width is not None
            return (1 << self.bit_width) - 1
        return (1 << (self.size * 8 - (1 if self.signed else 0))) - 1

    def walk(self) -> Iterator[Member]:
        yield self
        for child in self.children:
            yield from child.walk()


#: The cookie types of the spec by C name, and what each identifies.
COOKIE_TYPES: Mapping[str, Literal["session", "task"]] = {
    SESSION_COOKIE.c_name: "session", TASK_COOKIE.c_name: "task",
}


@frozen
class CookieMember:
    """A cookie member of a layout: the member, what it identifies, its structure's name, and
    whether that structure introduces the value (a START's handle) or refers to an existing one.
    """

    member: Member
    identifies: Literal["session", "task"]
    structure: str
    creates: bool


@frozen
class Layout:
    """A structure resolved for one profile: size, members, the concrete construct."""

    name: str
    profile: Profile
    size: int
    align: int
    doc: str
    members: tuple[Member, ...]
    construct: construct.Construct = field(repr=False, compare=False)
    rules: Mapping[str, tuple[Rule, int | bytes]] = field(repr=False, compare=False)
    template: CStruct = field(repr=False, compare=False)
    # Computed once by resolve(): diagnostics and detection look members up per record.
    flat: tuple[Member, ...] = field(default=(), repr=False, compare=False)
    by_path: Mapping[str, Member] = field(default_factory=dict, repr=False, compare=False)

    def walk(self) -> Iterator[Member]:
        """Every member, depth first, in offset order (padding and bit-fields included)."""
        return iter(self.flat)

    def leaves(self) -> Iterator[Member]:
        return (m for m in self.flat if m.kind != "struct")

    def member(self, path: str) -> Member:
        try:
            return self.by_path[path]
        except KeyError:
            raise KeyError(path) from None

    def cookies(self) -> tuple[CookieMember, ...]:
        """Every ``SESSION_COOKIE``/``TASK_COOKIE`` member, with what its structure does with it.

        Read from the member's declared type and its structure's ``creates``, never from a list
        of member names, so a new request with a cookie is known everywhere at once.
        """
        found = []
        for m in self.flat:
            if m.ctype not in COOKIE_TYPES:
                continue
            owner, _, leaf = m.path.rpartition(".")
            struct = _template_of(self.template, owner) if owner else self.template
            found.append(CookieMember(m, COOKIE_TYPES[m.ctype], struct.c_name,
                                      leaf in struct.creates))
        return tuple(found)

    def sublayout(self, path: str) -> Layout:
        """The layout of the nested structure at ``path``, on its own (offsets from 0)."""
        return resolve(_template_of(self.template, path), self.profile)

    def to_json(self) -> dict[str, Any]:
        """The ``layout --json`` document: every member at every level, dotted paths."""
        fields: list[dict[str, Any]] = []
        for m in self.walk():
            entry: dict[str, Any] = {
                "path": m.path, "offset": m.offset, "size": m.size, "ctype": m.ctype,
                "resolved_ctype": m.resolved_ctype, "kind": m.kind, "padding": m.padding,
            }
            if m.kind == "bits":
                entry["bit_offset"] = m.bit_offset
                entry["bit_width"] = m.bit_width
            if m.count is not None and m.kind != "padding":
                entry["count"] = m.count
            if m.enum_type is not None:
                entry["enum"] = m.enum_type.__name__
            entry["doc"] = m.doc
            fields.append(entry)
        return {
            "name": self.name, "abi": self.profile.abi, "cookie": self.profile.cookie,
            "size": self.size, "align": self.align, "fields": fields,
        }

    def member_at(self, offset: int) -> Member | None:
        """The innermost member covering byte ``offset`` (the first bit-field for a unit)."""
        found = None
        for m in self.walk():
            if m.offset <= offset < m.end and (found is None or m.size <= found.size):
                if found is not None and found.offset == m.offset and found.kind == "bits":
                    continue
                found = m
        return found


def _unwrap(sc: construct.Construct) -> tuple[str | None, str, construct.Construct]:
    """Strip construct's ``Renamed`` wrappers: (member name, docs, the leaf construct)."""
    name, docs = sc.name, getattr(sc, "docs", "") or ""
    while isinstance(sc, construct.Renamed):
        sc = sc.subcon
    return name, docs, sc


class _Resolved:
    """What :func:`_resolve_struct` found: the members, their constructs, the size and the
    alignment (a plain class: a dataclass compiles three methods at start-up, unused here)."""

    __slots__ = ("align", "members", "size", "subcons")

    def __init__(self, members: list[Member], subcons: list[construct.Construct], size: int,
                 align: int) -> None:
        self.members, self.subcons, self.size, self.align = members, subcons, size, align


def _scalar_member(
    name: str, path: str, offset: int, leaf: CPrimitive, ctype: str, doc: str
) -> Member:
    return Member(
        name=name, path=path, offset=offset, size=leaf.size, ctype=ctype,
        resolved_ctype=leaf.c_name,
        kind="int", doc=doc, align=leaf.align, signed=leaf.signed, enum_type=leaf.enum_type,
    )


def _padding(name: str, prefix: str, offset: int, size: int, why: str) -> Member:
    return Member(
        name=name, path=prefix + name, offset=offset, size=size, ctype=f"UCHAR[{size}]",
        resolved_ctype=f"UCHAR[{size}]", kind="padding", doc=why, align=1, count=size,
    )


#: What placing one declared member gives: its Member(s), its concrete construct, its size.
_Placed = tuple[list[Member], construct.Construct, int]


def _place_struct(leaf: CStruct, name: str, path: str, at: int, doc: str,
                  profile: Profile) -> _Placed:
    inner = _resolve_struct(leaf, profile, at, path + ".")
    member = Member(
        name=name, path=path, offset=at, size=inner.size, ctype=leaf.c_name,
        resolved_ctype=leaf.c_name, kind="struct", doc=doc, align=inner.align,
        children=tuple(inner.members),
    )
    return [member], name / construct.Struct(*inner.subcons), inner.size


def _place_bits(leaf: CBitFields, prefix: str, at: int, align: int) -> _Placed:
    unit = f"_bits_{leaf.fields[0].name}"
    members = [
        Member(
            name=bf.name, path=prefix + bf.name, offset=at, size=leaf.size,
            ctype=leaf.c_name, resolved_ctype=leaf.c_name, kind="bits", doc=bf.doc,
            align=align, bit_offset=shift, bit_width=bf.width, unit=unit,
            enum_type=bf.enum_type,
        )
        for bf, shift in zip(leaf.fields, leaf.bit_offsets)
    ]
    return members, unit / leaf, leaf.size


def _place_array(leaf: CWcharArray | CArrayBytes, name: str, path: str, at: int, align: int,
                 doc: str) -> _Placed:
    wide = isinstance(leaf, CWcharArray)
    ctype = f"WCHAR[{leaf.count}]" if wide else f"{leaf.c_name}[{leaf.count}]"
    member = Member(
        name=name, path=path, offset=at, size=leaf.size, ctype=ctype, resolved_ctype=ctype,
        kind="wchar" if wide else "bytes", doc=doc, align=align, count=leaf.count,
    )
    return [member], name / leaf, leaf.size


def _place(leaf: construct.Construct, name: str, prefix: str, at: int, align: int, doc: str,
           ctype: str, profile: Profile) -> _Placed:
    """One declared member placed at ``at``: the kind of its type decides its Member(s)."""
    path = prefix + name
    if isinstance(leaf, CStruct):
        return _place_struct(leaf, name, path, at, doc, profile)
    if isinstance(leaf, CBitFields):
        return _place_bits(leaf, prefix, at, align)
    if isinstance(leaf, (CWcharArray, CArrayBytes)):
        return _place_array(leaf, name, path, at, align, doc)
    if isinstance(leaf, CPrimitive):
        return [_scalar_member(name, path, at, leaf, ctype, doc)], name / leaf, leaf.size
    raise TypeError(f"{path}: unsupported construct {leaf!r}")  # pragma: no cover


def _alignment(leaf: construct.Construct, struct: CStruct, profile: Profile) -> int:
    """The member's alignment under ``profile``, capped by the structure's ``#pragma pack``."""
    align = _resolve_struct(leaf, profile, 0, "").align if isinstance(leaf, CStruct) else leaf.align
    return align if struct.pack is None else min(align, struct.pack)


def _resolve_struct(struct: CStruct, profile: Profile, base: int, prefix: str) -> _Resolved:
    members: list[Member] = []
    subcons: list[construct.Construct] = []
    offset = 0
    max_align = 1
    for sc in struct.subcons:
        name, doc, leaf = _unwrap(sc)
        ctype = getattr(leaf, "c_name", "?")
        if isinstance(leaf, AbiDependent):
            leaf = leaf.resolve(profile)
            doc = f"{doc} [{ctype}: see assumptions]" if doc else ctype
        align = _alignment(leaf, struct, profile)
        pad = -offset % align
        label = name or f"bits_{leaf.fields[0].name}"
        if pad:
            pad_name = f"_pad_before_{label}"
            members.append(_padding(
                pad_name, prefix, base + offset, pad,
                f"Alignment padding: {label} is {align}-byte aligned under {profile}.",
            ))
            subcons.append(pad_name / construct.Bytes(pad))
            offset += pad
        placed, subcon, size = _place(leaf, name or "", prefix, base + offset, align, doc,
                                      ctype, profile)
        members += placed
        subcons.append(subcon)
        offset += size
        max_align = max(max_align, align)
    tail = -offset % max_align
    if tail:
        members.append(_padding(
            "_pad_tail", prefix, base + offset, tail,
            f"Trailing padding: sizeof is rounded up to the {max_align}-byte alignment "
            f"of {struct.c_name} under {profile}.",
        ))
        subcons.append("_pad_tail" / construct.Bytes(tail))
        offset += tail
    return _Resolved(members, subcons, offset, max_align)


@functools.cache
def resolve(struct: CStruct, profile: Profile) -> Layout:
    """The layout of ``struct`` under ``profile`` (cached: layouts are immutable)."""
    resolved = _resolve_struct(struct, profile, 0, "")
    concrete = construct.Struct(*resolved.subcons)
    layout = Layout(
        name=struct.c_name, profile=profile, size=resolved.size, align=resolved.align,
        doc=struct.doc, members=tuple(resolved.members), construct=concrete, rules={},
        template=struct,
    )
    flat = tuple(m for top in layout.members for m in top.walk())
    object.__setattr__(layout, "flat", flat)
    object.__setattr__(layout, "by_path", {m.path: m for m in flat})
    object.__setattr__(layout, "rules", _evaluate_rules(struct, layout))
    if concrete.sizeof() != layout.size:  # pragma: no cover - internal consistency
        raise AssertionError(
            f"{struct.c_name}: construct size {concrete.sizeof()} != {layout.size}"
        )
    return layout


def _evaluate_rules(struct: CStruct, layout: Layout) -> dict[str, tuple[Rule, Any]]:
    """Every default/derived value of ``layout``, nested rules first, outer rules winning."""
    values: dict[str, tuple[Rule, Any]] = {}
    for member in layout.walk():
        if member.kind != "struct":
            continue
        template = _template_of(struct, member.path)
        inner = resolve(template, layout.profile)
        for path, (rule, value) in inner.rules.items():
            values[f"{member.path}.{path}"] = (rule, value)
    for path, rule in struct.rules.items():
        values[path] = (rule, rule.evaluate(struct, layout))
    return values


def _template_of(struct: CStruct, path: str) -> CStruct:
    node: construct.Construct = struct
    for part in path.split("."):
        for sc in node.subcons:
            name, _, leaf = _unwrap(sc)
            if name == part:
                node = leaf
                break
        else:  # pragma: no cover
            raise KeyError(path)
    assert isinstance(node, CStruct)
    return node
