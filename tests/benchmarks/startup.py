"""Start-up: the wall time of short commands against ``python -c "import construct"``.

Every command runs as a fresh process, the contenders interleaved round by round (so a load
change hits each alike); each command's time is divided by the ``import construct`` run just
before it, and the median of those paired ratios is reported.  ``import construct`` is the
floor: the spec is construct definitions, so no command can start faster than that import.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["commands", "startup"]

_ROOT = Path(__file__).resolve().parents[2]
#: One real buffer: the C compiler's TMF for win64/u64 (tests/vectors/c/generate.py).
BUFFER = _ROOT / "tests" / "vectors" / "c" / "win64-u64" / "ISCSITGT_SPT_TMF.bin"


def commands() -> dict[str, list[str]]:
    script = Path(sys.executable).with_name("iscsitgt-spt")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "iscsitgt_spt"]
    return {
        "import construct": [sys.executable, "-c", "import construct"],
        "python -c pass": [sys.executable, "-c", "pass"],
        "layout SRB_IO_CONTROL": [*cli, "layout", "SRB_IO_CONTROL"],
        "decode one buffer": [*cli, "decode", str(BUFFER)],
        "decode --json one buffer": [*cli, "decode", "--json", str(BUFFER)],
        "--version": [*cli, "--version"],
    }


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode not in (0, 1):  # 1: the buffer decoded with findings
        raise RuntimeError(f"{cmd} exited with {done.returncode}")
    return time.perf_counter() - start


def compile_bytecode() -> None:
    """Write the package's .pyc files, as ``pip install`` does for a wheel: from a checkout
    with PYTHONDONTWRITEBYTECODE set, every run would compile every module from source."""
    import importlib.util

    dirs = []
    for layer in ("spec", "codec", "device", "cli"):
        spec = importlib.util.find_spec(f"iscsitgt_spt.{layer}")
        if spec is not None and spec.submodule_search_locations:
            dirs.extend(spec.submodule_search_locations)
    subprocess.run([sys.executable, "-m", "compileall", "-q", *dirs], check=True,
                   stdout=subprocess.DEVNULL)


def startup(rounds: int) -> dict[str, Any]:
    compile_bytecode()
    cmds = commands()
    base = cmds["import construct"]
    for cmd in cmds.values():  # warm the OS caches (and compile the .pyc files) first
        _wall(cmd)
    times: dict[str, list[float]] = {k: [] for k in cmds}
    ratios: dict[str, list[float]] = {k: [] for k in cmds if k != "import construct"}
    for _ in range(rounds):
        for key, cmd in cmds.items():
            if key == "import construct":
                continue
            reference = _wall(base)
            spent = _wall(cmd)
            times["import construct"].append(reference)
            times[key].append(spent)
            ratios[key].append(spent / reference)
    return {"ms": {k: statistics.median(v) * 1e3 for k, v in times.items()},
            "ratio": {k: statistics.median(v) for k, v in ratios.items()}, "rounds": rounds}


if __name__ == "__main__":
    result = startup(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    for key, ms in result["ms"].items():
        ratio = result["ratio"].get(key)
        print(f"{key:28} {ms:8.1f} ms  " + ("" if ratio is None else f"{ratio:5.2f}x"))
