"""Frozen comparison with ``sg_decode_sense`` (sg3-utils): every disagreement justified.

How it works (frozen: change the seed, the counts or a generator and the expectations below
are no longer what was reviewed):

1. :func:`buffers` makes the same sense buffers on every run (``random.Random(SEED)``), by
   class: fixed format (70h/71h, every sense key, ASC/ASCQ pairs from the table, reserved and
   vendor pairs, random INFORMATION / COMMAND-SPECIFIC / FRU / flags / sense-key-specific
   bytes), fixed format with 00h/1Dh (ATA registers) under every sense key, descriptor
   format (72h/73h) with descriptors 00h-05h in random order, SBC-4's 0Dh at its standard
   length, SPC-5's another progress indication (0Ah), and device designation (0Eh) with a
   designator of every type under random code set, association, PIV, protocol and length.
2. ``sg_decode_sense`` decodes each buffer; its text is read into *facts* (sense key, ASC/ASCQ
   text, information, flags, FRU, the sense-key-specific value, each descriptor's values, each
   designator's type, code set, association, decoded values and whether it was flagged).
   Our :class:`SenseInfo` gives the same facts from its fields (not from our text).
3. Every fact that differs must be explained by one of :data:`JUSTIFIED` — each names the
   clause of the standard that makes our value the right one — and each justification must be
   needed by at least one buffer, so the list cannot rot.  A fact sg_decode_sense does not
   print is not compared; a designator value it prints must equal ours.

The tool is Debian's sg3-utils (1.46 on bookworm: ``sg_decode_sense`` reports version 1.21
20190602).  Where it is absent the test skips with the install command (and fails in CI,
which installs it: see ``.ci/run``).
"""

from __future__ import annotations

import random
import re
import subprocess
from collections.abc import Callable, Iterator
from typing import NamedTuple

import pytest
from _tools import need_tool
from iscsitgt_spt.codec.sense.asc import load_asc_table
from iscsitgt_spt.codec.sense.decoder import (
    ActualRetryCount,
    AnotherProgressDescriptor,
    BlockCommandsDescriptor,
    CommandSpecificDescriptor,
    DeviceDesignationDescriptor,
    DirectAccessBlockDescriptor,
    FieldPointer,
    ForwardedSenseDescriptor,
    FruDescriptor,
    InformationDescriptor,
    OpaqueSenseKeySpecific,
    ProgressIndication,
    SegmentPointer,
    SenseDescriptor,
    SenseInfo,
    SenseKeySpecific,
    SenseKeySpecificDescriptor,
    StreamCommandsDescriptor,
    UnitAttentionQueue,
    decode_sense,
)
from iscsitgt_spt.codec.sense.designation import Designator

SEED = 23
PER_CLASS = 60
#: designators come in twelve types, each conforming or not: three times the buffers
DESIGNATION_BUFFERS = 180

Facts = dict[str, object]


# --- the buffers ------------------------------------------------------------------------------
def _pair(rng: random.Random) -> tuple[int, int]:
    roll = rng.random()
    if roll < 0.1:  # the pairs T10 added after sg3_utils 1.46's table
        return rng.choice([(0x00, 0x23), (0x38, 0x09), (0x67, 0x0E)])
    if roll < 0.75:
        return rng.choice(sorted(load_asc_table().entries))
    return rng.randrange(256), rng.randrange(256)


def _fixed(rng: random.Random) -> bytes:
    asc, ascq = _pair(rng)
    if (asc, ascq) == (0x00, 0x1D):
        ascq = 0x1C
    head = [rng.choice([0x70, 0xF0, 0x71, 0xF1]), 0, rng.choice([0x00, 0xE0, 0x20, 0x80])
            | rng.randrange(16)]
    info = rng.choice([0, rng.randrange(1 << 32)]).to_bytes(4, "big")
    cmd = rng.choice([0, rng.randrange(1 << 32)]).to_bytes(4, "big")
    sks = bytes([rng.choice([0x00, 0x80]) | rng.randrange(0x80)]) + rng.randbytes(2)
    return bytes(head) + info + b"\x0a" + cmd + bytes([asc, ascq, rng.randrange(256)]) + sks


