"""Descriptor-format sense data (SPC-4 §4.5.2): the first descriptor types, the SKS bytes.

Split out of :mod:`iscsitgt_spt.codec.sense.decoder` to keep each module to one concern: that module
reads the sense buffer's header and decides its layout; this one holds the base classes every
descriptor family builds on (:class:`SenseDescriptor`, the ``to_dict`` mixin, the context a
decoder gets) and the value classes of SPC-4's first descriptor types (information, command
specific, sense key specific, FRU, stream commands, block commands, another progress
indication) with the sense-key-specific field (fixed bytes 15-17, descriptor 02h bytes 4-6)
that both layouts share — and how to decode each from its bytes.  The later families live in
:mod:`.ata`, :mod:`.sbc` and :mod:`.spc`; :mod:`.walk` reads the list and keeps what it cannot
decode as raw bytes.  Everything public is re-exported by :mod:`iscsitgt_spt.codec.sense.decoder`,
which callers should keep importing from.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring as _string_text
from typing import TYPE_CHECKING, ClassVar

from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.codec.sense.asc import asc_ascq_code, asc_ascq_text
from iscsitgt_spt.spec.constants import SenseKey

if TYPE_CHECKING:  # the decoder imports this module; only the annotation looks back
    from iscsitgt_spt.codec.sense.decoder import SenseInfo

__all__ = [
    "ActualRetryCount", "AnotherProgressDescriptor", "BlockCommandsDescriptor",
    "CommandSpecificDescriptor", "FieldPointer", "FruDescriptor", "InformationDescriptor",
    "OpaqueSenseKeySpecific", "ProgressIndication", "SegmentPointer", "SenseDescriptor",
    "SenseKeySpecific", "SenseKeySpecificDescriptor", "StreamCommandsDescriptor",
    "UnitAttentionQueue",
]


@dataclass(frozen=True)
class DescriptorContext:
    """What decoding one descriptor may need beyond its own bytes.

    ``warnings`` collects findings for the whole buffer; ``decode_nested`` decodes sense data
    carried inside a descriptor (forwarded sense data, SPC-5) with the same decoder, one level
    deeper, or is ``None`` once the nesting bound is reached.
    """

    sense_key: SenseKey | None
    warnings: list[str]
    decode_nested: Callable[[bytes], SenseInfo] | None


def hex_bytes(data: bytes) -> str:
    """``01 02 0a`` — the spelling ``sg_decode_sense`` uses for bytes it does not interpret."""
    return " ".join(f"{b:02x}" for b in data) or "(empty)"


_PLAIN = (int, bool, str, type(None))


def _to_json(value: object) -> object:
    if type(value) in _PLAIN:  # most fields: no conversion (exact types, so no IntEnum)
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, enum.IntEnum):
        return int(value)
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, _Jsonable):
        return value.to_dict()
    return value


#: The dataclass field names of each class, read once (``dataclasses.fields`` per call is slow).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(
            f.name for f in dataclasses.fields(cls))
    return names


def json_text(value: object) -> str:
    """``compact_dumps(_to_json(value))`` for one field, the usual types without the encoder."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "true" if value else "false"
    if isinstance(value, int):  # exact ints and the IntEnums (SenseKey, ...): json's own way
        return int.__repr__(value)
    if type(value) is str:
        return _string_text(value)
    if type(value) is bytes:
        return '"' + value.hex() + '"'
    if type(value) is tuple:
        return "[" + ",".join([json_text(item) for item in value]) + "]"
    if isinstance(value, _Jsonable):
        return value.to_json_text()
    return compact_dumps(_to_json(value))


