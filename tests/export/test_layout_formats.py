"""``iscsitgt-spt layout NAME --format ...``: every format carries the same, right offsets.

Offsets are hand derivations (see tests/export/test_sphinxext.py for ISCSITGT_SPT_TMF; they
match the static asserts of tests/vectors/c/<profile>/iscsitgt_spt.h).  The reST output is
parsed by docutils itself and the SVG by an XML parser, so "valid" means a real tool says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest


def _layout(*args: str) -> str:
    run = subprocess.run([sys.executable, "-m", "iscsitgt_spt", "layout", *args],
                         capture_output=True, text=True, check=True)
    return run.stdout


def test_json_alias_and_format_json_are_the_same() -> None:
    a = _layout("ISCSITGT_SPT_TMF", "--abi", "win32", "--cookie", "ptr", "--json")
    b = _layout("ISCSITGT_SPT_TMF", "--abi", "win32", "--cookie", "ptr", "--format", "json")
    assert a == b
    fields = {f["path"]: f["offset"] for f in json.loads(a)["fields"]}
    assert fields["ITNexusHandle"] == 28 and fields["ReferenceTaskCookie"] == 40


def test_markdown_rows() -> None:
    out = _layout("ISCSITGT_SPT_TMF", "--format", "markdown")
    row = next(line for line in out.splitlines() if "`ITNexusHandle`" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:3] == ["32", "0x20", "8"]
    assert out.splitlines()[3].startswith("| ---: |")


def test_rst_is_valid_docutils_input() -> None:
    docutils_core = pytest.importorskip("docutils.core")
    out = _layout("SENSE_DATA", "--format", "rst")
    messages: list[str] = []
    doctree = docutils_core.publish_doctree(
        out, settings_overrides={"report_level": 2, "halt_level": 5,
                                 "warning_stream": _Sink(messages)})
    assert messages == []
    rows = [[entry.astext() for entry in row.children]
            for row in doctree.findall(lambda n: n.tagname == "row")]
    header = rows[0]
    # SENSE_DATA, byte-packed (T10 fixed format): SenseKey is bits 0-3 of byte 2.
    sense_key = next(r for r in rows if r[header.index("Member")] == "SenseKey")
    assert sense_key[header.index("Offset")] == "2"
    assert sense_key[header.index("Bits")] == "0-3"


class _Sink:
    def __init__(self, messages: list[str]) -> None:
        self.messages = messages

    def write(self, text: str) -> None:
        self.messages.append(text)


def test_svg_is_well_formed_and_names_every_member() -> None:
    out = _layout("ISCSITGT_SPT_TMF", "--abi", "win32", "--cookie", "ptr", "--format", "svg")
    root = ET.fromstring(out)
    titles = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title"))
    assert "ITNexusHandle: SESSION_COOKIE, offset 28 (0x1c), 4 bytes" in titles
    assert "Response: BYTE, offset 44 (0x2c), 1 byte" in titles


def test_unknown_format_is_a_usage_error() -> None:
    run = subprocess.run([sys.executable, "-m", "iscsitgt_spt", "layout", "SENSE_DATA",
                          "--format", "pdf"], capture_output=True, text=True)
    assert run.returncode == 2 and "invalid choice" in run.stderr