def _fixed_ata(rng: random.Random) -> bytes:
    regs = rng.randbytes(4) + b"\x0a" + bytes([rng.randrange(256) & 0xEF]) + rng.randbytes(3)
    return bytes([0x70, 0, rng.randrange(16)]) + regs + b"\x00\x1d\x00\x00\x00\x00"


def _descriptor(rng: random.Random, dtype: int) -> bytes:
    if dtype in (0x00, 0x01):
        return bytes([dtype, 0x0A, rng.choice([0x00, 0x80]), 0]) + rng.randbytes(8)
    if dtype == 0x02:
        return bytes([2, 6, 0, 0, rng.choice([0, 0x80]) | rng.randrange(0x80)]) + \
            rng.randbytes(2) + b"\x00"
    if dtype == 0x03:
        return bytes([3, 2, 0, rng.randrange(1, 256)])
    if dtype == 0x04:
        return bytes([4, 2, 0, rng.randrange(8) << 5])
    return bytes([5, 2, 0, rng.choice([0, 0x20])])


def _with_descriptors(rng: random.Random, descriptors: bytes) -> bytes:
    asc, ascq = _pair(rng)
    if (asc, ascq) == (0x00, 0x1D):
        ascq = 0x1C
    return bytes([rng.choice([0x72, 0x73]), rng.randrange(16), asc, ascq, 0, 0, 0,
                  len(descriptors)]) + descriptors


def _desc_basic(rng: random.Random) -> bytes:
    kinds = rng.sample(range(6), rng.randrange(1, 6))
    return _with_descriptors(rng, b"".join(_descriptor(rng, k) for k in kinds))


def _desc_block(rng: random.Random) -> bytes:
    body = bytes([rng.choice([0, 0x80, 0x20, 0xA0]), 0,
                  rng.choice([0, 0x80]) | rng.randrange(0x80)]) + rng.randbytes(2) + \
        bytes([rng.randrange(256)]) + rng.randbytes(16)
    return _with_descriptors(rng, b"\x0d\x16" + body)


def _desc_progress(rng: random.Random) -> bytes:
    body = bytes([rng.randrange(16), rng.randrange(256), rng.randrange(256), 0]) + \
        rng.randbytes(2)
    return _with_descriptors(rng, b"\x0a\x06" + body)


# canonical DESIGNATOR LENGTH per type (SPC-5); others get a random one sometimes
_LENGTHS = {0x2: [8, 12, 16], 0x3: [8, 16], 0x4: [4], 0x5: [4], 0x6: [4], 0x7: [16],
            0x8: [8, 12, 16], 0x9: [4], 0xA: [18]}


def _designator_value(rng: random.Random, dtype: int, length: int) -> bytes:
    if dtype == 0x8:  # a name and its NUL padding
        name = ("iqn.2026-12.x:" + "".join(rng.choice("abc123") for _ in range(length)))
        return (name.encode()[:length - rng.choice([0, 1, 2])]).ljust(length, b"\x00")
    if dtype == 0x1:  # a printable vendor ID and a printable rest
        return bytes(rng.choice(b"ABCXYZ_- 0123") for _ in range(length))
    value = bytearray(rng.randbytes(length))
    if dtype == 0x3 and value:
        value[0] = rng.choice([0x2, 0x3, 0x5, 0x6, 0x6, 0x1, 0xE]) << 4 | value[0] & 0x0F
    if dtype == 0xA and value:
        value[0] = rng.choice([0x10, 0x10, 0x10, 0x20])
        value[1] = 0
    return bytes(value)


# (code set, association) SPC-5 gives each type; the first length in _LENGTHS is its own.
_CONFORMING = {0x0: (1, 0), 0x1: (2, 0), 0x2: (1, 0), 0x3: (1, 0), 0x4: (1, 1), 0x5: (1, 1),
               0x6: (1, 0), 0x7: (1, 0), 0x8: (3, 2), 0x9: (1, 1), 0xA: (1, 0)}


