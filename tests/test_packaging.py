"""Packaging: one namespace installed, never bare ``spec``/``codec``/``device``/``cli`` modules.

The repository keeps its four layers (``spec/``, ``codec/``, ``device/``, ``cli/``) at its top
level; a test run from the checkout could silently import them as top-level modules.  These
tests prove the code only ever uses ``iscsitgt_spt.<layer>``, and that the wheel holds nothing
else.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("spec", "codec", "device", "cli")
SOURCE_DIRS = (*LAYERS, "tests")


def _python_files() -> list[Path]:
    return [p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py")]


def test_no_source_imports_bare_spec_or_codec() -> None:
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in LAYERS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert offenders == []


def test_importing_everything_never_loads_bare_modules() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import iscsitgt_spt.spec, iscsitgt_spt.codec, iscsitgt_spt.device, iscsitgt_spt.cli\n"
        "for pkg in (iscsitgt_spt.spec, iscsitgt_spt.codec, iscsitgt_spt.device,\n"
        "            iscsitgt_spt.cli):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if not m.name.endswith('__main__'):\n"
        "            importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules\n"
        "             if n.split('.')[0] in ('spec', 'codec', 'device', 'cli'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    # Run from the repository root, where a bare ``import spec`` *would* succeed.
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bare_modules_are_not_importable_outside_the_checkout(tmp_path: Path) -> None:
    for layer in LAYERS:
        result = subprocess.run([sys.executable, "-c", f"import {layer}"], cwd=tmp_path,
                                capture_output=True, text=True)
        assert result.returncode != 0, layer


def test_every_package_directory_is_listed_in_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = set()
    for top in LAYERS:
        namespace = f"iscsitgt_spt.{top}"
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join([namespace, *rel.parts]) if rel.parts else namespace)
    # iscsitgt_spt itself is the namespace, listed only to carry __main__.py.
    assert found | {"iscsitgt_spt"} == listed


def test_wheel_contains_only_the_namespace(tmp_path: Path) -> None:
    # -v shows the build backend's own output, where setuptools prints its deprecations.
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        pytest.fail(result.stderr[-2000:])
    assert "SetuptoolsDeprecationWarning" not in result.stdout + result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    # The license: the file itself, and an SPDX expression in the metadata (PEP 639).
    (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert archive.read(license_file) == (ROOT / "LICENSE").read_bytes()
    metadata = archive.read(license_file.split("/")[0] + "/METADATA").decode()
    assert "License-Expression: MIT\n" in metadata
    # Every user gets construct only; Hypothesis comes with the [fuzz] (and [test]) extra.
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    unconditional = [line for line in requires if "extra ==" not in line]
    assert [line.split()[1].split("<")[0].split(">")[0] for line in unconditional] == \
        ["construct"]
    assert 'Requires-Dist: hypothesis>=6.100; extra == "fuzz"' in requires
    assert 'Requires-Dist: hypothesis>=6.100; extra == "test"' in requires
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"iscsitgt_spt"}
    assert "iscsitgt_spt/__init__.py" not in names  # a PEP 420 namespace, shared by nobody else
    for required in ("iscsitgt_spt/spec/py.typed", "iscsitgt_spt/codec/py.typed",
                     "iscsitgt_spt/device/py.typed", "iscsitgt_spt/cli/py.typed",
                     "iscsitgt_spt/cli/__init__.py", "iscsitgt_spt/device/__init__.py",
                     "iscsitgt_spt/__main__.py",
                     # Assets read at run time: the HTML report's and the Sphinx extension's.
                     "iscsitgt_spt/cli/views/html/page.css",
                     "iscsitgt_spt/cli/views/html/page.js",
                     "iscsitgt_spt/cli/sphinxext/static/iscsitgt-spt.css",
                     # The extension's compiled translations (sphinx.locale reads .mo only).
                     "iscsitgt_spt/cli/sphinxext/locale/fr/LC_MESSAGES/iscsitgt_spt.mo",
                     "iscsitgt_spt/cli/sphinxext/locale/zh_TW/LC_MESSAGES/iscsitgt_spt.mo"):
        assert required in names
    from iscsitgt_spt.cli.samples import SAMPLES

    for sample in SAMPLES:  # every sample the `samples` command offers is in the wheel
        assert f"iscsitgt_spt/cli/samples/{sample}" in names
    # The folder that carries __main__.py is not installed as a package of its own, and the
    # layers that used to live inside the codec are gone from it.
    assert not any("_namespace" in n for n in names)
    assert not any(n.startswith(("iscsitgt_spt/codec/device/", "iscsitgt_spt/codec/cli/"))
                   for n in names)


def test_console_script_and_module_entry_point_agree() -> None:
    via_module = subprocess.run([sys.executable, "-m", "iscsitgt_spt", "--version"],
                                capture_output=True, text=True)
    assert via_module.returncode == 0
    assert via_module.stdout.startswith("iscsitgt-spt ")


# A blocker on sys.meta_path: Hypothesis (and sortedcontainers, which only it needs) cannot be
# imported, as on an install without the [fuzz] extra.
_NO_HYPOTHESIS = """
import sys
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("hypothesis", "sortedcontainers"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None
sys.meta_path.insert(0, _Blocker())
"""


def _without_hypothesis(code: str, *args: str, cwd: Path, stdin: str = "") -> (
    subprocess.CompletedProcess[str]
):
    return subprocess.run([sys.executable, "-c", _NO_HYPOTHESIS + code, *args], cwd=cwd,
                          input=stdin, capture_output=True, text=True, timeout=120)


#: Every command of the list in argv[1] (JSON: [args, stdin] pairs) run in turn in this one
#: process (tests/_inprocess.py): the blocker holds for all of them, so a command that imported
#: Hypothesis fails whatever ran before it.  Prints [exit status, stderr] per command.
_RUN_COMMANDS = f"""
import json, traceback
sys.path.insert(0, {str(ROOT / "tests")!r})
from _inprocess import run_main
results = []
for args, stdin in json.loads(sys.argv[1]):
    try:
        run = run_main(*args, stdin=stdin.encode())
        results.append([run.returncode, run.stderr.decode("utf-8", "replace")])
    except BaseException:
        results.append([-1, traceback.format_exc()])
print(json.dumps(results))
"""


def test_the_commands_need_only_construct(tmp_path: Path) -> None:
    tmf = '{"ITNexusHandle": 7, "Lun": 1, "TaskManagementFunction": 1}'
    start = '{"name": "ISCSITGT_SPT_SESSION_START", "value": {"ITNexusHandle": 7}}'
    commands: list[tuple[list[str], str]] = [
        (["encode", "ISCSITGT_SPT_TMF", "--hex"], tmf),
        (["decode", "-"], (ROOT / "tests/vectors/captures/tmf_abort_task.bin").read_bytes().hex()),
        (["layout", "ISCSITGT_SPT_TMF"], ""),
        (["header", "--abi", "win32"], ""),
        (["sense", "70", "00", "05", "00", "00", "00", "00", "0a"], ""),
        (["fuzz", "ISCSITGT_SPT_TMF", "--mode", "all", "-n", "3", "--output", "c.jsonl"], ""),
        (["send", "--device", "sim:"], start),
        (["send", "--fuzz-corpus", "c.jsonl", "--device", "sim:"], ""),
        (["demo"], ""),
        (["samples"], ""),
        (["export", "kaitai", "-o", "family.ksy"], ""),
        (["decode", "-", "--html", "tmf.html"],
         (ROOT / "tests/vectors/captures/tmf_abort_task.bin").read_bytes().hex()),
    ]
    run = _without_hypothesis(_RUN_COMMANDS, json.dumps(commands), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert len(results) == len(commands)
    for (args, _stdin), (status, stderr) in zip(commands, results, strict=True):
        assert "Traceback" not in stderr, (args, stderr)
        assert status == 0, (args, stderr)


def test_the_strategies_say_how_to_get_hypothesis(tmp_path: Path) -> None:
    result = _without_hypothesis("import iscsitgt_spt.codec.fuzzing.strategies\n",
                                 cwd=tmp_path)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: iscsitgt_spt.codec.fuzzing.strategies "
                           "needs Hypothesis")
    assert "pip install 'iscsitgt-spt[fuzz]'" in last
