"""Long C names (``SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY``) in the sidebar may break after
an underscore.

A browser breaks a line only at spaces (and hyphens); a name longer than the sidebar would
either run over the page or, with CSS that allows breaking anywhere, be cut mid-word.  A
``<wbr>`` after each underscore of the sidebar's navigation links gives the browser the places
a reader expects; copying the text copies no character for it.  (The page body keeps its text
as written: on a phone, its headings and running text wrap by CSS, docs/_static/sptdocs.css.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["breakable_names", "page_context"]

#: Text between tags holding an underscore inside a word.
_TEXT = re.compile(r">([^<>]*[A-Za-z0-9]_[A-Za-z0-9][^<>]*)<")


def breakable_names(html: str) -> str:
    """``html`` with ``<wbr>`` after every underscore inside a word of its text (not in tags,
    attributes or entities)."""
    return _TEXT.sub(lambda m: ">" + re.sub(r"(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])", "_<wbr>",
                                            m[1]) + "<", html)


def page_context(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                 doctree: Any) -> None:
    """``html-page-context``: the sidebar's navigation gets its break opportunities."""
    toctree = context.get("toctree")
    if callable(toctree):
        original: Callable[..., str] = toctree
        context["toctree"] = lambda **kwargs: breakable_names(original(**kwargs))
