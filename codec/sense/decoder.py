"""Decoding of a bare SCSI sense buffer, the way sg3_utils' ``sg_decode_sense`` reads one.

SCSI_PASS_THROUGH_DIRECT captures carry the target's sense data, and a failed TMF or a
CHECK CONDITION is only explained there.  This module turns those bytes into frozen,
comparable dataclasses (JSON-ready via ``to_dict()``, human text via ``format_text()``) for
both T10 SPC layouts: fixed (response codes 70h/71h, the Windows ``SENSE_DATA``) and
descriptor (72h/73h).  Real buffers are often short or padded, so the decoder reads what is
present and reports what is not as warnings; response code 7Fh (vendor specific) keeps its
bytes undecoded, with a note; only input that is not sense data at all (empty, or a response
code other than 70h-73h and 7Fh) raises :class:`~iscsitgt_spt.spec.errors.ParseError`.

For descriptor format the summary fields of :class:`SenseInfo` (information, FRU, ILI, ...)
are filled from the matching descriptors, like sg3_utils' ``sg_get_sense_info_fld``, so a
consumer need not care which layout the device chose; the descriptors stay in ``descriptors``.
SBC-4's direct-access block device descriptor (0Dh) fills them too when it alone carries them.
This module is the facade: the decoded value is :mod:`._info`, the reading of the layouts
:mod:`._layouts`, the JSON text of a usual buffer written from its bytes :mod:`._json_text`.
The descriptor classes live in :mod:`.descriptors` (SPC-4's and the sense-key-specific field),
:mod:`.ata` (SAT-4's ATA registers, also the fixed format's for ASC/ASCQ 00h/1Dh), :mod:`.sbc`
and :mod:`.spc` (SPC-5's newer types, with :mod:`.designation`), walked by :mod:`.walk`; all
are re-exported here.
"""

from __future__ import annotations

from iscsitgt_spt.codec.sense._info import VENDOR_SPECIFIC_RESPONSE_CODE, SenseInfo
from iscsitgt_spt.codec.sense._json_text import sense_json_text
from iscsitgt_spt.codec.sense._layouts import MAX_FORWARDED_DEPTH, decode_sense
from iscsitgt_spt.codec.sense.ata import AtaPassThroughFixed, AtaStatusReturnDescriptor
from iscsitgt_spt.codec.sense.descriptors import (
    ActualRetryCount,
    AnotherProgressDescriptor,
    BlockCommandsDescriptor,
    CommandSpecificDescriptor,
    FieldPointer,
    FruDescriptor,
    InformationDescriptor,
    OpaqueSenseKeySpecific,
    ProgressIndication,
    SegmentPointer,
    SenseDescriptor,
    SenseKeySpecific,
    SenseKeySpecificDescriptor,
    StreamCommandsDescriptor,
    UnitAttentionQueue,
)
from iscsitgt_spt.codec.sense.designation import Designator
from iscsitgt_spt.codec.sense.hextext import parse_hex_sense
from iscsitgt_spt.codec.sense.sbc import (
    DirectAccessBlockDescriptor,
    TargetPortGroup,
    UserDataSegmentReferral,
    UserDataSegmentReferralDescriptor,
)
from iscsitgt_spt.codec.sense.spc import (
    DeviceDesignationDescriptor,
    ForwardedSenseDescriptor,
    MicrocodeActivationDescriptor,
)
from iscsitgt_spt.codec.sense.walk import RawDescriptor

__all__ = [
    "MAX_FORWARDED_DEPTH", "VENDOR_SPECIFIC_RESPONSE_CODE", "ActualRetryCount",
    "AnotherProgressDescriptor", "AtaPassThroughFixed", "AtaStatusReturnDescriptor",
    "BlockCommandsDescriptor", "CommandSpecificDescriptor", "Designator",
    "DeviceDesignationDescriptor", "DirectAccessBlockDescriptor", "FieldPointer",
    "ForwardedSenseDescriptor", "FruDescriptor", "InformationDescriptor",
    "MicrocodeActivationDescriptor", "OpaqueSenseKeySpecific", "ProgressIndication",
    "RawDescriptor", "SegmentPointer", "SenseDescriptor", "SenseInfo", "SenseKeySpecific",
    "SenseKeySpecificDescriptor", "StreamCommandsDescriptor", "TargetPortGroup",
    "UnitAttentionQueue", "UserDataSegmentReferral", "UserDataSegmentReferralDescriptor",
    "decode_sense", "parse_hex_sense", "sense_json_text",
]
