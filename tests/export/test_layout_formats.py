"""``iscsitgt-spt layout NAME --format ...``: every format carries the same, right offsets.

Offsets are hand derivations (see tests/export/test_sphinxext.py for ISCSITGT_SPT_TMF; they
match the static asserts of tests/vectors/c/<profile>/iscsitgt_spt.h).  The reST output is
parsed by docutils itself and the SVG by an XML parser, so "valid" means a real tool says so.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _inprocess import run_main
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout


def _layout(*args: str) -> str:
    run = run_main("layout", *args)  # in this process (tests/_inprocess.py)
    assert run.returncode == 0, run.stderr
    return run.stdout.decode()


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
    run = run_main("layout", "SENSE_DATA", "--format", "pdf")
    assert run.returncode == 2 and b"invalid choice" in run.stderr


# --- the SVG: every cut label keyed, width from the structure, two palettes ---------------

def _svg(name: str, abi: str = "win64", cookie: str = "u64") -> ET.Element:
    # The renderer `layout --format svg` prints (called in-process: 16 layouts, no start-ups).
    from iscsitgt_spt.codec.export import render_svg

    return ET.fromstring(render_svg(get_layout(name, Profile(abi, cookie))))


def _texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if cls in t.get("class", "").split()]


SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("name", list(STRUCTURES))
def test_svg_every_member_name_is_on_the_drawing(name: str) -> None:
    """Each leaf member's full path is readable on paper: its whole name in a box, or the key.

    A shortened box label carries the key number of the line that spells the path out."""
    for abi in ("win64", "win32"):
        root = _svg(name, abi)
        labels = _texts(root, "spt-label")
        key = {line.split("] ", 1)[0] + "]": line.split("] ", 1)[1]
               for line in _texts(root, "spt-legend") if line.startswith("[")}
        for label in labels:
            if label.endswith("…") or re.fullmatch(r"\[\d+\]", label):
                mark = label.split()[0]
                assert mark in key, (name, label)
                shown = label[len(mark):].strip(" …")
                assert key[mark].split(" (")[0].rsplit(".", 1)[-1].startswith(shown) or \
                    shown in key[mark], (name, label, key[mark])
        keyed = " ".join(key.values())
        for m in get_layout(name, Profile(abi, "u64")).leaves():
            if m.kind != "padding":
                assert m.name in labels or m.path in keyed or any(
                    m.name in label.split(" / ") for label in labels), (name, abi, m.path)


def test_svg_width_follows_the_structure() -> None:
    widths = {name: float(_svg(name).get("width", "0")) for name in
              ("SRB_IO_CONTROL", "SENSE_DATA", "ISCSITGT_SPT_SESSION_START")}
    # A 28-byte header of 4-byte members needs far less than a 1,704-byte request.
    assert widths["SRB_IO_CONTROL"] < 600 < widths["ISCSITGT_SPT_SESSION_START"]
    assert len(set(widths.values())) == 3
    for name in widths:  # and it scales down in a narrower column
        assert "max-width:100%" in _svg(name).get("style", "")


def _luminance(colour: str) -> float:
    # WCAG 2.x relative luminance of an sRGB colour #rrggbb.
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_svg_palettes_light_and_dark_have_readable_text() -> None:
    """Both palettes, read from the SVG's own style: text on every surface it is drawn on."""
    style = next(_svg("SENSE_DATA").iter(f"{SVG}style")).text or ""
    light_rule = re.search(r"svg\.spt-layout-svg\{([^}]*)\}", style)
    dark_rule = re.search(r"\[data-theme=dark\] svg\.spt-layout-svg\{([^}]*)\}", style)
    assert light_rule and dark_rule
    assert "@media (prefers-color-scheme: dark){svg.spt-layout-svg:root" in style
    for rule in (light_rule, dark_rule):
        var = dict(re.findall(r"--spt-([\w-]+):(#[0-9a-f]{6})", rule.group(1)))
        surfaces = ["bg", "pad-bg", *(f"c{i}" for i in range(7))]
        for text in ("text", "muted"):
            for surface in surfaces:
                assert _contrast(var[text], var[surface]) >= 4.5, (text, surface, var)


def test_mermaid_packet_renders_with_the_mermaid_cli(
    tmp_path: Path, mermaid_command: list[str]
) -> None:
    """Four structures through the real Mermaid CLI (one run, a Markdown file of diagrams):
    bit-fields, padding, nesting, and one over Mermaid's size limit.

    Hand derivations: TMF (win64) ITNexusHandle at byte 32 is bits 256-319; SENSE_DATA's
    Valid is bit 7 of byte 0, first in Mermaid's most-significant-first numbering (cell 0),
    ErrorCode cells 1-7; SESSION_START (1,704 bytes = 13,632 bits, over Mermaid's 10,000)
    is drawn a cell per byte, ITNexus at bytes 168-1191 (40 + 128, 512 WCHARs)."""
    command = mermaid_command
    sources = {name: _layout(name, "--format", "mermaid") for name in (
        "ISCSITGT_SPT_TMF", "SENSE_DATA", "ISCSITGT_SPT_SESSION_START",
        "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY")}
    assert "256-319: \"ITNexusHandle\"" in sources["ISCSITGT_SPT_TMF"]
    assert sources["SENSE_DATA"].splitlines()[2:4] == ['0: "Valid"', '1-7: "ErrorCode"']
    assert '168-1191: "ITNexus"' in sources["ISCSITGT_SPT_SESSION_START"]
    doc = tmp_path / "diagrams.md"
    doc.write_text("".join(f"```mermaid\n{src}```\n\n" for src in sources.values()))
    run = subprocess.run([*command, "-i", str(doc), "-o", str(tmp_path / "out.md")],
                         capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    for i, (name, src) in enumerate(sources.items(), start=1):
        svg = ET.parse(tmp_path / f"out-{i}.svg").getroot()
        drawn = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
        for line in src.splitlines()[2:]:
            assert line.split(": ", 1)[1].strip('"') in drawn, (name, line)
