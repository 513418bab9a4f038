"""Names both ways (codec/names.py), and ``replace`` made as ``build`` makes a value.

Expected numbers come from the standards and Microsoft's pages, not from our tables:
RFC 7143 §11.5.1 (ABORT TASK = 1, LOGICAL UNIT RESET = 5), RFC 7143 §11.6.1 (Function
complete = 0, Task does not exist = 1), ntddscsi.h (SCSI_IOCTL_DATA_IN = 1), T10 SPC-6
table 52 (MEDIUM ERROR = 3h), the DevNotes page (CTLCODE_ISCSITGT_SPT_TMF = 0x102), and
ASCII ("ISCSITGT" = 49 53 43 53 49 54 47 54).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec import build, decode, encode
from iscsitgt_spt.codec.documents import encode_document
from iscsitgt_spt.codec.fuzzing.strategies import integers_for
from iscsitgt_spt.spec.errors import BuildError
from iscsitgt_spt.spec.registry import get_layout

TMF = "ISCSITGT_SPT_TMF"
ISCSITGT = bytes.fromhex("4953435349544754")


def test_build_takes_names_in_any_case_and_numbers() -> None:
    by_name = build(TMF, {"TaskManagementFunction": "LOGICAL_UNIT_RESET",
                          "Response": "task_does_not_exist",
                          "Header": {"ControlCode": "CTLCODE_ISCSITGT_SPT_TMF"}})
    by_number = build(TMF, {"TaskManagementFunction": 5, "Response": 1,
                            "Header": {"ControlCode": 0x102}})
    assert by_name == by_number
    assert (by_name.TaskManagementFunction, by_name.Response) == (5, 1)
    passthrough = build("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
                        {"ScsiPassThroughDirect": {"DataIn": "SCSI_IOCTL_DATA_IN"},
                         "SenseData": {"SenseKey": "MEDIUM_ERROR"}})
    assert passthrough.get_path("ScsiPassThroughDirect.DataIn") == 1
    assert passthrough.get_path("SenseData.SenseKey") == 3


def test_an_unknown_name_names_the_member_and_its_vocabulary() -> None:
    with pytest.raises(BuildError) as info:
        build(TMF, {"TaskManagementFunction": "ABORT"})
    message = str(info.value)
    assert "TaskManagementFunction" in message and "ABORT_TASK" in message
    assert "at byte 44" in message  # win64: Header 28 + pad 4 + ITNexusHandle 8 + Lun 4
    with pytest.raises(BuildError):
        build(TMF, {"Lun": "LUN_ONE"})  # a member without names takes only numbers


def test_signatures_take_text() -> None:
    value = build(TMF, {"Header": {"Signature": "ISCSITGT"}})
    assert value.get_path("Header.Signature") == ISCSITGT
    assert build(TMF, {"Header": {"Signature": "AB"}}).get_path("Header.Signature") == (
        b"AB" + bytes(6))  # NUL-padded, as a short UCHAR array always is
    with pytest.raises(BuildError):
        build(TMF, {"Header": {"Signature": "TOO-LONG-SIG"}})


def test_json_input_takes_names_and_signature_text() -> None:
    by_name = {"name": TMF, "value": {"ITNexusHandle": 7, "TaskManagementFunction": "ABORT_TASK",
                                      "Header": {"Signature": "ISCSITGT"}}}
    by_number = {"name": TMF, "value": {"ITNexusHandle": 7, "TaskManagementFunction": 1,
                                        "Header": {"Signature": ISCSITGT.hex()}}}
    data = encode_document(by_name)
    assert data == encode_document(by_number)
    assert data[44] == 1 and data[4:12] == ISCSITGT
    forced = {"value": {"Header": {"Signature": {"text": "DEADBEEF"}}}, "name": TMF}
    assert encode_document(forced)[4:12] == b"DEADBEEF"  # hex-looking text, as text


def test_repr_and_text_show_the_name_beside_the_number() -> None:
    value = build(TMF, {"TaskManagementFunction": 1})
    shown = repr(value)
    assert "TaskManagementFunction=1 (ABORT_TASK)" in shown
    assert "ControlCode=0x102 (CTLCODE_ISCSITGT_SPT_TMF)" in shown
    assert "'ISCSITGT'" in shown


def test_json_documents_keep_numbers_and_round_trip() -> None:
    from iscsitgt_spt.codec import decode_buffer

    data = encode(build(TMF, {"TaskManagementFunction": "ABORT_TASK"}))
    doc = json.loads(json.dumps(decode_buffer(data).to_json()))
    assert doc["value"]["TaskManagementFunction"] == 1
    assert encode_document(doc) == data


def test_replace_merges_nested_members_and_derives_again() -> None:
    value = build(TMF, {"Lun": 1, "TaskManagementFunction": 1})
    changed = value.replace(Header={"Timeout": 9})
    header = changed.Header
    # What build fills: HeaderLength = sizeof(SRB_IO_CONTROL) = 28, the assumed signature,
    # the TMF control code 0x102, Length = 64 - 28 = 36 on win64.
    assert (header.HeaderLength, header.Signature, header.ControlCode, header.Length) == (
        28, ISCSITGT, 0x102, 36)
    assert header.Timeout == 9 and changed.Lun == 1
    assert changed == build(TMF, {"Lun": 1, "TaskManagementFunction": 1,
                                  "Header": {"Timeout": 9}})
    # A derived member given explicitly wins, as in build.
    assert value.replace(Header={"Length": 5}).Header.Length == 5
    # Derived again: a decoded value whose Length was wrong gets the right one back.
    raw = bytearray(encode(value))
    raw[24:28] = (99).to_bytes(4, "little")
    assert decode(TMF, bytes(raw)).replace(Lun=2).Header.Length == 36


def _leaves(name: str, derived: bool) -> list[Any]:
    """Integer members; the derived ones (HeaderLength, Length, ...) only when asked."""
    layout = get_layout(name)
    rules = {path for path, (rule, _) in layout.rules.items() if rule.kind == "derived"}
    return [m for m in layout.flat if m.kind in ("int", "bits")
            and (derived or m.path not in rules)]


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, item in flat.items():
        *parents, last = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = item
    return out


def _fields(name: str, derived: bool) -> st.SearchStrategy[dict[str, Any]]:
    layout = get_layout(name)
    return st.lists(st.sampled_from(_leaves(name, derived)), unique_by=lambda m: m.path).flatmap(
        lambda members: st.tuples(*(integers_for(layout, m) for m in members)).map(
            lambda items: _nested({m.path: i for m, i in zip(members, items)})))


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, item in changes.items():
        out[key] = _merge(out[key], item) if isinstance(out.get(key), dict) else item
    return out


STRUCTURE = st.sampled_from(["ISCSITGT_SPT_TMF", "ISCSITGT_SPT_SESSION_START",
                             "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"])


@given(STRUCTURE.flatmap(lambda n: st.tuples(st.just(n), _fields(n, False), _fields(n, True))))
def test_replace_agrees_with_build(case: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    """Built from members that leave the derived ones to build, then changed by any members
    (derived ones included, which then win): the same value as built from both at once."""
    name, fields, changes = case
    assert build(name, fields).replace(**changes) == build(name, _merge(fields, changes))
