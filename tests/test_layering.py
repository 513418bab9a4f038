"""Imports go one way: spec <- codec <- device <- CLI; the codec core leans on none of its siblings.

The layers are the four top-level folders, mapped to their installed names by pyproject's
``package-dir`` (read here, not typed again).  The rules, checked on every module's AST:

* ``spec`` imports nothing of ours; ``codec`` only ``spec``; ``device`` ``codec`` and ``spec``;
  the CLI anything.
* The codec core (the modules at the top of ``codec/``) imports none of the codec's
  subpackages (analysis, capture, fuzzing, sense): they build on the core, not the reverse.
* ``spec`` and ``codec`` are sans-I/O: no ctypes, argparse, terminal, file system or standard
  streams.  Package data read through :mod:`importlib.resources` is allowed.
* Only the device layer touches ctypes and Windows.
* The front ends of the top layer (the command line; the views in ``cli/views``: text tree,
  hex view, HTML page; the Sphinx extension in ``cli/sphinxext``; the docs' own ``conf.py``
  and extensions) use each other's public modules only: no front end imports another's
  private (``_``-prefixed) module.  Nothing below the top layer imports a front end.
* The views are sans-I/O like ``spec`` and ``codec``: they turn values into text, the command
  line writes it.

``test_the_checker_catches_*`` run the same checks on synthetic modules, so a checker that
stopped seeing violations would fail too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Layer ranks, lowest first; a module may import its own rank or lower.
RANKS = {"iscsitgt_spt.spec": 0, "iscsitgt_spt.codec": 1, "iscsitgt_spt.device": 2,
         "iscsitgt_spt.cli": 3, "iscsitgt_spt.__main__": 3}
CODEC_SUBPACKAGES = ("analysis", "capture", "export", "fuzzing", "sense")
#: Front ends of the top layer that stand beside the command line (``iscsitgt_spt.cli.*``).
FRONT_END_ROOMS = ("sphinxext", "views")
#: Front ends held to the sans-I/O rules of ``spec`` and ``codec``.
SANS_IO_ROOMS = ("views",)
SANS_IO_FORBIDDEN_MODULES = {
    "argparse", "curses", "termios", "tty", "pathlib", "tempfile", "shutil", "os", "io",
    "subprocess", "socket", "readline",
}
WINDOWS_MODULES = {"ctypes", "msvcrt", "winreg", "_winapi", "win32api", "win32file"}
STANDARD_STREAMS = {"stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"}
FILE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes"}


def _package_dirs() -> dict[str, str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    return mapping


def _layer(module: str) -> int:
    if module.split(".")[0] == "docs":
        return RANKS["iscsitgt_spt.cli"]  # the docs' conf.py and extensions are front ends
    for prefix, rank in sorted(RANKS.items(), key=lambda item: -len(item[0])):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"{module} belongs to no layer")


def _modules() -> dict[str, Path]:
    out = {}
    for namespace, folder in _package_dirs().items():
        if namespace == "iscsitgt_spt":
            for path in (ROOT / folder).glob("*.py"):
                out[f"{namespace}.{path.stem}"] = path
            continue
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            if rel.parts[0] == "_namespace":
                continue
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([namespace, *parts])] = path
    for path in [ROOT / "docs" / "conf.py", *(ROOT / "docs" / "_ext").rglob("*.py")]:
        rel = path.relative_to(ROOT).with_suffix("")
        out[".".join(p for p in rel.parts if p != "__init__")] = path
    return out


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    package = module if is_package else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name
            # ``from iscsitgt_spt.codec import analysis`` imports a subpackage too.
            yield from ((node.lineno, f"{name}.{a.name}") for a in node.names)


def _is_core(module: str) -> bool:
    parts = module.split(".")
    return parts[:2] == ["iscsitgt_spt", "codec"] and (
        len(parts) == 2 or (len(parts) == 3 and parts[2] not in CODEC_SUBPACKAGES))


def _room(module: str) -> str | None:
    """The front end a module of the top layer belongs to (``None`` below it)."""
    parts = module.split(".")
    if parts[:2] != ["iscsitgt_spt", "cli"]:
        return "docs" if parts[0] == "docs" else None
    return parts[2] if len(parts) > 2 and parts[2] in FRONT_END_ROOMS else "command line"


def _private_of_another_room(module: str, target: str) -> bool:
    mine, theirs = _room(module), _room(target)
    return (mine is not None and theirs is not None and mine != theirs
            and any(p.startswith("_") for p in target.split(".")[2:]))


def _facade_type_imports(tree: ast.AST) -> set[int]:
    """Lines of the imports under ``if TYPE_CHECKING:`` of a package facade.

    The codec's facade imports nothing at run time (its names load lazily, from a table of
    module names); the imports type checkers read may name the subpackage module a public
    name lives in (``decode_buffer``, which detects the profile, is analysis built on the
    core).  Every module of the core proper is still held to the rule."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and (
                node.test.id == "TYPE_CHECKING"):
            lines.update(n.lineno for n in ast.walk(node)
                         if isinstance(n, (ast.Import, ast.ImportFrom)))
    return lines


