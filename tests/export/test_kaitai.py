"""The ``.ksy`` export, compiled by the real Kaitai Struct compiler (KSC 0.11, npm).

Field-for-field agreement with our decode, in Python and JavaScript, on the mingw-w64 golden
vectors and a fuzz corpus is in test_kaitai_corpus.py; here: bit-fields, enums, the
big-endian sense number, the checks, ``--root``, every target, and the YAML writer.
"""

from __future__ import annotations

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
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parent / "vectors" / "c"


def _snake(name: str) -> str:
    # Written here independently of the exporter: split before an upper-case letter that
    # follows a lower-case one, and between an acronym and the next word (ITNexus -> it_nexus).
    return re.sub(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])", r"\1\3_\2\4", name).lower()


def _camel(ident: str) -> str:
    return "".join(part.capitalize() for part in ident.split("_"))


def _compile(tmp_path: Path, profile: Profile, modules: Path, *extra: str,
             targets: str = "python", debug: bool = True) -> subprocess.CompletedProcess[str]:
    ksy = tmp_path / f"{profile.abi}-{profile.cookie}.ksy"
    assert main(["export", "kaitai", "--abi", profile.abi, "--cookie", profile.cookie,
                 "-o", str(ksy), *extra]) == 0
    return subprocess.run(
        ["node", str(HERE / "ksc_compile.js"), str(ksy), str(tmp_path), targets,
         *(["--debug"] if debug else [])],
        env={"NODE_PATH": str(modules), "PATH": os.environ.get("PATH", "")},
        capture_output=True, text=True, timeout=300, check=False,
    )


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_sense_data_bit_fields_and_enums(kaitai_builds: dict[Profile, Any]) -> None:
    """0xF0 0x00 0x05: T10 fixed sense, current, Valid; ILLEGAL REQUEST (SPC-4 §4.5.3).

    Information (bytes 3-6) is the big-endian number SPC-4 defines: 00 00 01 02 is 258."""
    from kaitaistruct import KaitaiStream

    cls = kaitai_builds[Profile()].python.IscsitgtSptWin64U64
    sense = cls.SenseData(KaitaiStream(io.BytesIO(
        bytes([0xF0, 0x00, 0x05, 0, 0, 1, 2]) + bytes(11))))
    sense._read()
    assert sense.valid == 1
    assert sense.error_code == cls.SenseResponseCode.fixed_current
    assert sense.sense_key == cls.SenseKey.illegal_request
    assert sense.file_mark == 0
    assert sense.information == 258
    # Padding is explicit: TMF win64, 4 bytes between the 28-byte header and ITNexusHandle (32).
    tmf = cls.IscsitgtSptTmf(KaitaiStream(io.BytesIO(bytes(range(64)))))
    with pytest.raises(Exception, match="expected 28"):  # HeaderLength 0x03020100 is not 28
        tmf._read()
    tmf = cls.IscsitgtSptTmf(KaitaiStream(io.BytesIO(bytes([28, 0, 0, 0]) + bytes(range(4, 64)))))
    with pytest.raises(Exception, match="expression"):  # ControlCode 0x13121110 is not 0x102
        tmf._read()
    assert tmf.pad_before_it_nexus_handle == bytes([28, 29, 30, 31])
    assert (tmf.it_nexus_handle.lo, tmf.it_nexus_handle.hi) == (
        int.from_bytes(bytes(range(32, 36)), "little"),
        int.from_bytes(bytes(range(36, 40)), "little"))
    assert tmf.it_nexus_handle.value == int.from_bytes(bytes(range(32, 40)), "little")
    assert tmf.header.control_code == 0x13121110  # unknown: KSC leaves the integer


def test_root_option_makes_a_structure_the_top_level(
    tmp_path: Path, ksc_node_modules: Path
) -> None:
    """--root: the file is that structure; its checks run at the top, field for field.

    The mingw-w64 vector's SCSI_PASS_THROUGH_DIRECT.Length is a test pattern, not sizeof
    (44 under win32): the parse stops there, with every member before it read as written."""
    import kaitaistruct
    from kaitaistruct import KaitaiStream

    profile = Profile("win32", "u64")
    run = _compile(tmp_path, profile, ksc_node_modules,
                   "--root", "scsi_pass_through_direct_with_auxiliary")
    assert run.returncode == 0, run.stderr
    top_class = _load(tmp_path / run.stdout.split()[0]).ScsiPassThroughDirectWithAuxiliaryWin32U64
    folder = VECTORS / "win32-u64"
    expected = json.loads((folder / "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.expected.json")
                          .read_text(encoding="utf-8"))
    data = (folder / "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.bin").read_bytes()
    top = top_class(KaitaiStream(io.BytesIO(data)))
    with pytest.raises(kaitaistruct.ValidationNotEqualError) as failed:
        top._read()
    sptd = expected["values"]["ScsiPassThroughDirect"]
    assert (failed.value.expected, failed.value.actual) == (44, sptd["Length"])
    parsed = top.scsi_pass_through_direct_with_auxiliary
    assert type(parsed) is top_class.ScsiPassThroughDirectWithAuxiliary
    assert parsed.scsi_pass_through_direct.length == sptd["Length"]


def test_every_target_compiles_and_the_compiler_limits_are_as_documented(
    tmp_path: Path, ksc_node_modules: Path
) -> None:
    """KSC 0.11, all 15 targets (docs/guides/kaitai.md names the limits this pins).

    One run of the compiler, Nim last: the script compiles the targets in turn and stops at
    the first failure, so every other target has written its files when Nim fails."""
    profile = Profile()
    targets = ("cpp_stl,csharp,go,graphviz,html,java,javascript,lua,perl,php,python,ruby,"
               "rust,construct")
    run = _compile(tmp_path, profile, ksc_node_modules, targets=f"{targets},nim", debug=False)
    written = dict(line.split("/", 1) for line in run.stdout.split())
    assert set(written) == set(targets.split(",")), run.stderr
    # nim: `valid: expr` is not implemented in KSC 0.11's Nim target.
    assert run.returncode != 0 and "NotImplementedError" in run.stderr
    # No warnings: standard error is the failure alone, as the script prints it (the
    # exception, then a "caused by: " line per boxed cause).
    failure = run.stderr.splitlines()
    assert failure[0] == "java.util.concurrent.ExecutionException: Boxed Exception", failure
    assert all(line.startswith("caused by: ") for line in failure[1:]), failure
    # construct: the bit-fields are `???` (one per bit-field member of the family).
    bit_fields = {m.path.rpartition(".")[2] for name in STRUCTURES
                  for m in get_layout(name, profile).walk() if m.kind == "bits"}
    construct_py = (tmp_path / "construct" / written["construct"].lstrip("/")).read_text()
    assert construct_py.count("???") == len(bit_fields) == 7
    # go: no `package` line.
    go = (tmp_path / "go" / written["go"].lstrip("/")).read_text()
    assert not re.search(r"^package ", go, re.M)


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
