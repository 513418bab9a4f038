"""Directives for the constants, enumerations and assumptions pages.

* ``.. spt-enum:: TmfFunction`` — an enumeration of :mod:`iscsitgt_spt.spec.constants`
  (value in decimal and hex, name, plus columns for boolean properties given with
  ``:flags: uses_referenced_task``);
* ``.. spt-control-codes::`` — SRB_IO_CONTROL.ControlCode values and their structures;
* ``.. spt-ioctls::`` — IOCTL codes with their CTL_CODE breakdown;
* ``.. spt-string-lengths::`` — the published length constants;
* ``.. spt-assumptions::`` and ``.. spt-quirks::`` — :mod:`iscsitgt_spt.spec.assumptions`.
"""

from __future__ import annotations

import enum
import inspect

from docutils import nodes
from docutils.parsers.rst import directives
from iscsitgt_spt.spec import constants
from iscsitgt_spt.spec.assumptions import ASSUMPTIONS, QUIRKS
from iscsitgt_spt.spec.registry import (
    STRUCTURES,
    control_codes,
    ioctl_of,
    structure_for_control_code,
)
from sphinx.util.docutils import SphinxDirective

from .i18n import _, keep_out_of_project_catalogs
from .nodes_util import Cell, inline_text, make_table, para, ref, register_label

__all__ = [
    "AssumptionsDirective",
    "ControlCodesDirective",
    "EnumDirective",
    "IoctlsDirective",
    "QuirksDirective",
    "StringLengthsDirective",
]


class EnumDirective(SphinxDirective):
    """One enumeration of the spec's constants as a table (label ``enum-<Name>``)."""

    required_arguments = 1
    option_spec = {"flags": directives.unchanged, "title": directives.unchanged}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        # A name the constants do not have is the directive's error at its line (reported
        # by Sphinx), not an AttributeError that ends the build.
        enum_type = getattr(constants, self.arguments[0], None)
        if not (inspect.isclass(enum_type) and issubclass(enum_type, enum.IntEnum)):
            raise self.error(f"{self.arguments[0]} is not an IntEnum of the spec's constants")
        flags = [f.strip() for f in self.options.get("flags", "").split(",") if f.strip()]
        extra = ["title"] if "title" in self.options else []
        header = [_("Value"), _("Hex"), _("Name"), *([_("Title")] if extra else []),
                  *(_(f.replace("_", " ")) for f in flags)]
        rows: list[list[Cell]] = []
        for member in enum_type:
            row: list[Cell] = [str(int(member)), f"0x{int(member):02X}",
                               nodes.literal("", member.name)]
            row += [str(getattr(member, e)) for e in extra]
            row += [_("yes") if getattr(member, f) else "" for f in flags]
            rows.append(row)
        container = nodes.container(classes=["spt-enum"])
        register_label(self.state.document, f"enum-{enum_type.__name__}", container)
        doc = inspect.getdoc(enum_type) or ""
        container += para(nodes.literal("", f"iscsitgt_spt.spec.constants.{enum_type.__name__}"),
                          ": ", _(doc.replace("\n", " ")))
        for f in flags:
            prop = getattr(enum_type, f, None)
            text = inspect.getdoc(prop) if prop is not None else None
            if text:
                container += para(nodes.emphasis("", _(f.replace("_", " "))), ": ",
                                  _(text.replace("\n", " ")))
        container += make_table(header, rows, classes=["spt-enum-table"])
        keep_out_of_project_catalogs([container])
        return [container]


def _ioctl_text(code: int) -> str:
    return f"0x{code:08X}"


def control_code_rows() -> list[tuple[int, str, str, str]]:
    """(code, published name, structure, IOCTL name) of every request the registry holds."""
    rows = []
    for code, name in control_codes().items():
        struct = structure_for_control_code(code)
        assert struct is not None  # control_codes() is read from the structures themselves
        ioctl = ioctl_of(struct)
        rows.append((code, name, struct.c_name,
                     constants.IOCTLS.get(ioctl, "") if ioctl is not None else ""))
    return rows


