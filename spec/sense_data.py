"""SENSE_DATA: fixed-format SCSI sense data as Windows declares it (scsi.h, packed to 1).

Win32 DevNotes page sense-data.md.  The bit-fields are listed in C declaration order and
allocated by the MSVC rule, least significant bit first: ``ErrorCode`` is bits 0-6 of byte 0
and ``Valid`` bit 7, so the T10 byte ``0xF0`` reads ErrorCode 0x70, Valid 1.
"""

from __future__ import annotations

from iscsitgt_spt.spec.constants import SenseKey, SenseResponseCode
from iscsitgt_spt.spec.layout import CStruct
from iscsitgt_spt.spec.primitives import UCHAR, bitfields

__all__ = ["BIG_ENDIAN_MEMBERS", "SENSE_DATA"]

#: The UCHAR arrays that hold one big-endian number (SCSI byte order, SPC-4 §4.5.3); the
#: definition keeps them as bytes, as Windows declares them, and renderers read this.
BIG_ENDIAN_MEMBERS = ("Information", "CommandSpecificInformation")

SENSE_DATA = CStruct(
    "SENSE_DATA",
    bitfields(UCHAR, [
        ("ErrorCode", 7, "Response code: 0x70 current or 0x71 deferred error (fixed format).",
         SenseResponseCode),
        ("Valid", 1, "1 when Information holds a value defined by the command set."),
    ]),
    "SegmentNumber" / UCHAR * "Obsolete segment number.",
    bitfields(UCHAR, [
        ("SenseKey", 4, "Sense key: the general error category.", SenseKey),
        ("Reserved", 1, "Reserved bit, kept as found."),
        ("IncorrectLength", 1, "ILI: the requested length did not match the block length."),
        ("EndOfMedia", 1, "EOM: end-of-medium condition."),
        ("FileMark", 1, "FILEMARK: a filemark or setmark was read."),
    ]),
    "Information" / UCHAR[4] * "Command-specific information, big-endian (SCSI byte order).",
    "AdditionalSenseLength" / UCHAR * "Number of sense bytes that follow byte 7.",
    "CommandSpecificInformation" / UCHAR[4] * "Command-specific information, big-endian.",
    "AdditionalSenseCode" / UCHAR * "ASC: the error, with AdditionalSenseCodeQualifier.",
    "AdditionalSenseCodeQualifier" / UCHAR * "ASCQ: detail of AdditionalSenseCode.",
    "FieldReplaceableUnitCode" / UCHAR * "Component that failed, vendor-defined.",
    "SenseKeySpecific" / UCHAR[3]
    * "Sense-key-specific information; byte 0 bit 7 (SKSV) says whether it is valid.",
    doc="Fixed-format SCSI sense data (T10 SPC), 18 bytes, byte-packed.",
    doc_ref="https://learn.microsoft.com/en-us/windows/win32/devnotes/sense-data",
    pack=1,
)
