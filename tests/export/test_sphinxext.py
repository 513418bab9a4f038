"""The shipped Sphinx extension, used by a project that is not ours.

A minimal project in a temporary directory lists ``iscsitgt_spt.cli.sphinxext`` in its
``extensions``, embeds field tables, byte diagrams and C declarations, and is built with
``-W`` (any warning fails).  The offsets looked for in the HTML are derived by hand below and
agree with the static asserts of the mingw-w64-compiled headers in tests/vectors/c/<profile>/
(``offsetof(ISCSITGT_SPT_TMF, ITNexusHandle) == 32`` on win64/u64, ``== 28`` on win32/ptr).
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _sphinx import sphinx_build

pytest.importorskip("sphinx")

# ISCSITGT_SPT_TMF by hand (MSVC: a member sits at the next multiple of its alignment):
# SRB_IO_CONTROL is ULONG + UCHAR[8] + 4 x ULONG = 28 bytes, 4-aligned.
# win64/u64: ITNexusHandle ULONGLONG, 8-aligned -> 32; Lun 40; TaskManagementFunction 44;
#            ReferenceTaskCookie 8-aligned -> 48; Response 56; sizeof rounded to 8 -> 64.
# win32/ptr: the cookies are 4-byte pointers: ITNexusHandle 28; Lun 32;
#            TaskManagementFunction 36; ReferenceTaskCookie 4-aligned -> 40; Response 44;
#            sizeof rounded to 4 -> 48.
EXPECTED = {
    ("win64", "u64"): {"ITNexusHandle": 32, "Lun": 40, "TaskManagementFunction": 44,
                       "ReferenceTaskCookie": 48, "Response": 56, "_size": 64},
    ("win32", "ptr"): {"ITNexusHandle": 28, "Lun": 32, "TaskManagementFunction": 36,
                       "ReferenceTaskCookie": 40, "Response": 44, "_size": 48},
}

INDEX = """\
Our driver
==========

.. spt-fields:: ISCSITGT_SPT_TMF

.. spt-fields:: iscsitgt_spt_tmf
   :abi: win32
   :cookie: ptr

.. spt-diagram:: ISCSITGT_SPT_TMF
   :abi: win32
   :cookie: ptr

.. spt-declaration:: ISCSITGT_SPT_TMF
   :abi: win32
   :cookie: ptr

.. spt-fields:: SENSE_DATA
"""


class _Tables(HTMLParser):
    """Rows of every table as lists of cell texts, with the table's caption."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            rows = self.tables[-1][1]
            self.tables[-1] = ("".join(self._caption).strip(), rows)
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> str:
    src = tmp_path_factory.mktemp("outside-project")
    (src / "conf.py").write_text(
        'project = "someone-elses-driver"\n'
        'extensions = ["iscsitgt_spt.cli.sphinxext"]\n', encoding="utf-8")
    (src / "index.rst").write_text(INDEX, encoding="utf-8")
    out = src / "_build"
    run = sphinx_build("-W", "-q", "-b", "html", str(src), str(out))
    assert run.returncode == 0, run.stderr
    assert (out / "_static" / "iscsitgt-spt.css").is_file()
    return (out / "index.html").read_text(encoding="utf-8")


def _offsets(rows: list[list[str]]) -> dict[str, int]:
    header = rows[0]
    at, member = header.index("Offset"), header.index("Member")
    return {r[member].split()[0].rstrip("¶"): int(r[at]) for r in rows[1:]}


def test_field_tables_show_the_compiler_offsets(built: str) -> None:
    parser = _Tables()
    parser.feed(built)
    captions = [c for c, _ in parser.tables]
    assert len(parser.tables) == 3, captions
    for (abi, cookie), table in zip(EXPECTED, parser.tables[:2]):
        caption, rows = table
        size = EXPECTED[abi, cookie]["_size"]
        assert f"ISCSITGT_SPT_TMF members ({abi}, cookie {cookie}): {size}" in caption
        offsets = _offsets(rows)
        for name, want in EXPECTED[abi, cookie].items():
            if name != "_size":
                assert offsets[name] == want, (abi, cookie, name)
        # The header's members are listed under their path (nested structure).
        assert offsets["Header.ControlCode"] == 16
    # SENSE_DATA: byte 2 holds SenseKey in bits 0-3 (T10 SPC fixed format; MSVC allocates
    # bit-fields from the least significant bit).
    sense = parser.tables[2][1]
    header = sense[0]
    row = next(r for r in sense if r[header.index("Member")] == "SenseKey")
    assert row[header.index("Offset")] == "2" and row[header.index("Bits")] == "0-3"


def test_diagram_and_declaration_are_embedded(built: str) -> None:
    svg = re.search(r"<svg .*?</svg>", built, re.S)
    assert svg is not None
    assert "ITNexusHandle: SESSION_COOKIE, offset 28 (0x1c), 4 bytes" in svg.group(0)
    assert "ReferenceTaskCookie: TASK_COOKIE, offset 40 (0x28), 4 bytes" in svg.group(0)
    text = re.sub(r"<[^>]+>", "", built)
    assert "typedef struct _ISCSITGT_SPT_TMF {" in text
    assert "ISCSITGT_SPT_TMF C declaration (win32, cookie ptr)" in text


def test_bad_option_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text('extensions = ["iscsitgt_spt.cli.sphinxext"]\n',
                                      encoding="utf-8")
    (tmp_path / "index.rst").write_text("T\n=\n\n.. spt-fields:: NOPE\n", encoding="utf-8")
    run = sphinx_build("-W", "-q", "-b", "html", str(tmp_path), str(tmp_path / "_build"))
    assert run.returncode != 0
    assert "unknown structure" in run.stderr and "Traceback" not in run.stderr


def test_importing_the_cli_does_not_import_sphinx() -> None:
    code = ("import sys, iscsitgt_spt.cli; iscsitgt_spt.cli.build_parser(); "
            "print(any(m == 'sphinx' or m.startswith('sphinx.') for m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip() == "False"


def _build(src: Path, conf: str, index: str) -> subprocess.CompletedProcess[str]:
    (src / "conf.py").write_text(conf, encoding="utf-8")
    (src / "index.rst").write_text(index, encoding="utf-8")
    return sphinx_build("-W", "-q", "-b", "html", str(src), str(src / "_build"))


def test_a_whole_structure_page_builds_alone(tmp_path: Path) -> None:
    """spt-structure links to labels of other directives; alone, those become plain text."""
    conf = 'extensions = ["iscsitgt_spt.cli.sphinxext"]\n'
    page = "TMF\n===\n\n.. spt-structure:: ISCSITGT_SPT_TMF\n"
    run = _build(tmp_path, conf, page)
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "_build" / "index.html").read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(html)
    fields = [rows for _, rows in parser.tables if rows and "Offset" in rows[0]]
    # Two layouts: 8-byte cookies (win64 either way, win32/u64), then win32/ptr.
    assert len(fields) == 2
    assert [_offsets(t)["ITNexusHandle"] for t in fields] == [32, 28]
    assert (tmp_path / "_build" / "_layouts").is_dir()
    strict = _build(tmp_path, conf + "spt_strict_references = True\n", page)
    assert strict.returncode != 0 and "undefined label" in strict.stderr