class ControlCodesDirective(SphinxDirective):
    """SRB_IO_CONTROL.ControlCode values, the structure each selects, their IOCTL."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[Cell]] = []
        for code, name, struct, ioctl in control_code_rows():
            rows.append([
                f"0x{code:X}", str(code), nodes.literal("", name),
                ref(f"struct-{struct}", nodes.literal("", struct)),
                nodes.literal("", ioctl) if ioctl else "",
            ])
        table = make_table([_("Code"), _("Decimal"), _("Name (as published)"), _("Structure"),
                            "IOCTL"], rows, classes=["spt-control-codes"])
        keep_out_of_project_catalogs([table])
        return [table]


class IoctlsDirective(SphinxDirective):
    """IOCTL codes, split into CTL_CODE(DeviceType, Function, Method, Access)."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[Cell]] = []
        for code, name in constants.IOCTLS.items():
            parts = constants.decode_ctl_code(code)
            carried = [s for s in STRUCTURES if ioctl_of(s) == code]
            cells: list[nodes.Node | str] = []
            for s in carried:
                cells += [ref(f"struct-{s}", nodes.literal("", s)), ", "]
            rows.append([
                nodes.literal("", name), _ioctl_text(code),
                f"0x{parts.device_type:04X}", f"0x{parts.function:03X}",
                constants.IoctlMethod(parts.method).name,
                constants.IoctlAccess(parts.access).name,
                cells[:-1] if cells else "",
            ])
        table = make_table(
            ["IOCTL", _("Code"), *(_("{field} (bits {bits})").format(field=f, bits=b) for f, b in (
                ("DeviceType", "16-31"), ("Function", "2-13"), ("Method", "0-1"),
                ("Access", "14-15"))), _("Carries")],
            rows, classes=["spt-ioctls"])
        keep_out_of_project_catalogs([table])
        return [table]


class StringLengthsDirective(SphinxDirective):
    """The published array lengths (``SCSI_PASS_THROUGH_MAX_...``)."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[Cell]] = []
        for name in constants.__all__:
            if name.startswith("SCSI_PASS_THROUGH_"):
                value = getattr(constants, name)
                unit = _("bytes") if name.endswith("SIZE") else _("WCHARs")
                rows.append([nodes.literal("", name), str(value), unit])
        table = make_table([_("Constant"), _("Value"), _("Unit")], rows, classes=["spt-lengths"])
        keep_out_of_project_catalogs([table])
        return [table]


class AssumptionsDirective(SphinxDirective):
    """Every :data:`~iscsitgt_spt.spec.assumptions.ASSUMPTIONS` record, one block each."""

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for a in ASSUMPTIONS:
            section = nodes.section(classes=["spt-assumption"])
            register_label(self.state.document, f"assumption-{a.name}", section)
            section += nodes.title("", a.name)
            section += para(nodes.strong("", _("Question:")), " ", _(a.topic))
            fields = nodes.field_list()
            for label, value in (
                (_("We chose"), _(a.choice)),
                (_("Alternatives"), _(a.alternatives)),
                (_("Changes bytes"), _("yes") if a.changes_bytes else
                 _("no (it changes how a buffer is interpreted, not its bytes)")),
                (_("How to override"), _(a.how_to_override)),
            ):
                field = nodes.field()
                field += nodes.field_name("", label)
                body = nodes.field_body()
                body += para(*inline_text(value))
                field += body
                fields += field
            section += fields
            out.append(section)
        keep_out_of_project_catalogs(out)
        return out


class QuirksDirective(SphinxDirective):
    """Every :data:`~iscsitgt_spt.spec.assumptions.QUIRKS` entry, as a list."""

    def run(self) -> list[nodes.Node]:
        items = nodes.bullet_list(classes=["spt-quirks"])
        for quirk in QUIRKS:
            item = nodes.list_item()
            item += para(_(quirk))
            items += item
        keep_out_of_project_catalogs([items])
        return [items]
