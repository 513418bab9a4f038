"""iscsitgt_spt.cli.sphinxext — embed the spec in any Sphinx project.

Add it to a project's ``conf.py``::

    extensions = ["iscsitgt_spt.cli.sphinxext"]

and write, for a structure and a profile (``:abi:`` win64 | win32, ``:cookie:`` u64 | ptr)::

    .. spt-fields:: ISCSITGT_SPT_TMF
       :abi: win32
       :cookie: ptr

    .. spt-diagram:: ISCSITGT_SPT_TMF
    .. spt-declaration:: SENSE_DATA

Sphinx stays an optional dependency of iscsitgt-spt: only this package imports it, and
nothing else of the CLI imports this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from .directives import DeclarationDirective, DiagramDirective, FieldsDirective

__all__ = ["setup"]

#: The stylesheet shipped with the directives (package data, copied by Sphinx).
CSS_FILE = "iscsitgt-spt.css"


def _add_static(app: Sphinx) -> None:
    # Registered after conf.py is read, so the project's own html_static_path stays first.
    path = str(Path(__file__).resolve().parent / "static")
    if path not in app.config.html_static_path:
        app.config.html_static_path.append(path)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("spt-fields", FieldsDirective)
    app.add_directive("spt-diagram", DiagramDirective)
    app.add_directive("spt-declaration", DeclarationDirective)
    app.connect("builder-inited", _add_static)
    app.add_css_file(CSS_FILE)
    from iscsitgt_spt.cli._common import version_text

    return {"version": version_text().split()[-1], "parallel_read_safe": True,
            "parallel_write_safe": True}
