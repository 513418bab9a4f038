"""What loads on first use: package facades' public names (PEP 562), regular expressions.

``iscsitgt_spt.codec`` and ``iscsitgt_spt.codec.export`` re-export names from their modules;
importing every module up front made every command pay for all of them at start-up, even
``layout``, which needs the spec and one renderer.  A facade lists where each name lives and
gets ``__getattr__``/``__dir__`` from here; type checkers read its ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes", "lazy_pattern"]


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


def lazy_pattern(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function giving ``re.compile(pattern, flags)``, compiled on its first call: Python's
    regular expression compiler is Python code (0.1-1 ms a pattern), and a pattern only an
    unusual input needs is not worth compiling at every start-up."""
    compiled: list[re.Pattern[str]] = []

    def get() -> re.Pattern[str]:
        if not compiled:
            compiled.append(re.compile(pattern, flags))
        return compiled[0]

    return get
