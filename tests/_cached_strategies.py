"""Hypothesis strategies of the fuzzing module, built once per structure and profile.

``buffers(name, profile=...)`` (and ``values(...)``) assembles a strategy per member; a test
that calls it for every example (inside ``data.draw`` or a ``@composite``) rebuilds and
re-validates that whole tree each time.  A strategy is an immutable description, so the one
built first serves every example and every test that asks for the same structure and
profile: the examples drawn are the same, only the rebuilding is gone.

Import them as ``from _cached_strategies import buffers_of, values_of`` (pyproject puts
``tests/`` on pytest's path).
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st
from iscsitgt_spt.codec.fuzzing import strategies
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout

__all__ = ["buffers_of", "buffers_or_bytes_of", "values_of"]


@functools.cache
def buffers_of(name: str, profile: Profile) -> st.SearchStrategy[bytes]:
    """``strategies.buffers(name, profile=profile)``, built once."""
    return strategies.buffers(name, profile=profile)


@functools.cache
def buffers_or_bytes_of(name: str, profile: Profile) -> st.SearchStrategy[bytes]:
    """A buffer of the structure (``buffers_of``) or any bytes of its size, built once: a
    strategy built inside a ``@composite`` for every example has its properties (emptiness,
    label) worked out again over the whole tree each time."""
    size = get_layout(name, profile).size
    return st.one_of(buffers_of(name, profile), st.binary(min_size=size, max_size=size))


@functools.cache
def values_of(name: str, profile: Profile, *, padding: bool = False,
              ) -> st.SearchStrategy[StructValue]:
    """``strategies.values(name, profile=profile, padding=padding)``, built once."""
    return strategies.values(name, profile=profile, padding=padding)