class _Jsonable:
    """Mixin: ``to_dict()`` over the dataclass fields, led by a ``kind`` tag, and
    ``to_json_text()``, the same as compact JSON text without the dictionary in between."""

    kind: ClassVar[str] = ""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind} if self.kind else {}
        fields = self.__dict__  # frozen dataclasses keep their fields there
        for name in _field_names(type(self)):
            value = fields[name]
            out[name] = value if type(value) in _PLAIN else _to_json(value)
        return out

    def to_json_text(self) -> str:
        """``compact_dumps(self.to_dict())``: for a class that keeps ``to_dict`` as is, by a
        ``%`` template generated per class (a capture decodes sense data in most
        pass-through records); a class that adds keys to it, through its dictionary."""
        if type(self).to_dict is not _Jsonable.to_dict:
            return compact_dumps(self.to_dict())
        return self._fields_json_text()

    def _fields_json_text(self) -> str:
        """What ``_Jsonable.to_dict`` gives (the kind, then the fields), as compact JSON text."""
        template = _TEXT_TEMPLATES.get(type(self))
        if template is None:
            template = _TEXT_TEMPLATES[type(self)] = _text_template(type(self))
        return template(self)


def _inline(hint: object, namespace: dict[str, object]) -> str:
    """The expression writing a field's value ``x`` as JSON text.

    The field's declared type (``hint``, resolved) decides which values are written inline;
    any other value, declared or not, goes through :func:`json_text`, so the text never
    depends on the declaration being right.
    """
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    tests: list[str] = []
    for kind in typing.get_args(hint) if union else (hint,):
        if kind is type(None):
            tests.append("'null' if x is None")
        elif kind is bool:
            tests += ["'true' if x is True", "'false' if x is False"]
        elif kind is int:
            tests.append("r(x) if type(x) is int")
        elif isinstance(kind, type) and issubclass(kind, enum.IntEnum):
            namespace[kind.__name__] = kind
            tests.append(f"r(x) if type(x) is {kind.__name__}")  # json writes int.__repr__
        elif kind is bytes:
            tests.append("'\"' + x.hex() + '\"' if type(x) is bytes")
        elif kind is str:
            tests.append("s(x) if type(x) is str")
        elif typing.get_origin(kind) is tuple:
            tests.append("'[]' if x == ()")
    return " else ".join([*tests, "j(x)"])


def _text_template(cls: type[_Jsonable]) -> Callable[[_Jsonable], str]:
    names = _field_names(cls)
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # an annotation names a class only imported for typing
        hints = {}
    namespace: dict[str, object] = {"j": json_text, "r": int.__repr__, "s": _string_text}

    def literal(text: str) -> str:  # JSON text as a literal part of a % template
        return _string_text(text).replace("%", "%%")

    keys = ([f'"kind":{literal(cls.kind)}'] if cls.kind else []) + [
        literal(name) + ":%s" for name in names]
    lines = ["def to_json_text(self):", "    d = self.__dict__"]
    for index, name in enumerate(names):
        lines += [f"    x = d[{name!r}]",
                  f"    v{index} = {_inline(hints.get(name, object), namespace)}"]
    lines.append(f"    return {'{' + ','.join(keys) + '}'!r} % ("
                 + "".join(f"v{index}, " for index in range(len(names))) + ")")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<sense json text {cls.__name__}>", "exec"), namespace)
    return namespace["to_json_text"]  # type: ignore[return-value]


_TEXT_TEMPLATES: dict[type, Callable[[_Jsonable], str]] = {}


def _percent_text(progress: int) -> str:
    # sg3_utils' integer arithmetic, so 4000h prints "25.00%" exactly as sg_decode_sense does.
    return f"{progress * 100 // 65536}.{(progress * 100) % 65536 // 656:02d}%"


# --- sense-key specific information (fixed bytes 15-17, descriptor 02h bytes 4-6) -----------
@dataclass(frozen=True)
class SenseKeySpecific(_Jsonable):
    """Three sense-key-specific bytes; subclasses interpret them per sense key (SPC)."""

    sksv: bool
    raw: bytes

    def describe(self) -> str:
        return f"0x{self.raw.hex()} (no layout defined for this sense key)"


@dataclass(frozen=True)
class FieldPointer(SenseKeySpecific):
    """ILLEGAL REQUEST: which CDB (C/D=1) or parameter-list (C/D=0) byte, and bit, is bad."""

    kind: ClassVar[str] = "field_pointer"
    command: bool
    bit_pointer: int | None
    field_pointer: int

    def describe(self) -> str:
        where = "Command" if self.command else "Data parameters"
        bit = "" if self.bit_pointer is None else f" bit {self.bit_pointer}"
        return f"Error in {where}: byte {self.field_pointer}{bit}"


