"""The Sphinx extension in someone else's project: four themes, four builders, a real browser.

One small page (a wide field table, a diagram with shortened labels, a declaration, a whole
structure page with row links) is built once per theme with ``-W``: alabaster (Sphinx's
default), furo (light and dark), sphinx-rtd-theme and pydata-sphinx-theme (light and dark).
Headless Chromium then measures what the extension draws: every table and diagram inside the
theme's column, the page never wider than the window, every text at a WCAG contrast of at
least 4.5:1 on what is behind it, no ``¶`` showing unless hovered.  LaTeX, text and man
builds get each diagram as a table under its caption.

The contrast formula is WCAG 2.x's (relative luminance, (L1 + 0.05) / (L2 + 0.05)).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sphinx")

THEMES = ("alabaster", "furo", "sphinx_rtd_theme", "pydata_sphinx_theme")
#: Themes with a dark mode, and the element whose data-theme switches it.
DARK = {"furo": "document.body", "pydata_sphinx_theme": "document.documentElement"}

PAGE = """\
Our driver
==========

.. spt-fields:: SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY

.. spt-diagram:: SENSE_DATA

.. spt-declaration:: ISCSITGT_SPT_TMF

.. spt-structure:: ISCSITGT_SPT_TMF
"""

#: Where a person can ask for the screenshots (the docs' copies were made with this set).
SHOTS = os.environ.get("ISCSITGT_SCREENSHOT_DIR")


def _build(src: Path, builder: str, out: Path, theme: str = "alabaster") -> None:
    from sphinx.cmd.build import build_main

    (src / "conf.py").write_text(
        'project = "someone-elses-driver"\n'
        'extensions = ["iscsitgt_spt.cli.sphinxext"]\n'
        f'html_theme = "{theme}"\n'
        'latex_documents = [("index", "driver.tex", "Driver", "Someone", "howto")]\n'
        'man_pages = [("index", "driver", "Driver", ["Someone"], 1)]\n', encoding="utf-8")
    (src / "index.rst").write_text(PAGE, encoding="utf-8")
    assert build_main(["-W", "-q", "-b", builder, str(src), str(out)]) == 0


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for theme in THEMES:
        if theme != "alabaster":
            pytest.importorskip(theme)
        src = tmp_path_factory.mktemp(f"site-{theme}")
        _build(src, "html", src / "_build", theme)
        out[theme] = src / "_build"
    return out


def test_only_linked_files_are_copied(sites: dict[str, Path], tmp_path: Path) -> None:
    """The page links two standalone SVGs (TMF's two layouts) and no header: nothing else."""
    build = sites["alabaster"]
    assert sorted(p.name for p in (build / "_layouts").iterdir()) == [
        "ISCSITGT_SPT_TMF-win32-ptr.svg", "ISCSITGT_SPT_TMF-win64_win32-u64.svg"]
    assert not (build / "_headers").exists()
    html = (build / "index.html").read_text(encoding="utf-8")
    for svg in (build / "_layouts").iterdir():
        assert f"_layouts/{svg.name}" in html
    # The extension's own static files: its stylesheet, nothing else.
    ours = Path(__import__("iscsitgt_spt.cli.sphinxext", fromlist=["x"]).__file__).parent
    assert sorted(p.name for p in (ours / "static").iterdir()) == ["iscsitgt-spt.css"]
    # A project using only the small directives gets no generated files at all.
    (tmp_path / "src").mkdir()
    from sphinx.cmd.build import build_main

    (tmp_path / "src" / "conf.py").write_text('extensions = ["iscsitgt_spt.cli.sphinxext"]\n')
    (tmp_path / "src" / "index.rst").write_text("T\n=\n\n.. spt-diagram:: SENSE_DATA\n")
    assert build_main(["-W", "-q", "-b", "html", str(tmp_path / "src"),
                       str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out" / "_layouts").exists()
    assert not (tmp_path / "out" / "_headers").exists()


@pytest.mark.parametrize("builder", ["latex", "text", "man"])
def test_other_builders_get_the_diagram_as_a_table_with_its_caption(
    builder: str, tmp_path: Path
) -> None:
    """SENSE_DATA byte 2 holds SenseKey in bits 0-3 and FileMark in bit 7 (T10 SPC fixed
    format; MSVC allocates bit-fields from the least significant bit)."""
    _build(tmp_path, builder, tmp_path / "out")
    text = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*")
                     if p.suffix in (".tex", ".txt", ".1"))
    plain = (text.replace("\\_", "_").replace("\\(en", "–").replace("\\textendash{}", "–")
             .replace("\\sphinxhyphen{}", "-"))
    assert "SENSE_DATA byte layout (win64, cookie u64): 18 bytes" in plain
    assert "the byte diagram as a table" in plain
    assert "SenseKey: bits 0–3" in plain and "FileMark: bit 7" in plain
    # The whole-structure page's diagrams too, padding included.
    assert "ISCSITGT_SPT_TMF (win32/ptr): byte layout" in plain
    assert "_pad_before_ReferenceTaskCookie (padding)" in plain


_MEASURE = r"""
const scope = arguments[0];
function parse(c) {
  const m = c && c.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function blend(top, under) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
}
function backgrounds(e) {  // every opaque colour that can be behind e's text
  if (!e) return [[255, 255, 255, 1]];
  const cs = getComputedStyle(e);
  const stops = (cs.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
  if (stops.length) {
    const under = backgrounds(e.parentElement);
    return stops.flatMap(c => under.map(u => blend(c, u)));
  }
  const bg = parse(cs.backgroundColor);
  if (bg && bg[3] > 0) {
    return bg[3] >= 1 ? [bg] : backgrounds(e.parentElement).map(u => blend(bg, u));
  }
  return backgrounds(e.parentElement);
}
function lum(c) {
  const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function ratio(a, b) {
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
const failures = [], pilcrows = [], overflow = [];
let texts = 0;
for (const root of document.querySelectorAll(scope)) {
  const box = root.getBoundingClientRect(), col = root.parentElement.getBoundingClientRect();
  if (box.left < col.left - 1 || box.right > col.right + 1 || box.right > window.innerWidth + 1) {
    overflow.push([root.className, Math.round(box.width), Math.round(col.width)]);
  }
  const table = root.querySelector("table");
  if (table && table.getBoundingClientRect().width > root.clientWidth + 1) {
    overflow.push(["table wider than its column", Math.round(table.getBoundingClientRect().width),
                   root.clientWidth]);
  }
  for (const el of [root, ...root.querySelectorAll("*")]) {
    if (el.closest("svg")) continue;  // the SVG's palette is tested with the SVG itself
    const cs = getComputedStyle(el);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (!own || cs.visibility !== "visible" || cs.display === "none" || opacity === 0
        || !el.getClientRects().length) continue;
    if (el.matches("a.headerlink, a.spt-rowlink")
        || [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.includes("¶"))) {
      pilcrows.push(el.outerHTML.slice(0, 80));
    }
    texts += 1;
    const fg = parse(cs.color);
    for (const bg of backgrounds(el)) {
      const r = ratio(blend(fg, bg), bg);
      if (r < 4.5) failures.push([el.tagName, el.className, el.textContent.trim().slice(0, 30), cs.color, String(bg), r.toFixed(2)]);
    }
  }
}
const W = window.innerWidth;
const page = document.scrollingElement.scrollWidth <= W + 1 ? true
  : [document.scrollingElement.scrollWidth, W, ...[...document.querySelectorAll("body *")]
      .filter(e => e.getBoundingClientRect().right > W + 1
              && e.parentElement.getBoundingClientRect().right <= W + 1)
      .map(e => e.tagName + "." + e.className).slice(0, 8)];
return {failures, pilcrows, overflow, texts, page};
"""

SCOPE = "div.spt-scroll, figure.spt-diagram, dl.spt-facts"


def _modes(theme: str) -> list[str]:
    return ["light", "dark"] if theme in DARK else ["light"]


def _switch(driver: Any, theme: str, mode: str) -> None:
    if theme in DARK:
        driver.execute_script(f"{DARK[theme]}.dataset.theme = arguments[0];", mode)


@pytest.mark.parametrize("theme", THEMES)
def test_theme_width_contrast_and_no_stray_pilcrows(
    theme: str, sites: dict[str, Path], headless_chromium: Any, tmp_path: Path
) -> None:
    driver = headless_chromium
    driver.set_window_size(1280, 900)
    driver.get((sites[theme] / "index.html").as_uri())
    for mode in _modes(theme):
        _switch(driver, theme, mode)
        seen = driver.execute_script(_MEASURE, SCOPE)
        where = f"{theme} {mode}"
        assert seen["texts"] > 100, where  # the tables and captions were measured
        assert seen["failures"] == [], (where, seen["failures"][:10])
        assert seen["pilcrows"] == [], (where, seen["pilcrows"][:5])
        assert seen["overflow"] == [], (where, seen["overflow"])
        assert seen["page"] is True, (where, seen["page"])
        _screenshot(driver, f"sphinx-{theme.replace('_', '-')}-{mode}.png", tmp_path)
    # The row links are there, for a pointer: hovering a row shows its ¶.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.CSS_SELECTOR, "table.spt-fields tr[id]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", row)
    ActionChains(driver).move_to_element(row).perform()
    link = row.find_element(By.CSS_SELECTOR, "a.spt-rowlink")
    assert link.value_of_css_property("visibility") == "visible"


def test_narrow_window_scrolls_inside_the_column(
    sites: dict[str, Path], headless_chromium: Any
) -> None:
    """At 480 px the field table cannot wrap to fit: it scrolls inside its box, which stays in
    the theme's column and the window."""
    driver = headless_chromium
    driver.set_window_size(480, 900)
    try:
        for theme in THEMES:
            driver.get((sites[theme] / "index.html").as_uri())
            seen = driver.execute_script(_MEASURE.replace(
                "overflow.push([\"table wider", "0 && overflow.push([\"table wider"), SCOPE)
            # (The page itself may be wider: pydata's own navbar button is, at 480 px.)
            assert seen["overflow"] == [], (theme, seen["overflow"])
    finally:
        driver.set_window_size(1280, 900)


def _screenshot(driver: Any, name: str, tmp_path: Path) -> None:
    """The first screen of the page: for a person to look at (kept when asked for)."""
    driver.execute_script("window.scrollTo(0, 0);")
    shot = tmp_path / name
    assert driver.save_screenshot(str(shot))
    if SHOTS:
        shutil.copy(shot, Path(SHOTS) / name)
