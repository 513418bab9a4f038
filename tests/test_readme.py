"""Every README example runs as written, on an install, in an empty directory.

The README's ``sh`` blocks are read from the file itself, so an example cannot change without
this test running the new text.  The two fresh-machine set-up commands (``pip install ...``)
are checked to be exactly the two documented ones and are not run (they install the package,
which the test run already did); every other command runs in order, in one temporary
directory, with the installed ``iscsitgt-spt`` console script first on PATH, under
``bash -o pipefail``.  Each must exit 0, or the code its comment states (``# ... exit 1: ...``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUP_COMMANDS = ['pip install . && iscsitgt-spt demo',
                  'pip install -e ".[test,docs]" && pytest']
#: "exit N" anywhere in the comment that ends a command.
_EXIT = re.compile(r"\s#.*\bexit (\d+)\b")


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)


def commands(block: str) -> list[str]:
    """Split a block into commands: a line continues after a trailing backslash or while a
    single-quoted string is open (the README's JSON examples span lines); a ``#`` after a
    blank outside quotes starts a comment, whose apostrophes do not count."""
    found: list[str] = []
    pending = ""
    quoted = False
    for line in block.splitlines():
        pending += line + "\n"
        code, previous = "", " "
        for char in line:
            if char == "'":
                quoted = not quoted
            elif char == "#" and not quoted and previous.isspace():
                break
            code += char
            previous = char
        if quoted or code.rstrip().endswith("\\"):
            continue
        if pending.strip():
            found.append(pending.strip())
        pending = ""
    assert not pending.strip(), f"unfinished command: {pending!r}"
    return found


def expected_exit(command: str) -> int:
    match = _EXIT.search(command.splitlines()[-1])
    return int(match.group(1)) if match else 0


def test_the_splitter_on_a_hand_written_block() -> None:
    block = ("a --x   # the driver's answer\n"
             "echo '{\"k\": 1,\n  \"j\": 2}' \\\n  | b   # two\n"
             "c   # exit 1: three\n"
             "d   # four; exit 2: usage\n")
    assert commands(block) == ["a --x   # the driver's answer",
                               "echo '{\"k\": 1,\n  \"j\": 2}' \\\n  | b   # two",
                               "c   # exit 1: three",
                               "d   # four; exit 2: usage"]
    assert [expected_exit(c) for c in commands(block)] == [0, 0, 1, 2]


def test_the_fresh_machine_setup_is_exactly_two_commands() -> None:
    blocks = sh_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    setup = [b.strip() for b in blocks if b.lstrip().startswith("pip install")]
    assert setup == SETUP_COMMANDS
    # .ci/run runs the README's test command verbatim.
    assert SETUP_COMMANDS[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # The docs' quickstart shows the same two commands (no index serves the package).
    quickstart = (ROOT / "docs" / "index.rst").read_text(encoding="utf-8")
    shown = [line.strip() for line in quickstart.splitlines() if line.startswith("    pip ")]
    assert shown == SETUP_COMMANDS


def test_every_readme_example_runs_as_written(tmp_path: Path) -> None:
    bindir = Path(sys.executable).parent
    script = shutil.which("iscsitgt-spt", path=str(bindir))
    if script is None:
        pytest.fail(f"the console script is not installed in {bindir}: pip install -e .")
    bash = shutil.which("bash")
    assert bash is not None
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    blocks = sh_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    examples = [c for b in blocks if not b.lstrip().startswith("pip install")
                for c in commands(b)]
    assert len(examples) >= 15  # the examples block, not an empty match
    for command in examples:
        result = subprocess.run([bash, "-o", "pipefail", "-c", command], cwd=tmp_path,
                                env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == expected_exit(command), (
            f"{command}\nexit {result.returncode}\n{result.stderr[-2000:]}")
        assert "Traceback" not in result.stderr, command
