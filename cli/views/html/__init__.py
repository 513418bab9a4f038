"""The clickable report of ``decode --html``: one self-contained page per capture.

:func:`render_html` turns record reports into the page, chunk by chunk; the stylesheet and
script are package data (``page.css``, ``page.js``) inlined into every page.
"""

from __future__ import annotations

from iscsitgt_spt.cli.views.html.model import record_document
from iscsitgt_spt.cli.views.html.page import render_html

__all__ = ["record_document", "render_html"]
