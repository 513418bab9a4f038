"""Long C names (``SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY``) may break after an underscore.

A browser breaks a line only at spaces (and hyphens); a name longer than the sidebar, or than
a phone's screen in a heading, would either run over its neighbours or, with CSS that allows
breaking anywhere, be cut mid-word.  A ``<wbr>`` after each underscore of the sidebar's
links and the headings' text gives the browser the places a reader expects; copying the text
copies no character for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["breakable_names", "page_context"]

#: Text between tags holding an underscore inside a word.
_TEXT = re.compile(r">([^<>]*[A-Za-z0-9]_[A-Za-z0-9][^<>]*)<")
_HEADING = re.compile(r"<h[1-6][^>]*>.*?</h[1-6]>", re.S)


def breakable_names(html: str) -> str:
    """``html`` with ``<wbr>`` after every underscore inside a word of its text (not in tags,
    attributes or entities)."""
    return _TEXT.sub(lambda m: ">" + re.sub(r"(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])", "_<wbr>",
                                            m[1]) + "<", html)


def _headings(body: str) -> str:
    return _HEADING.sub(lambda m: breakable_names(m[0]), body)


def page_context(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                 doctree: Any) -> None:
    """``html-page-context``: the sidebar's toctree, the local table of contents and the
    headings of the body get their break opportunities."""
    toctree = context.get("toctree")
    if callable(toctree):
        original: Callable[..., str] = toctree
        context["toctree"] = lambda **kwargs: breakable_names(original(**kwargs))
    for key in ("toc", "body"):
        if isinstance(context.get(key), str):
            text = context[key]
            context[key] = breakable_names(text) if key == "toc" else _headings(text)
