"""The Sphinx site builds cleanly and its generated reference is right.

One HTML build per test session (``-W``: any warning fails it; tests/conftest.py's
``docs_build``, shared with other tests that read the site), then:

* the field tables show the offsets derived by hand below, on every profile;
* every layout section links an SVG diagram that exists and names every member;
* every internal link and anchor of the built HTML resolves (a link check that needs no
  network: external ``http(s)`` links are not followed);
* the guides' examples pass under ``sphinx-build -b doctest`` (on the HTML build's
  environment, so no page is read twice).

Expected offsets are hand derivations with the MSVC rules (natural alignment, 8-byte
integers 8-aligned on x86 too, sizeof rounded up to the largest member alignment), written
out member by member so a reader can check each one; they are not read from the spec.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("sphinx.cmd.build")

# (structure, abi, cookie, member path, offset): derivations.
#   SRB_IO_CONTROL = 28 bytes, 4-aligned, on every profile (only ULONG/UCHAR members).
#   ISCSITGT_SPT_TMF: Header 0-27.
#     cookie 8-aligned (win64 any, win32/u64): ITNexusHandle 32, Lun 40, TMF 44, pad 45-47,
#       ReferenceTaskCookie 48, Response 56, tail pad to 64.
#     win32/ptr (4-byte cookies): ITNexusHandle 28, Lun 32, TMF 36, pad 37-39,
#       ReferenceTaskCookie 40, Response 44, size 48.
#   ISCSITGT_SPT_SESSION_START: IsReinstated 28; win64: ITNexusHandle 32 (8-aligned),
#     PeerAddress 40, ITNexus 40+128=168, ChapUserName 168+1024=1192;
#     win32/ptr: ITNexusHandle 32 (4 bytes), PeerAddress 36.
#   SCSI_PASS_THROUGH_DIRECT: 8 single bytes/USHORT up to DataIn at 8, DataTransferLength 12,
#     TimeOutValue 16; win64: DataBuffer 24 (8-aligned), SenseInfoOffset 32, Cdb 36;
#     win32: DataBuffer 20, SenseInfoOffset 24, Cdb 28.
#   SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY win32/ptr: SPTD 0-43, auxiliary 4-aligned at 44
#     (Size 44, Signature 48, SessionCookie 56, TaskCookie 60, SequenceByteOffset 64,
#     IsFinal 68, Lun 72), SenseData 76, SenseKey in byte 78.
#   win32/u64: SPTD 0-43, auxiliary 8-aligned at 48 (Size 48, Signature 52, SessionCookie
#     64 after 4 bytes padding, TaskCookie 72), SenseData 96, SenseKey byte 98.
#   SENSE_DATA (packed): SegmentNumber 1, SenseKey byte 2, Information 3,
#     AdditionalSenseLength 7, AdditionalSenseCode 12.
EXPECTED: list[tuple[str, str, str, str, int]] = [
    ("SRB_IO_CONTROL", "win64", "u64", "ControlCode", 16),
    ("SRB_IO_CONTROL", "win32", "ptr", "Length", 24),
    ("ISCSITGT_SPT_TMF", "win64", "u64", "ITNexusHandle", 32),
    ("ISCSITGT_SPT_TMF", "win64", "u64", "ReferenceTaskCookie", 48),
    ("ISCSITGT_SPT_TMF", "win64", "ptr", "ReferenceTaskCookie", 48),
    ("ISCSITGT_SPT_TMF", "win32", "u64", "ReferenceTaskCookie", 48),
    ("ISCSITGT_SPT_TMF", "win32", "ptr", "ITNexusHandle", 28),
    ("ISCSITGT_SPT_TMF", "win32", "ptr", "TaskManagementFunction", 36),
    ("ISCSITGT_SPT_TMF", "win32", "ptr", "ReferenceTaskCookie", 40),
    ("ISCSITGT_SPT_TMF", "win32", "ptr", "Response", 44),
    ("ISCSITGT_SPT_TMF", "win32", "ptr", "Header.ControlCode", 16),
    ("ISCSITGT_SPT_SESSION_START", "win64", "u64", "PeerAddress", 40),
    ("ISCSITGT_SPT_SESSION_START", "win64", "ptr", "ChapUserName", 1192),
    ("ISCSITGT_SPT_SESSION_START", "win32", "ptr", "PeerAddress", 36),
    ("ISCSITGT_SPT_SESSION_STOP", "win32", "ptr", "ITNexusHandle", 28),
    ("ISCSITGT_SPT_SESSION_STOP", "win32", "u64", "ITNexusHandle", 32),
    ("SCSI_PASS_THROUGH_DIRECT", "win64", "u64", "DataBuffer", 24),
    ("SCSI_PASS_THROUGH_DIRECT", "win64", "ptr", "Cdb", 36),
    ("SCSI_PASS_THROUGH_DIRECT", "win32", "u64", "DataBuffer", 20),
    ("SCSI_PASS_THROUGH_DIRECT", "win32", "ptr", "Cdb", 28),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "win32", "ptr", "ScsiPassThroughAuxiliary", 44),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "win32", "ptr",
     "ScsiPassThroughAuxiliary.TaskCookie", 60),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "win32", "ptr", "SenseData.SenseKey", 78),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "win32", "u64",
     "ScsiPassThroughAuxiliary.SessionCookie", 64),
    ("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", "win32", "u64", "SenseData", 96),
    ("SENSE_DATA", "win64", "u64", "SenseKey", 2),
    ("SENSE_DATA", "win32", "ptr", "AdditionalSenseCode", 12),
]

# Bit positions (MSVC allocates bit-fields from the least significant bit, in declaration
# order): ErrorCode:7 then Valid:1 in byte 0; SenseKey:4, Reserved:1, IncorrectLength:1,
# EndOfMedia:1, FileMark:1 in byte 2.
EXPECTED_BITS = {"ErrorCode": "bits 0–6", "Valid": "bit 7", "SenseKey": "bits 0–3",
                 "FileMark": "bit 7"}

PROFILES = [(a, c) for a in ("win64", "win32") for c in ("u64", "ptr")]


@pytest.fixture(scope="module")
def html(docs_build: Callable[..., Path]) -> Path:
    # The session's English build (tests/conftest.py), shared with the i18n tests and the
    # browser checks of tests/export.
    return docs_build("html")


class _Page(HTMLParser):
    """Collects tables (classes, rows of (id, cell texts)), ids, links and section chunks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tables: list[tuple[list[str], list[tuple[str, list[str]]]]] = []
        self._cell: list[str] | None = None
        self._row: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if a.get("name") and tag == "a":
            self.ids.add(str(a["name"]))
        # The language switcher points at the sibling builds (html/fr/ ...), which this
        # single-language build does not have: tests/docs/test_docs_i18n.py follows them.
        sibling = "spt-language" in (a.get("class") or "").split()
        for key in ("href", "src"):
            if tag in ("a", "link", "img", "script") and a.get(key) and not sibling:
                self.links.append(str(a[key]))
        if tag == "table":
            self.tables.append(((a.get("class") or "").split(), []))
        elif tag == "tr" and self.tables:
            self._row = (a.get("id") or "", [])
            self.tables[-1][1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@functools.cache  # a built page does not change: each is parsed once per session
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _field_table(html: Path, name: str, abi: str, cookie: str) -> list[tuple[str, list[str]]]:
    page = _parse(html / "structures" / f"{name}.html")
    found = [rows for classes, rows in page.tables
             if "spt-fields" in classes and f"spt-profile-{abi}-{cookie}" in classes]
    assert len(found) == 1, f"{name}: expected one field table for {abi}/{cookie}"
    return found[0]


def _row(table: list[tuple[str, list[str]]], name: str, path: str) -> list[str]:
    for row_id, cells in table:
        if row_id.startswith(name + ".") and row_id.split(".", 2)[2] == path:
            return cells
    raise AssertionError(f"no row for {name}.{path}")


@pytest.mark.parametrize(("name", "abi", "cookie", "path", "offset"), EXPECTED)
def test_field_table_offsets(html: Path, name: str, abi: str, cookie: str, path: str,
                             offset: int) -> None:
    cells = _row(_field_table(html, name, abi, cookie), name, path)
    assert cells[0] == str(offset)
    assert int(cells[1], 16) == offset


def test_bitfields_show_bit_positions(html: Path) -> None:
    table = _field_table(html, "SENSE_DATA", "win32", "ptr")
    for member, bits in EXPECTED_BITS.items():
        assert bits in _row(table, "SENSE_DATA", member)


def test_tmf_win32_ptr_table_lists_padding(html: Path) -> None:
    rows = _field_table(html, "ISCSITGT_SPT_TMF", "win32", "ptr")
    # 37-39 before the 4-aligned cookie, 45-47 tail padding up to 48.
    pads = [(cells[0], cells[2]) for row_id, cells in rows if "._pad" in row_id]
    assert pads == [("37", "3"), ("45", "3")]


_SVG_HREF = re.compile(r'href="((?:\.\./)*_layouts/[^"]+\.svg)"')
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_NAMED = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)(?=: | \()")


def _section_chunks(text: str) -> Iterator[str]:
    yield from text.split("<section")


def test_svg_diagrams_exist_and_name_every_member(html: Path) -> None:
    from iscsitgt_spt.spec import STRUCTURES, Profile, get_layout

    for name in STRUCTURES:
        text = (html / "structures" / f"{name}.html").read_text(encoding="utf-8")
        for abi, cookie in PROFILES:
            chunk = next(c for c in _section_chunks(text) if f"spt-profile-{abi}-{cookie}" in c)
            hrefs = _SVG_HREF.findall(chunk)
            assert len(hrefs) == 1, f"{name} {abi}/{cookie}: one SVG link expected"
            svg = (html / "structures" / hrefs[0]).resolve()
            assert svg.is_file(), svg
            content = svg.read_text(encoding="utf-8")
            assert content.startswith("<svg")
            named = {n for t in _TITLE.findall(content) for n in _NAMED.findall(t)}
            missing = [m.path for m in get_layout(name, Profile.of(abi, cookie)).walk()
                       if m.path not in named]
            assert not missing, f"{svg.name} does not name {missing}"


def _html_files(html: Path) -> list[Path]:
    return [p for p in html.rglob("*.html") if "_sources" not in p.parts]


def test_internal_links_resolve(html: Path) -> None:
    pages = {p.resolve(): _parse(p) for p in _html_files(html)}
    broken = []
    checked = 0
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("mailto:"):
                continue  # external: not followed (no network in CI)
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            checked += 1
            if not target.exists():
                broken.append(f"{path.relative_to(html.resolve())}: {link}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(html.resolve())}: {link} (no anchor)")
    assert checked > 500
    assert not broken, "\n".join(broken[:40])


def test_reference_pages_are_generated(html: Path) -> None:
    from iscsitgt_spt.cli import build_parser
    from iscsitgt_spt.spec.assumptions import ASSUMPTIONS

    cli = (html / "cli.html").read_text(encoding="utf-8")
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    assert isinstance(subparsers.choices, dict)
    for command in subparsers.choices:
        assert f"iscsitgt-spt {command}" in cli
    assumptions = (html / "reference" / "assumptions.html").read_text(encoding="utf-8")
    for a in ASSUMPTIONS:
        assert a.name in assumptions
    constants = _parse(html / "reference" / "constants.html")
    # IOCTL_SCSI_MINIPORT = CTL_CODE(FILE_DEVICE_CONTROLLER=4, 0x402, METHOD_BUFFERED,
    # FILE_READ_WRITE_ACCESS=3): 4<<16 | 3<<14 | 0x402<<2 | 0 = 0x0004D008 (ntddscsi.h).
    ioctl_rows = [cells for classes, rows in constants.tables if "spt-ioctls" in classes
                  for _, cells in rows]
    assert ["IOCTL_SCSI_MINIPORT", "0x0004D008", "0x0004", "0x402", "METHOD_BUFFERED",
            "FILE_READ_WRITE_ACCESS"] in [row[:6] for row in ioctl_rows]


def test_option_names_are_literal_everywhere(html: Path) -> None:
    """Sphinx's smart quotes turn ``--`` in plain text into an en dash: an option name that
    reached a page as text (``–fail-on``) breaks copy and paste.  Every page of the site is
    read; no en or em dash may stand where an option name starts."""
    smart = re.compile(r"(?:^|[\s(>])[\u2013\u2014]-?[a-z][a-z-]+")
    pages = sorted(html.rglob("*.html"))
    assert len(pages) > 10
    found = {str(p.relative_to(html)): smart.findall(p.read_text(encoding="utf-8"))
             for p in pages}
    assert {page: hits for page, hits in found.items() if hits} == {}
    cli = (html / "cli.html").read_text(encoding="utf-8")
    # Shown as code, as typed (docutils wraps each word of a literal in a span.pre).
    assert '<span class="pre">--fail-on</span>' in cli
    assert '<span class="pre">--output,</span> <span class="pre">-o</span>' in cli


def test_doctests_pass(docs_build: Callable[..., Path]) -> None:
    out = docs_build("doctest")  # the build itself fails on a failing example (status 1)
    report = out / "output.txt"
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    assert re.search(r"\b0 failures in tests", text), text
