"""Kaitai Struct (``.ksy``) description of the whole structure family under one profile.

Everything is read from the resolved layouts of :mod:`iscsitgt_spt.spec`: member order,
sizes, alignment padding (as explicit ``pad_*`` byte runs, so every byte stays visible in the
Web IDE), MSVC bit-fields (least significant bit first, which is Kaitai's ``bit-endian: le``),
the enumerations attached to members (and ``control_code`` from the registry), each member's
documentation and each structure's published page (``doc-ref``).  The top-level type is an
IOCTL_SCSI_MINIPORT buffer: its SRB_IO_CONTROL header, then the request picked by
``ControlCode`` (every request the registry knows); every other structure is a type of its
own, usable from the generated parsers.

A parse fails loudly where our own decode reports the buffer as not this structure: every
member a *derived* rule fixes (HeaderLength, Length, ControlCode, Size, SenseInfoOffset, ...)
carries ``valid:`` (rules on a nested structure's member become a zero-byte ``check_*``
attribute after it), and every type ends in ``trailing``, which must be empty, so a buffer
longer than the structure is refused as ours is.  *Default* rules (the unpublished
signatures, the time-out) are conventions, not facts, and are not enforced.  64-bit integers,
WCHAR arrays and ASCII tags use the helper types of :mod:`._kaitai_types` (exact in every
target, lossless).

Kaitai identifiers must be lower snake case, so ``ITNexusHandle`` becomes ``it_nexus_handle``;
the Microsoft spelling is kept in ``-orig-id`` on every attribute and type.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Any

from iscsitgt_spt.codec.export._kaitai_types import HELPER_TYPES, member_type
from iscsitgt_spt.codec.export._yaml import dump_yaml
from iscsitgt_spt.spec.arguments import profile_argument, text_argument
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import (
    CONTROL_CODE_PATH,
    STRUCTURES,
    control_code_of,
    control_codes,
    get_layout,
)
from iscsitgt_spt.spec.rules import Const

__all__ = ["kaitai_document", "kaitai_id", "render_kaitai"]

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

#: The enum of SRB_IO_CONTROL.ControlCode, built from the registry's control codes.
CONTROL_CODE_ENUM = "control_code"


def kaitai_id(name: str) -> str:
    """A C name as a Kaitai identifier: ``ITNexusHandle`` -> ``it_nexus_handle``."""
    snake = _WORD.sub("_", name.strip("_")).lower()
    return re.sub(r"_+", "_", snake)


def _ref(path: str) -> str:
    """A member path as a Kaitai expression: ``Header.ControlCode`` -> ``header.control_code``."""
    return ".".join(kaitai_id(p) for p in path.split("."))


def _where(m: Member, base: int) -> str:
    at = m.offset - base
    if m.kind == "bits":
        low = m.bit_offset or 0
        high = low + (m.bit_width or 1) - 1
        span = f"bit {low}" if low == high else f"bits {low}-{high}"
        return f"{m.ctype} : {m.bit_width}, {span} of byte {at} (0x{at:x})"
    return f"{m.resolved_ctype} at offset {at} (0x{at:x}), {m.size} byte{'s' * (m.size != 1)}"


class _Context:
    """What the attributes of one type need to know: its layout and the family's facts."""

    def __init__(self, layout: Layout, header: str) -> None:
        self.layout = layout
        self.header_type = header
        self.ref = layout.template.doc_ref
        own = layout.template.rules
        #: path -> (value, how it is derived) for the derived rules this structure declares.
        self.fixed = {path: (layout.rules[path][1], rule.describe(layout.template))
                      for path, rule in own.items() if rule.kind == "derived"}
        self.ruled = set(own)
        # Byte tags (the signatures) read as text; one a derived rule fixes stays plain bytes,
        # so `valid` can compare it with its byte-array literal.
        self.tags = {path for path, rule in own.items()
                     if isinstance(rule, Const) and isinstance(rule.value, bytes)} - set(self.fixed)

    def enum_of(self, m: Member) -> str | None:
        if m.enum_type is not None:
            return kaitai_id(m.enum_type.__name__)
        tail = CONTROL_CODE_PATH.rpartition(".")[2]
        if self.layout.name == self.header_type and m.name == tail:
            return CONTROL_CODE_ENUM
        return None

    def literal(self, m: Member, value: int | bytes) -> str | int:
        """``value`` as Kaitai compares it with member ``m``: an enum constant, a number, or
        a byte-array literal."""
        if isinstance(value, bytes):
            return "[" + ", ".join(f"0x{b:02x}" for b in value) + "]"
        enum_id = self.enum_of(m)
        if enum_id == CONTROL_CODE_ENUM and value in control_codes():
            return f"{CONTROL_CODE_ENUM}::{kaitai_id(control_codes()[value])}"
        if enum_id is not None and m.enum_type is not None and value in set(m.enum_type):
            return f"{enum_id}::{kaitai_id(m.enum_type(value).name)}"
        return value


