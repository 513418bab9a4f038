"""The public Hypothesis strategies: argument validation, reachability, pinning, shrinking.

Reachability is checked with :func:`hypothesis.find`, which also shrinks: the minimal examples
asserted here are derived by hand from the layout (offsets from ``layout`` tables, the
shrink order from the strategies' documented construction: known codes first, then zero).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.fuzzing.strategies import buffers, integers_for, profiles, text_for, values
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.constants import TmfFunction
from iscsitgt_spt.spec.primitives import WcharText
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout

#: find() without the explain phase, which would re-run the shrunk example many times.
FIND = settings(max_examples=2000, deadline=None, database=None,
                phases=(Phase.generate, Phase.shrink))


# -- argument validation --------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "NOPE"}, "not a structure"),
    ({"name": 7}, "must be a structure name"),
    ({"name": "SENSE_DATA", "abi": "win16"}, "abi='win16'"),
    ({"name": "SENSE_DATA", "cookie": "u32"}, "cookie='u32'"),
    ({"name": "SENSE_DATA", "profile": "win64"}, "must be a Profile"),
    ({"name": "SENSE_DATA", "profile": Profile(), "abi": "win32"}, "not both"),
    ({"name": "ISCSITGT_SPT_TMF", "fixed": ["Lun"]}, "must be a mapping"),
    ({"name": "ISCSITGT_SPT_TMF", "fixed": {"Nope": 1}}, "has no member 'Nope'"),
    ({"name": "ISCSITGT_SPT_TMF", "fixed": {"Header": {}}}, "has no member 'Header'"),
    ({"name": "ISCSITGT_SPT_TMF", "fixed": {"Lun": 2**32}}, "ISCSITGT_SPT_TMF.Lun"),
    ({"name": "ISCSITGT_SPT_TMF", "fixed": {"Header.Signature": b"123456789"}}, "Signature"),
    ({"name": "ISCSITGT_SPT_TMF", "fixed": {"Lun": "1"}}, "not an integer"),
    ({"name": "ISCSITGT_SPT_TMF", "rules": 1}, "rules=1"),
])
@pytest.mark.parametrize("factory", [values, buffers])
def test_bad_arguments_raise_invalid_argument(
    factory: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(".", r"\.")):
        factory(**kwargs)


def test_bad_padding_flag_and_count_raise_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match="padding"):
        values("SENSE_DATA", padding="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="count"):
        text_for(-1)


# -- what values() and buffers() draw -------------------------------------------------------
@given(values("ISCSITGT_SPT_TMF", abi="win32", cookie="ptr"))
def test_values_are_of_the_requested_structure_and_profile(value: StructValue) -> None:
    assert value.name == "ISCSITGT_SPT_TMF"
    assert value.profile == Profile("win32", "ptr")
    assert value.size == 48  # 28 (SRB_IO_CONTROL) + 4 + 4 + 1 + pad 3 + 4 + 1 + pad 3


@given(buffers("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", profile=Profile("win32", "u64")))
def test_buffers_have_the_exact_size(raw: bytes) -> None:
    assert len(raw) == get_layout("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
                                  Profile("win32", "u64")).size


@given(values("ISCSITGT_SPT_SESSION_STOP",
              fixed={"Header.Signature": b"SPTSIG", "ITNexusHandle": 0x1122334455667788}))
def test_fixed_members_are_pinned(value: StructValue) -> None:
    assert value.get_path("Header.Signature") == b"SPTSIG\0\0"  # NUL-padded to UCHAR[8]
    assert value.ITNexusHandle == 0x1122334455667788


@given(buffers("ISCSITGT_SPT_TMF", rules=True, fixed={"TaskManagementFunction": 1}))
def test_rules_pin_derived_members_in_buffers(raw: bytes) -> None:
    # win64/u64 ISCSITGT_SPT_TMF is 64 bytes: HeaderLength 28 at 0, "ISCSITGT" at 4,
    # Timeout 60 at 12, ControlCode 0x102 at 16, Length 64-28=36 at 24, TMF code at 44.
    assert raw[0:4] == (28).to_bytes(4, "little")
    assert raw[4:12] == b"ISCSITGT"
    assert raw[12:16] == (60).to_bytes(4, "little")
    assert raw[16:20] == (0x102).to_bytes(4, "little")
    assert raw[24:28] == (36).to_bytes(4, "little")
    assert raw[44] == 1


@given(buffers("SENSE_DATA", fixed={"SenseKey": 5}))
def test_pinned_bit_field_pins_its_unit(raw: bytes) -> None:
    assert raw[2] == 0x05  # SenseKey is bits 0-3 of byte 2; the unit's other bits are zero


@given(values("SENSE_DATA", rules=True))
def test_values_without_padding_have_zero_padding(value: StructValue) -> None:
    assert value.size == 18  # packed to 1: no padding member at all, nothing to check
    assert api.encode(value)[0] & 0x7F == value.ErrorCode


def _find(strategy: st.SearchStrategy[Any], condition: Any) -> Any:
    return find(strategy, condition, settings=FIND)


def test_unknown_enum_codes_are_reachable() -> None:
    known = {int(v) for v in TmfFunction}
    found = _find(values("ISCSITGT_SPT_TMF", rules=True),
                  lambda v: v.TaskManagementFunction not in known)
    # Shrinks to the smallest code TmfFunction does not define: 0.
    assert found.TaskManagementFunction == 0


def test_known_codes_come_first_when_shrinking() -> None:
    found = _find(values("ISCSITGT_SPT_TMF"), lambda v: True)
    assert found.TaskManagementFunction == TmfFunction.ABORT_TASK  # first known code
    assert found.get_path("Header.HeaderLength") == 28  # the rule's value: sizeof header


#: Pinning the two long strings keeps shrinking a SESSION_START cheap.
_ONLY_PEER = {"ITNexus": "", "ChapUserName": ""}


def test_full_length_and_astral_strings_are_reachable() -> None:
    full = _find(values("ISCSITGT_SPT_SESSION_START", rules=True, fixed=_ONLY_PEER),
                 lambda v: len(v.PeerAddress) == 64)
    assert full.PeerAddress.isascii()
    astral = _find(text_for(256), lambda t: any(ord(c) > 0xFFFF for c in t))
    assert len(astral.encode("utf-16-le")) == 4  # shrinks to a single surrogate pair
    non_ascii = _find(text_for(512), lambda t: not t.isascii())
    assert len(non_ascii) == 1


def test_full_length_with_astral_fits_exactly() -> None:
    found = _find(text_for(5), lambda t: any(ord(c) > 0xFFFF for c in t)
                  and len(t.encode("utf-16-le")) == 10)
    assert len(found.encode("utf-16-le")) == 10


def test_buffers_reach_non_canonical_bytes() -> None:
    odd_bool = _find(buffers("SCSI_PASS_THROUGH_AUXILIARY"),
                     lambda b: api.decode("SCSI_PASS_THROUGH_AUXILIARY", b).IsFinal not in (0, 1))
    # win64/u64: Size 0..4, Signature 4..12, padding 12..16 (the cookies are 8-aligned),
    # SessionCookie 16..24, TaskCookie 24..32, SequenceByteOffset 32..36, IsFinal 36..40.
    assert int.from_bytes(odd_bool[36:40], "little", signed=True) in (2, -1)
    tail = _find(buffers("ISCSITGT_SPT_SESSION_START", rules=True, fixed=_ONLY_PEER),
                 lambda b: isinstance(api.decode("ISCSITGT_SPT_SESSION_START", b).PeerAddress,
                                      WcharText))
    assert isinstance(api.decode("ISCSITGT_SPT_SESSION_START", tail).PeerAddress, WcharText)


def test_failing_buffer_shrinks_to_a_small_example() -> None:
    # ISCSITGT_SPT_SESSION_STOP win64/u64: 28-byte header, 4 padding bytes (28..32), cookie.
    found = _find(buffers("ISCSITGT_SPT_SESSION_STOP"), lambda b: any(b[28:32]))
    assert found[28:32] == b"\0\0\0\x01"  # smallest non-zero padding
    assert found[32:40] == bytes(8)  # cookie shrunk to 0
    assert found[4:12] == bytes(8)  # Signature is free bytes: shrunk to zeros
    assert found[0:4] == (28).to_bytes(4, "little")  # HeaderLength: its known value


def test_integers_for_stays_within_the_c_type() -> None:
    layout = get_layout("SCSI_PASS_THROUGH_AUXILIARY")
    member = layout.member("IsFinal")
    low = _find(integers_for(layout, member), lambda v: v < 0)
    assert low == -1
    high = _find(integers_for(layout, member), lambda v: v > 2**30)
    assert high <= 2**31 - 1


def test_profiles_cover_every_profile() -> None:
    seen: set[Profile] = set()

    @settings(max_examples=100, database=None)
    @given(profiles())
    def collect(p: Profile) -> None:
        seen.add(p)

    collect()
    assert seen == {Profile(a, c) for a in ("win64", "win32") for c in ("u64", "ptr")}
