"""iscsitgt_spt.cli.sphinxext — the spec's reference, in any Sphinx project (ours included).

Add it to a project's ``conf.py``::

    extensions = ["iscsitgt_spt.cli.sphinxext"]

Embedding one piece of one structure, for a profile (``:abi:`` win64 | win32, ``:cookie:``
u64 | ptr; default win64/u64)::

    .. spt-fields:: ISCSITGT_SPT_TMF
    .. spt-diagram:: ISCSITGT_SPT_TMF
    .. spt-declaration:: SENSE_DATA

Whole reference pages, as this project's site uses them: ``spt-structure`` (every layout of
a structure, its rules and assumptions), ``spt-enum``, ``spt-control-codes``, ``spt-ioctls``,
``spt-string-lengths``, ``spt-assumptions``, ``spt-quirks`` and ``spt-headers``.  They link to
one another by label (``struct-<NAME>``, ``enum-<Name>``, ``assumption-<NAME>`` ...); a
project that uses only some of them gets plain text where a label is missing, instead of a
warning, unless it sets ``spt_strict_references = True`` (this project's site does).  HTML
builds also get the standalone SVG diagrams (``_layouts/``) and C headers (``_headers/``)
those pages link to, and only those.

What the directives draw looks right in any theme (checked in alabaster, furo light and dark,
sphinx-rtd-theme and pydata-sphinx-theme): tables wrap or scroll inside the theme's column,
colours follow the theme's dark mode (``data-theme``) with at least 4.5:1 contrast, row links
(``¶``) show on hover only.  Builders other than HTML (LaTeX/PDF, text, man) get each byte
diagram as a table under the same caption.

Sphinx stays an optional dependency of iscsitgt-spt: only this package imports it, and
nothing else of the CLI imports this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes, locale
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform

from .constants import (
    AssumptionsDirective,
    ControlCodesDirective,
    EnumDirective,
    IoctlsDirective,
    QuirksDirective,
    StringLengthsDirective,
)
from .diagram import files_in_use, setup_file_tracking
from .directives import DeclarationDirective, DiagramDirective, FieldsDirective
from .headers import HEADER_DIR, HeadersDirective, header_files
from .i18n import DOMAIN, LOCALE_DIR
from .structure import LAYOUT_DIR, StructureDirective, svg_files

__all__ = ["setup", "write_if_changed"]

#: The stylesheet shipped with the directives (package data, copied by Sphinx).
CSS_FILE = "iscsitgt-spt.css"
#: Label prefixes the directives define and link to.
_OUR_LABELS = ("struct-", "enum-", "assumption-", "ioctl-codes", "control-codes")


def _add_static(app: Sphinx) -> None:
    # Registered after conf.py is read, so the project's own html_static_path stays first.
    path = str(Path(__file__).resolve().parent / "static")
    if path not in app.config.html_static_path:
        app.config.html_static_path.append(path)


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it already holds it (keeps incremental builds)."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _write_outputs(app: Sphinx, exception: Exception | None) -> None:
    # Only the files some page links to: a project using spt-fields alone gets none.
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    wanted = files_in_use(app.env)
    for name, text in svg_files(wanted).items():
        write_if_changed(out / LAYOUT_DIR / name, text)
    for name, text in header_files(wanted).items():
        write_if_changed(out / HEADER_DIR / name, text)


class _ScrollingTables(SphinxPostTransform):
    """HTML: every table of ours inside ``div.spt-scroll``, which scrolls when the theme's
    column is narrower than the table can wrap to (the page itself never widens)."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for table in list(self.document.findall(nodes.table)):
            parent = table.parent
            if "spt-table" not in table["classes"] or (
                    isinstance(parent, nodes.container) and "spt-scroll" in parent["classes"]):
                continue
            wrapper = nodes.container(classes=["spt-scroll"])
            table.replace_self(wrapper)
            wrapper += table


def _soft_reference(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """A link to one of our labels the project does not define: plain text, no warning."""
    if app.config.spt_strict_references or node.get("refdomain") != "std":
        return None
    target = str(node.get("reftarget", ""))
    if any(target.startswith(prefix) for prefix in _OUR_LABELS):
        return contnode
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("spt_strict_references", False, "env", [bool])
    # The directives' own text in French and Traditional Chinese (see .i18n). Sphinx keeps
    # translators per process and would add this build's language behind an earlier build's
    # (two builds in one process, as in a test run): each build starts from its own.
    locale.translators.pop(("general", DOMAIN), None)
    app.add_message_catalog(DOMAIN, str(LOCALE_DIR))
    for name, directive in {
        "spt-fields": FieldsDirective,
        "spt-diagram": DiagramDirective,
        "spt-declaration": DeclarationDirective,
        "spt-structure": StructureDirective,
        "spt-enum": EnumDirective,
        "spt-control-codes": ControlCodesDirective,
        "spt-ioctls": IoctlsDirective,
        "spt-string-lengths": StringLengthsDirective,
        "spt-assumptions": AssumptionsDirective,
        "spt-quirks": QuirksDirective,
        "spt-headers": HeadersDirective,
    }.items():
        app.add_directive(name, directive)
    app.connect("builder-inited", _add_static)
    app.connect("build-finished", _write_outputs)
    app.connect("missing-reference", _soft_reference)
    app.add_post_transform(_ScrollingTables)
    setup_file_tracking(app)
    app.add_css_file(CSS_FILE)
    from iscsitgt_spt.cli.version import version_text

    return {"version": version_text().split()[-1], "parallel_read_safe": True,
            "parallel_write_safe": True}
