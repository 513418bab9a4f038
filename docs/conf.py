"""Sphinx configuration for the iscsitgt-spt documentation.

Build locally (offline; no theme or asset is fetched):

    pip install .[docs] && sphinx-build -W docs docs/_build/html

Doctests of the guides:  sphinx-build -b doctest docs docs/_build/doctest
"""

from __future__ import annotations

import sys
from pathlib import Path

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
templates_path: list[str] = []
html_static_path = ["_static"]
html_theme = "alabaster"
html_theme_options = {
    "page_width": "1240px",
    "sidebar_width": "250px",
    "description": "Windows iSCSI Target pass-through structures: spec, codec, CLI",
    "fixed_sidebar": False,
    "show_relbars": True,
}
html_title = "iscsitgt-spt"
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
