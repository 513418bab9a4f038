"""Output that says what things mean: sample paths, ReturnCode meanings, what --record does,
what the demo shows, which structures layout takes.

Meanings of the simulator's ReturnCodes come from its documented model (device/simulator.py);
the structure names from the spec registry, never typed here.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from _inprocess import run_main
from iscsitgt_spt.cli.samples import SAMPLES
from iscsitgt_spt.spec.registry import STRUCTURES

#: The ``cli`` fixture of tests/cli/conftest.py: ``iscsitgt-spt ARGS`` (in this process).
Cli = Callable[..., "subprocess.CompletedProcess[str]"]

START = {"name": "ISCSITGT_SPT_SESSION_START", "value": {"ITNexusHandle": 7}}


def test_samples_lists_every_sample_with_an_existing_path(cli: Cli) -> None:
    out = cli("samples", "--json")
    assert out.returncode == 0
    rows = json.loads(out.stdout)
    assert [r["name"] for r in rows] == list(SAMPLES)
    for row in rows:
        path = Path(row["path"])
        assert path.name == row["name"] and path.is_file()
        assert row["size"] == path.stat().st_size
    text = cli("samples").stdout
    assert all(name in text for name in SAMPLES)


def test_samples_prints_one_and_writes_all(tmp_path: Path, cli: Cli) -> None:
    rows = json.loads(cli("samples", "--json").stdout)
    paths = {r["name"]: Path(r["path"]) for r in rows}
    printed = run_main("samples", "windbg-tmf.txt")  # bytes, as they are
    assert printed.stdout == paths["windbg-tmf.txt"].read_bytes()
    assert cli("samples", "--output", str(tmp_path / "new")).returncode == 0
    for name, path in paths.items():
        assert (tmp_path / "new" / name).read_bytes() == path.read_bytes()
    assert cli("samples", "demo.jsonl", "windbg-tmf.txt").returncode == 2


def test_send_record_says_that_it_appends(tmp_path: Path, cli: Cli) -> None:
    rec = tmp_path / "rec.jsonl"
    first = cli("send", "--device", "sim:", "--record", str(rec),
                stdin=json.dumps(START).encode())
    assert first.returncode == 0 and first.stderr == ""
    size = rec.stat().st_size
    second = cli("send", "--device", "sim:", "--record", str(rec),
                 stdin=json.dumps(START).encode())
    assert second.returncode == 0
    assert f"--record appends to {rec}, which already holds {size} bytes" in second.stderr
    assert len(rec.read_text(encoding="utf-8").splitlines()) == 2


def test_layout_help_lists_every_structure_of_the_registry(cli: Cli) -> None:
    out = cli("layout", "--help")
    assert out.returncode == 0
    flat = " ".join(out.stdout.split())
    for name in STRUCTURES:
        assert name in flat
