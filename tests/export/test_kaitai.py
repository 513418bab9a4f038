"""The ``.ksy`` export, compiled by the real Kaitai Struct compiler and run on golden vectors.

The vectors (tests/vectors/c/<profile>/*.bin) and their member values (*.expected.json) were
made by compiling tests/vectors/c/<profile>/golden.c with mingw-w64 (see tests/vectors/README.md):
the generated Kaitai parser must read every member to those values, under every profile, and
our own decode must agree with both.
"""

from __future__ import annotations

import enum
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from iscsitgt_spt.cli import main
from iscsitgt_spt.codec import decode, value_to_json
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parent / "vectors" / "c"


def _snake(name: str) -> str:
    # Written here independently of the exporter: split before an upper-case letter that
    # follows a lower-case one, and between an acronym and the next word (ITNexus -> it_nexus).
    return re.sub(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])", r"\1\3_\2\4", name).lower()


def _camel(ident: str) -> str:
    return "".join(part.capitalize() for part in ident.split("_"))


def _compile(tmp_path: Path, profile: Profile, modules: Path, *extra: str) -> ModuleType:
    ksy = tmp_path / f"{profile.abi}-{profile.cookie}.ksy"
    assert main(["export", "kaitai", "--abi", profile.abi, "--cookie", profile.cookie,
                 "-o", str(ksy), *extra]) == 0
    out = subprocess.run(
        ["node", str(HERE / "ksc_compile.js"), str(ksy), str(tmp_path)],
        env={"NODE_PATH": str(modules), "PATH": os.environ.get("PATH", "")},
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    (name,) = out.stdout.split()
    spec = importlib.util.spec_from_file_location(name[:-3], tmp_path / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _kaitai_values(obj: Any, expected: dict[str, Any]) -> dict[str, Any]:
    """The members of a parsed Kaitai object, as the expected JSON writes them."""
    out: dict[str, Any] = {}
    for name, want in expected.items():
        value = getattr(obj, _snake(name.lstrip("_")))
        if isinstance(want, dict):
            out[name] = _kaitai_values(value, want)
        elif isinstance(value, bytes):
            out[name] = value.hex()
        elif isinstance(value, enum.Enum):
            out[name] = value.value
        else:
            out[name] = value
    return out


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_generated_parser_reads_the_golden_vectors(
    tmp_path: Path, profile: Profile, ksc_node_modules: Path
) -> None:
    from kaitaistruct import KaitaiStream

    module = _compile(tmp_path, profile, ksc_node_modules)
    root_class = getattr(module, _camel(f"iscsitgt_spt_{profile.abi}_{profile.cookie}"))
    folder = VECTORS / f"{profile.abi}-{profile.cookie}"
    seen = 0
    for expected_file in sorted(folder.glob("*.expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        data = (folder / f"{expected['name']}.bin").read_bytes()
        assert len(data) == expected["size"]
        parser = getattr(root_class, _camel(_snake(expected["name"]).replace("__", "_")))
        parsed = parser(KaitaiStream(io.BytesIO(data)))
        assert _kaitai_values(parsed, expected["values"]) == expected["values"], expected["name"]
        ours = value_to_json(decode(expected["name"], data, profile=profile))
        assert _without_padding(ours) == expected["values"], expected["name"]
        # Our decode keeps padding bytes as members; Kaitai has them as pad_* byte runs.
        padding = _padding(ours)
        assert _kaitai_values(parsed, padding) == padding
        if "Header" in expected["values"]:
            # The top-level type reads the header and dispatches on ControlCode.
            root = root_class(KaitaiStream(io.BytesIO(data)))
            assert type(root.request) is parser
            assert _kaitai_values(root.request, expected["values"]) == expected["values"]
        seen += 1
    # Every structure of the spec has its compiler-made vector (none skipped silently).
    assert seen == len(STRUCTURES)


def _without_padding(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _without_padding(v) if isinstance(v, dict) else v
            for k, v in values.items() if not k.startswith("_pad")}


def _padding(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, dict):
            inner = _padding(v)
            if inner:
                out[k] = inner
        elif k.startswith("_pad"):
            out[k] = v
    return out


def test_sense_data_bit_fields_and_enums(tmp_path: Path, ksc_node_modules: Path) -> None:
    """0xF0 0x00 0x05: T10 fixed sense, current, Valid; ILLEGAL REQUEST (SPC-4 §4.5.3)."""
    from kaitaistruct import KaitaiStream

    module = _compile(tmp_path, Profile(), ksc_node_modules)
    cls = module.IscsitgtSptWin64U64
    sense = cls.SenseData(KaitaiStream(io.BytesIO(
        bytes([0xF0, 0x00, 0x05]) + bytes(15))))
    assert sense.valid == 1
    assert sense.error_code == cls.SenseResponseCode.fixed_current
    assert sense.sense_key == cls.SenseKey.illegal_request
    assert sense.file_mark == 0
    # Padding is explicit: TMF win64, 4 bytes between the 28-byte header and ITNexusHandle (32).
    tmf = cls.IscsitgtSptTmf(KaitaiStream(io.BytesIO(bytes(range(64)))))
    assert tmf.pad_before_it_nexus_handle == bytes([28, 29, 30, 31])
    assert tmf.it_nexus_handle == int.from_bytes(bytes(range(32, 40)), "little")


def test_root_option_makes_a_structure_the_top_level(
    tmp_path: Path, ksc_node_modules: Path
) -> None:
    from kaitaistruct import KaitaiStream

    profile = Profile("win32", "u64")
    module = _compile(tmp_path, profile, ksc_node_modules,
                      "--root", "scsi_pass_through_direct_with_auxiliary")
    top = module.ScsiPassThroughDirectWithAuxiliaryWin32U64
    folder = VECTORS / "win32-u64"
    expected = json.loads((folder / "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.expected.json")
                          .read_text(encoding="utf-8"))
    data = (folder / "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.bin").read_bytes()
    parsed = top(KaitaiStream(io.BytesIO(data))).scsi_pass_through_direct_with_auxiliary
    assert _kaitai_values(parsed, expected["values"]) == expected["values"]


def test_yaml_writer_round_trips_through_js_yaml(ksc_node_modules: Path) -> None:
    """The .ksy writer's YAML, read back by js-yaml (what the compiler and Web IDE use)."""
    from iscsitgt_spt.codec.export._yaml import dump_yaml

    tricky = {
        "plain": "abc_def", "dotted": "header.control_code", "yes": "yes", "no": "No",
        "null": "null", "number": "0x10", "float": "0.11", "dash": "- a", "colon": "a: b",
        "hash": "#x", "quote": 'say "hi"', "newline": "one\ntwo", "unicode": "café ✓",
        "empty": "", "-orig-id": "ITNexusHandle", "switch-on": "x",
        "list": ["a", {"id": "b", "size": 3}, ["c"]], "ints": {1: "one", 0x102: "tmf"},
        "flag": True, "nested": {"deeper": {"deepest": "z"}}, "none": [],
    }
    script = ("const yaml = require('js-yaml'); let s = '';"
              "process.stdin.on('data', d => s += d);"
              "process.stdin.on('end', () => console.log(JSON.stringify(yaml.load(s))));")
    run = subprocess.run(["node", "-e", script], input=dump_yaml(tricky, header=["a # comment"]),
                         env={"NODE_PATH": str(ksc_node_modules),
                              "PATH": os.environ.get("PATH", "")},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    expected = json.loads(json.dumps(tricky))  # integer keys become strings in JSON
    expected["ints"] = {"1": "one", "258": "tmf"}
    assert json.loads(run.stdout) == expected
