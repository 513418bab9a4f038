"""The API reference documents each public package's ``__all__`` and nothing else.

Read from the built site (the session's English build, tests/conftest.py): every object the
API pages describe (``<dt id="...">``) belongs to a public package's ``__all__`` (or is a
member of such a class), and every name of every public package's ``__all__`` is described
there or linked to the package that describes it.  The public packages are found here
independently of the docs extension: the packages under the four layers (pyproject's
``package-dir``) with no ``_``-prefixed part in their name.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("sphinx.cmd.build")
tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
_ID = re.compile(r'<dt class="sig sig-object py" id="([^"]+)"')
_HREF = re.compile(r'href="[^"]*#([^"]+)"')


def _public_packages() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = [n for n in config["tool"]["setuptools"]["package-dir"] if n != "iscsitgt_spt"]
    found: dict[str, list[str]] = {}
    for layer in layers:
        names = [layer] + [i.name for i in pkgutil.walk_packages(
            importlib.import_module(layer).__path__, layer + ".") if i.ispkg]
        for name in names:
            if not any(p.startswith("_") for p in name.split(".")):
                found[name] = list(getattr(importlib.import_module(name), "__all__", []))
    return found


@pytest.fixture(scope="module")
def api_pages(docs_build: Callable[..., Path]) -> str:
    return "".join(p.read_text(encoding="utf-8")
                   for p in sorted((docs_build("html") / "api").glob("*.html")))


def test_every_object_described_is_a_name_of_a_public_package(api_pages: str) -> None:
    packages = _public_packages()
    ids = _ID.findall(api_pages)
    assert len(ids) > 50  # (a page that lost its content would pass vacuously)
    strays = []
    for ident in ids:
        # The package that holds it: the longest public package that prefixes the id.
        owner = max((p for p in packages if ident.startswith(p + ".")), key=len, default=None)
        top = ident[len(owner) + 1:].split(".")[0] if owner else None
        if owner is None or top not in packages[owner]:
            strays.append(ident)
    assert strays == []  # e.g. iscsitgt_spt.codec.api.decode: a module, not the API


def test_every_name_of_every_public_all_is_there(api_pages: str) -> None:
    ids = set(_ID.findall(api_pages))
    linked = set(_HREF.findall(api_pages))
    missing = []
    for package, exported in _public_packages().items():
        module = importlib.import_module(package)
        for name in exported:
            if f"{package}.{name}" in ids:
                continue
            # Re-exported: described once under another public package, linked from here.
            elsewhere = {f"{p}.{name}" for p, names in _public_packages().items()
                         if p != package and name in names
                         and getattr(importlib.import_module(p), name) is getattr(module, name)}
            if not elsewhere & ids & linked:
                missing.append(f"{package}.{name}")
    assert missing == []
    assert "iscsitgt_spt.cli.views.render_text" in ids
    assert "iscsitgt_spt.codec.analysis.render_text" not in ids
