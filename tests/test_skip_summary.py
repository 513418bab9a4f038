"""A plain ``pytest`` without mingw-w64 says in its summary that the layout proofs did not run.

The proofs skip when the cross compilers are missing (CI sets ISCSITGT_REQUIRE_COMPILERS and
fails instead); a skip is easy to miss, so tests/conftest.py names it, with the install
command.  Run here with a PATH that holds only the interpreter's folder, where no compiler is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_summary_names_the_skipped_compiler_proofs_and_the_install_command() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ISCSITGT_REQUIRE_COMPILERS"}
    env["PATH"] = str(Path(sys.executable).parent)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "tests/spec/test_compiler_layout.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    lines = result.stdout.splitlines()
    summary = next(line for line in lines if "compiler-layout proofs were skipped" in line)
    # pytest's own -rs lines ("SKIPPED [13] file:line: reason") are the independent count.
    by_pytest = sum(int(line.split("[")[1].split("]")[0]) for line in lines
                    if line.startswith("SKIPPED [") and "compiler-layout proof:" in line)
    assert by_pytest >= 28  # every proof that needs mingw-w64, both ABIs
    assert int(summary.split()[0]) == by_pytest
    assert ("Install the compilers with: apt-get install gcc-mingw-w64-x86-64 "
            "gcc-mingw-w64-i686") in lines
