"""``decode --html``: the page, opened in headless Chromium (Debian's, driven by Selenium).

Checked the way a person uses it: click a member and see which bytes light up, click a byte
and see which member does, follow a finding to its bytes, page through a long capture, print.
No request may leave the page.  Expected byte ranges are hand derivations with the MSVC rules
(see tests/export/test_sphinxext.py; they match the static asserts of the mingw-w64-compiled
tests/vectors/c/win64-u64/iscsitgt_spt.h):

* SRB_IO_CONTROL: HeaderLength 0-3, Signature 4-11, Timeout 12-15, ControlCode 16-19,
  ReturnCode 20-23, Length 24-27.
* ISCSITGT_SPT_TMF win64/u64: padding 28-31, ITNexusHandle 32-39, Lun 40-43,
  TaskManagementFunction 44, padding 45-47, ReferenceTaskCookie 48-55, Response 56,
  padding 57-63.

The capture is cli/samples/demo.jsonl (made by tests/vectors/make_demo_capture.py; its record
6 is a SESSION_STOP cut to 30 bytes whose Length claims 12 payload bytes).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from iscsitgt_spt.cli import main

DEMO = Path(__file__).resolve().parents[2] / "cli" / "samples" / "demo.jsonl"
#: Where to keep the screenshot for a person (the docs' copy was made with this set).
SHOT_DIR = os.environ.get("ISCSITGT_SCREENSHOT_DIR")


def _report(tmp_path: Path, lines: list[str] | None = None) -> Path:
    src = DEMO
    if lines is not None:
        src = tmp_path / "capture.jsonl"
        src.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "report.html"
    code = main(["decode", str(src), "--html", str(out)])
    assert code == 1  # record 6 of the demo capture (every 7th) does not decode
    return out


@pytest.fixture(scope="module")
def driver(headless_chromium: Any) -> Any:
    return headless_chromium


def _sections(drv: Any) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(drv.find_elements(By.CSS_SELECTOR, "section.rec"))


def _buffer_of(drv: Any, name: str) -> Any:
    from selenium.webdriver.common.by import By

    for box in drv.find_elements(By.CSS_SELECTOR, "div.buf"):
        if name in box.find_element(By.TAG_NAME, "h3").text:
            return box
    raise AssertionError(f"no buffer of {name}")


def _lit(box: Any, cls: str = "sel") -> list[int]:
    from selenium.webdriver.common.by import By

    return sorted(int(b.get_attribute("data-o"))
                  for b in box.find_elements(By.CSS_SELECTOR, f".hex .b.{cls}"))


def _open(drv: Any, page: Path) -> None:
    drv.get(page.as_uri())
    drv.find_element("css selector", "body[data-ready='1']")


def test_member_and_bytes_are_linked_both_ways(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, _report(tmp_path))
    box = _buffer_of(driver, "ISCSITGT_SPT_TMF")
    box.find_element(By.CSS_SELECTOR, "tr.m[data-path='ITNexusHandle']").click()
    assert _lit(box) == list(range(32, 40))
    assert sorted(int(c.get_attribute("data-o"))
                  for c in box.find_elements(By.CSS_SELECTOR, ".hex .c.sel")) == list(range(32, 40))
    # The ASCII column selects like the hex bytes: offset 5 is in Signature (4-11).
    box.find_element(By.CSS_SELECTOR, ".hex .c[data-o='5']").click()
    assert [r.get_attribute("data-path") for r in box.find_elements(
        By.CSS_SELECTOR, "tr.m.sel")] == ["Header.Signature"]
    box.find_element(By.CSS_SELECTOR, "tr.m[data-path='Header.ControlCode']").click()
    assert _lit(box) == [16, 17, 18, 19]
    # The reverse: a byte selects the innermost member covering it.
    box.find_element(By.CSS_SELECTOR, ".hex .b[data-o='42']").click()
    selected = box.find_elements(By.CSS_SELECTOR, "tr.m.sel")
    assert [r.get_attribute("data-path") for r in selected] == ["Lun"]
    assert _lit(box) == [40, 41, 42, 43]
    box.find_element(By.CSS_SELECTOR, ".hex .b[data-o='46']").click()
    assert [r.get_attribute("data-path") for r in box.find_elements(
        By.CSS_SELECTOR, "tr.m.sel")] == ["_pad_before_ReferenceTaskCookie"]
    # Padding is marked in the hex view.
    padding = sorted(int(b.get_attribute("data-o"))
                     for b in box.find_elements(By.CSS_SELECTOR, ".hex .b.p"))
    assert padding == [28, 29, 30, 31, 45, 46, 47, *range(57, 64)]
    # Hover lights up too (without changing the selection).
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).move_to_element(
        box.find_element(By.CSS_SELECTOR, "tr.m[data-path='Response']")).perform()
    assert _lit(box, "hov") == [56]
    assert _lit(box) == [45, 46, 47]


def test_findings_link_to_their_bytes(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, _report(tmp_path))
    record = driver.find_element(By.ID, "record-6")
    assert "sev-error" in record.get_attribute("class")
    box = record.find_element(By.CSS_SELECTOR, "div.buf")
    link = next(a for a in box.find_elements(By.CSS_SELECTOR, "a.finding")
                if "0x18" in a.text)
    link.click()
    # Header.Length: bytes 24-27.
    assert _lit(box) == [24, 25, 26, 27]
    assert 24 in [int(b.get_attribute("data-o"))
                  for b in box.find_elements(By.CSS_SELECTOR, ".hex .b.bad")]
    # The buffer is cut at 30 bytes, inside the padding before ITNexusHandle (28..31): the
    # members it holds whole are still shown and linked.
    box.find_element(By.CSS_SELECTOR, ".hex .b[data-o='17']").click()
    assert [r.get_attribute("data-path") for r in box.find_elements(
        By.CSS_SELECTOR, "tr.m.sel")] == ["Header.ControlCode"]
    cut = box.find_element(By.CSS_SELECTOR, "tr.m[data-path='_pad_before_ITNexusHandle']")
    assert "odd" in cut.get_attribute("class") and "2 of 4 bytes" in cut.text
    evidence = driver.find_element(By.CSS_SELECTOR, "#record-1 details.evidence")
    assert "win64/u64" in evidence.text


def test_no_request_leaves_the_page(driver: Any, tmp_path: Path) -> None:
    page = _report(tmp_path)
    text = page.read_text(encoding="utf-8")
    assert re.search(r"https?://", text) is None
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\';' in text
    driver.get_log("performance")  # drop what earlier tests left
    _open(driver, page)
    driver.find_element("css selector", "tr.m").click()
    sent = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            sent.append(message["params"]["request"]["url"])
    assert sent == [page.as_uri()]


#: The record of the 3,010-record page that alone holds NEEDLE (a SESSION_START's ITNexus).
NEEDLE, NEEDLE_RECORD = "iqn.2026-12.example:needle", 2500


@pytest.fixture(scope="module")
def big_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's 7 records 430 times (3,010), record NEEDLE_RECORD replaced by a
    SESSION_START whose ITNexus is NEEDLE."""
    from iscsitgt_spt.codec import build, encode

    records = [line for line in DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
               if line.startswith("{")] * 430
    needle = encode(build("ISCSITGT_SPT_SESSION_START", {"ITNexusHandle": 1, "ITNexus": NEEDLE}))
    records[NEEDLE_RECORD - 1] = json.dumps({"ioctl": "0x0004d008", "in": needle.hex()}) + "\n"
    return _report(tmp_path_factory.mktemp("big"), records)


