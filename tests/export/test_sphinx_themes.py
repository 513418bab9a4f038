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
    assert "ISCSITGT_SPT_TMF (win32/ptr) (the byte diagram as a table" in plain
    assert "_pad_before_ReferenceTaskCookie (padding)" in plain


#: The measuring script (contrast, overflow, visible permalinks), run inside the page.
_MEASURE = (Path(__file__).resolve().parent / "sphinx_measure.js").read_text(encoding="utf-8")

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
        if theme == "furo":  # the diagram's two palettes, for the guide
            _screenshot(driver, f"sphinx-furo-{mode}-diagram.png", tmp_path, "figure.spt-diagram")
    # The row links are there: one shows when it has the keyboard focus (or its row the
    # pointer; focus is what a test can set without racing the page's scrolling).
    from selenium.webdriver.common.by import By

    link = driver.find_element(By.CSS_SELECTOR, "table.spt-fields tr[id] a.spt-rowlink")
    assert link.value_of_css_property("opacity") == "0"
    driver.execute_script("arguments[0].focus();", link)
    assert link.value_of_css_property("opacity") == "1"


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
            seen = driver.execute_script(_MEASURE, SCOPE, True)
            # (The page itself may be wider: pydata's own navbar button is, at 480 px.)
            assert seen["overflow"] == [], (theme, seen["overflow"])
    finally:
        driver.set_window_size(1280, 900)


def _screenshot(driver: Any, name: str, tmp_path: Path, at: str = "") -> None:
    """The first screen of the page, or of the element ``at``: for a person to look at (kept
    when asked for)."""
    if at:
        driver.execute_script("document.querySelector(arguments[0])"
                              ".scrollIntoView({behavior: 'instant', block: 'start'});"
                              "window.scrollBy({top: -60, behavior: 'instant'});", at)
    else:  # (instant: some themes scroll smoothly, and the shot would catch it half-way)
        driver.execute_script("window.scrollTo({top: 0, behavior: 'instant'});")
    shot = tmp_path / name
    assert driver.save_screenshot(str(shot))
    if SHOTS:
        shutil.copy(shot, Path(SHOTS) / name)
