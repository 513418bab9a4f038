"""``.. spt-headers::`` — downloadable C headers, one per profile and flavour.

The files are written by the extension at ``build-finished`` (HTML builders) from
:func:`iscsitgt_spt.spec.c_header.render_header`, the exporter behind ``iscsitgt-spt
header``, so the download is byte-for-byte what the CLI prints for the same options.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from docutils import nodes
from iscsitgt_spt.spec.c_header import render_header
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from sphinx.util.docutils import SphinxDirective

from .diagram import note_file
from .i18n import _, keep_out_of_project_catalogs
from .nodes_util import Cell, make_table

__all__ = ["HEADER_DIR", "HeadersDirective", "header_files", "header_name"]

#: Output sub-directory (HTML builders) holding the generated headers.
HEADER_DIR = "_headers"


def header_name(profile: Profile, standalone: bool) -> str:
    flavour = "standalone" if standalone else "sdk"
    return f"iscsitgt_spt-{profile.abi}-{profile.cookie}-{flavour}.h"


def header_files(wanted: set[str] | None = None) -> dict[str, str]:
    """File name -> header text, for every profile and flavour (``wanted``: only these paths)."""
    return {
        header_name(p, standalone): render_header(p, standalone=standalone)
        for p in PROFILES
        for standalone in (False, True)
        if wanted is None or f"{HEADER_DIR}/{header_name(p, standalone)}" in wanted
    }


def _command(profile: Profile, standalone: bool) -> str:
    return (f"iscsitgt-spt header --abi {profile.abi} --cookie {profile.cookie}"
            + (" --standalone" if standalone else ""))


class HeadersDirective(SphinxDirective):
    """A table: profile, the two header flavours as links, and the equivalent command."""

    def run(self) -> list[nodes.Node]:
        depth = len(PurePosixPath(self.env.docname).parts) - 1
        base = "../" * depth + HEADER_DIR + "/"
        rows: list[list[Cell]] = []
        for p in PROFILES:
            cells: list[Cell] = [nodes.literal("", str(p))]
            for standalone in (False, True):
                name = header_name(p, standalone)
                link = nodes.reference("", name, refuri=base + name)
                note_file(self.env, f"{HEADER_DIR}/{name}")
                cells.append([link, nodes.Text(" — "),
                              nodes.literal("", _command(p, standalone))])
            rows.append(cells)
        table = make_table([_("Profile"), _("SDK flavour (uses <ntddscsi.h>)"),
                            _("Standalone flavour (<stdint.h> only)")], rows,
                           widths=[12, 44, 44], classes=["spt-headers"])
        keep_out_of_project_catalogs([table])
        return [table]
