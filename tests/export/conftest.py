"""Where the outside tools of the export tests are, or why a test cannot run.

They go through tests/_tools.py: locally a missing tool skips the test, naming the tool and its
install command; with ISCSITGT_REQUIRE_TOOLS set (``.ci/run`` sets it after installing them) it
fails instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _tools import need_file, need_tool

#: npm prefix holding kaitai-struct-compiler and js-yaml (``.ci/run`` installs them there).
KSC_DIR = Path(os.environ.get("ISCSITGT_KSC_DIR",
                              Path.home() / ".cache" / "iscsitgt-spt" / "ksc"))
CHROMEDRIVER = Path(os.environ.get("ISCSITGT_CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROMIUM = Path(os.environ.get("ISCSITGT_CHROMIUM", "/usr/bin/chromium"))


def node_modules() -> Path:
    need_tool("node", "apt-get install nodejs npm")
    modules = KSC_DIR / "node_modules"
    for package in ("kaitai-struct-compiler", "js-yaml"):
        need_file(modules / package / "package.json", f"the npm package {package} under {modules}",
                  f"npm install --prefix {KSC_DIR} kaitai-struct-compiler@0.11 js-yaml@4")
    return modules


def browser() -> tuple[Path, Path]:
    install = "apt-get install chromium chromium-driver"
    need_file(CHROMIUM, f"Chromium ({CHROMIUM})", install)
    need_file(CHROMEDRIVER, f"chromedriver ({CHROMEDRIVER})", install)
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture()
def ksc_node_modules() -> Path:
    """node_modules holding kaitai-struct-compiler 0.11 and js-yaml."""
    return node_modules()


@pytest.fixture()
def chromium_paths() -> tuple[Path, Path]:
    """(chromium, chromedriver) from Debian's packages."""
    return browser()


@pytest.fixture(scope="module")
def headless_chromium() -> Iterator[Any]:
    """A Selenium session on Debian's headless Chromium, with its performance (network) log.

    The driver is the system's chromedriver, given explicitly: Selenium's own manager, which
    would download a browser or driver, never runs.
    """
    chromium, chromedriver = browser()
    # Belt and braces: Selenium's manager must not download anything (Selenium >= 4.23).
    os.environ.setdefault("SE_OFFLINE", "true")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    drv.implicitly_wait(5)
    try:
        yield drv
    finally:
        drv.quit()
