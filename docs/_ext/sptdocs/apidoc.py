"""``.. spt-api:: iscsitgt_spt.codec`` — the public API of a package: its ``__all__``, no more.

A package's public API is the list of names its facade exports (``__all__``), not every
module it happens to hold.  The directive finds, at build time, the package and every package
below it that is public (no ``_``-prefixed part in its name) and has an ``__all__``, and writes
one section per package: its docstring and autodoc of exactly the names of its ``__all__``
(``:undoc-members:``: a name without a docstring is listed too; a constant with the ``#:``
comment written where it is defined).  A class or function that a package re-exports from
another public package's ``__all__`` (``Profile`` in ``iscsitgt_spt.codec``, from
``iscsitgt_spt.spec``) is documented once, in the package nearest to where it is defined,
and listed as a link in the others.  A name added to an ``__all__`` appears without editing
the docs; a module's other names stay out of the reference.  ``__main__`` is never imported
(that would run the CLI).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

__all__ = ["PublicApiDirective", "home_of", "public_api"]


def _public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def public_api(package: str) -> dict[str, list[str]]:
    """``{package name: its __all__}`` for ``package`` and its public subpackages, sorted."""
    found = {}
    pkg = importlib.import_module(package)
    names = [package] + [info.name for info in pkgutil.walk_packages(pkg.__path__, package + ".")
                         if info.ispkg and _public(info.name)]
    for name in sorted(names):
        exported = getattr(importlib.import_module(name), "__all__", None)
        if exported:
            found[name] = list(exported)
    return found


def home_of(package: str, name: str) -> str:
    """The public package that documents ``package``'s ``name``: the package nearest to the
    module that defines it (the longest prefix of its ``__module__``) exporting the same
    object, or ``package`` itself."""
    obj = getattr(importlib.import_module(package), name)
    module = getattr(obj, "__module__", None)
    parts = module.split(".") if isinstance(module, str) else []  # (data has no __module__)
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate == package:  # (a shorter prefix is farther from the definition)
            break
        if not _public(candidate):
            continue
        try:
            other = importlib.import_module(candidate)
        except ImportError:
            continue
        if hasattr(other, "__path__") and name in getattr(other, "__all__", ()) and (
                getattr(other, name, None) is obj):
            return candidate
    return package


def _imported_from(module: str, name: str) -> str | None:
    """The module ``module`` takes ``name`` from (``from M import name``), if it imports it."""
    source = inspect.getsource(importlib.import_module(module))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and any(
                alias.name == name and alias.asname in (None, name) for alias in node.names):
            return node.module
    return None


def data_comment(package: str, name: str) -> list[str]:
    """The ``#:`` comment of a constant, read where it is defined (following the imports
    that brought it into ``package``)."""
    module: str | None = package
    for _ in range(4):  # facade -> module -> (at most a re-export or two)
        if module is None:
            break
        comment = ModuleAnalyzer.for_module(module).find_attr_docs().get(("", name))
        if comment:
            return [line for line in comment if line.strip()]
        module = _imported_from(module, name)
    return []


def _data(package: str, name: str) -> list[str]:
    lines = [f".. py:data:: {name}", f"   :module: {package}", ""]
    return lines + [f"   {line}" for line in data_comment(package, name)] + [""]


def _section(package: str, exported: list[str]) -> list[str]:
    module = importlib.import_module(package)
    # (A type alias such as ``Union[...]`` is callable but documented as data.)
    code = [n for n in exported if inspect.isclass(getattr(module, n))
            or inspect.isroutine(getattr(module, n))]
    here = [n for n in code if home_of(package, n) == package]
    lines = [package, "-" * len(package), "", f".. automodule:: {package}",
             f"   :members: {', '.join(here)}", "   :undoc-members:", "   :show-inheritance:",
             ""]
    for name in exported:
        if name not in code:
            lines += _data(package, name)
    elsewhere = [f":py:obj:`{n} <{home_of(package, n)}.{n}>`" for n in code if n not in here]
    if elsewhere:
        lines += ["Also exported here: " + ", ".join(elsewhere) + ".", ""]
    return lines


class PublicApiDirective(SphinxDirective):
    """One section per public package below the package given as argument."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        for name, exported in public_api(self.arguments[0]).items():
            lines += _section(name, exported)
        content = StringList(lines, source=f"<spt-api {self.arguments[0]}>")
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)
