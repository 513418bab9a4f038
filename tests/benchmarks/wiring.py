"""The proposed switch of ``api.decode``/``decode_from``/``encode`` to the fast path, applied
in memory so it can be measured and tested before it lands in codec/api.py.

The change is three one-line edits to api.py (``PROPOSED_EDITS``) plus one import.  ``wire()``
applies exactly those edits to api.py's source, compiles the result and swaps the code of the
three live functions, so every existing reference (``iscsitgt_spt.codec.decode``, dispatch's
``decode_from``) runs the wired version.  Once api.py itself calls the fast path, ``wire()``
does nothing.

Run the whole test suite wired::

    PYTHONPATH=tests/benchmarks python -m pytest -p wiring tests
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iscsitgt_spt.codec import api, fast

__all__ = ["PROPOSED_EDITS", "is_wired", "wire"]

_ENCODE_FULL = """    try:
        data: bytes = value.layout.construct.build(to_container(value))
    except construct.ConstructError as exc:  # pragma: no cover - values are validated first
        raise BuildError(f"construct could not build: {exc}", path=value.name) from None
    return data
"""

#: (old text, new text, how many times it occurs in api.py)
PROPOSED_EDITS: tuple[tuple[str, str, int], ...] = (
    ("from iscsitgt_spt.codec.convert import",
     "from iscsitgt_spt.codec.fast import fast_decode, fast_encode\n"
     "from iscsitgt_spt.codec.convert import", 1),
    ("    return _decode_exact(layout, raw)\n", "    return fast_decode(layout, raw)\n", 2),
    (_ENCODE_FULL, "    return fast_encode(value)\n", 1),
)


def is_wired() -> bool:
    return "fast_decode" in api.decode.__code__.co_names


def wire() -> None:
    """Apply :data:`PROPOSED_EDITS` to the live ``api`` module (idempotent)."""
    if is_wired():
        return
    source = Path(api.__file__ or "").read_text(encoding="utf-8")
    for old, new, count in PROPOSED_EDITS:
        found = source.count(old)
        if found != count:
            raise RuntimeError(f"api.py changed: {old.strip()[:50]!r} occurs {found} times")
        source = source.replace(old, new)
    namespace: dict[str, Any] = {"__name__": api.__name__, "__file__": api.__file__}
    exec(compile(source, api.__file__ or "api.py", "exec"), namespace)
    api.fast_decode = fast.fast_decode  # type: ignore[attr-defined]
    api.fast_encode = fast.fast_encode  # type: ignore[attr-defined]
    for name in ("decode", "decode_from", "encode"):
        getattr(api, name).__code__ = namespace[name].__code__


def pytest_configure(config: Any) -> None:
    """As a pytest plugin (``-p wiring``): run the tests against the wired api."""
    wire()
