"""Every message the directives can write, as a gettext template (``.pot``).

Two sources, both read, never typed twice: the literal ``_("...")`` calls in this package's
modules (found by parsing them), and the prose of the spec (structure and member
descriptions, rule kinds, assumptions, quirks, enumeration docs).  ``docs/locale/update``
writes this template and merges it into the shipped catalogs (``msgmerge``), then compiles
them (``msgfmt``); the docs tests fail while a catalog lacks a message, holds one the
directives no longer write, or its ``.mo`` is not its ``.po`` compiled.
"""

from __future__ import annotations

import ast
import enum
import inspect
import re
import sys
from pathlib import Path

from iscsitgt_spt.spec import constants
from iscsitgt_spt.spec.assumptions import ASSUMPTIONS, QUIRKS
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

__all__ = ["messages", "pot_text"]

_HERE = Path(__file__).resolve().parent


def _source_messages() -> dict[str, str]:
    """``_("literal")`` calls of this package: message -> file name (no line: stable diffs)."""
    found: dict[str, str] = {}
    for path in sorted(_HERE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "_" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, path.name)
    return found


def _enum_types() -> list[type[enum.IntEnum]]:
    return [v for v in vars(constants).values()
            if inspect.isclass(v) and issubclass(v, enum.IntEnum)
            and v.__module__ == constants.__name__]


def _spec_messages() -> dict[str, str]:
    """The spec's prose the directives show: message -> where it is defined."""
    found: dict[str, str] = {}
    for name in STRUCTURES:
        for profile in PROFILES:
            layout = get_layout(name, profile)
            found.setdefault(layout.doc, f"spec: {name}")
            for m in layout.walk():
                found.setdefault(m.doc, f"spec: {name}.{m.path}")
            for rule, _value in layout.rules.values():
                found.setdefault(rule.kind, f"spec: {name} rule kind")
    for a in ASSUMPTIONS:
        for text in (a.topic, a.choice, a.alternatives, a.how_to_override):
            found.setdefault(text, f"spec.assumptions: {a.name}")
    for i, quirk in enumerate(QUIRKS):
        found.setdefault(quirk, f"spec.assumptions: QUIRKS[{i}]")
    for enum_type in _enum_types():
        where = f"spec.constants: {enum_type.__name__}"
        found.setdefault((inspect.getdoc(enum_type) or "").replace("\n", " "), where)
        for attr, value in vars(enum_type).items():
            if isinstance(value, property):
                found.setdefault(attr.replace("_", " "), where + "." + attr)
                text = (inspect.getdoc(value) or "").replace("\n", " ")
                found.setdefault(text, where + "." + attr)
    found.pop("", None)
    return found


def messages() -> dict[str, str]:
    """Every message id of the shipped catalogs -> where it comes from."""
    return {**_spec_messages(), **_source_messages()}


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def pot_text() -> str:
    """The catalog template, sorted by message (stable diffs, ``msgmerge`` friendly)."""
    head = ('msgid ""\nmsgstr ""\n"Project-Id-Version: iscsitgt-spt\\n"\n'
            '"MIME-Version: 1.0\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            '"Content-Transfer-Encoding: 8bit\\n"\n')
    entries = []
    for msg, where in sorted(messages().items()):
        # Fields are identifiers or values: msgfmt -c checks each translation keeps them.
        flag = "#, python-brace-format\n" if re.search(r"\{\w+\}", msg) else ""
        entries.append(f"#. {where}\n{flag}msgid {_quote(msg)}\nmsgstr \"\"\n")
    return "\n".join([head, *entries])


if __name__ == "__main__":
    sys.stdout.write(pot_text())
