"""iscsitgt_spt.cli.views — a decoded buffer shown to a person: text tree, hex view, HTML page.

A front end beside the command line and the Sphinx extension: values and findings from the
codec in, text out, no file or terminal touched here (the command line writes what these
return).  :func:`render_text` is the tree ``decode`` prints (:mod:`.text`),
:func:`render_hexdump` / :func:`iter_hexdump` the annotated ``--hexdump`` (:mod:`.hexview`),
:func:`render_html` the self-contained page of ``decode --html`` (:mod:`.html`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iscsitgt_spt.codec._lazy import lazy_attributes

if TYPE_CHECKING:  # type checkers see the names; at run time they load on first use
    from iscsitgt_spt.cli.views.hexview import iter_hexdump, render_hexdump
    from iscsitgt_spt.cli.views.html import render_html
    from iscsitgt_spt.cli.views.text import format_value, render_text

# Each public name and the module it lives in: ``decode`` of one buffer loads the text tree
# only, not the hex view or the page.
_WHERE: dict[str, str] = {
    "format_value": "iscsitgt_spt.cli.views.text",
    "iter_hexdump": "iscsitgt_spt.cli.views.hexview",
    "render_hexdump": "iscsitgt_spt.cli.views.hexview",
    "render_html": "iscsitgt_spt.cli.views.html",
    "render_text": "iscsitgt_spt.cli.views.text",
}

__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = ["format_value", "iter_hexdump", "render_hexdump", "render_html", "render_text"]
