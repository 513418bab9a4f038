"""Colour, width and standard input at a terminal (cli/_terminal.py), run the way a user runs
them: in a pseudo-terminal (``os.openpty``), with the environment a user sets.  What a pipe
gets runs ``main`` in this process with byte streams (tests/_inprocess.py), the environment
replaced for the run.

* NO_COLOR (https://no-color.org: any non-empty value) and TERM=dumb turn colour off in
  ``auto`` mode; ``--color always`` still colours; a pipe never gets colour.
* COLUMNS, or the terminal's width, wraps prose lines at spaces, never in a word; a pipe
  without COLUMNS gets lines as long as they are.
* A command that would read standard input at a terminal with nothing named says how to give
  input and exits 2, instead of waiting silently.
* Every exit 1 has its reason on stderr (``decode --html`` included).
"""

from __future__ import annotations

import itertools
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import run_here

ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
DEMO_ENV = {k: v for k, v in os.environ.items()
            if k not in ("NO_COLOR", "TERM", "COLUMNS", "PYTHONUNBUFFERED")}


def in_terminal(*args: str, env: dict[str, str], stdin_tty: bool = False) -> tuple[int, str]:
    """Run the CLI with stdout (and stdin when asked) on a pseudo-terminal; (status, text)."""
    main, follower = os.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "iscsitgt_spt", *args], env=env, stdout=follower,
            stderr=follower, stdin=follower if stdin_tty else subprocess.DEVNULL)
        os.close(follower)
        chunks = []
        while True:
            ready, _, _ = select.select([main], [], [], 60)
            if not ready:
                proc.kill()
                raise AssertionError("no output for 60 s")
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(main)


@pytest.mark.parametrize("setting", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminals_get_no_escape_sequences(setting: dict[str, str]) -> None:
    status, text = in_terminal("demo", env={**DEMO_ENV, "TERM": "xterm", **setting})
    assert status == 0 and "ISCSITGT_SPT_TMF" in text
    assert ESCAPE.findall(text) == []


def test_a_colour_terminal_gets_colour_unless_asked_not_to() -> None:
    env = {**DEMO_ENV, "TERM": "xterm"}
    assert ESCAPE.findall(in_terminal("demo", env=env)[1])
    assert not ESCAPE.findall(in_terminal("demo", "--color", "never", env=env)[1])
    # --color always wins over NO_COLOR: the user asked for it on the command line.
    assert ESCAPE.findall(in_terminal("demo", "--color", "always",
                                      env={**env, "NO_COLOR": "1"})[1])


def test_columns_wraps_prose_at_spaces_only() -> None:
    env = {**DEMO_ENV, "NO_COLOR": "1", "COLUMNS": "60"}
    wide = run_here("demo", env={k: v for k, v in env.items() if k != "COLUMNS"})
    narrow = run_here("demo", env=env)
    assert narrow.returncode == wide.returncode == 0
    assert max(len(line) for line in wide.stdout.splitlines()) > 100  # a pipe: no limit
    prose = re.compile(r"^\s*(note|evidence|error|warning|info|profile|record \d)")
    words_wide = [w for line in wide.stdout.splitlines() if prose.match(line)
                  for w in line.split()]
    lines = narrow.stdout.splitlines()
    for line in lines:
        if prose.match(line) and len(line) > 60:
            assert " " not in line.strip(), line  # only a single word longer than the line
    # The same words, in the same order, none cut: wrapping moved only the line breaks.
    assert all(w in narrow.stdout.split() for w in words_wide)


def test_a_narrow_terminal_gets_a_narrower_hex_dump() -> None:
    env = {**DEMO_ENV, "NO_COLOR": "1"}
    rows = re.compile(r"^([0-9a-f]{8})  ((?:[0-9a-f]{2} ){1,16})")
    for columns, per_row in (("120", 16), ("70", 8)):
        out = run_here("demo", "--hexdump", env={**env, "COLUMNS": columns})
        offsets = [int(m[1], 16) for line in out.stdout.splitlines() if (m := rows.match(line))]
        steps = {b - a for a, b in itertools.pairwise(offsets) if b > a}
        assert per_row in steps, (columns, steps)


@pytest.mark.parametrize(("command", "hint"), [
    (["decode"], "give a FILE"), (["encode"], "--input FILE"),
    (["send", "--device", "sim:"], "--input FILE")])
def test_no_input_at_a_terminal_says_how_to_give_one(command: list[str], hint: str) -> None:
    status, text = in_terminal(*command, env=DEMO_ENV, stdin_tty=True)
    assert status == 2
    assert "no input" in text and hint in text
    assert text.count("\n") == 1


def test_decode_html_exit_1_says_why_on_stderr(tmp_path: Path) -> None:
    from iscsitgt_spt.cli.samples import sample_path

    # The demo capture holds one record truncated on purpose: decode exits 1 for it.
    run = run_here("decode", str(sample_path("demo.jsonl")), "--html", str(tmp_path / "r.html"))
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "1 of 7 records could not be decoded" in run.stderr
    assert (tmp_path / "r.html").is_file() and run.stdout.startswith("wrote ")
