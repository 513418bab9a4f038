"""The directives' own text in the build's language.

Everything the directives write that is prose (table headings, captions, notes, and the
descriptions written in the spec's definitions) goes through :func:`_`, which looks it up in
the catalog this package ships (message domain ``iscsitgt_spt``, compiled ``.mo`` files under
``locale/<language>/LC_MESSAGES/``), registered with :meth:`sphinx.application.Sphinx.
add_message_catalog`.  A project built with ``language = "fr"`` or ``"zh_TW"`` therefore gets
French or Traditional Chinese tables from the same directives; any other language gets the
English text.  Identifiers (C names, commands, options, file names) are never passed through
it: they are inserted into the translated templates as they are.

The generated nodes are marked untranslatable for the project's own gettext pipeline
(:func:`keep_out_of_project_catalogs`): they are translated here already, and a project's
``.pot`` files would otherwise collect text that changes whenever the spec does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from docutils import nodes
from sphinx.locale import get_translation

__all__ = ["DOMAIN", "LOCALE_DIR", "_", "fill", "keep_out_of_project_catalogs"]

#: The gettext message domain of the shipped catalogs.
DOMAIN = "iscsitgt_spt"
#: Where the compiled catalogs live (package data).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_translate = get_translation(DOMAIN)


def _(message: str) -> str:
    """``message`` in the build's language; the text itself when no catalog has it."""
    # gettext("") is the catalog's header, never a translation of empty text.
    return str(_translate(message)) if message else message


def keep_out_of_project_catalogs(found: Iterable[nodes.Node]) -> None:
    """Mark every text element under ``found`` as already translated (see module docs)."""
    for top in found:
        for node in top.findall(nodes.TextElement):
            node["translatable"] = False


_FIELD = re.compile(r"\{(\w+)\}")


def fill(template: str, **parts: nodes.Node | str) -> list[nodes.Node]:
    """A translated template with nodes (links, code) where its ``{name}`` fields are.

    The fields are what a translation must not touch (identifiers, values); the catalogs mark
    such messages ``python-brace-format`` so ``msgfmt -c`` checks each translation keeps them.
    """
    out: list[nodes.Node] = []
    for i, piece in enumerate(_FIELD.split(template)):
        if i % 2:
            value = parts[piece]
            out.append(nodes.Text(value) if isinstance(value, str) else value)
        elif piece:
            out.append(nodes.Text(piece))
    return out

