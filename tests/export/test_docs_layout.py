"""The docs' pages fit a 1280 px window and a phone's screen, measured in a real browser.

Debian's headless Chromium (tests/export/conftest.py; the test skips without it, and fails
under ISCSITGT_REQUIRE_TOOLS) opens the site the session built once (tests/conftest.py's
``docs_build``) and measures, with the browser's own layout:

* no table cell whose content is wider than the cell (``scrollWidth > clientWidth``: text
  running over the next column, or cut);
* no table wider than the text column unless it scrolls inside itself (``overflow-x``);
* no table cell squeezed below two ems while it holds more than four characters (a column
  whose words are broken letter by letter);
* no page wider than the window (a sideways-scrolling page on a phone);
* no sidebar link wider than the sidebar.

The window sizes are the issue's 1280 px desktop and an iPhone 12-14's 390 px CSS width.
With ISCSITGT_SCREENSHOTS=DIR set, a screenshot of every page measured (the whole page, at
both widths) is written there for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PAGES = ["structures/ISCSITGT_SPT_TMF.html", "structures/SENSE_DATA.html",
         "structures/SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.html", "cli.html",
         "reference/constants.html", "reference/assumptions.html", "index.html"]

MEASURE = r"""
const out = [];
const scrolls = (e) => { for (; e; e = e.parentElement) {
  const o = getComputedStyle(e).overflowX; if (o === 'auto' || o === 'scroll') return true; }
  return false; };
for (const cell of document.querySelectorAll('td, th')) {
  if (cell.scrollWidth > cell.clientWidth + 1)
    out.push(`cell "${cell.textContent.trim().slice(0, 40)}": `
             + `${cell.scrollWidth} > ${cell.clientWidth} px`);
}
for (const cell of document.querySelectorAll('td, th')) {
  const em = parseFloat(getComputedStyle(cell).fontSize);
  const text = cell.textContent.trim();
  const inner = cell.clientWidth - parseFloat(getComputedStyle(cell).paddingLeft)
    - parseFloat(getComputedStyle(cell).paddingRight);
  if (text.length > 4 && inner < 2 * em)
    out.push(`cell "${text.slice(0, 40)}": squeezed to ${Math.round(inner)} px`);
}
for (const t of document.querySelectorAll('table')) {
  const room = t.parentElement.getBoundingClientRect().right;
  if (t.getBoundingClientRect().right > room + 1 && !scrolls(t))
    out.push(`table ${t.className}: ends past its column`);
}
for (const a of document.querySelectorAll('div.sphinxsidebar a')) {
  const side = a.closest('div.sphinxsidebar').getBoundingClientRect().right;
  if (a.getBoundingClientRect().right > side + 1)
    out.push(`sidebar "${a.textContent.trim()}": past the sidebar`);
}
if (document.documentElement.scrollWidth > window.innerWidth + 1)
  out.push(`page: ${document.documentElement.scrollWidth} px wide in ${window.innerWidth}`);
return out;
"""


@pytest.fixture(scope="module")
def site(docs_build: Callable[..., Path]) -> Path:
    return docs_build("html")


@pytest.mark.parametrize("width", [1280, 390])
def test_no_cell_overflows(headless_chromium: Any, site: Path, width: int) -> None:
    driver = headless_chromium
    driver.set_window_size(width, 1000)
    problems = {}
    for page in PAGES:
        driver.get((site / page).as_uri())
        found = driver.execute_script(MEASURE)
        if found:
            problems[page] = found
        if shots := os.environ.get("ISCSITGT_SCREENSHOTS"):
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, min(int(height), 12000))
            name = page.replace("/", "-").removesuffix(".html")
            assert driver.save_screenshot(str(Path(shots) / f"{name}-{width}.png"))
            driver.set_window_size(width, 1000)
    assert problems == {}
