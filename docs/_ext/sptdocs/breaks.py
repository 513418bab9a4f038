"""Long C names (``SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY``) in the sidebar and in page titles
may break after an underscore.

A browser breaks a line only at spaces (and hyphens); a name longer than the sidebar would
either run over the page or, with CSS that allows breaking anywhere, be cut mid-word.  A
``<wbr>`` after each underscore of the sidebar's navigation links gives the browser the places
a reader expects; copying the text copies no character for it.  Page titles get the same: a
structure's name as a title is one word wider than the text column at 1280 px in the title's
large type with some fonts (Debian's Chromium 156 with DejaVu only: 1396 px), and its ``¶``
link then widened the page.  Smaller headings keep their text as written (a search of the
HTML for a name finds them).  (Running text keeps its text as written: on a phone it wraps by CSS,
docs/_static/sptdocs.css.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["breakable_names", "page_context"]

#: The page title (the body's ``h1``), its content apart.
_HEADING = re.compile(r"(<h1[^>]*>)(.*?)(</h1>)", re.DOTALL)

#: Text between tags holding an underscore inside a word.
_TEXT = re.compile(r">([^<>]*[A-Za-z0-9]_[A-Za-z0-9][^<>]*)<")


def breakable_names(html: str) -> str:
    """``html`` with ``<wbr>`` after every underscore inside a word of its text (not in tags,
    attributes or entities)."""
    return _TEXT.sub(lambda m: ">" + re.sub(r"(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])", "_<wbr>",
                                            m[1]) + "<", html)


def page_context(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                 doctree: Any) -> None:
    """``html-page-context``: the sidebar's navigation and the page title get their break
    opportunities."""
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = _HEADING.sub(
            lambda m: m[1] + breakable_names(">" + m[2] + "<")[1:-1] + m[3], body)
    toctree = context.get("toctree")
    if callable(toctree):
        original: Callable[..., str] = toctree
        context["toctree"] = lambda **kwargs: breakable_names(original(**kwargs))
