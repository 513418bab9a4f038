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

from iscsitgt_spt.codec.api import build, decode, decode_from, encode, layout_of, sizeof
from iscsitgt_spt.codec.dispatch import (
    Decoded,
    Truncated,
    decode_available,
    decode_buffer,
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
