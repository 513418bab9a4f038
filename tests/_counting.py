"""How often a function a module calls found something: the proof a fast path was taken.

Import it as ``from _counting import found_by`` (pyproject puts ``tests/`` on pytest's path).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

__all__ = ["found_by"]


@contextlib.contextmanager
def found_by(module: ModuleType, name: str) -> Iterator[Callable[[], int]]:
    """While it lasts, ``module.name`` is wrapped to count its calls that give something other
    than ``None``; yields a function that tells how many so far."""
    wrapped = getattr(module, name)
    found = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = wrapped(*args, **kwargs)
        if result is not None:
            found[0] += 1
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, name, counted)
        yield lambda: found[0]
