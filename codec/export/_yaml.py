"""A small YAML writer for the documents this package exports (``.ksy`` files).

Why not a YAML library: the documents are plain trees of mappings, lists, strings and
integers, and a runtime dependency for every user only to write them is not worth it.  Every
string that is not a plain identifier is written as a JSON string, which YAML reads as a
double-quoted scalar, so no value can be misread (``yes``, ``0x10``, ``a: b``, leading ``-``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

__all__ = ["dump_yaml"]

# Identifiers and dotted/`::` enum references are safe unquoted; keywords YAML would read as
# booleans or null are not.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})



def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=True)


# Mapping keys may also use hyphens (``switch-on``, ``-orig-id``): never ambiguous in a key.
_PLAIN_KEY = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*\Z")


def _key(key: str | int) -> str:
    if isinstance(key, int):
        return f"0x{key:x}" if key > 9 else str(key)
    if _PLAIN_KEY.match(key) and key.lower() not in _RESERVED:
        return key
    return _scalar(key)


def _emit(node: object, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(value, Mapping | list | tuple) and value:
                out.append(f"{pad}{_key(key)}:")
                _emit(value, indent + 1, out)
            else:
                out.append(f"{pad}{_key(key)}: {_inline(value)}")
    elif isinstance(node, list | tuple):
        for item in node:
            if isinstance(item, Mapping) and item:
                lines: list[str] = []
                _emit(item, indent + 1, lines)
                first = lines[0][len(pad) + 2:]
                out.append(f"{pad}- {first}")
                out.extend(lines[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")
    else:
        out.append(pad + _inline(node))


def _inline(value: object) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]" if not value else "[" + ", ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def dump_yaml(document: Mapping[str, object], *, header: Sequence[str] = ()) -> str:
    """``document`` as block-style YAML, preceded by ``header`` as ``#`` comment lines."""
    # Each line of a header item is a comment line of its own: a line break inside one (a
    # generator name "a\nb") must not end the comment and start a line of YAML.
    out = [f"# {line}".rstrip() for item in header for line in (str(item).splitlines() or [""])]
    _emit(document, 0, out)
    return "\n".join(out) + "\n"