def _desc_designation(rng: random.Random) -> bytes:
    dtype = rng.randrange(12)
    lengths = _LENGTHS.get(dtype, [rng.randrange(1, 20)])
    length = rng.choice(lengths) if rng.random() < 0.8 else rng.randrange(1, 20)
    protocol = rng.choice([0x0, 0x5, 0x6, 0x9, 0xA])
    piv = rng.choice([0, 0x80])
    if dtype in _CONFORMING and rng.random() < 0.6:  # as SPC-5 defines it: values decoded
        code_set, association = _CONFORMING[dtype]
        if dtype == 0x9:
            piv, protocol = 0x80, rng.choice([0x9, 0xA])
    else:  # anything: findings
        code_set = rng.choice([1, 1, 2, 3, 0, 7])
        association = rng.choice([0, 1, 1, 2, 3])
    designation = bytes([protocol << 4 | code_set, piv | association << 4 | dtype, 0, length])
    designation += _designator_value(rng, dtype, length)
    body = bytes([0, rng.randrange(5)]) + designation
    return _with_descriptors(rng, bytes([0x0E, len(body)]) + body)


def _desc_forwarded(rng: random.Random) -> bytes:
    nested = _fixed(rng)
    body = bytes([rng.choice([0, 0x80]) | rng.randrange(11), rng.choice([0x02, 0x00, 0x08])])
    return _with_descriptors(rng, bytes([0x0C, len(body) + len(nested)]) + body + nested)


CLASSES: dict[str, Callable[[random.Random], bytes]] = {
    "fixed": _fixed, "fixed 00h/1Dh": _fixed_ata, "descriptors 00h-05h": _desc_basic,
    "direct-access block 0Dh": _desc_block, "another progress 0Ah": _desc_progress,
    "device designation 0Eh": _desc_designation, "forwarded sense 0Ch": _desc_forwarded,
}


def buffers() -> Iterator[tuple[str, bytes]]:
    rng = random.Random(SEED)
    for name, make in CLASSES.items():
        count = DESIGNATION_BUFFERS if make is _desc_designation else PER_CLASS
        for _ in range(count):
            yield name, make(rng)


# --- facts from sg_decode_sense's text --------------------------------------------------------
_SG_DESCRIPTOR_TYPES = {
    "Information": 0x00, "Command specific": 0x01, "Sense key specific": 0x02,
    "Field replaceable unit code": 0x03, "Stream commands": 0x04, "Block commands": 0x05,
    "Another progress indication": 0x0A, "Direct-access block device": 0x0D,
    "Device designation": 0x0E, "Forwarded sense data": 0x0C,
}
_SG_ASSOCIATIONS = {"Addressed logical unit:": 0, "Target port:": 1,
                    "Target device that contains addressed lu:": 2, "Reserved [0x3]:": 3}


def _name(text: str) -> str:
    """A name as both spell it: sg3_utils 1.46 writes "Vendor specific(9)" for our "Vendor
    Specific" sense key 9h and "vendor specific [0x0]" for its HEAD's "Vendor specific [0x0]"."""
    return re.sub(r"\(9\)$", "", text).lower()


def _sg_sks(text: str) -> object:
    """sg_decode_sense's sense-key-specific text as a comparable value (None: no value)."""
    if m := re.search(r"Error in (Command|Data parameters): byte (\d+)(?: bit (\d))?", text):
        return ("field", m[1] == "Command", int(m[2]), None if m[3] is None else int(m[3]))
    if m := re.search(r"Actual retry count: (\S+)", text):
        return ("retry", int(m[1], 0))
    if m := re.search(r"Progress indication: (\S+)%", text):
        return ("progress", m[1])
    if m := re.search(r"overflow flag is (\d)", text):
        return ("ua", bool(int(m[1])))
    if m := re.search(r"Relative to start of (segment descriptor|parameter list), byte (\d+)"
                      r"(?: bit (\d))?", text):
        return ("segment", m[1] == "segment descriptor", int(m[2]),
                None if m[3] is None else int(m[3]))
    return None


