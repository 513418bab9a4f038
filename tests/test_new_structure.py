"""Adding a request is its definition and its registry line: every surface knows it at once.

The fixture defines a fourth IOCTL_SCSI_MINIPORT request the way a maintainer would add one
(a hypothetical ``ISCSITGT_SPT_SESSION_QUERY``, control code 0x103:
``SRB_IO_CONTROL Header; SESSION_COOKIE ITNexusHandle; ULONG Flags``), registers it, and checks
each surface a user reaches: decode and lint, its own fuzz corpus, the C header's ``#define``
and declaration, the docs' control-code table, the simulator, the client, the Kaitai export,
``layout`` and the HTML report.  Nothing here is special-cased for the structure: a surface
that keeps a list of its own (a table of codes, a branch on a name) fails here.

Expected values are derived by hand from the definition below: win64, cookie u64 --
SRB_IO_CONTROL is 28 bytes (HeaderLength 4, Signature 8, then Timeout, ControlCode at 16,
ReturnCode at 20, Length at 24, 4 each), ITNexusHandle is a ULONGLONG aligned to 8 so it starts
at 32 (4 padding bytes), Flags at 40, size 44 rounded up to the structure's alignment 8: 48,
and Header.Length = 48 - 28 = 20.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from _html_page import record_lines
from iscsitgt_spt.cli import main
from iscsitgt_spt.codec import build, decode, encode
from iscsitgt_spt.codec.analysis.lint import lint_bytes
from iscsitgt_spt.codec.dispatch import decode_buffer
from iscsitgt_spt.device import Client, SimulatedTarget
from iscsitgt_spt.device.client import RequestFailed
from iscsitgt_spt.device.simulator import SimReturnCode
from iscsitgt_spt.spec.c_header import render_header
from iscsitgt_spt.spec.layout import CStruct
from iscsitgt_spt.spec.primitives import SESSION_COOKIE, ULONG
from iscsitgt_spt.spec.registry import get_layout, register, unregister
from iscsitgt_spt.spec.srb_io_control import srb_payload

NAME = "ISCSITGT_SPT_SESSION_QUERY"
CODE = 0x103
CODE_NAME = "CTLCODE_ISCSITGT_SPT_SESSION_QUERY"


@pytest.fixture()
def query() -> Iterator[CStruct]:
    struct = srb_payload(
        NAME, CODE, CODE_NAME,
        "ITNexusHandle" / SESSION_COOKIE * "The session asked about.",
        "Flags" / ULONG * "What to report.",
        doc="Asks about a session (a hypothetical request, for this test).",
    )
    register(struct)
    try:
        yield struct
    finally:
        unregister(NAME)


def _query_bytes(handle: int = 7, flags: int = 1) -> bytes:
    return encode(build(NAME, {"ITNexusHandle": handle, "Flags": flags}))


def test_layout_follows_the_abi_rules(query: CStruct) -> None:
    layout = get_layout(query)
    assert (layout.size, layout.member("ITNexusHandle").offset,
            layout.member("Flags").offset) == (48, 32, 40)
    data = _query_bytes()
    assert int.from_bytes(data[24:28], "little") == 20  # Header.Length, derived
    assert int.from_bytes(data[16:20], "little") == CODE  # Header.ControlCode, derived


def test_decodes_by_its_control_code_without_a_false_finding(query: CStruct) -> None:
    data = _query_bytes()
    decoded = decode_buffer(data)  # no name: identified by ControlCode
    assert decoded.name == NAME
    assert decode(NAME, data).Flags == 1
    codes = {f.code for f in lint_bytes(data)}
    assert not codes & {"unknown-control-code", "control-code-mismatch"}, codes
    # The session cookie is known by its type: a zero handle is reported as for the others.
    assert "session-cookie-zero" in {f.code for f in lint_bytes(_query_bytes(handle=0))}


def test_its_own_fuzz_corpus_decodes(query: CStruct, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    assert main(["fuzz", NAME, "-n", "5", "--mode", "all", "-o", str(corpus),
                 "--seed", "1"]) == 0
    capsys.readouterr()
    status = main(["decode", str(corpus), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and status in (0, 1)
    documents = [line["input"] for line in lines if "input" in line]
    assert len(documents) == len(lines)  # every record decoded
    assert {d["document"]["name"] for d in documents} == {NAME}
    # A record whose ControlCode was not mutated is never called unknown.
    for line, doc in zip(lines, documents):
        codes = {f["code"] for f in doc.get("findings", [])}
        if doc["document"]["value"]["Header"]["ControlCode"] == CODE:
            assert "unknown-control-code" not in codes, line["meta"]


def test_c_header_defines_its_code_and_declares_it(query: CStruct) -> None:
    from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE

    header = render_header(DEFAULT_PROFILE)
    assert f"#define {CODE_NAME} 0x103" in header
    assert f"}} {NAME}, *P{NAME};" in header or f"{NAME};" in header
    assert f"sizeof({NAME})" in header


def test_docs_control_code_table_has_its_row(query: CStruct) -> None:
    from iscsitgt_spt.cli.sphinxext.constants import control_code_rows

    assert (CODE, CODE_NAME, NAME, "IOCTL_SCSI_MINIPORT") in control_code_rows()


def test_simulator_refuses_it_cleanly(query: CStruct) -> None:
    target = SimulatedTarget()
    answer = target.ioctl(0x4D008, _query_bytes(), 48)  # IOCTL_SCSI_MINIPORT
    assert int.from_bytes(answer[20:24], "little") == SimReturnCode.UNSUPPORTED_CONTROL_CODE
    with pytest.raises(RequestFailed, match="no behaviour"):
        Client(SimulatedTarget()).request(NAME, {"ITNexusHandle": 7, "Flags": 1})


def test_layout_and_kaitai_and_html_show_it(query: CStruct, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layout", NAME]) == 0
    assert "Flags" in capsys.readouterr().out
    ksy = tmp_path / "spt.ksy"
    assert main(["export", "kaitai", "-o", str(ksy)]) == 0
    text = ksy.read_text(encoding="utf-8")
    assert (NAME.lower() in text and "0x103" in text.lower()) or "259" in text
    raw = tmp_path / "query.bin"
    raw.write_bytes(_query_bytes())
    html = tmp_path / "query.html"
    assert main(["decode", str(raw), "--html", str(html)]) == 0
    assert NAME in "\n".join(record_lines(html.read_text(encoding="utf-8")))


def test_kaitai_export_compiles(query: CStruct, tmp_path: Path) -> None:
    """The .ksy with the new request goes through the Kaitai Struct compiler (npm, as .ci/run
    installs it) to a Python parser that reads the request and dispatches on its code."""
    import importlib.util
    import os
    import subprocess
    import sys

    from _tools import missing, need_tool

    need_tool("node", "apt-get install nodejs npm")
    modules = Path(os.environ.get("ISCSITGT_KSC_DIR",
                                  Path.home() / ".cache" / "iscsitgt-spt" / "ksc")) / "node_modules"
    if not (modules / "kaitai-struct-compiler" / "package.json").is_file():
        missing("kaitai-struct-compiler", f"npm install --prefix {modules.parent} "
                "kaitai-struct-compiler@0.11 js-yaml@4")
    ksy = tmp_path / "spt.ksy"
    assert main(["export", "kaitai", "-o", str(ksy)]) == 0
    out = subprocess.run(
        ["node", str(Path(__file__).parent / "export" / "ksc_compile.js"), str(ksy),
         str(tmp_path)],
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
    assert any("SessionQuery" in attr for attr in dir(module)) or any(
        "SessionQuery" in attr for cls in vars(module).values() if isinstance(cls, type)
        for attr in dir(cls))
