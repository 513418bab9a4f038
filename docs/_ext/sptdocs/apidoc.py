"""``.. spt-automodules:: iscsitgt_spt.spec`` — autodoc for a package and all its modules.

The module list is discovered with :mod:`pkgutil` at build time, so a module added by anyone
appears in the API reference without editing the docs.  Each module becomes a section (its
name as title) holding ``automodule`` with ``:members:``; ``__main__`` is skipped because
importing it runs the CLI.
"""

from __future__ import annotations

import importlib
import pkgutil

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

__all__ = ["AutomodulesDirective", "package_modules"]


def package_modules(package: str) -> list[str]:
    """``package`` and every module below it, sorted, ``__main__`` excluded."""
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        names.append(info.name)
    return sorted(names)


class AutomodulesDirective(SphinxDirective):
    """One section per module of the package given as argument."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        for name in package_modules(self.arguments[0]):
            lines += [name, "-" * len(name), "", f".. automodule:: {name}",
                      "   :members:", "   :show-inheritance:", ""]
        content = StringList(lines, source=f"<spt-automodules {self.arguments[0]}>")
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)