def _sg_designator(lines: list[str]) -> Facts:
    facts: Facts = {}
    for line in lines:
        text = line.strip()
        if text in _SG_ASSOCIATIONS:
            facts["association"] = _SG_ASSOCIATIONS[text]
        elif m := re.match(r"designator type: (.*),  code set: (.*)", text):
            facts["type_name"], facts["code_set_name"] = _name(m[1]), m[2]
        elif m := re.match(r"(Relative target port|Target port group|Logical unit group): "
                           r"0x([0-9a-f]+)$", text):
            facts[m[1]] = int(m[2], 16)
        elif m := re.match(r"Locally assigned UUID: (\S+)", text):
            facts["uuid"] = m[1]
        elif m := re.match(r"vendor id: (.*)", line.strip(" ")):
            facts["vendor id"] = m[1].rstrip(" \x00")
        elif m := re.match(r"USB device address: 0x([0-9a-f]+)", text):
            facts["usb"] = int(m[1], 16)
        elif m := re.match(r"PCIe routing ID, bus number: 0x([0-9a-f]+)", text):
            facts["pcie bus"] = int(m[1], 16)
    flags = ("<<", ">>>>", "reserved designator=", "designator too long")
    facts["flagged"] = any(flag in line for line in lines for flag in flags)
    return facts


def _sg_descriptor(lines: list[str]) -> Facts:
    first = lines[0].split("Descriptor type: ", 1)[1]
    text = " ".join(line.strip() for line in lines)
    name = next((n for n in _SG_DESCRIPTOR_TYPES if first.startswith(n)), first)
    facts: Facts = {"type": _SG_DESCRIPTOR_TYPES.get(name, name)}
    if name == "Information" and (m := re.search(r"(Valid=0 .* )?0x([0-9a-f]+)", first)):
        facts["information"] = (m[1] is None, int(m[2], 16))
    elif name == "Command specific" and (m := re.search(r"0x([0-9a-f]+)", first)):
        facts["command_specific"] = int(m[1], 16)
    elif name == "Field replaceable unit code" and (m := re.search(r"0x([0-9a-f]+)", first)):
        facts["fru"] = int(m[1], 16)
    elif name == "Sense key specific":
        facts["sks"] = _sg_sks(text)
    elif name == "Stream commands":
        facts["flags"] = ("FILEMARK" in text, "(EOM)" in text, "(ILI)" in text)
    elif name == "Block commands":
        facts["ili"] = "(ILI) set" in text
    elif name == "Another progress indication" and (
            m := re.search(r": (\S+)% \[sense_key=0x(\w+) asc,ascq=0x(\w+),0x(\w+)\]", text)):
        facts["progress"] = m[1]
        facts["progress codes"] = (int(m[2], 16), int(m[3], 16), int(m[4], 16))
    elif name == "Direct-access block device":
        facts["decoded"] = "too short" not in text
    elif name == "Device designation":
        facts.update(_sg_designator(lines[1:]))
    elif name == "Forwarded sense data":
        facts.update(_sg_forwarded(lines))
    return facts


def _sg_forwarded(lines: list[str]) -> Facts:
    facts: Facts = {}
    text = "\n".join(lines)
    if m := re.search(r"Sense data source: Extended copy command (source|destination) device"
                      r"(?: (\d+))?", text):
        facts["source"] = ("source",) if m[1] == "source" else ("destination", int(m[2]))
    elif "Sense data source: unknown" in text:
        facts["source"] = ("unknown",)
    if m := re.search(r"format, (?:current|<<<deferred>>>); Sense key: (.*)", text):
        facts["nested sense key"] = _name(m[1])
    if m := re.search(r"Info fld=0x([0-9a-f]+)", text):
        facts["nested information"] = int(m[1], 16)
    return facts


def sg_facts(text: str) -> Facts:
    lines = text.splitlines()
    m = re.match(r"(Fixed|Descriptor) format, (current|<<<deferred>>>); Sense key: (.*)",
                 lines[0])
    assert m, text
    facts: Facts = {"format": m[1], "deferred": m[2] != "current", "sense key": _name(m[3])}
    additional = lines[1]
    facts["asc text"] = additional.removeprefix("Additional sense: ")
    rest = lines[2:]
    if m[1] == "Fixed":
        facts.update(_sg_fixed(rest))
    else:
        starts = [i for i, line in enumerate(rest) if line.startswith("  Descriptor type: ")]
        for number, (i, j) in enumerate(zip(starts, [*starts[1:], len(rest)])):
            for key, value in _sg_descriptor(rest[i:j]).items():
                facts[f"descriptor {number} {key}"] = value
    return facts