@dataclass(frozen=True)
class ProgressIndication(SenseKeySpecific):
    """NO SENSE / NOT READY: progress of a long operation, as a fraction of 65536."""

    kind: ClassVar[str] = "progress_indication"
    progress: int

    @property
    def percent(self) -> float:
        return self.progress * 100 / 65536

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "percent": self.percent}

    def describe(self) -> str:
        return f"Progress indication: {_percent_text(self.progress)}"


@dataclass(frozen=True)
class ActualRetryCount(SenseKeySpecific):
    """RECOVERED / MEDIUM / HARDWARE ERROR: retries the recovery algorithm made."""

    kind: ClassVar[str] = "actual_retry_count"
    count: int

    def describe(self) -> str:
        return f"Actual retry count: {self.count}"


@dataclass(frozen=True)
class SegmentPointer(SenseKeySpecific):
    """COPY ABORTED: the byte (and bit) of the segment descriptor or parameter list at fault."""

    kind: ClassVar[str] = "segment_pointer"
    segment_descriptor: bool
    bit_pointer: int | None
    field_pointer: int

    def describe(self) -> str:
        where = "segment descriptor" if self.segment_descriptor else "parameter list"
        bit = "" if self.bit_pointer is None else f" bit {self.bit_pointer}"
        return f"Segment pointer: Relative to start of {where}, byte {self.field_pointer}{bit}"


@dataclass(frozen=True)
class UnitAttentionQueue(SenseKeySpecific):
    """UNIT ATTENTION: whether the unit attention condition queue overflowed."""

    kind: ClassVar[str] = "unit_attention_queue"
    overflow: bool

    def describe(self) -> str:
        return f"Unit attention condition queue: overflow flag is {int(self.overflow)}"


@dataclass(frozen=True)
class OpaqueSenseKeySpecific(SenseKeySpecific):
    """A sense key for which SPC defines no sense-key-specific layout: bytes kept as they are."""

    kind: ClassVar[str] = "opaque"


def _decode_sks(sense_key: SenseKey | None, raw: bytes) -> SenseKeySpecific:
    flags, value = raw[0], int.from_bytes(raw[1:3], "big")
    sksv = bool(flags & 0x80)
    bit = flags & 0x07 if flags & 0x08 else None  # BPV: bit pointer valid
    if sense_key == SenseKey.ILLEGAL_REQUEST:
        return FieldPointer(sksv, raw, bool(flags & 0x40), bit, value)
    if sense_key in (SenseKey.NO_SENSE, SenseKey.NOT_READY):
        return ProgressIndication(sksv, raw, value)
    if sense_key in (SenseKey.RECOVERED_ERROR, SenseKey.MEDIUM_ERROR, SenseKey.HARDWARE_ERROR):
        return ActualRetryCount(sksv, raw, value)
    if sense_key == SenseKey.COPY_ABORTED:
        return SegmentPointer(sksv, raw, bool(flags & 0x20), bit, value)
    if sense_key == SenseKey.UNIT_ATTENTION:
        return UnitAttentionQueue(sksv, raw, bool(flags & 0x01))
    return OpaqueSenseKeySpecific(sksv, raw)


# --- sense data descriptors (descriptor format) -----------------------------------------------
@dataclass(frozen=True)
class SenseDescriptor(_Jsonable):
    """One descriptor; ``offset`` is its type byte's offset, ``raw`` the bytes after its header."""

    descriptor_type: int
    offset: int
    raw: bytes

    def describe(self) -> str:
        return f"0x{self.raw.hex()}"


@dataclass(frozen=True)
class InformationDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "information"
    valid: bool
    information: int

    def describe(self) -> str:
        valid = "" if self.valid else "Valid=0 (-> vendor specific) "
        return f"Information: {valid}0x{self.information:016x}"