def test_thousands_of_records_are_paged(driver: Any, big_page: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, big_page)
    assert len(_sections(driver)) == 25
    assert "3010 records" in driver.find_element(By.ID, "summary").text
    field = driver.find_element(By.ID, "goto")
    field.send_keys("2999")
    field.send_keys("\n")
    driver.find_element(By.ID, "record-2999")
    assert "page 120 / 121" in driver.find_element(By.ID, "pageinfo").text
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "filter")).select_by_value("error")
    titles = [s.get_attribute("data-record") for s in _sections(driver)]
    assert titles[:2] == ["6", "13"]  # record 6 of every 7 is the broken one


def _shown(drv: Any) -> list[int]:
    # One script, not one call per element: the page may redraw between two calls.
    return [int(n) for n in drv.execute_script(
        "return Array.from(document.querySelectorAll('section.rec'), s => s.dataset.record)")]


def test_search_and_filters_cover_every_record(driver: Any, big_page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    _open(driver, big_page)
    assert NEEDLE_RECORD not in _shown(driver)  # not drawn: page 1 holds records 1-25
    driver.find_element(By.ID, "search").send_keys("EXAMPLE:needle")  # any case
    WebDriverWait(driver, 5).until(lambda d: _shown(d) == [NEEDLE_RECORD])
    assert "(1 records)" in driver.find_element(By.ID, "pageinfo").text
    hits = driver.find_elements(By.CSS_SELECTOR, "tr.m.hit")
    assert [h.get_attribute("data-path") for h in hits] == ["ITNexus"]
    driver.find_element(By.ID, "search").clear()
    driver.execute_script("document.getElementById('search')"
                          ".dispatchEvent(new Event('input'))")
    # The demo's cycle of 7 (tests/vectors/make_demo_capture.py): records 3 and 4 are TMFs,
    # 6 a SESSION_STOP cut short (rules srb-length and truncated), 5 an unknown control code.
    Select(driver.find_element(By.ID, "structure")).select_by_value("ISCSITGT_SPT_TMF")
    WebDriverWait(driver, 5).until(lambda d: _shown(d)[:4] == [3, 4, 10, 11])
    assert "(860 records)" in driver.find_element(By.ID, "pageinfo").text  # 2 of 7 of 3,010
    Select(driver.find_element(By.ID, "structure")).select_by_value("")
    Select(driver.find_element(By.ID, "rule")).select_by_value("unknown-control-code")
    WebDriverWait(driver, 5).until(lambda d: _shown(d)[:3] == [5, 12, 19])
    assert "(430 records)" in driver.find_element(By.ID, "pageinfo").text
    # A link to a record the filter hides: every record is shown again, the record drawn.
    driver.execute_script("location.hash = '#record-2999'")
    WebDriverWait(driver, 5).until(lambda d: 2999 in _shown(d))
    assert Select(driver.find_element(By.ID, "rule")).first_selected_option.text == "any"


def test_record_links_work_on_an_open_page_below_the_header(driver: Any,
                                                          big_page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(driver, big_page)
    for record in (1234, 40):  # a later page, then back to an earlier one
        driver.execute_script(f"location.hash = '#record-{record}'")
        WebDriverWait(driver, 5).until(lambda d, r=record: r in _shown(d))  # type: ignore[misc]
        header = driver.execute_script(
            "return document.getElementById('top').getBoundingClientRect().bottom")
        top = driver.execute_script(
            f"return document.getElementById('record-{record}').getBoundingClientRect().top")
        assert header <= top < header + 40  # in view, not hidden under the sticky header
        assert driver.switch_to.active_element.get_attribute("id") == f"record-{record}"
    assert driver.find_element(By.ID, "goto") is not None


def _tab_to(drv: Any, selector: str, limit: int = 80) -> Any:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        ActionChains(drv).send_keys(Keys.TAB).perform()
        if drv.execute_script("return document.activeElement.matches(arguments[0])", selector):
            return drv.switch_to.active_element
    raise AssertionError(f"Tab never reached {selector}")


def _press(drv: Any, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    for key in keys:
        ActionChains(drv).send_keys(key).perform()


def test_keyboard_reaches_records_members_and_bytes(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(driver, _report(tmp_path))
    _tab_to(driver, "#record-3 a.self")
    # The next stops: the profile evidence (a <details>), then the members.
    tree = _tab_to(driver, "#record-3 table.tree", limit=2)
    assert driver.execute_script("return getComputedStyle(arguments[0]).outlineStyle",
                                 tree) != "none"  # focus is visible
    box = _buffer_of(driver, "ISCSITGT_SPT_TMF")
    for _ in range(20):
        current = tree.get_attribute("aria-activedescendant")
        if driver.find_element(By.ID, current).get_attribute("data-path") == "ITNexusHandle":
            break
        _press(driver, Keys.ARROW_DOWN)
    assert _lit(box, "hov") == list(range(32, 40))  # moving lights the member's bytes
    _press(driver, Keys.ENTER)
    assert _lit(box) == list(range(32, 40))
    row = box.find_element(By.CSS_SELECTOR, "tr.m[data-path='ITNexusHandle']")
    assert row.get_attribute("aria-selected") == "true"
    assert driver.execute_script("return getComputedStyle(arguments[0].cells[0]).boxShadow",
                                 row) != "none"
    grid = _tab_to(driver, "#record-3 .hex", limit=1)  # then its bytes
    _press(driver, *[Keys.ARROW_RIGHT] * 5)  # byte 5: Header.Signature, 4-11
    assert _lit(box, "hov") == list(range(4, 12))
    _press(driver, Keys.ARROW_DOWN, Keys.ENTER)  # byte 21: Header.ReturnCode, 20-23
    assert _lit(box) == [20, 21, 22, 23]
    assert [r.get_attribute("data-path") for r in box.find_elements(
        By.CSS_SELECTOR, "tr.m.sel")] == ["Header.ReturnCode"]
    cursor = driver.find_element(By.ID, grid.get_attribute("aria-activedescendant"))
    assert cursor.get_attribute("data-o") == "21"
    assert driver.execute_script("return getComputedStyle(arguments[0]).outlineStyle",
                                 cursor) == "solid"
    if SHOT_DIR:
        driver.execute_script("arguments[0].scrollIntoView(); window.scrollBy(0, -70)", box)
        driver.save_screenshot(str(Path(SHOT_DIR) / "decode-html-keyboard.png"))
    _press(driver, Keys.ESCAPE)
    assert _lit(box) == []


def _axe_violations(drv: Any, axe_script: str,
                    only: list[str] | None = None) -> list[tuple[str, str, int, str]]:
    """(rule, impact, nodes, the first node's selector and why) of every axe violation, in the
    whole page or in the elements ``only`` selects (and the page-level rules)."""
    drv.set_script_timeout(120)
    drv.execute_script(axe_script)
    found = drv.execute_async_script(
        "var done = arguments[1]; axe.run(arguments[0] ? {include: arguments[0].map("
        "function (s) { return [s]; })} : document).then(function (r) { done("
        "r.violations.map(function (v) { var n = v.nodes[0]; return [v.id, v.impact, "
        "v.nodes.length, n.target.join(' ') + ': ' + n.failureSummary]; })); });", only)
    return [tuple(v) for v in found]


def test_axe_finds_nothing_serious(driver: Any, tmp_path: Path, axe_script: str) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, _report(tmp_path))
    box = _buffer_of(driver, "ISCSITGT_SPT_TMF")
    box.find_element(By.CSS_SELECTOR, "tr.m[data-path='ITNexusHandle']").click()
    # The page's header and legend, and one record of each kind the demo has (every other
    # record is drawn by the same code): clean (3, with a member pinned), a warning (5), an
    # error on a buffer cut short (6). The whole page takes axe minutes on a loaded machine.
    found = _axe_violations(driver, axe_script,
                            ["#top", ".legend", "#record-3", "#record-5", "#record-6"])
    assert [v for v in found if v[1] in ("serious", "critical")] == []


def test_a_long_buffer_is_packed_and_drawn_on_screen_only(driver: Any, tmp_path: Path,
                                                          axe_script: str) -> None:
    import random

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    head = (Path(__file__).parents[1] / "vectors" / "captures" / "tmf_abort_task.bin").read_bytes()
    tail = random.Random(25).randbytes(300_000)  # incompressible: the packing's worst case
    short, long = tmp_path / "short.bin", tmp_path / "long.bin"
    short.write_bytes(head)
    long.write_bytes(head + tail)
    pages = []
    for src in (short, long):
        pages.append(tmp_path / f"{src.stem}.html")
        assert main(["decode", str(src), "--html", str(pages[-1])]) in (0, 1)
    # 1.2 bytes a byte past the page of the head alone (7 bits a character: 8/7, deflate and
    # the 3 escaped values of 128 adding about 2.5%).
    assert pages[1].stat().st_size - pages[0].stat().st_size <= 1.2 * len(tail)
    _open(driver, pages[1])
    grid = driver.find_element(By.CSS_SELECTOR, ".hex")
    assert len(grid.find_elements(By.CSS_SELECTOR, ".row")) <= 34  # not 18,754 rows
    data = head + tail

    def row_text(offset: int) -> str:
        return " ".join(b.text for b in grid.find_elements(
            By.CSS_SELECTOR, f".row[aria-rowindex='{offset // 16 + 1}'] .b"))

    assert row_text(0) == data[:16].hex(" ")
    grid.click()
    _press(driver, Keys.END)
    last = (len(data) - 1) // 16 * 16
    assert row_text(last) == data[last:].hex(" ")
    _press(driver, Keys.ENTER)  # a trailing byte: beyond the structure, in no member
    assert _lit(grid) == [len(data) - 1]
    middle = 150_000 // 16 * 16
    driver.execute_script("arguments[0].scrollTop = arguments[1]", grid, middle // 16 * 20)
    assert row_text(middle) == data[middle:middle + 16].hex(" ")
    # A click there selects that byte: focusing the grid (it lost the focus) does not scroll
    # it back to the cursor (the last byte).
    driver.execute_script("document.activeElement.blur()")
    grid.find_element(By.CSS_SELECTOR, f".b[data-o='{middle + 3}']").click()
    assert _lit(grid) == [middle + 3]
    assert [v for v in _axe_violations(driver, axe_script) if v[1] in ("serious", "critical")] == []


def test_print_layout_and_screenshot(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, _report(tmp_path))
    box = _buffer_of(driver, "ISCSITGT_SPT_TMF")
    box.find_element(By.CSS_SELECTOR, "tr.m[data-path='ITNexusHandle']").click()
    driver.execute_script("document.getElementById('record-3').scrollIntoView()")
    driver.execute_script("window.scrollBy(0, -60)")
    shot = tmp_path / "decode-html-report.png"
    assert driver.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if SHOT_DIR:
        shutil.copy(shot, Path(SHOT_DIR) / shot.name)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        controls = driver.find_element(By.CSS_SELECTOR, "header.top .controls")
        assert not controls.is_displayed()
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