def _core_leans_on_a_subpackage(
    module: str, target: str, lineno: int, facade_types: set[int]
) -> bool:
    return _is_core(module) and lineno not in facade_types and target.split(".")[:3] in (
        ["iscsitgt_spt", "codec", sub] for sub in CODEC_SUBPACKAGES)


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """Every rule ``module`` (with this ``source``) breaks, one line each."""
    tree = ast.parse(source)
    mine = _layer(module)
    found: list[str] = []
    imported = set()
    # ``from a.b import c`` is seen as both ``a.b`` and ``a.b.c``: one complaint per line.
    seen: set[tuple[int, str]] = set()
    facade_types = _facade_type_imports(tree) if module == "iscsitgt_spt.codec" else set()
    sans_io = mine <= 1 or _room(module) in SANS_IO_ROOMS
    for lineno, target in _imports(tree, module, is_package):
        imported.add(target.split(".")[0])
        where = f"{module}:{lineno}"
        if target.startswith("iscsitgt_spt.") and target.split(".")[1] in (
                "spec", "codec", "device", "cli", "__main__"):
            if _layer(target) > mine and (lineno, "layer") not in seen:
                seen.add((lineno, "layer"))
                found.append(f"{where} imports {target} (a higher layer)")
            if _core_leans_on_a_subpackage(module, target, lineno, facade_types) and (
                    lineno, "core") not in seen:
                seen.add((lineno, "core"))
                found.append(f"{where} imports {target} (the codec core leans on no subpackage)")
        if _private_of_another_room(module, target) and (lineno, "room") not in seen:
            seen.add((lineno, "room"))
            found.append(f"{where} imports {target} (another front end's private module)")
        top = target.split(".")[0]
        if mine != 2 and top in WINDOWS_MODULES and (lineno, "win") not in seen:
            seen.add((lineno, "win"))
            found.append(f"{where} imports {target} (only the device layer touches Windows)")
        if sans_io and top in SANS_IO_FORBIDDEN_MODULES and (lineno, "io") not in seen:
            seen.add((lineno, "io"))
            found.append(f"{where} imports {target} (spec, codec and the views are sans-I/O)")
    if sans_io:
        reads_package_data = "importlib" in imported
        for node in ast.walk(tree):
            where = f"{module}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                    node.func.id == "open"):
                found.append(f"{where} calls open() (opening a path belongs to the CLI)")
            if isinstance(node, ast.Attribute):
                if (isinstance(node.value, ast.Name) and node.value.id == "sys"
                        and node.attr in STANDARD_STREAMS):
                    found.append(f"{where} uses sys.{node.attr} (the terminal belongs to the CLI)")
                if node.attr in FILE_METHODS and not reads_package_data:
                    found.append(f"{where} calls .{node.attr}() (files belong to the CLI)")
    return found


def test_every_module_keeps_to_its_layer() -> None:
    problems = []
    for module, path in _modules().items():
        problems += violations(module, path.read_text(encoding="utf-8"),
                               is_package=path.name == "__init__.py")
    assert problems == []


def test_the_check_sees_the_tree() -> None:
    modules = _modules()
    # A check that inspected nothing would pass vacuously.
    for expected in ("iscsitgt_spt.spec.layout", "iscsitgt_spt.codec.api",
                     "iscsitgt_spt.codec.capture.detect", "iscsitgt_spt.codec.analysis.lint",
                     "iscsitgt_spt.codec.sense.decoder", "iscsitgt_spt.codec.fuzzing.corpus",
                     "iscsitgt_spt.device.windows", "iscsitgt_spt.cli.decode",
                     "iscsitgt_spt.cli.views.text", "iscsitgt_spt.cli.views.html.page",
                     "iscsitgt_spt.__main__"):
        assert expected in modules
    assert _room("iscsitgt_spt.cli.views.html.page") == "views"
    assert _room("iscsitgt_spt.cli._html_report") == "command line"
    assert _layer("iscsitgt_spt.device.windows") == 2
    assert _layer("iscsitgt_spt.cli.decode") == 3
    assert _is_core("iscsitgt_spt.codec.dispatch")
    assert not _is_core("iscsitgt_spt.codec.analysis.lint")


