"""The helper types every ``.ksy`` we export carries, and the rule for when a member uses one.

Why helper types instead of Kaitai's built-ins:

* **64-bit integers as two ``u4`` halves** (``uint64_halves``).  KSC keeps ``u8`` as a
  JavaScript Number in the JavaScript target (and so in the Web IDE): exact only up to 2**53,
  so cookies and pointers came out rounded (0xffffa0012c3d5e70 read as 0xffffa0012c3d6000).
  Two little-endian ``u4`` are exact in every target; the ``value`` instance combines them
  where the runtime's integers hold 64 bits (Python, Java, C#, C++, Go, Rust, Ruby, PHP,
  Perl, Lua 5.3+, Nim); JavaScript users combine ``hi`` and ``lo`` themselves (``BigInt``).
  ``b64``/bytes-with-representation were the alternatives: a ``b64`` is again a Number in
  JavaScript, and bytes would leave every target without the integer.
* **WCHAR arrays and ASCII tags as raw bytes plus a text instance** (``wchar_string``,
  ``ascii_tag``).  A ``strz`` attribute decodes during the parse: Python's strict decoder
  raised on unpaired surrogates, and every byte after the terminator was dropped.  The raw
  bytes are the attribute (lossless, never fails); ``text`` is decoded only when read, up to
  the first zero code unit.  JavaScript's decoder replaces invalid code units with U+FFFD (as
  our own decode shows them); Python's raises UnicodeDecodeError when ``text`` of such an
  array is read, and ``raw`` still holds every byte.
"""

from __future__ import annotations

from typing import Any

from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.sense_data import BIG_ENDIAN_MEMBERS

__all__ = ["HELPER_TYPES", "member_type"]

#: Why the halves: KSC's JavaScript target keeps u8 as a Number (an open upstream limitation).
_JS_NUMBERS = "https://github.com/kaitai-io/kaitai_struct/issues/183"

UINT64 = "uint64_halves"
INT64 = "int64_halves"
WCHAR = "wchar_string"
TAG = "ascii_tag"


def _halves(signed: bool) -> dict[str, Any]:
    kind = "signed" if signed else "unsigned"
    whole = "s8" if signed else "u8"
    return {
        "doc": f"A little-endian 64-bit {kind} integer read as two 32-bit halves, so every "
        "runtime holds it exactly (a u8 is a JavaScript Number, exact only to 2**53). "
        "`value` is hi * 2**32 + lo where the runtime's integers hold 64 bits; in JavaScript "
        "combine hi and lo yourself (BigInt(hi) << 32n | BigInt(lo)).",
        "doc-ref": _JS_NUMBERS,
        "-webide-representation": "hi={hi:hex} lo={lo:hex}",
        "seq": [
            {"id": "lo", "type": "u4", "doc": "Bits 0-31, at the member's first byte.",
             "doc-ref": _JS_NUMBERS},
            {"id": "hi", "type": "s4" if signed else "u4",
             "doc": "Bits 32-63, four bytes later.", "doc-ref": _JS_NUMBERS},
        ],
        "instances": {
            "value": {"value": f"((hi.as<{whole}> << 32) | lo).as<{whole}>",
                      "doc": "The whole integer (not exact in JavaScript: see the type's doc).",
                      "doc-ref": _JS_NUMBERS},
        },
    }


def _text_of_raw(what: str, encoding: str, lost: str, ref: str) -> dict[str, Any]:
    return {
        "doc": f"{what}: every byte in `raw` (lossless: {lost}), the text in `text`, "
        "decoded when read, up to the first zero code unit.",
        "doc-ref": ref,
        "-webide-representation": "{text}",
        "seq": [{"id": "raw", "size-eos": True, "doc-ref": ref,
                 "doc": "Every byte of the member, as found (text, terminator and tail)."}],
        "instances": {
            "text": {"pos": 0, "type": "strz", "encoding": encoding, "size-eos": True,
                     "doc": f"The {encoding} text before the first zero code unit.",
                     "doc-ref": ref},
        },
    }


#: The helper types, by Kaitai id, added to every exported document.
HELPER_TYPES: dict[str, dict[str, Any]] = {
    UINT64: _halves(False),
    INT64: _halves(True),
    WCHAR: _text_of_raw(
        "A WCHAR[n] array (UTF-16LE)", "UTF-16LE",
        "code units after the terminator and ones that are not valid UTF-16 stay here; "
        "Python's decoder raises on the latter when `text` is read, JavaScript's shows U+FFFD",
        "https://www.rfc-editor.org/rfc/rfc2781"),
    TAG: _text_of_raw(
        "An ASCII tag, NUL-padded (a signature)", "ASCII",
        "bytes after the NUL and bytes above 0x7f stay here",
        "https://www.rfc-editor.org/rfc/rfc20"),
}


def member_type(m: Member, *, tag: bool) -> dict[str, Any]:
    """The ``type``/``size`` keys of member ``m`` (``tag``: bytes that hold an ASCII tag)."""
    if m.kind == "int" and m.size == 8:
        return {"type": INT64 if m.signed else UINT64}
    if m.kind == "int":
        return {"type": f"{'s' if m.signed else 'u'}{m.size}"}
    if m.kind == "bits":
        return {"type": f"b{m.bit_width}"}
    if m.kind == "wchar":
        return {"type": WCHAR, "size": m.size}
    if m.kind == "bytes" and m.name in BIG_ENDIAN_MEMBERS and m.size in (2, 4):
        # SCSI byte order (SPC-4 §4.5.3): the number, not the bytes; nothing is lost.
        return {"type": f"u{m.size}be"}
    if m.kind == "bytes" and tag:
        return {"type": TAG, "size": m.size}
    return {"size": m.size}  # padding and other byte arrays
