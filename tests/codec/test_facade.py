"""The package facades (the codec's, and the views' beside the command line) load their names
on first use: each name still resolves to the object its module defines, and the table of where
names live matches ``__all__``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

FACADES = ["iscsitgt_spt.codec", "iscsitgt_spt.codec.export", "iscsitgt_spt.codec.capture",
           "iscsitgt_spt.codec.analysis", "iscsitgt_spt.cli.views"]
#: Names a facade binds when it is imported (a function named like its module), and their home.
EAGER = {"iscsitgt_spt.codec.analysis": {
    "detect_profile": "iscsitgt_spt.codec.analysis.detect_profile",
    "lint": "iscsitgt_spt.codec.analysis.lint",
}}


@pytest.mark.parametrize("package", FACADES)
def test_every_public_name_resolves_to_its_module_s_object(package: str) -> None:
    module = importlib.import_module(package)
    eager = EAGER.get(package, {})
    assert set(module._WHERE) | set(eager) == set(module.__all__)
    assert not set(module._WHERE) & set(eager)
    for name in module.__all__:
        home = importlib.import_module(module._WHERE.get(name) or eager[name])
        assert getattr(module, name) is getattr(home, name)
        assert callable(getattr(module, name)) or name.isupper() or name[0].isupper()
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_importing_the_facade_imports_no_codec_module() -> None:
    code = ("import sys, iscsitgt_spt.codec, iscsitgt_spt.codec.export.tables; "
            "print(sorted(m for m in sys.modules if m.startswith('iscsitgt_spt.codec.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == ("['iscsitgt_spt.codec._lazy', 'iscsitgt_spt.codec.export', "
                           "'iscsitgt_spt.codec.export.tables']")


def _codec_modules_after(code: str) -> set[str]:
    script = (f"import sys\n{code}\n"
              "print(' '.join(m for m in sys.modules if m.startswith('iscsitgt_spt.codec.')))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


#: The dump and log readers (and what only they use).
DUMP_READERS = {f"iscsitgt_spt.codec.capture.{name}" for name in (
    "anatomy", "bytestext", "dumpblock", "fuzzlogs", "hextext", "irpmon", "irpmon_json",
    "splitter", "tools")}


def test_importing_the_capture_and_analysis_facades_imports_no_reader() -> None:
    loaded = _codec_modules_after("import iscsitgt_spt.codec.capture")
    assert loaded == {"iscsitgt_spt.codec._lazy", "iscsitgt_spt.codec.capture"}
    loaded = _codec_modules_after("import iscsitgt_spt.codec.analysis")
    assert not loaded & (DUMP_READERS | {"iscsitgt_spt.codec.analysis.stream"})


def test_the_text_tree_alone_loads_no_hex_view_or_page() -> None:
    # What ``decode`` of one buffer imports: the tree, not --hexdump's or --html's modules.
    script = ("import sys\nfrom iscsitgt_spt.cli.views import render_text\n"
              "print(' '.join(m for m in sys.modules if m.startswith('iscsitgt_spt.cli.views')))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert set(out.split()) == {"iscsitgt_spt.cli.views", "iscsitgt_spt.cli.views.text"}


@pytest.mark.parametrize("capture", [
    "bytes(64)",  # binary: format "raw"
    "b'{\"ioctl\": \"0x4d008\", \"in\": \"00\"}\\n'",  # our JSON-Lines
])
def test_reading_raw_or_jsonl_imports_no_dump_reader(capture: str) -> None:
    loaded = _codec_modules_after(
        "from iscsitgt_spt.codec.capture.detect import read_capture\n"
        f"print(read_capture({capture}).format, file=sys.stderr)")
    assert "iscsitgt_spt.codec.capture.detect" in loaded
    assert not loaded & DUMP_READERS


def test_reading_a_dump_imports_its_reader() -> None:
    # The other side of the laziness: a named format still finds its reader.
    loaded = _codec_modules_after(
        "from iscsitgt_spt.codec.capture.detect import read_capture\n"
        "print(read_capture(b'00000000: 1c00 0000\\n', 'xxd').records, file=sys.stderr)")
    assert "iscsitgt_spt.codec.capture.splitter" in loaded
