"""Package facades that load their public names on first use (PEP 562).

``iscsitgt_spt.codec`` and ``iscsitgt_spt.codec.export`` re-export names from their modules;
importing every module up front made every command pay for all of them at start-up, even
``layout``, which needs the spec and one renderer.  A facade lists where each name lives and
gets ``__getattr__``/``__dir__`` from here; type checkers read its ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose name ``n`` lives in ``where[n]``."""

    def __getattr__(name: str) -> Any:
        home = where.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)  # later look-ups are plain reads
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
