"""mypy --strict and ruff, as part of the one test command.

mypy cannot follow setuptools' editable-install finder, so the check runs on a tree of
symlinks that reproduces the installed namespace (iscsitgt_spt/spec -> spec/, ...).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> None:
    if shutil.which(name) is None and subprocess.run(
        [sys.executable, "-m", name, "--version"], capture_output=True
    ).returncode != 0:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")


def test_ruff_clean() -> None:
    _tool("ruff")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise",
         "spec", "codec", "device", "cli", "tests"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


#: mypy's own incremental cache, where a user's mypy keeps it (gitignored), and the tree it
#: checks beside it: both at a fixed place, so a second run re-checks only what changed since
#: (mypy compares each file's hash) instead of all of typeshed and the package every time.
MYPY_CACHE = ROOT / ".mypy_cache"
MYPY_TREE = MYPY_CACHE / "iscsitgt-spt-tree"


def _namespace_tree() -> Path:
    """``MYPY_TREE/iscsitgt_spt``: symlinks that reproduce the installed namespace."""
    package = MYPY_TREE / "iscsitgt_spt"
    package.mkdir(parents=True, exist_ok=True)
    links = {layer: ROOT / layer for layer in ("spec", "codec", "device", "cli")}
    links["__main__.py"] = ROOT / "cli" / "_namespace" / "__main__.py"
    for name, target in links.items():
        link = package / name
        if link.is_symlink() and link.readlink() == target:
            continue
        link.unlink(missing_ok=True)  # a checkout moved since: the tree follows it
        with contextlib.suppress(FileExistsError):  # another run made it meanwhile
            link.symlink_to(target, target_is_directory=target.is_dir())
    return package


def test_mypy_strict_clean() -> None:
    _tool("mypy")
    package = _namespace_tree()
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(MYPY_CACHE / "suite"), package.name],
        cwd=package.parent, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Success" in result.stdout
