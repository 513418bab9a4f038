"""The distribution's version as ``--version`` prints it: public, for every front end (the command
line, the Sphinx extension, the docs); in a module of its own because it must not import the
spec to answer."""

from __future__ import annotations

__all__ = ["version_text"]


def version_text() -> str:
    from importlib import metadata  # only when the version is asked for: slow to import

    try:
        return f"iscsitgt-spt {metadata.version('iscsitgt-spt')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "iscsitgt-spt (not installed)"
