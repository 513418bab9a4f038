"""The C-compiler vectors under tests/vectors: one buffer per structure and profile.

Import them as ``from _vectors import c_vectors`` (pyproject puts ``tests/`` on pytest's path).
"""

from __future__ import annotations

from pathlib import Path

from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES

__all__ = ["c_vectors"]

VECTORS = Path(__file__).resolve().parent / "vectors"


def c_vectors() -> list[tuple[str, Profile, bytes]]:
    """``(structure, profile, bytes)`` of every ``<abi>-<cookie>/<structure>.bin`` vector of
    a structure the registry holds, in path order."""
    out = []
    for path in sorted(VECTORS.rglob("*.bin")):
        profile = next((p for p in PROFILES if str(p).replace("/", "-") == path.parent.name),
                       None)
        if profile is not None and path.stem in STRUCTURES:
            out.append((path.stem, profile, path.read_bytes()))
    return out