def _shown(value: int | bytes) -> str:
    return f"{value} (0x{value:x})" if isinstance(value, int) else value.hex(" ")


def _attribute(m: Member, ctx: _Context) -> dict[str, Any]:
    attr: dict[str, Any] = {"id": kaitai_id(m.name)}
    if m.kind == "struct":
        # A substream of exactly the member's size: the nested type's own `trailing` check
        # then sees only its bytes.
        attr.update({"type": kaitai_id(m.ctype), "size": m.size})
    else:
        attr.update(member_type(m, tag=m.name in ctx.tags))
    enum_id = ctx.enum_of(m)
    if enum_id is not None:
        attr["enum"] = enum_id
    doc = f"{m.doc}\n{_where(m, 0)}."
    if m.name in ctx.fixed:
        value, how = ctx.fixed[m.name]
        attr["valid"] = ctx.literal(m, value)
        doc += f" Must be {_shown(value)}: {how}; any other value fails the parse."
    attr["-orig-id"] = m.name
    attr["doc"] = doc
    if ctx.ref:
        attr["doc-ref"] = ctx.ref
    return attr


def _checks(ctx: _Context) -> list[dict[str, Any]]:
    """Zero-byte attributes enforcing the derived rules on members of nested structures."""
    out = []
    for path, (value, how) in ctx.fixed.items():
        if "." not in path:
            continue
        member = ctx.layout.member(path)
        nested = ctx.layout.sublayout(path.rpartition(".")[0])
        if path.rpartition(".")[2] in nested.template.rules:
            continue  # the nested type enforces its own rule
        nested_ctx = _Context(nested, ctx.header_type)
        read = _ref(path) + (".raw" if member.name in nested_ctx.tags else "")
        check = {
            "id": "check_" + kaitai_id(path.replace(".", "_")),
            "size": 0,
            "valid": {"expr": f"{read} == {nested_ctx.literal(member, value)}"},
            "doc": f"Checks {path} (offset {member.offset}) is {_shown(value)}: {how} "
            f"under {ctx.layout.profile}. Reads no bytes; any other value fails the parse.",
        }
        if ctx.ref:
            check["doc-ref"] = ctx.ref
        out.append(check)
    return out


def _trailing(ctx: _Context) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "trailing",
        "size-eos": True,
        "valid": {"expr": "_.length == 0"},
        "doc": f"Bytes after {ctx.layout.name}: none in a well-formed buffer. Any here fail "
        "the parse (as our decode refuses them) instead of being ignored.",
    }
    if ctx.ref:
        out["doc-ref"] = ctx.ref
    return out


def _representation(ctx: _Context) -> str:
    """``-webide-representation``: the first three members a reader looks for."""
    shown = []
    for m in ctx.layout.members:
        if m.kind == "padding" or m.name in ctx.ruled:
            continue
        ident = kaitai_id(m.name)
        plain = m.kind in ("int", "bits") and m.size < 8 and ctx.enum_of(m) is None
        shown.append(f"{ident}={{{ident}:dec}}" if plain else f"{ident}={{{ident}}}")
    return " ".join(shown[:3])


def _type(layout: Layout, header: str) -> dict[str, Any]:
    ctx = _Context(layout, header)
    out: dict[str, Any] = {
        "-orig-id": layout.name,
        "doc": f"{layout.doc}\nsizeof {layout.size} (0x{layout.size:x}), "
        f"{layout.align}-byte aligned under {layout.profile}.",
    }
    if ctx.ref:
        out["doc-ref"] = ctx.ref
    out["-webide-representation"] = _representation(ctx)
    out["seq"] = [*(_attribute(m, ctx) for m in layout.members), *_checks(ctx), _trailing(ctx)]
    return out


def _enums(layouts: Sequence[Layout]) -> dict[str, Any]:
    found: dict[str, type[enum.IntEnum]] = {}
    for layout in layouts:
        for m in layout.walk():
            if m.enum_type is not None:
                found.setdefault(kaitai_id(m.enum_type.__name__), m.enum_type)
    enums: dict[str, Any] = {
        ident: {int(v): kaitai_id(v.name) for v in enum_type}
        for ident, enum_type in found.items()
    }
    enums[CONTROL_CODE_ENUM] = {code: kaitai_id(name) for code, name in control_codes().items()}
    return dict(sorted(enums.items()))


def _requests() -> list[Any]:
    return [s for s in STRUCTURES.values() if control_code_of(s) is not None]


