"""Kaitai Struct (``.ksy``) description of the whole structure family under one profile.

Everything is read from the resolved layouts of :mod:`iscsitgt_spt.spec`: member order,
sizes, alignment padding (as explicit ``pad_*`` byte runs, so every byte stays visible in the
Web IDE), MSVC bit-fields (least significant bit first, which is Kaitai's ``bit-endian: le``),
``WCHAR[n]`` as UTF-16LE text, the enumerations attached to members, and each member's
documentation.  The top-level type is an IOCTL_SCSI_MINIPORT buffer: its SRB_IO_CONTROL
header, then the request picked by ``ControlCode`` (every request the registry knows); every
other structure is a type of its own, usable from the generated parsers.

Kaitai identifiers must be lower snake case, so ``ITNexusHandle`` becomes ``it_nexus_handle``;
the Microsoft spelling is kept in ``-orig-id`` on every attribute and type.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Any

from iscsitgt_spt.codec.export._yaml import dump_yaml
from iscsitgt_spt.spec.arguments import profile_argument, text_argument
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import (
    CONTROL_CODE_PATH,
    STRUCTURES,
    control_code_of,
    get_layout,
)

__all__ = ["kaitai_document", "kaitai_id", "render_kaitai"]

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def kaitai_id(name: str) -> str:
    """A C name as a Kaitai identifier: ``ITNexusHandle`` -> ``it_nexus_handle``."""
    snake = _WORD.sub("_", name.strip("_")).lower()
    return re.sub(r"_+", "_", snake)


def _int_type(m: Member) -> str:
    return f"{'s' if m.signed else 'u'}{m.size}"


def _where(m: Member, base: int) -> str:
    at = m.offset - base
    if m.kind == "bits":
        low = m.bit_offset or 0
        high = low + (m.bit_width or 1) - 1
        span = f"bit {low}" if low == high else f"bits {low}-{high}"
        return f"{m.ctype} : {m.bit_width}, {span} of byte {at} (0x{at:x})"
    return f"{m.resolved_ctype} at offset {at} (0x{at:x}), {m.size} byte{'s' * (m.size != 1)}"


def _attribute(m: Member, base: int) -> dict[str, Any]:
    attr: dict[str, Any] = {"id": kaitai_id(m.name)}
    if m.kind == "padding":
        attr["size"] = m.size
    elif m.kind == "int":
        attr["type"] = _int_type(m)
    elif m.kind == "bits":
        attr["type"] = f"b{m.bit_width}"
    elif m.kind == "bytes":
        attr["size"] = m.size
    elif m.kind == "wchar":
        # strz in UTF-16 ends at the first zero *code unit* (two zero bytes at an even
        # offset); a bare ``terminator: 0`` would stop at the first zero byte.
        attr.update({"type": "strz", "size": m.size, "encoding": "UTF-16LE"})
    elif m.kind == "struct":
        attr["type"] = kaitai_id(m.ctype)
    if m.enum_type is not None:
        attr["enum"] = kaitai_id(m.enum_type.__name__)
    attr["-orig-id"] = m.name
    attr["doc"] = f"{m.doc}\n{_where(m, base)}."
    return attr


def _type(layout: Layout) -> dict[str, Any]:
    return {
        "-orig-id": layout.name,
        "doc": f"{layout.doc}\nsizeof {layout.size} (0x{layout.size:x}), "
        f"{layout.align}-byte aligned under {layout.profile}.",
        "seq": [_attribute(m, 0) for m in layout.members],
    }


def _enums(layouts: Sequence[Layout]) -> dict[str, Any]:
    found: dict[str, type[enum.IntEnum]] = {}
    for layout in layouts:
        for m in layout.walk():
            if m.enum_type is not None:
                found.setdefault(kaitai_id(m.enum_type.__name__), m.enum_type)
    return {
        ident: {int(v): kaitai_id(v.name) for v in enum_type}
        for ident, enum_type in sorted(found.items())
    }


def _dispatch(profile: Profile) -> tuple[dict[str, Any], dict[str, Any]]:
    """Top-level seq (the header) and the ``request`` instance switched on ControlCode."""
    requests = [s for s in STRUCTURES.values() if control_code_of(s) is not None]
    head, _, _ = CONTROL_CODE_PATH.partition(".")
    header = get_layout(requests[0], profile).member(head)
    cases = {control_code_of(s): kaitai_id(s.c_name) for s in requests}
    seq = {"id": kaitai_id(header.name), "type": kaitai_id(header.ctype), "-orig-id": header.name,
           "doc": f"{header.doc} Read first to pick the request."}
    instance = {
        "pos": 0,
        "type": {"switch-on": ".".join(kaitai_id(p) for p in CONTROL_CODE_PATH.split(".")),
                 "cases": cases},
        "doc": "The whole request, chosen by " + CONTROL_CODE_PATH + " ("
        + ", ".join(f"0x{code:x} {s.c_name}" for s in requests
                    if (code := control_code_of(s)) is not None) + ").",
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


def kaitai_document(
    profile: Profile, *, root: str | None = None, generator: str = "iscsitgt-spt"
) -> dict[str, Any]:
    """The ``.ksy`` as a tree of mappings (what :func:`render_kaitai` writes as YAML).

    ``root`` makes that structure the top-level type (what the Web IDE parses a file as)
    instead of the IOCTL_SCSI_MINIPORT dispatch; every structure is a type either way.
    """
    layouts = [get_layout(s, profile) for s in STRUCTURES.values()]
    if root is not None:
        top = get_layout(root, profile)
        return {
            "meta": _meta(f"{kaitai_id(top.name)}_{profile.abi}_{profile.cookie}", profile,
                          generator),
            "doc": f"{top.doc} Laid out for {profile}; generated by {generator} from its spec. "
            "The other structures of the family are the types below.",
            "seq": [{"id": kaitai_id(top.name), "type": kaitai_id(top.name),
                     "-orig-id": top.name}],
            "types": {kaitai_id(lay.name): _type(lay) for lay in layouts},
            "enums": _enums(layouts),
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
            "values Microsoft did not publish follow the assumptions named in the docs."
        ),
        "seq": [seq],
        "instances": {"request": instance},
        "types": {kaitai_id(lay.name): _type(lay) for lay in layouts},
        "enums": _enums(layouts),
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
