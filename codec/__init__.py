"""iscsitgt_spt.codec — decode and encode the iSCSI target pass-through structures.

Sans-I/O: everything here takes and returns bytes and values; files, devices and terminals
belong to the CLI and the device layer.

>>> from iscsitgt_spt.codec import build, encode, decode
>>> tmf = build("ISCSITGT_SPT_TMF", {"ITNexusHandle": 7, "Lun": 1, "TaskManagementFunction": 1})
>>> data = encode(tmf)
>>> len(data), decode("ISCSITGT_SPT_TMF", data) == tmf
(64, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iscsitgt_spt.codec._lazy import lazy_attributes

if TYPE_CHECKING:  # type checkers see the names; at run time they load on first use
    from iscsitgt_spt.codec.analysis.detected import decode_buffer
    from iscsitgt_spt.codec.api import build, decode, decode_from, encode, layout_of, sizeof
    from iscsitgt_spt.codec.dispatch import (
        Decoded,
        Truncated,
        decode_available,
        identify,
    )
    from iscsitgt_spt.codec.documents import encode_document, is_document
    from iscsitgt_spt.codec.jsonform import load_json, value_to_json
    from iscsitgt_spt.codec.partial import MemberCut, PartialValue, decode_partial
    from iscsitgt_spt.codec.values import FieldValue, StructValue, WcharText
    from iscsitgt_spt.spec.errors import (
        BuildError,
        InputFormatError,
        JsonInputError,
        ParseError,
        ProfileError,
        SptError,
        UnknownFieldError,
        UnknownStructureError,
    )
    from iscsitgt_spt.spec.profiles import PROFILES, Profile

# Each public name and the module it lives in: importing the package imports none of them
# (a command that only needs the spec, such as ``layout``, starts without the codec).
_WHERE: dict[str, str] = {
    'build': 'iscsitgt_spt.codec.api',
    'decode': 'iscsitgt_spt.codec.api',
    'decode_from': 'iscsitgt_spt.codec.api',
    'encode': 'iscsitgt_spt.codec.api',
    'layout_of': 'iscsitgt_spt.codec.api',
    'sizeof': 'iscsitgt_spt.codec.api',
    'Decoded': 'iscsitgt_spt.codec.dispatch',
    'Truncated': 'iscsitgt_spt.codec.dispatch',
    'decode_available': 'iscsitgt_spt.codec.dispatch',
    # The facade's decode_buffer detects the profile (analysis, built on the core's).
    'decode_buffer': 'iscsitgt_spt.codec.analysis.detected',
    'identify': 'iscsitgt_spt.codec.dispatch',
    'encode_document': 'iscsitgt_spt.codec.documents',
    'is_document': 'iscsitgt_spt.codec.documents',
    'load_json': 'iscsitgt_spt.codec.jsonform',
    'value_to_json': 'iscsitgt_spt.codec.jsonform',
    'MemberCut': 'iscsitgt_spt.codec.partial',
    'PartialValue': 'iscsitgt_spt.codec.partial',
    'decode_partial': 'iscsitgt_spt.codec.partial',
    'FieldValue': 'iscsitgt_spt.codec.values',
    'StructValue': 'iscsitgt_spt.codec.values',
    'WcharText': 'iscsitgt_spt.codec.values',
    'BuildError': 'iscsitgt_spt.spec.errors',
    'InputFormatError': 'iscsitgt_spt.spec.errors',
    'JsonInputError': 'iscsitgt_spt.spec.errors',
    'ParseError': 'iscsitgt_spt.spec.errors',
    'ProfileError': 'iscsitgt_spt.spec.errors',
    'SptError': 'iscsitgt_spt.spec.errors',
    'UnknownFieldError': 'iscsitgt_spt.spec.errors',
    'UnknownStructureError': 'iscsitgt_spt.spec.errors',
    'PROFILES': 'iscsitgt_spt.spec.profiles',
    'Profile': 'iscsitgt_spt.spec.profiles',
}


__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = [
    "PROFILES",
    "BuildError",
    "Decoded",
    "FieldValue",
    "InputFormatError",
    "JsonInputError",
    "MemberCut",
    "ParseError",
    "PartialValue",
    "Profile",
    "ProfileError",
    "SptError",
    "StructValue",
    "Truncated",
    "UnknownFieldError",
    "UnknownStructureError",
    "WcharText",
    "build",
    "decode",
    "decode_available",
    "decode_buffer",
    "decode_from",
    "decode_partial",
    "encode",
    "encode_document",
    "identify",
    "is_document",
    "layout_of",
    "load_json",
    "sizeof",
    "value_to_json",
]
