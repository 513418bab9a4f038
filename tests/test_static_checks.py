"""mypy --strict and ruff, as part of the one test command.

mypy cannot follow setuptools' editable-install finder, so the check runs on a throw-away
tree of symlinks that reproduces the installed namespace (iscsitgt_spt/spec -> spec/, ...).
"""

from __future__ import annotations

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


def test_mypy_strict_clean(tmp_path: Path) -> None:
    _tool("mypy")
    package = tmp_path / "iscsitgt_spt"
    package.mkdir()
    for layer in ("spec", "codec", "device", "cli"):
        (package / layer).symlink_to(ROOT / layer, target_is_directory=True)
    (package / "__main__.py").symlink_to(ROOT / "cli" / "_namespace" / "__main__.py")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / ".mypy_cache"), "iscsitgt_spt"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Success" in result.stdout
