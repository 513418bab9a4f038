"""Where the outside tools of the export tests are, or why a test cannot run.

They go through tests/_tools.py: locally a missing tool skips the test, naming the tool and its
install command; with ISCSITGT_REQUIRE_TOOLS set (``.ci/run`` sets it after installing them) it
fails instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import _tools as tools  # tests/_tools.py (pyproject puts tests/ on pytest's path)
import pytest
from iscsitgt_spt.spec.profiles import PROFILES, Profile

HERE = Path(__file__).resolve().parent

#: npm prefix holding kaitai-struct-compiler and js-yaml (``.ci/run`` installs them there).
KSC_DIR = Path(os.environ.get("ISCSITGT_KSC_DIR",
                              Path.home() / ".cache" / "iscsitgt-spt" / "ksc"))
#: npm prefix holding axe-core, the accessibility checker the report's page is run through.
AXE_DIR = Path(os.environ.get("ISCSITGT_AXE_DIR",
                              Path.home() / ".cache" / "iscsitgt-spt" / "axe"))
CHROMEDRIVER = Path(os.environ.get("ISCSITGT_CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROMIUM = Path(os.environ.get("ISCSITGT_CHROMIUM", "/usr/bin/chromium"))


def node_modules() -> Path:
    tools.need_tool("node", "apt-get install nodejs npm")
    modules = KSC_DIR / "node_modules"
    for package in ("kaitai-struct-compiler", "js-yaml", "kaitai-struct"):
        tools.need_file(modules / package / "package.json",
                        f"the npm package {package} under {modules}",
                        f"npm install --prefix {KSC_DIR} kaitai-struct-compiler@0.11 js-yaml@4 "
                        "kaitai-struct@0.11")
    return modules


#: npm prefix holding @mermaid-js/mermaid-cli (``.ci/run`` installs it there).
MERMAID_DIR = Path(os.environ.get("ISCSITGT_MERMAID_DIR",
                                  Path.home() / ".cache" / "iscsitgt-spt" / "mermaid"))


def mermaid_cli(tmp: Path) -> list[str]:
    """The Mermaid CLI command, driving Debian's Chromium (puppeteer downloads nothing)."""
    mmdc = MERMAID_DIR / "node_modules" / ".bin" / "mmdc"
    if shutil.which("node") is None or not mmdc.is_file():
        tools.missing("the Mermaid CLI", f"PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "
                         f"{MERMAID_DIR} @mermaid-js/mermaid-cli@11")
    if not CHROMIUM.is_file():
        tools.missing("chromium", "apt-get install chromium")
    config = tmp / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": str(CHROMIUM),
                                  "args": ["--no-sandbox", "--disable-gpu"]}))
    return [str(mmdc), "--puppeteerConfigFile", str(config)]


@pytest.fixture()
def mermaid_command(tmp_path: Path) -> list[str]:
    """``mmdc`` with its puppeteer config (see :func:`mermaid_cli`)."""
    return mermaid_cli(tmp_path)


def browser() -> tuple[Path, Path]:
    install = "apt-get install chromium chromium-driver"
    tools.need_file(CHROMIUM, f"Chromium ({CHROMIUM})", install)
    tools.need_file(CHROMEDRIVER, f"chromedriver ({CHROMEDRIVER})", install)
    return CHROMIUM, CHROMEDRIVER


def axe_source() -> str:
    """The text of axe-core's ``axe.min.js`` (npm), to inject into a page under test."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    tools.need_file(script, f"axe-core under {AXE_DIR / 'node_modules'}",
                    f"npm install --prefix {AXE_DIR} axe-core@4")
    return script.read_text(encoding="utf-8")


@pytest.fixture()
def axe_script() -> str:
    """axe-core's ``axe.min.js`` (see :func:`axe_source`)."""
    return axe_source()


@pytest.fixture()
def ksc_node_modules() -> Path:
    """node_modules holding kaitai-struct-compiler 0.11 and js-yaml."""
    return node_modules()


@dataclass(frozen=True)
class KaitaiBuild:
    """The .ksy of one profile compiled (debug mode: no auto-read) to Python and JavaScript."""

    profile: Profile
    python: ModuleType
    javascript: Path
    root: str  # the top-level class name, in both targets


@pytest.fixture(scope="session")
def kaitai_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[Profile, KaitaiBuild]:
    """Every profile exported and compiled once per session (KSC via node, js-yaml reading),
    all four in one run of the compiler."""
    modules = node_modules()
    from iscsitgt_spt.codec.export import render_kaitai

    places: dict[Profile, Path] = {}
    for profile in PROFILES:
        where = tmp_path_factory.mktemp(f"ksc-{profile.abi}-{profile.cookie}")
        (where / "spt.ksy").write_text(render_kaitai(profile), encoding="utf-8")
        places[profile] = where
    run = subprocess.run(
        ["node", str(HERE / "ksc_compile.js"), "--each", "python,javascript",
         *(str(p) for where in places.values() for p in (where / "spt.ksy", where)), "--debug"],
        env={"NODE_PATH": str(modules), "PATH": os.environ.get("PATH", "")},
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    written: dict[str, list[str]] = {}
    for line in run.stdout.splitlines():
        outdir, name = line.split("\t")
        written.setdefault(outdir, []).append(name)
    out: dict[Profile, KaitaiBuild] = {}
    for profile, where in places.items():
        files = dict(name.split("/", 1) for name in written[str(where)])
        spec = importlib.util.spec_from_file_location(
            files["python"][:-3], where / "python" / files["python"])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        out[profile] = KaitaiBuild(profile, module, where / "javascript" / files["javascript"],
                                   files["javascript"][:-3])
    return out


@pytest.fixture()
def chromium_paths() -> tuple[Path, Path]:
    """(chromium, chromedriver) from Debian's packages."""
    return browser()


#: The window every module's tests start with (the browser is started with it).
WINDOW = (1400, 1000)


@pytest.fixture(scope="module")
def headless_chromium(_chromium: Any) -> Any:
    """A Selenium session on Debian's headless Chromium, with its performance (network) log.

    One browser serves the whole session (each start costs a second of CPU); every module
    gets it as a fresh one looks: the starting window size, a blank page, screen media.
    """
    _chromium.set_window_size(*WINDOW)
    _chromium.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    _chromium.get("about:blank")
    return _chromium


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Any]:
    """The browser of :func:`headless_chromium`, started once.

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
                f"--window-size={WINDOW[0]},{WINDOW[1]}", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    drv.implicitly_wait(5)
    try:
        yield drv
    finally:
        drv.quit()
