"""Importing the device layer must not load a DLL, nor (for the package) ctypes.

Run in a fresh interpreter so that modules imported by other tests do not hide an import.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="the tripwire replaces Windows-only loaders")
def test_windows_module_imports_without_touching_windll() -> None:
    result = run(
        """
        import ctypes

        class Tripwire:
            def __init__(self, *args, **kwargs):
                raise SystemExit("WinDLL touched at import time")
            def __getattr__(self, name):
                raise SystemExit(f"ctypes.windll.{name} touched at import time")

        ctypes.WinDLL = Tripwire
        ctypes.windll = Tripwire.__new__(Tripwire)
        ctypes.oledll = Tripwire.__new__(Tripwire)
        import iscsitgt_spt.device.windows as windows
        assert windows.WindowsTransport is not None
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_package_import_does_not_load_windows_module_or_ctypes() -> None:
    result = run(
        """
        import sys
        import iscsitgt_spt.codec
        ctypes_before = "ctypes" in sys.modules
        import iscsitgt_spt.device
        assert "iscsitgt_spt.device.windows" not in sys.modules
        assert ("ctypes" in sys.modules) == ctypes_before, "the device package imported ctypes"
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