def _sg_fixed(lines: list[str]) -> Facts:
    text = "\n".join(lines)
    facts: Facts = {"ata key warning": "expected Sense key: Recovered Error" in text}
    if m := re.search(r"Info fld=0x([0-9a-f]+)", text):
        facts["information"] = int(m[1], 16)
    for flag in ("FMK", "EOM", "ILI"):
        facts[flag] = bool(re.search(rf"\b{flag}\b", text))
    if m := re.search(r"Field replaceable unit code: (\d+)", text):
        facts["fru"] = int(m[1])
    if m := re.search(r"Command specific information: 0x([0-9a-f]+)", text):
        facts["command_specific"] = int(m[1], 16)
    facts["sks"] = _sg_sks(text)
    return facts


# --- the same facts from our decoding ---------------------------------------------------------
def _our_sks(sks: SenseKeySpecific | None) -> object:
    if sks is None or not sks.sksv or isinstance(sks, OpaqueSenseKeySpecific):
        return None
    if isinstance(sks, FieldPointer):
        return ("field", sks.command, sks.field_pointer, sks.bit_pointer)
    if isinstance(sks, ProgressIndication):
        return ("progress", sks.describe().split(": ")[1].rstrip("%"))
    if isinstance(sks, UnitAttentionQueue):
        return ("ua", sks.overflow)
    if isinstance(sks, SegmentPointer):
        return ("segment", sks.segment_descriptor, sks.field_pointer, sks.bit_pointer)
    assert isinstance(sks, ActualRetryCount)
    return ("retry", sks.count)


def _our_designator(d: Designator | None) -> Facts:
    if d is None:
        return {"flagged": True}
    facts: Facts = {"association": d.association, "type_name": _name(d.type_name),
                    "code_set_name": d.to_dict()["code_set_name"]}
    if facts["code_set_name"] == "reserved":
        facts["code_set_name"] = f"Reserved [0x{d.code_set:x}]"
    names = {"relative_target_port": "Relative target port",
             "target_port_group": "Target port group", "logical_unit_group": "Logical unit group",
             "uuid": "uuid", "t10_vendor_id": "vendor id", "usb_device_address": "usb",
             "pcie_bus": "pcie bus"}
    for field in d.fields:
        if field.key in names:
            facts[names[field.key]] = field.value
    facts["flagged"] = bool(d.findings) or len(d.designator) < 0
    return facts


def _our_descriptor(desc: SenseDescriptor) -> Facts:
    facts: Facts = {"type": desc.descriptor_type}
    if isinstance(desc, InformationDescriptor):
        facts["information"] = (desc.valid, desc.information)
    elif isinstance(desc, CommandSpecificDescriptor):
        facts["command_specific"] = desc.information
    elif isinstance(desc, FruDescriptor):
        facts["fru"] = desc.code
    elif isinstance(desc, SenseKeySpecificDescriptor):
        facts["sks"] = _our_sks(desc.specific)
    elif isinstance(desc, StreamCommandsDescriptor):
        facts["flags"] = (desc.filemark, desc.eom, desc.ili)
    elif isinstance(desc, BlockCommandsDescriptor):
        facts["ili"] = desc.ili
    elif isinstance(desc, AnotherProgressDescriptor):
        facts["progress"] = desc.describe().split(": ")[1].split("%")[0]
        facts["progress codes"] = (desc.sense_key, desc.asc, desc.ascq)
    elif desc.descriptor_type == 0x0D:
        facts["decoded"] = isinstance(desc, DirectAccessBlockDescriptor)
    elif isinstance(desc, DeviceDesignationDescriptor):
        facts.update(_our_designator(desc.designator))
    elif isinstance(desc, ForwardedSenseDescriptor):
        facts.update(_our_forwarded(desc))
    return facts


def _our_forwarded(desc: ForwardedSenseDescriptor) -> Facts:
    source = desc.source
    facts: Facts = {"source": ("unknown",) if source == 0 else ("source",) if source == 1
                    else ("destination", source - 1) if source <= 9 else ("reserved",)}
    nested = desc.sense
    if nested is not None and nested.sense_key is not None:
        facts["nested sense key"] = _name(nested.sense_key.title)
        if nested.information is not None and (nested.valid or nested.information):
            facts["nested information"] = nested.information
    return facts