def _header(profile: Profile) -> Member:
    return get_layout(_requests()[0], profile).member(CONTROL_CODE_PATH.partition(".")[0])


def _dispatch(profile: Profile) -> tuple[dict[str, Any], dict[str, Any]]:
    """Top-level seq (the header) and the ``request`` instance switched on ControlCode."""
    header = _header(profile)
    cases = {f"{CONTROL_CODE_ENUM}::{kaitai_id(control_codes()[code])}": kaitai_id(s.c_name)
             for s in _requests() if (code := control_code_of(s)) is not None}
    seq = {"id": kaitai_id(header.name), "type": kaitai_id(header.ctype), "size": header.size,
           "-orig-id": header.name, "doc": f"{header.doc} Read first to pick the request."}
    instance = {
        "pos": 0,
        "type": {"switch-on": _ref(CONTROL_CODE_PATH), "cases": cases},
        "doc": "The whole request, chosen by " + CONTROL_CODE_PATH + " ("
        + ", ".join(f"0x{code:x} {s.c_name}" for s in _requests()
                    if (code := control_code_of(s)) is not None)
        + "); its `trailing` refuses bytes after it.",
    }
    return seq, instance


def _meta(ident: str, profile: Profile, generator: str) -> dict[str, Any]:
    return {
        "id": ident,
        "title": f"Windows iSCSI Target pass-through structures ({profile})",
        "application": "Microsoft iSCSI Target (IOCTL_SCSI_MINIPORT, SCSI pass-through)",
        "license": "MIT",
        "ks-version": "0.11",
        "endian": "le",
        "bit-endian": "le",
        "-generator": generator,
        "-profile": str(profile),
    }


def _family(profile: Profile) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    layouts = [get_layout(s, profile) for s in STRUCTURES.values()]
    header = _header(profile).ctype
    types = {kaitai_id(lay.name): _type(lay, header) for lay in layouts}
    refs = list(dict.fromkeys(s.doc_ref for s in STRUCTURES.values() if s.doc_ref))
    return {**types, **HELPER_TYPES}, _enums(layouts), refs


def kaitai_document(
    profile: Profile, *, root: str | None = None, generator: str = "iscsitgt-spt"
) -> dict[str, Any]:
    """The ``.ksy`` as a tree of mappings (what :func:`render_kaitai` writes as YAML).

    ``root`` makes that structure the top-level type (what the Web IDE parses a file as)
    instead of the IOCTL_SCSI_MINIPORT dispatch; every structure is a type either way.
    """
    types, enums, refs = _family(profile)
    if root is not None:
        top = get_layout(root, profile)
        return {
            "meta": _meta(f"{kaitai_id(top.name)}_{profile.abi}_{profile.cookie}", profile,
                          generator),
            "doc": f"{top.doc} Laid out for {profile}; generated by {generator} from its spec. "
            "The other structures of the family are the types below.",
            "doc-ref": top.template.doc_ref or refs,
            # No size: the top type reads the whole file, so its `trailing` refuses extra bytes.
            "seq": [{"id": kaitai_id(top.name), "type": kaitai_id(top.name),
                     "-orig-id": top.name, "doc": top.doc}],
            "types": types,
            "enums": enums,
        }
    seq, instance = _dispatch(profile)
    ident = f"iscsitgt_spt_{profile.abi}_{profile.cookie}"
    return {
        "meta": _meta(ident, profile, generator),
        "doc": (
            f"IOCTL_SCSI_MINIPORT buffer of the iSCSI target pass-through interface, laid out "
            f"for {profile.abi} with {profile.cookie} cookies "
            f"(pointer {profile.pointer_size} bytes, SESSION_COOKIE/TASK_COOKIE "
            f"{profile.cookie_size} bytes). Generated by {generator} from its spec; the other "
            "structures of the family are the types below. Padding is explicit (pad_*); "
            "values Microsoft did not publish follow the assumptions named in the docs; "
            "members a rule derives are checked (valid), so a buffer of another profile "
            "fails to parse."
        ),
        "doc-ref": refs,
        "seq": [seq],
        "instances": {"request": instance},
        "types": types,
        "enums": enums,
    }


def render_kaitai(
    profile: Profile, *, root: str | None = None, generator: str = "iscsitgt-spt"
) -> str:
    """The ``.ksy`` text for ``profile`` (``root``: see :func:`kaitai_document`)."""
    profile = profile_argument(profile)
    text_argument(generator, "generator")
    if root is not None:
        text_argument(root, "root")
    return dump_yaml(
        kaitai_document(profile, root=root, generator=generator),
        header=[f"Generated by {generator} for profile {profile}; do not edit.",
                "Compile: kaitai-struct-compiler -t python this.ksy"],
    )
