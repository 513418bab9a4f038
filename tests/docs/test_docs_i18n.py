"""The French and Traditional Chinese sites: complete, current, and byte-for-byte the reference.

* every catalog (the site's ``docs/locale`` and the extension's own) is 100% translated with
  no fuzzy or obsolete entry, by ``msgfmt --statistics`` (GNU gettext, an independent tool),
  which also checks with ``-c`` that no translation lost a ``{field}`` of its source;
* every catalog holds exactly the messages its source has now: the site's against a fresh
  ``sphinx-build -b gettext``, the extension's against the messages it and the spec write —
  so a changed English text fails here until its translation is updated;
* the shipped ``.mo`` files are their ``.po`` files compiled by ``msgfmt``;
* each translated page holds exactly the identifiers of its English page (every C name the
  spec knows in its text, every code-font string) and every table the same numbers (offsets,
  sizes, values) — the English page is the expected value, built from the same sources;
* the language switcher on every page links the same page in the sibling builds;
* a user's own Sphinx project built with ``language = "fr"`` gets the extension's tables in
  French from the catalog shipped in the package.
"""

from __future__ import annotations

import enum
import functools
import gettext
import inspect
import re
import subprocess
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests._tools import need_tool

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "zh_TW")
SITE_CATALOGS = sorted((ROOT / "docs" / "locale").glob("*/LC_MESSAGES/*.po"))
EXT_LOCALE = ROOT / "cli" / "sphinxext" / "locale"
EXT_CATALOGS = sorted(EXT_LOCALE.glob("*/LC_MESSAGES/iscsitgt_spt.po"))
ALL_CATALOGS = SITE_CATALOGS + EXT_CATALOGS

Build = Callable[..., Path]


# -- catalogs -------------------------------------------------------------------------------
def test_every_language_has_every_catalog() -> None:
    for lang in LANGUAGES:
        assert (EXT_LOCALE / lang / "LC_MESSAGES" / "iscsitgt_spt.po").is_file()
        assert (EXT_LOCALE / lang / "LC_MESSAGES" / "iscsitgt_spt.mo").is_file()
    names = {lang: {p.name for p in SITE_CATALOGS if p.parts[-3] == lang} for lang in LANGUAGES}
    assert names["fr"] == names["zh_TW"] and len(names["fr"]) >= 7, names


