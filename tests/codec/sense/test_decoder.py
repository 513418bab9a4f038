"""The facade codec/sense/decoder.py: every name it had before it was split by concern
(the decoded value, the layouts, the JSON text shortcut) still imports from it, as the very
object of the module that defines it (importers and pickles name ``decoder``)."""

from __future__ import annotations

import importlib

from iscsitgt_spt.codec.sense import decoder

# decoder.__all__ when it was one module (git show f5e3d46:codec/sense/decoder.py).
BEFORE_THE_SPLIT = {
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
}


def test_every_name_is_still_there() -> None:
    assert set(decoder.__all__) == BEFORE_THE_SPLIT
    for name in BEFORE_THE_SPLIT:
        value = getattr(decoder, name)
        home = getattr(value, "__module__", None)
        if home is not None:  # a class or function: the object its own module defines
            assert getattr(importlib.import_module(home), name) is value, name


def test_the_parts_are_the_decoder_s_own() -> None:
    from iscsitgt_spt.codec.sense import _info, _json_text, _layouts

    assert decoder.SenseInfo is _info.SenseInfo
    assert decoder.decode_sense is _layouts.decode_sense
    assert decoder.sense_json_text is _json_text.sense_json_text
    assert decoder.decode_sense(bytes.fromhex("70 00 03")).sense_key == 3  # MEDIUM ERROR