def our_facts(info: SenseInfo) -> Facts:
    assert info.sense_key is not None and info.asc is not None and info.ascq is not None
    text = info.asc_ascq_text or f"ASC={info.asc:02x}, ASCQ={info.ascq:02x} (hex)"
    facts: Facts = {"format": "Descriptor" if info.descriptor_format else "Fixed",
                    "deferred": info.deferred, "sense key": _name(info.sense_key.title),
                    "asc text": text}
    if info.descriptor_format:
        for number, desc in enumerate(info.descriptors):
            for key, value in _our_descriptor(desc).items():
                facts[f"descriptor {number} {key}"] = value
        return facts
    facts["ata key warning"] = any(w.startswith("ASC/ASCQ 00h/1Dh") for w in info.warnings)
    if info.information is not None and (info.valid or info.information):
        facts["information"] = info.information
    facts.update(FMK=bool(info.filemark), EOM=bool(info.eom), ILI=bool(info.ili))
    if info.fru:
        facts["fru"] = info.fru
    if info.command_specific:
        facts["command_specific"] = info.command_specific
    facts["sks"] = _our_sks(info.sense_key_specific)
    return facts


# --- the disagreements a standard decides -----------------------------------------------------
class Difference(NamedTuple):
    kind: str
    raw: bytes
    key: str
    theirs: object
    ours: object


class Justified(NamedTuple):
    clause: str  # why our value is the right one
    applies: Callable[[Difference], bool]


def _newer_pair(d: Difference) -> bool:
    pair = (d.raw[12], d.raw[13]) if d.raw[0] & 0x7F < 0x72 else (d.raw[2], d.raw[3])
    return d.key == "asc text" and pair in {(0x00, 0x23), (0x38, 0x09), (0x67, 0x0E)}


def _designator_field(d: Difference) -> tuple[int, int, int, int, int] | None:
    """(type, code set, association, PIV, length) of the buffer's designator, if any."""
    if d.kind != "device designation 0Eh":
        return None
    body = d.raw[12:]
    return body[1] & 0x0F, body[0] & 0x0F, (body[1] >> 4) & 3, body[1] >> 7, body[3]


def _our_length_finding(raw: bytes) -> bool:
    (desc,) = decode_sense(raw).descriptors
    designator = getattr(desc, "designator", None)
    return designator is not None and any(
        "bytes" in finding for finding in getattr(designator, "findings", ()))


# What SPC-5 says of a designator that sg_decode_sense 1.46's default output does not check:
# (designator type or None for any) -> test on (code set, association, length, value).
_UNCHECKED_BY_SG: tuple[tuple[int | None, Callable[[int, int, int, bytes], bool]], ...] = (
    (None, lambda code_set, association, length, value: code_set not in (1, 2, 3)),
    (None, lambda code_set, association, length, value: association == 3),
    (0x1, lambda code_set, association, length, value: length < 8),
    (0x2, lambda code_set, association, length, value: code_set != 1),
    (0x4, lambda code_set, association, length, value: length == 4 and value[2:4] == b"\0\0"),
    (0x7, lambda code_set, association, length, value: length != 16),
    (0x8, lambda code_set, association, length, value:
     code_set != 3 or length % 4 != 0 or 0 not in value),
    (0x9, lambda code_set, association, length, value:
     code_set != 1 or association != 1 or length != 4),
    (0xA, lambda code_set, association, length, value: code_set != 1),
)


def _we_flag_what_sg_does_not_check(d: Difference) -> bool:
    """A finding of ours that sg_decode_sense 1.46's default output does not look for."""
    field = _designator_field(d)
    if field is None or not d.key.endswith("flagged") or d.ours is not True:
        return False
    dtype, code_set, association, _piv, length = field
    value = d.raw[16:16 + length]
    return any(rule(code_set, association, length, value) for kind, rule in _UNCHECKED_BY_SG
               if kind in (None, dtype))


