"""Where the outside tools of the export tests are, or why a test cannot run.

Locally a missing tool skips the test with the reason; with ISCSITGT_REQUIRE_EXPORT_TOOLS set
(``.ci/run`` sets it after installing them) it fails instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REQUIRED = bool(os.environ.get("ISCSITGT_REQUIRE_EXPORT_TOOLS"))

#: npm prefix holding kaitai-struct-compiler and js-yaml (``.ci/run`` installs them there).
KSC_DIR = Path(os.environ.get("ISCSITGT_KSC_DIR",
                              Path.home() / ".cache" / "iscsitgt-spt" / "ksc"))
#: npm prefix holding axe-core, the accessibility checker the report's page is run through.
AXE_DIR = Path(os.environ.get("ISCSITGT_AXE_DIR",
                              Path.home() / ".cache" / "iscsitgt-spt" / "axe"))
CHROMEDRIVER = Path(os.environ.get("ISCSITGT_CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROMIUM = Path(os.environ.get("ISCSITGT_CHROMIUM", "/usr/bin/chromium"))


def missing(reason: str) -> None:
    """Skip (or, where the tools are required, fail) with ``reason``."""
    if REQUIRED:
        pytest.fail(f"{reason} (ISCSITGT_REQUIRE_EXPORT_TOOLS is set)")
    pytest.skip(reason)


def node_modules() -> Path:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed (apt-get install nodejs npm)")
    modules = KSC_DIR / "node_modules"
    for package in ("kaitai-struct-compiler", "js-yaml"):
        if not (modules / package / "package.json").is_file():
            missing(f"{package} is not installed under {modules} "
                    f"(npm install --prefix {KSC_DIR} kaitai-struct-compiler@0.11 js-yaml@4)")
    return modules


def browser() -> tuple[Path, Path]:
    if not CHROMEDRIVER.is_file() or not CHROMIUM.is_file():
        missing(f"{CHROMIUM} / {CHROMEDRIVER} not installed "
                "(apt-get install chromium chromium-driver)")
    return CHROMIUM, CHROMEDRIVER


def axe_source() -> str:
    """The text of axe-core's ``axe.min.js`` (npm), to inject into a page under test."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        missing(f"axe-core is not installed under {AXE_DIR / 'node_modules'} "
                f"(npm install --prefix {AXE_DIR} axe-core@4)")
    return script.read_text(encoding="utf-8")


@pytest.fixture()
def axe_script() -> str:
    """axe-core's ``axe.min.js`` (see :func:`axe_source`)."""
    return axe_source()


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
