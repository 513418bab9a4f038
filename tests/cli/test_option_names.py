"""One option vocabulary in every command (docs/cli.rst): ``--output/-o`` names a file (or
folder) written, ``--format`` a format, ``--input/-i`` a file read.  The spellings from before
(``fuzz``/``samples --out``, ``decode --input FORMAT``) still work for one release, hidden."""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import pytest
from _inprocess import run_main
from iscsitgt_spt.cli import build_parser

SAMPLE_TMF = bytes.fromhex(  # ISCSITGT_SPT_TMF, win64: HeaderLength 28, "ISCSITGT",
    "1c000000" "4953435349544754" "3c000000" "02010000" "00000000" "24000000"  # 60, 0x102, 0, 36
    "00000000" "0700000000000000" "01000000" "01" "000000" "0000000000000000" "00" "00000000000000")


def cli(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[bytes]:
    return run_main(*args, stdin=stdin, env=env)  # in this process (tests/_inprocess.py)


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {s: a for a in parser._actions for s in a.option_strings}


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_spells_files_and_formats_alike() -> None:
    for name, parser in _commands().items():
        options = _options(parser)
        for spelling, action in options.items():
            if action.help == argparse.SUPPRESS:
                continue  # an old spelling, kept for one release
            assert spelling not in ("--out", "--in", "--file"), (name, spelling)
            if spelling == "--output":
                assert "-o" in action.option_strings, name
            if spelling == "--input":
                assert "-i" in action.option_strings and action.metavar == "FILE", name
            if spelling == "--format":
                assert action.metavar == "FORMAT" or action.choices, name
        assert not any(a.metavar == "FORMAT" for s, a in options.items()
                       if s == "--input" and a.help != argparse.SUPPRESS), name


@pytest.mark.parametrize("command", ["fuzz", "samples"])
def test_out_is_a_hidden_alias_of_output(command: str) -> None:
    options = _options(_commands()[command])
    assert options["--out"].dest == options["--output"].dest == options["-o"].dest
    assert options["--out"].help == argparse.SUPPRESS


def test_decode_reads_input_and_takes_format(tmp_path: Path) -> None:
    path = tmp_path / "tmf.bin"
    path.write_bytes(SAMPLE_TMF)
    by_position = cli("decode", str(path), "--json")
    assert by_position.returncode == 0, by_position.stderr
    for spelling in (["--input", str(path)], ["-i", str(path)],
                     ["--input", str(path), "--format", "raw"],
                     [str(path), "--input", "raw"]):  # the old --input FORMAT, one release
        run = cli("decode", *spelling, "--json")
        assert run.returncode == 0, (spelling, run.stderr)
        assert run.stdout == by_position.stdout, spelling
    wrong = cli("decode", str(path), "--format", "hex")
    assert wrong.returncode == 2 and wrong.stderr.count(b"\n") == 1


def test_fuzz_output_spellings_write_the_same_corpus(tmp_path: Path) -> None:
    made = []
    for spelling in ("--output", "-o", "--out"):
        target = tmp_path / f"{spelling.strip('-')}.jsonl"
        run = cli("fuzz", "ISCSITGT_SPT_TMF", "-n", "3", "--seed", "1", spelling, str(target))
        assert run.returncode == 0, run.stderr
        made.append(target.read_bytes())
    assert made[0] == made[1] == made[2] and made[0]
    missing = cli("fuzz", "ISCSITGT_SPT_TMF", "-n", "1")
    assert missing.returncode == 2 and b"--output" in missing.stderr


@pytest.mark.parametrize("columns", ["60", "80", "120"])
def test_help_never_cuts_a_word(columns: str) -> None:
    """argparse wraps help with textwrap's defaults, which cut a long word anywhere (the
    simulator's option list came out as ``c`` / ``apacity``) and split option names at their
    hyphens; every word of the help must come out whole, however narrow the terminal."""
    env = {**os.environ, "COLUMNS": columns}
    for command in ("send", "decode", "fuzz"):
        run = cli(command, "--help", env=env)
        assert run.returncode == 0
        words = set(run.stdout.decode().split())
        if command == "send":
            assert any("capacity=N" in w for w in words), run.stdout
        for option in ("--fuzz-corpus", "--max-record-size", "--no-diagnostics"):
            if option in _options(_commands()[command]):
                assert any(option in w for w in words), (command, option)
