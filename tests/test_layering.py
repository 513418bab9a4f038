"""Imports go one way: spec <- codec core <- device <- CLI; ctypes only in the device layer."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layer(module: str) -> int:
    """0 spec, 1 codec core, 2 device, 3 CLI."""
    if module.startswith("iscsitgt_spt.spec"):
        return 0
    if module.startswith(("iscsitgt_spt.codec.cli", "iscsitgt_spt.codec.__main__")):
        return 3
    if module.startswith("iscsitgt_spt.codec.device"):
        return 2
    return 1


def _modules() -> dict[str, Path]:
    out = {}
    for top, ns in (("spec", "iscsitgt_spt.spec"), ("codec", "iscsitgt_spt.codec")):
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT / top).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([ns, *parts])] = path
    return out


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def test_imports_only_point_to_lower_layers() -> None:
    violations = []
    for module, path in _modules().items():
        mine = _layer(module)
        for lineno, target in _imports(path, module):
            if target.startswith("iscsitgt_spt.") and _layer(target) > mine:
                violations.append(f"{module}:{lineno} imports {target}")
    assert violations == []


def test_only_the_device_layer_touches_ctypes_and_windows() -> None:
    violations = []
    for module, path in _modules().items():
        if _layer(module) == 2:
            continue
        for lineno, target in _imports(path, module):
            if target.split(".")[0] in ("ctypes", "msvcrt", "winreg", "_winapi", "win32api"):
                violations.append(f"{module}:{lineno} imports {target}")
    assert violations == []


def test_the_check_sees_the_tree() -> None:
    modules = _modules()
    # A check that inspected nothing would pass vacuously.
    assert "iscsitgt_spt.spec.layout" in modules
    assert "iscsitgt_spt.codec.api" in modules
    assert _layer("iscsitgt_spt.codec.device.windows") == 2
    assert _layer("iscsitgt_spt.codec.cli.decode") == 3
