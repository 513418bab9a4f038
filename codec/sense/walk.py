"""Walking the descriptor list of descriptor-format sense data (SPC-4 §4.5.2.1).

Each descriptor is ``[type][additional length][body]``.  This module owns the one table of the
types we decode — name, the shortest body that holds all of the type's fields, and the function
that decodes it (the families live in :mod:`.descriptors` for SPC-4's, :mod:`.ata` for SAT's,
:mod:`.sbc` for SBC's and :mod:`.spc` for the newer SPC-5 ones) — and the walk itself: a
descriptor cut by the buffer or shorter than its type needs is kept as :class:`RawDescriptor`
with a warning, so no byte is lost and nothing is read past what is there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from iscsitgt_spt.codec.sense import ata, sbc, spc
from iscsitgt_spt.codec.sense.descriptors import (
    DescriptorContext,
    SenseDescriptor,
    decode_another_progress,
    decode_block_commands,
    decode_command_specific,
    decode_fru,
    decode_information,
    decode_sense_key_specific,
    decode_stream_commands,
    hex_bytes,
)

__all__ = ["RawDescriptor", "walk_descriptors"]


class _Known(NamedTuple):
    name: str  # for warnings and for a descriptor kept raw
    minimum: int  # body bytes (after the 2-byte header) that hold every field
    decode: Callable[[int, int, bytes, DescriptorContext], SenseDescriptor]


# The minimum is the additional length the standard fixes for the type (SPC-5's, SAT-4's and
# SBC-4's descriptor tables), or for a variable-length type the bytes before its list.
_KNOWN: dict[int, _Known] = {
    0x00: _Known("information", 10, decode_information),
    0x01: _Known("command specific", 10, decode_command_specific),
    0x02: _Known("sense key specific", 6, decode_sense_key_specific),
    0x03: _Known("field replaceable unit", 2, decode_fru),
    0x04: _Known("stream commands", 2, decode_stream_commands),
    0x05: _Known("block commands", 2, decode_block_commands),
    0x09: _Known("ATA status return", 12, ata.decode_ata_status_return),
    0x0A: _Known("another progress indication", 6, decode_another_progress),
    0x0B: _Known("user data segment referral", 2, sbc.decode_referral),
    0x0C: _Known("forwarded sense data", 2, spc.decode_forwarded),
    0x0D: _Known("direct-access block device", sbc.DIRECT_ACCESS_LENGTH,
                 sbc.decode_direct_access),
    0x0E: _Known("device designation", 6, spc.decode_device_designation),
    0x0F: _Known("microcode activation", 6, spc.decode_microcode_activation),
}

# Names from SPC-5's sense data descriptor type table, for the types kept as raw bytes.
_OTHER_NAMES = {
    0x06: "OSD object identification", 0x07: "OSD response integrity check value",
    0x08: "OSD attribute identification",
}


@dataclass(frozen=True)
class RawDescriptor(SenseDescriptor):
    """A descriptor we do not interpret (other or vendor type, or too short): bytes kept."""

    kind: ClassVar[str] = "raw"

    @property
    def name(self) -> str:
        if self.descriptor_type >= 0x80:
            return "Vendor specific"
        known = _KNOWN.get(self.descriptor_type)
        if known is not None:  # a type we decode, kept raw because it is too short
            return f"{known.name[0].upper()}{known.name[1:]} (too short)"
        return _OTHER_NAMES.get(self.descriptor_type, "Unknown")

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "name": self.name}

    def describe(self) -> str:
        return f"{self.name} [0x{self.descriptor_type:02x}]: {hex_bytes(self.raw)}"


def walk_descriptors(buf: bytes, end: int, ctx: DescriptorContext) -> tuple[SenseDescriptor, ...]:
    """The descriptors in ``buf[8:end]``; findings go to ``ctx.warnings``."""
    found: list[SenseDescriptor] = []
    pos = 8
    while pos < end:
        dtype = buf[pos]
        if pos + 1 >= end:
            ctx.warnings.append(f"descriptor at byte {pos} (type 0x{dtype:02x}) has no length "
                                "byte")
            found.append(RawDescriptor(dtype, pos, b""))
            break
        dlen = buf[pos + 1]
        body = buf[pos + 2:min(end, pos + 2 + dlen)]
        if len(body) < dlen:
            ctx.warnings.append(f"descriptor at byte {pos} (type 0x{dtype:02x}) claims {dlen} "
                                f"bytes, {len(body)} present")
        known = _KNOWN.get(dtype)
        if known is None:
            found.append(RawDescriptor(dtype, pos, body))
        elif len(body) < known.minimum:
            if len(body) == dlen:
                ctx.warnings.append(f"{known.name} descriptor at byte {pos} has {dlen} bytes, "
                                    f"{known.minimum} expected; kept raw")
            found.append(RawDescriptor(dtype, pos, body))
        else:
            found.append(known.decode(dtype, pos, body, ctx))
        pos += 2 + dlen
    return tuple(found)
