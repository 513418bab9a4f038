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


def test_thousands_of_records_are_paged(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    records = [line for line in DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
               if line.startswith("{")]
    page = _report(tmp_path, records * 430)  # 3010 records
    _open(driver, page)
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
