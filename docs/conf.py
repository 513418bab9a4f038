"""Sphinx configuration for the iscsitgt-spt documentation.

Build locally (offline; no theme or asset is fetched), one directory per language, side by side
so the language switcher's links between them work:

    pip install .[docs] && sphinx-build -W docs docs/_build/html/en
    sphinx-build -W -D language=fr docs docs/_build/html/fr
    sphinx-build -W -D language=zh_TW docs docs/_build/html/zh_TW

Update the catalogs after an English text changed: docs/locale/update (see its comments).

Doctests of the guides:  sphinx-build -b doctest docs docs/_build/doctest
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from iscsitgt_spt.cli.version import version_text

project = "iscsitgt-spt"
author = "iscsitgt-spt developers"
copyright = "iscsitgt-spt developers"
release = version_text().split()[-1] if version_text().split() else ""
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    # The shipped extension (spt-fields, spt-diagram, spt-declaration), as users load it.
    "iscsitgt_spt.cli.sphinxext",
    # What only this site needs: the structure page stubs, the CLI and API reference.
    "sptdocs",
]
# Every label the reference links to exists on this site: a missing one is a broken link.
spt_strict_references = True

# Offline by construction: no intersphinx, no external assets.
exclude_patterns = ["_build", "structures/_*", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# Translations (docs/locale/<language>/LC_MESSAGES/*.po, Sphinx compiles them at build time).
# The directives' generated text is translated by the extension's own catalogs; the API
# reference (autodoc of the docstrings) stays in English in every language.
locale_dirs = ["locale/"]
gettext_compact = True
gettext_location = False
gettext_uuid = False
#: The API reference is autodoc of the docstrings, in English; translated builds say so on it.
API_NOTICE = {
    "fr": "Cette référence est générée à partir des docstrings du code et n'existe qu'en anglais.",
    "zh_TW": "本參考由程式碼的 docstring 產生，僅提供英文版。",
}
#: The sibling builds the switcher links to: language code -> name in that language.
LANGUAGES = {"en": "English", "fr": "Français", "zh_TW": "繁體中文"}
html_static_path = ["_static"]
html_css_files = ["languages.css"]
html_theme = "alabaster"
html_theme_options = {
    "page_width": "1240px",
    "sidebar_width": "250px",
    "description": "Windows iSCSI Target pass-through structures: spec, codec, CLI",
    "fixed_sidebar": False,
    "show_relbars": True,
}
html_title = "iscsitgt-spt"
html_sidebars = {"**": ["about.html", "languages.html", "navigation.html", "relations.html",
                        "searchbox.html"]}
html_show_sourcelink = False
pygments_style = "sphinx"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
# Re-exports (a package's __all__) would document a class twice: members are documented
# where they are defined only.
autodoc_default_options = {"show-inheritance": True, "ignore-module-all": True}
autoclass_content = "class"

# The guides' examples run under `sphinx-build -b doctest`; every group starts from scratch.
_VECTORS = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "captures"
doctest_global_setup = f"""
from pathlib import Path
VECTORS = Path({str(_VECTORS)!r})

def _sim_available():
    # The simulated target ("sim:") is part of the device layer; until it is wired, the
    # guide's sim examples are skipped rather than failed.
    from iscsitgt_spt.device import DeviceError, open_transport
    try:
        open_transport("sim:").close()
    except DeviceError:
        return False
    return True

SIM_AVAILABLE = _sim_available()
"""
# Only the guides' explicit ``doctest`` blocks run: docstring examples pulled in by autodoc
# are tested by pytest in their own modules, not here.
doctest_test_doctest_blocks = ""


def _languages(app: Any, pagename: str, templatename: str, context: dict[str, Any],
               doctree: Any) -> None:
    """The switcher's links: this page in each sibling build (``html/<language>/``)."""
    up = "../" * (pagename.count("/") + 1)
    current = app.config.language or "en"
    if pagename.startswith("api/"):
        context["spt_api_notice"] = API_NOTICE.get(current, "")
    context["spt_languages"] = [
        (code, name, f"{up}{code}/{pagename}.html", code == current)
        for code, name in LANGUAGES.items()
    ]


def setup(app: Any) -> None:
    app.connect("html-page-context", _languages)