JUSTIFIED: dict[str, Justified] = {
    "newer T10 codes": Justified(
        "T10 asc-num.txt of 2024-11-28 lists 00h/23h (SPC-6 r08), 38h/09h and 67h/0Eh; "
        "sg3_utils 1.46's table predates them and prints the reserved fallback",
        _newer_pair),
    "0Dh additional length": Justified(
        "SBC-4 §4.18.2.3, table 'Direct-access block device sense data descriptor format': "
        "ADDITIONAL LENGTH 16h (24 bytes in all); sg3_utils wants 1Ch and calls it too short",
        lambda d: d.kind == "direct-access block 0Dh" and d.key.endswith("decoded")
        and d.ours is True),
    "progress percentage": Justified(
        "SPC-5 §4.4.2.6 (another progress indication): PROGRESS INDICATION is the numerator "
        "of a fraction whose denominator is 65536; sg3_utils 1.46 prints it with "
        "'%d.02%d%%' (e.g. 50.020% for 8000h), we print the two decimals (50.00%)",
        lambda d: d.key.endswith(" progress") and d.kind == "another progress 0Ah"),
    "SKSV clear": Justified(
        "SPC-5 §4.4.2.5 / §4.4.3: SKSV set to zero means the SENSE KEY SPECIFIC field is "
        "not defined by the standard; sg3_utils 1.46 decodes descriptor 02h's bytes anyway",
        lambda d: d.key.endswith(" sks") and d.ours is None
        and d.kind == "descriptors 00h-05h"),
    "malformed designator": Justified(
        "SPC-5 §7.7.6: a T10 vendor ID based designator starts with the 8-byte T10 VENDOR "
        "IDENTIFICATION, a protocol specific port identifier is 4 bytes; sg3_utils 1.46 "
        "prints values from shorter or longer ones ('%.8s' reads past a short vendor ID), "
        "we keep the bytes and report the length",
        lambda d: d.ours is None and _our_length_finding(d.raw)),
    "forwarded sense data source": Justified(
        "SPC-5 §4.4.2.10, table 'SENSE DATA SOURCE field': 0h unknown, 1h the EXTENDED COPY "
        "command's copy source, 2h-9h its copy destinations 1-8, Ah-Fh reserved (FreeBSD's "
        "scsi_all.h SSD_FORWARDED_SDS_* agree); sg3_utils 1.46 reads 0h as the source and "
        "1h-7h as destinations 0-6",
        lambda d: d.kind == "forwarded sense 0Ch" and d.key.endswith(" source")),
    "designator checks": Justified(
        "SPC-5 §7.7.6 (Device Identification VPD page) and its designator format subclauses: "
        "reserved code set / association values; EUI-64 and UUID designators are binary; an "
        "MD5 logical unit identifier is 16 bytes; a SCSI name string is UTF-8, "
        "null-terminated, a multiple of 4 bytes; relative target port 0 is reserved; a T10 "
        "vendor ID based designator starts with the 8-byte T10 VENDOR IDENTIFICATION; a "
        "protocol specific port identifier is 4 binary bytes associated with a target port",
        _we_flag_what_sg_does_not_check),
}


def _differences(kind: str, raw: bytes, theirs: Facts, ours: Facts) -> list[Difference]:
    # A fact sg_decode_sense did not print is not compared; a printed one must match.
    return [Difference(kind, raw, key, value, ours.get(key))
            for key, value in theirs.items() if ours.get(key) != value]


def _run_sg(tool: str, raw: bytes) -> str:
    out = subprocess.run([tool, *raw.hex(" ").split()], capture_output=True, text=False,
                         timeout=30,
                         check=False)
    assert out.returncode == 0, (raw.hex(" "), out.stderr)
    # (it prints designator bytes as they are: Latin-1 keeps every byte one character)
    return out.stdout.decode("latin-1")


@pytest.fixture(scope="module")
def tool() -> str:
    return need_tool("sg_decode_sense", "apt-get install sg3-utils")


def test_every_disagreement_with_sg_decode_sense_is_justified(tool: str) -> None:
    unexplained: list[str] = []
    used = dict.fromkeys(JUSTIFIED, 0)
    compared = 0
    for kind, raw in buffers():
        theirs = sg_facts(_run_sg(tool, raw))
        ours = our_facts(decode_sense(raw))
        compared += len(theirs)
        for diff in _differences(kind, raw, theirs, ours):
            why = next((name for name, j in JUSTIFIED.items() if j.applies(diff)), None)
            if why is None:
                unexplained.append(f"{kind}: {raw.hex(' ')}: {diff.key}: sg_decode_sense "
                                   f"{diff.theirs!r}, we {diff.ours!r}")
            else:
                used[why] += 1
    assert unexplained == []
    assert compared > 5 * PER_CLASS * len(CLASSES)  # the facts were really read
    assert [name for name, count in used.items() if count == 0] == []