@pytest.mark.parametrize(
    ("module", "source", "complaint"),
    [
        ("iscsitgt_spt.spec.layout", "from iscsitgt_spt.codec.api import decode", "higher layer"),
        ("iscsitgt_spt.codec.api", "import iscsitgt_spt.device.client", "higher layer"),
        ("iscsitgt_spt.codec.analysis.lint", "from iscsitgt_spt.cli import main", "higher layer"),
        ("iscsitgt_spt.device.client", "from iscsitgt_spt.cli._common import x", "higher layer"),
        ("iscsitgt_spt.codec.dispatch", "from iscsitgt_spt.codec.analysis.lint import lint",
         "no subpackage"),
        ("iscsitgt_spt.codec.dispatch", "from iscsitgt_spt.codec import sense", "no subpackage"),
        # Only the facade's type-checking imports may name a subpackage; a core module's not.
        ("iscsitgt_spt.codec.dispatch", "if TYPE_CHECKING:\n"
         "    from iscsitgt_spt.codec.analysis.lint import lint", "no subpackage"),
        ("iscsitgt_spt.codec", "from iscsitgt_spt.codec.analysis.lint import lint",
         "no subpackage"),
        ("iscsitgt_spt.codec.capture.detect", "import ctypes", "Windows"),
        ("iscsitgt_spt.cli.send", "import ctypes", "Windows"),
        ("iscsitgt_spt.codec.capture.detect", "import argparse", "sans-I/O"),
        ("iscsitgt_spt.spec.layout", "from pathlib import Path", "sans-I/O"),
        ("iscsitgt_spt.codec.capture.detect", "data = open('x').read()", "open()"),
        ("iscsitgt_spt.codec.analysis.report", "import sys\nsys.stdout.write('x')", "terminal"),
        ("iscsitgt_spt.codec.capture.records", "def f(p):\n    return p.read_bytes()",
         ".read_bytes()"),
        ("iscsitgt_spt.cli.sphinxext.model", "from iscsitgt_spt.cli._common import x",
         "another front end's private module"),
        ("docs.conf", "from iscsitgt_spt.cli._common import version_text",
         "another front end's private module"),
        ("iscsitgt_spt.cli.decode", "from iscsitgt_spt.cli.sphinxext._x import y",
         "another front end's private module"),
        # The views: below them nothing imports them; they and their neighbours keep to the
        # public modules of each other; they read and write nothing.
        ("iscsitgt_spt.codec.analysis.report", "from iscsitgt_spt.cli.views import render_text",
         "higher layer"),
        ("iscsitgt_spt.device.client", "from iscsitgt_spt.cli.views.text import render_text",
         "higher layer"),
        ("iscsitgt_spt.cli.views.text", "from iscsitgt_spt.cli._output import one_line",
         "another front end's private module"),
        ("iscsitgt_spt.cli.decode", "from iscsitgt_spt.cli.views._x import y",
         "another front end's private module"),
        ("iscsitgt_spt.cli.sphinxext.model", "from iscsitgt_spt.cli.views.html._x import y",
         "another front end's private module"),
        ("iscsitgt_spt.cli.views.html.page", "from pathlib import Path", "sans-I/O"),
        ("iscsitgt_spt.cli.views.hexview", "import sys\nsys.stdout.write('x')", "terminal"),
        ("iscsitgt_spt.cli.views.html.page", "open('page.css')", "open()"),
    ],
)
def test_the_checker_catches_a_wrong_way_import(module: str, source: str, complaint: str) -> None:
    found = violations(module, source)
    assert len(found) == 1 and complaint in found[0], found


def test_the_checker_allows_the_right_way() -> None:
    assert violations("iscsitgt_spt.codec.analysis.lint",
                      "from iscsitgt_spt.codec.dispatch import identify\n"
                      "from iscsitgt_spt.codec.capture.records import RawRecord") == []
    assert violations("iscsitgt_spt.cli.decode", "import argparse, sys\nsys.stdout.write('')\n"
                      "from iscsitgt_spt.device import Client") == []
    assert violations("iscsitgt_spt.device.windows", "import ctypes") == []
    assert violations("iscsitgt_spt.cli.sphinxext", "from iscsitgt_spt.cli.version import v\n"
                      "from iscsitgt_spt.cli.sphinxext._x import y") == []
    assert violations("iscsitgt_spt.cli.decode", "from iscsitgt_spt.cli.views import x") == []
    assert violations("iscsitgt_spt.cli.views.html.page",
                      "from importlib import resources\n"
                      "from iscsitgt_spt.cli.views.html._x import y\n"
                      "from iscsitgt_spt.codec.analysis.report import RecordReport\n"
                      "css = resources.files('x').joinpath('a').read_text()") == []
