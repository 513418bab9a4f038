"""JSON documents to bytes: the inverse of :meth:`Decoded.to_json`.

``encode_document`` accepts either a bare value object (partial is fine: a canonical build
fills the rest) or a whole ``decode --json`` document.  A document's own ``name``, ``abi`` and
``cookie`` are used unless the caller names them; a disagreeing name is an error rather than
a silent reinterpretation of the bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iscsitgt_spt.codec.api import build, encode
from iscsitgt_spt.codec.jsonform import fields_from_json
from iscsitgt_spt.codec.values import schema_of
from iscsitgt_spt.spec.errors import JsonInputError, shown
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout, structure

__all__ = ["encode_document", "is_document"]

def is_document(obj: object) -> bool:
    """Whether ``obj`` is a whole ``decode --json`` document rather than a bare value.

    A document has ``name`` and ``value``; its other keys either describe the bytes
    (``abi``, ``cookie``, ``payload``, ``trailing``) or are for reading only (``format``,
    ``findings``, ``profile_evidence``, ``output``, ...) and are ignored here.  No structure
    has members called ``name`` and ``value``, so a bare value is never mistaken for one.
    A document with ``truncated`` (a buffer cut short) is refused by :func:`encode_document`.
    """
    return isinstance(obj, Mapping) and "value" in obj and "name" in obj


def _hex(obj: Mapping[str, Any], key: str) -> bytes:
    text = obj.get(key)
    if text is None:
        return b""
    if not isinstance(text, str):
        raise JsonInputError(f"{key} must be a hex string", path=key, actual=shown(text))
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise JsonInputError(f"{key} is not valid hex", path=key, actual=shown(text)) from None


def encode_document(
    obj: Any,
    name: str | None = None,
    *,
    abi: str | None = None,
    cookie: str | None = None,
    canonical: bool = True,
) -> bytes:
    """Bytes for a JSON value or document (see the module docstring)."""
    payload = trailing = b""
    if is_document(obj):
        doc_name = obj.get("name")
        if not isinstance(doc_name, (str, type(None))):
            raise JsonInputError("a document's name must be a structure name (a string)",
                                 path="name", expected="string", actual=shown(doc_name))
        if name is not None and doc_name is not None and structure(name).c_name != doc_name:
            raise JsonInputError(
                "the document is of another structure", path="name",
                expected=structure(name).c_name, actual=shown(doc_name),
            )
        cut = obj.get("truncated")
        if cut is not None:
            where = cut.get("path") if isinstance(cut, Mapping) else None
            raise JsonInputError(
                "the document is of a truncated buffer: its value holds only the members "
                "the buffer held whole, so there is no whole structure to encode; its bytes "
                "are under 'hex'", path=str(where or "truncated"),
            )
        name = name or doc_name
        abi = abi or obj.get("abi")
        cookie = cookie or obj.get("cookie")
        payload, trailing = _hex(obj, "payload"), _hex(obj, "trailing")
        obj = obj["value"]
    if name is None:
        raise JsonInputError("no structure named: give NAME or a document with 'name'")
    if not isinstance(abi, (str, type(None))) or not isinstance(cookie, (str, type(None))):
        raise JsonInputError("abi and cookie must be strings", path="abi")
    profile = Profile.of(abi, cookie)
    layout = get_layout(name, profile)
    fields = fields_from_json(schema_of(layout), obj, layout.name)
    value = build(layout.name, fields, canonical=canonical, profile=profile)
    return encode(value) + payload + trailing