@dataclass(frozen=True)
class CommandSpecificDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "command_specific"
    information: int

    def describe(self) -> str:
        return f"Command specific: 0x{self.information:016x}"


@dataclass(frozen=True)
class SenseKeySpecificDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "sense_key_specific"
    specific: SenseKeySpecific

    def describe(self) -> str:
        valid = "" if self.specific.sksv else "SKSV=0 "
        label = "Field pointer: " if isinstance(self.specific, FieldPointer) else ""
        return f"Sense key specific: {valid}{label}{self.specific.describe()}"


@dataclass(frozen=True)
class FruDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "field_replaceable_unit"
    code: int

    def describe(self) -> str:
        return f"Field replaceable unit code: 0x{self.code:x}"


@dataclass(frozen=True)
class StreamCommandsDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "stream_commands"
    filemark: bool
    eom: bool
    ili: bool

    def describe(self) -> str:
        flags = [n for n, on in (("FILEMARK", self.filemark), ("End Of Medium (EOM)", self.eom),
                                 ("Incorrect Length Indicator (ILI)", self.ili)) if on]
        return "Stream commands: " + (" ".join(flags) or "no flags set")


@dataclass(frozen=True)
class BlockCommandsDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "block_commands"
    ili: bool

    def describe(self) -> str:
        return f"Block commands: Incorrect Length Indicator (ILI) {'set' if self.ili else 'clear'}"


@dataclass(frozen=True)
class AnotherProgressDescriptor(SenseDescriptor):
    kind: ClassVar[str] = "another_progress_indication"
    sense_key: int
    asc: int
    ascq: int
    progress: int

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "sense_key_name": SenseKey(self.sense_key).title,
                "asc_ascq": asc_ascq_code(self.asc, self.ascq),
                "asc_ascq_text": asc_ascq_text(self.asc, self.ascq)}

    def describe(self) -> str:
        # The operation's own sense key and ASC/ASCQ, written as the header's are.
        text = asc_ascq_text(self.asc, self.ascq) or "reserved"
        return (f"Another progress indication: {_percent_text(self.progress)} "
                f"[sense key: {SenseKey(self.sense_key).title}, "
                f"{asc_ascq_code(self.asc, self.ascq)}  {text}]")


# --- decoding, one function per type (the registry in .walk maps types to them) --------------
def decode_information(dtype: int, offset: int, body: bytes,
                       ctx: DescriptorContext) -> SenseDescriptor:
    return InformationDescriptor(dtype, offset, body, bool(body[0] & 0x80),
                                 int.from_bytes(body[2:10], "big"))


def decode_command_specific(dtype: int, offset: int, body: bytes,
                            ctx: DescriptorContext) -> SenseDescriptor:
    return CommandSpecificDescriptor(dtype, offset, body, int.from_bytes(body[2:10], "big"))


def decode_sense_key_specific(dtype: int, offset: int, body: bytes,
                              ctx: DescriptorContext) -> SenseDescriptor:
    return SenseKeySpecificDescriptor(dtype, offset, body, _decode_sks(ctx.sense_key, body[2:5]))


def decode_fru(dtype: int, offset: int, body: bytes, ctx: DescriptorContext) -> SenseDescriptor:
    return FruDescriptor(dtype, offset, body, body[1])


def decode_stream_commands(dtype: int, offset: int, body: bytes,
                           ctx: DescriptorContext) -> SenseDescriptor:
    flags = body[1]
    return StreamCommandsDescriptor(dtype, offset, body, bool(flags & 0x80), bool(flags & 0x40),
                                    bool(flags & 0x20))


def decode_block_commands(dtype: int, offset: int, body: bytes,
                          ctx: DescriptorContext) -> SenseDescriptor:
    return BlockCommandsDescriptor(dtype, offset, body, bool(body[1] & 0x20))


def decode_another_progress(dtype: int, offset: int, body: bytes,
                            ctx: DescriptorContext) -> SenseDescriptor:
    return AnotherProgressDescriptor(dtype, offset, body, body[0] & 0x0F, body[1], body[2],
                                     int.from_bytes(body[4:6], "big"))
