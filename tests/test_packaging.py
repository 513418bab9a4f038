"""Packaging: one namespace installed, never bare ``spec``/``codec``/``device``/``cli`` modules.

The repository keeps its four layers (``spec/``, ``codec/``, ``device/``, ``cli/``) at its top
level; a test run from the checkout could silently import them as top-level modules.  These
tests prove the code only ever uses ``iscsitgt_spt.<layer>``, and that the wheel holds nothing
else.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("spec", "codec", "device", "cli")
SOURCE_DIRS = (*LAYERS, "tests")


def _python_files() -> list[Path]:
    return [p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py")]


def test_no_source_imports_bare_spec_or_codec() -> None:
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in LAYERS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert offenders == []


def test_importing_everything_never_loads_bare_modules() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import iscsitgt_spt.spec, iscsitgt_spt.codec, iscsitgt_spt.device, iscsitgt_spt.cli\n"
        "for pkg in (iscsitgt_spt.spec, iscsitgt_spt.codec, iscsitgt_spt.device,\n"
        "            iscsitgt_spt.cli):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if not m.name.endswith('__main__'):\n"
        "            importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules\n"
        "             if n.split('.')[0] in ('spec', 'codec', 'device', 'cli'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    # Run from the repository root, where a bare ``import spec`` *would* succeed.
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bare_modules_are_not_importable_outside_the_checkout(tmp_path: Path) -> None:
    for layer in LAYERS:
        result = subprocess.run([sys.executable, "-c", f"import {layer}"], cwd=tmp_path,
                                capture_output=True, text=True)
        assert result.returncode != 0, layer


def test_every_package_directory_is_listed_in_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = set()
    for top in LAYERS:
        namespace = f"iscsitgt_spt.{top}"
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join([namespace, *rel.parts]) if rel.parts else namespace)
    # iscsitgt_spt itself is the namespace, listed only to carry __main__.py.
    assert found | {"iscsitgt_spt"} == listed


def test_wheel_contains_only_the_namespace(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        pytest.fail(result.stderr[-2000:])
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"iscsitgt_spt"}
    assert "iscsitgt_spt/__init__.py" not in names  # a PEP 420 namespace, shared by nobody else
    for required in ("iscsitgt_spt/spec/py.typed", "iscsitgt_spt/codec/py.typed",
                     "iscsitgt_spt/device/py.typed", "iscsitgt_spt/cli/py.typed",
                     "iscsitgt_spt/cli/__init__.py", "iscsitgt_spt/device/__init__.py",
                     "iscsitgt_spt/__main__.py",
                     # Assets read at run time: the HTML report's and the Sphinx extension's.
                     "iscsitgt_spt/codec/analysis/html/page.css",
                     "iscsitgt_spt/codec/analysis/html/page.js",
                     "iscsitgt_spt/cli/sphinxext/static/iscsitgt-spt.css"):
        assert required in names
    assert any(n.startswith("iscsitgt_spt/cli/samples/") and n.endswith(".jsonl")
               for n in names)
    # The folder that carries __main__.py is not installed as a package of its own, and the
    # layers that used to live inside the codec are gone from it.
    assert not any("_namespace" in n for n in names)
    assert not any(n.startswith(("iscsitgt_spt/codec/device/", "iscsitgt_spt/codec/cli/"))
                   for n in names)


def test_console_script_and_module_entry_point_agree() -> None:
    via_module = subprocess.run([sys.executable, "-m", "iscsitgt_spt", "--version"],
                                capture_output=True, text=True)
    assert via_module.returncode == 0
    assert via_module.stdout.startswith("iscsitgt-spt ")
