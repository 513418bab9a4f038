"""``decode_sense(data).to_json_text()`` written straight from the bytes of a usual buffer.

Split out of :mod:`iscsitgt_spt.codec.sense.decoder` (which re-exports
:func:`sense_json_text`): most pass-through records carry a fixed-format buffer with every
field present and nothing else, whose JSON text is :class:`SenseInfo`'s own generated text
with the varying fields filled in (a ``%`` template made once from that text); any other
buffer is decoded and written by ``to_json_text``, so the two agree by construction.
"""

from __future__ import annotations

from iscsitgt_spt.codec.sense._info import _HEAD_TEXTS, SenseInfo
from iscsitgt_spt.codec.sense._layouts import decode_sense

__all__ = ["sense_json_text"]


#: The fields of SenseInfo a usual fixed-format buffer varies (every other field is empty
#: there: no sense-key specific value, descriptors, warnings or ATA registers), in field order.
_USUAL_FIELDS = ("response_code", "raw", "sense_key", "asc", "ascq", "additional_length",
                 "valid", "information", "command_specific", "fru", "filemark", "eom", "ili",
                 "sdat_ovfl", "trailing")
_BOOL_TEXT = ("false", "true")


def _usual_fields_template() -> str:
    """The fields' JSON text of a usual fixed-format buffer as a ``%`` template: SenseInfo's
    own generated text (``_fields_json_text``) of a value holding a stand-in number for each
    field the buffer varies, each stand-in then made a ``%s``."""
    stand_ins = {name: 900000000000 + index for index, name in enumerate(_USUAL_FIELDS)}
    info = SenseInfo(sense_key_specific=None, descriptors=(), warnings=(),
                     ata_pass_through=None, **stand_ins)  # type: ignore[arg-type]
    text = info._fields_json_text().replace("%", "%%")
    at = [text.index(str(number)) for number in stand_ins.values()]
    assert at == sorted(at), "the stand-ins come out in field order"
    for number in stand_ins.values():
        text = text.replace(str(number), "%s")
    return text


_USUAL_TEMPLATE: list[str] = []


def _usual_fixed_text(buf: bytes) -> str | None:
    """``_decode_fixed(buf, rc).to_json_text()`` for the usual fixed-format buffer — response
    code 70h/71h, every field there (an additional length of 10 or more, all of it present),
    no sense-key specific value, not SAT's ATA registers, nothing but zeros after it — whose
    head is already encoded; ``None`` for any other (``to_json_text`` writes it)."""
    add_len = buf[7] if len(buf) >= 18 else 0
    code, end = buf[0] & 0x7F, 8 + add_len
    if (add_len < 10 or end > len(buf) or code not in (0x70, 0x71) or buf[15] & 0x80
            or (buf[12] == 0x00 and buf[13] == 0x1D)):
        return None
    rest = buf[end:]
    head = _HEAD_TEXTS.get((code, buf[2] & 0x0F, buf[12], buf[13]))
    if head is None or any(rest):
        return None
    template = _USUAL_TEMPLATE[0] if _USUAL_TEMPLATE else _load_usual_template()
    flags = buf[2]
    return head + (template % (
        code, '"' + buf.hex() + '"', flags & 0x0F, buf[12], buf[13], add_len,
        _BOOL_TEXT[buf[0] >> 7], int.from_bytes(buf[3:7], "big"),
        int.from_bytes(buf[8:12], "big"), buf[14], _BOOL_TEXT[flags >> 7],
        _BOOL_TEXT[flags >> 6 & 1], _BOOL_TEXT[flags >> 5 & 1], _BOOL_TEXT[flags >> 4 & 1],
        '"' + rest.hex() + '"'))[1:]


def _load_usual_template() -> str:
    _USUAL_TEMPLATE.append(_usual_fields_template())
    return _USUAL_TEMPLATE[0]


def sense_json_text(data: bytes) -> str:
    """``decode_sense(data).to_json_text()``: a usual fixed-format buffer (most pass-through
    records carry one) written straight from its bytes, any other decoded first.  Raises
    :class:`ParseError` as :func:`decode_sense` does."""
    if type(data) is bytes and data:
        text = _usual_fixed_text(data)
        if text is not None:
            return text
    return decode_sense(data).to_json_text()