@pytest.mark.parametrize("po", ALL_CATALOGS, ids=lambda p: "/".join(p.parts[-4:]))
def test_catalog_is_complete(po: Path) -> None:
    msgfmt = need_tool("msgfmt", "apt-get install gettext")
    run = subprocess.run([msgfmt, "-c", "--statistics", "-o", "/dev/null", str(po)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    stats = run.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", stats), f"{po}: {stats}"
    obsolete = [line for line in po.read_text(encoding="utf-8").splitlines()
                if line.startswith("#~")]
    assert not obsolete, f"{po}: obsolete entries left: {obsolete[:3]}"


def _msgids(po: Path) -> set[str]:
    """The message ids of a .po/.pot file, read as gettext defines the format."""
    ids: set[str] = set()
    current: list[str] | None = None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            current = [line[6:]]
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            if current is not None:
                text = "".join(_unquote(part) for part in current)
                if text:
                    ids.add(text)
            current = None
    return ids


def _unquote(quoted: str) -> str:
    body = quoted.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def test_site_catalogs_match_the_pages(docs_build: Build) -> None:
    templates = docs_build("gettext")
    pots = {p.stem: _msgids(p) for p in templates.glob("*.pot")}
    assert pots, "the gettext builder wrote no template"
    for po in SITE_CATALOGS:
        expected = pots.get(po.stem)
        assert expected is not None, f"{po}: no page group {po.stem!r} any more"
        have = _msgids(po)
        assert not expected - have, f"{po}: untranslated new or changed text: " + repr(
            sorted(expected - have)[:3])
        assert not have - expected, f"{po}: text no page has any more: " + repr(
            sorted(have - expected)[:3])
    for lang in LANGUAGES:
        assert {p.stem for p in SITE_CATALOGS if p.parts[-3] == lang} == set(pots), lang


def test_extension_catalogs_match_what_it_writes() -> None:
    pytest.importorskip("sphinx")
    from iscsitgt_spt.cli.sphinxext.catalog import messages

    expected = set(messages())
    for po in EXT_CATALOGS:
        have = _msgids(po)
        assert not expected - have, f"{po}: missing: {sorted(expected - have)[:3]}"
        assert not have - expected, f"{po}: stale: {sorted(have - expected)[:3]}"


def test_spec_prose_is_in_the_extension_catalog() -> None:
    """The catalog's source list covers the spec (member docs, assumptions, enum docs)."""
    pytest.importorskip("sphinx")
    from iscsitgt_spt.cli.sphinxext.catalog import messages
    from iscsitgt_spt.spec import constants
    from iscsitgt_spt.spec.assumptions import ASSUMPTIONS
    from iscsitgt_spt.spec.registry import get_layout

    found = set(messages())
    tmf = get_layout("ISCSITGT_SPT_TMF")
    assert {m.doc for m in tmf.walk()} <= found
    assert {a.topic for a in ASSUMPTIONS} | {a.choice for a in ASSUMPTIONS} <= found
    docs = {inspect.getdoc(v) for v in vars(constants).values()
            if inspect.isclass(v) and issubclass(v, enum.IntEnum)
            and v.__module__ == constants.__name__}
    assert {d.replace("\n", " ") for d in docs if d} <= found


@pytest.mark.parametrize("po", EXT_CATALOGS, ids=lambda p: p.parts[-3])
def test_shipped_mo_is_the_po_compiled(po: Path, tmp_path: Path) -> None:
    msgfmt = need_tool("msgfmt", "apt-get install gettext")
    fresh = tmp_path / "fresh.mo"
    subprocess.run([msgfmt, "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as f1, po.with_suffix(".mo").open("rb") as f2:
        compiled = gettext.GNUTranslations(f1)._catalog  # type: ignore[attr-defined]
        shipped = gettext.GNUTranslations(f2)._catalog  # type: ignore[attr-defined]
    assert shipped == compiled, f"{po.with_suffix('.mo')} is stale: run docs/locale/update"


# -- the built pages ------------------------------------------------------------------------
#: Elements of div.body whose text is navigation, not the page's: ¶ links, toctrees.
_SKIPPED_TAGS = ("nav", "script", "style")
_SKIPPED_CLASSES = {"headerlink", "toctree-wrapper"}


class _Body(HTMLParser):
    """The main text of a page (div.body): its text, code-font strings, table numbers and
    language-switcher links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.code: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.switcher: dict[str, str] = {}
        self._depth = 0  # div nesting inside div.body
        self._code: list[str] | None = None
        self._code_depth = 0
        self._cell: list[str] | None = None
        self._skip: list[str] = []  # open elements whose text is not the page's (nav, ¶ links)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "a" and "spt-language" in classes:
            self.switcher[str(a.get("hreflang"))] = str(a.get("href"))
        if self._depth == 0:
            if tag == "div" and "body" in classes:
                self._depth = 1
            return
        if tag == "div":
            self._depth += 1
        nested = bool(self._skip) and tag == self._skip[-1]
        if nested or tag in _SKIPPED_TAGS or _SKIPPED_CLASSES & set(classes):
            self._skip.append(tag)
        if tag == "code":
            self._code_depth += 1
            if self._code is None:
                self._code = []
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._depth == 0:
            return
        if tag == "div":
            self._depth -= 1
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()
            return
        if tag == "code" and self._code_depth:
            self._code_depth -= 1
            if not self._code_depth and self._code is not None:
                self.code.append(" ".join("".join(self._code).split()))
                self._code = None
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._depth == 0 or self._skip:
            return
        self.text.append(data)
        if self._code is not None:
            self._code.append(data)
        if self._cell is not None:
            self._cell.append(data)


@functools.cache  # a built page does not change: each is parsed once per session
def _parse(path: Path) -> _Body:
    page = _Body()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _spec_identifiers() -> set[str]:
    """Every name the spec knows that is unmistakably an identifier in running text: it has
    an underscore or mixed case inside (``ITNexusHandle``, ``SRB_IO_CONTROL``); single
    English words (``Length``, ``Header``) are held by the code-font check instead."""
    from iscsitgt_spt.spec import constants
    from iscsitgt_spt.spec.assumptions import ASSUMPTIONS
    from iscsitgt_spt.spec.profiles import PROFILES
    from iscsitgt_spt.spec.registry import STRUCTURES, control_codes, get_layout

    names: set[str] = set(STRUCTURES) | set(constants.__all__)
    names |= set(control_codes().values()) | set(constants.IOCTLS.values())
    names |= {a.name for a in ASSUMPTIONS}
    for value in vars(constants).values():
        if inspect.isclass(value) and issubclass(value, enum.IntEnum):
            names |= {m.name for m in value} | {value.__name__}
    for name in STRUCTURES:
        for profile in PROFILES:
            for m in get_layout(name, profile).walk():
                names |= {m.name, m.ctype, *m.path.split(".")}
    return {n for n in names if "_" in n.strip("_") or re.search(r"[a-z][A-Z]", n)}


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0x[0-9A-Fa-f]+|\d+(?:[.,]\d+)*")


def _pages(site: Path) -> Iterator[Path]:
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if rel.parts[0] in ("_modules", "_sources", "api") or rel.name in (
                "genindex.html", "search.html", "py-modindex.html"):
            continue
        yield rel


def _table_differences(rel: Path, english: list[list[list[str]]],
                       translated: list[list[list[str]]]) -> list[str]:
    """Tables whose rows do not hold the same numbers in both pages (same rows, same order)."""
    if len(english) != len(translated):
        return [f"{rel}: {len(english)} tables in English, {len(translated)} translated"]
    found = []
    for n, (en, tr) in enumerate(zip(english, translated, strict=True)):
        for en_row, tr_row in zip(en, tr, strict=False):
            # Per row, the same numbers (a sentence may order them differently).
            if sorted(_NUMBER.findall(" ".join(en_row))) != sorted(
                    _NUMBER.findall(" ".join(tr_row))):
                found.append(f"{rel}: table {n}: {en_row} != {tr_row}")
                break
        else:
            if len(en) != len(tr):
                found.append(f"{rel}: table {n}: {len(en)} rows != {len(tr)}")
    return found


@pytest.fixture(scope="module")
def sites(docs_build: Build) -> dict[str, Path]:
    need_tool("msgfmt", "apt-get install gettext")  # Sphinx compiles the catalogs with babel;
    # the catalogs' own checks above need msgfmt, and a site without them proves little.
    return {lang: docs_build("html", lang) for lang in ("en", *LANGUAGES)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translated_pages_keep_every_identifier_and_number(sites: dict[str, Path],
                                                           lang: str) -> None:
    known = _spec_identifiers()
    english, translated = sites["en"], sites[lang]
    pages = list(_pages(english))
    assert len(pages) > 20
    problems: list[str] = []
    found = 0
    for rel in pages:
        assert (translated / rel).is_file(), f"{lang}: no page {rel}"
        en, tr = _parse(english / rel), _parse(translated / rel)
        en_ids = known & set(_WORD.findall(" ".join(en.text)))
        found += len(en_ids)
        tr_ids = known & set(_WORD.findall(" ".join(tr.text)))
        if en_ids != tr_ids:
            problems.append(f"{rel}: identifiers lost {sorted(en_ids - tr_ids)[:5]}, "
                            f"added {sorted(tr_ids - en_ids)[:5]}")
        if set(en.code) != set(tr.code):
            problems.append(f"{rel}: code font lost {sorted(set(en.code) - set(tr.code))[:5]}"
                            f", added {sorted(set(tr.code) - set(en.code))[:5]}")
        problems += _table_differences(rel, en.tables, tr.tables)
    assert found > 200, "the pages name too few identifiers: the parser lost the text"
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translated_pages_are_translated(sites: dict[str, Path], lang: str) -> None:
    """Not the English text left in place: the reference pages carry the catalog's words."""
    from iscsitgt_spt.cli.sphinxext.i18n import DOMAIN, LOCALE_DIR

    words = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang])
    for name in ("ISCSITGT_SPT_TMF", "ISCSITGT_SPT_SESSION_STOP"):
        page = _parse(sites[lang] / "structures" / f"{name}.html")
        text = " ".join(page.text)
        for english in ("Offset", "Member", "Size", "Assumptions"):
            assert words.gettext(english) != english
            assert words.gettext(english) in text, (lang, name, english)
        assert "Assumptions" not in text and "Offset" not in text


def test_language_switcher_links_the_same_page(sites: dict[str, Path]) -> None:
    checked = 0
    for rel in _pages(sites["en"]):
        for lang, site in sites.items():
            links = _parse(site / rel).switcher
            assert set(links) == {"en", "fr", "zh-TW"} - {lang.replace("_", "-")}, (lang, rel)
            for href in links.values():
                target = (site / rel).parent / href
                assert target.resolve().is_file(), f"{lang}/{rel}: {href}"
                checked += 1
    assert checked > 100


# -- a user's project -----------------------------------------------------------------------
def test_a_french_project_gets_french_tables(tmp_path: Path) -> None:
    sphinx_cmd = pytest.importorskip("sphinx.cmd.build")
    from iscsitgt_spt.cli.sphinxext.i18n import DOMAIN, LOCALE_DIR

    (tmp_path / "conf.py").write_text(
        'extensions = ["iscsitgt_spt.cli.sphinxext"]\nlanguage = "fr"\n', encoding="utf-8")
    (tmp_path / "index.rst").write_text(
        "Essai\n=====\n\n.. spt-fields:: ISCSITGT_SPT_TMF\n   :abi: win32\n   :cookie: ptr\n",
        encoding="utf-8")
    out = tmp_path / "out"
    assert sphinx_cmd.build_main(["-q", "-W", "-b", "html", str(tmp_path), str(out)]) == 0
    page = _parse(out / "index.html")
    words = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=["fr"])
    header = page.tables[0][0]
    english = ["Offset", "Hex", "Size", "Bits", "C type", "Member", "Description"]
    assert header == [words.gettext(h) for h in english] and header != english
    # win32/ptr TMF: 48 bytes, ReferenceTaskCookie at 40 (offsets: test_docs_build.py).
    rows = {row[5].split()[0]: row for row in page.tables[0][1:]}
    assert rows["ReferenceTaskCookie"][0] == "40"
    assert "48" in " ".join(page.text)
