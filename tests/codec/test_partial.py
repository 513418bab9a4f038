"""decode_partial: the members a cut buffer holds whole, and nothing past them.

The buffers are the mingw-w64 golden vectors (tests/vectors/README.md); expected values are
their ``expected.json`` initialiser values or bytes read off the vector itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from iscsitgt_spt.codec import MemberCut, ParseError, decode_partial
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "c"
SPT = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
WIN32_PTR = Profile("win32", "ptr")


def vector(profile: Profile, name: str) -> tuple[bytes, dict[str, Any]]:
    folder = VECTORS / f"{profile.abi}-{profile.cookie}"
    expected = json.loads((folder / f"{name}.expected.json").read_text(encoding="utf-8"))
    return (folder / f"{name}.bin").read_bytes(), expected["values"]


def test_whole_members_read_and_cut_ones_raise() -> None:
    data, values = vector(WIN32_PTR, "ISCSITGT_SPT_TMF")
    # win32/ptr, by hand: header 0..27, ITNexusHandle 28..31, Lun 32..35, function 36, pad
    # 37..39, ReferenceTaskCookie 40..43, Response 44.  Cut at 42: inside the cookie.
    part = decode_partial("ISCSITGT_SPT_TMF", data[:42], profile=WIN32_PTR)
    assert part.get_path("ITNexusHandle") == values["ITNexusHandle"]
    assert part.get_path("Lun") == values["Lun"]
    assert part.get_path("Header.Timeout") == values["Header"]["Timeout"]
    assert part.cut is not None and part.cut.path == "ReferenceTaskCookie"
    with pytest.raises(MemberCut, match="ReferenceTaskCookie"):
        part.get_path("ReferenceTaskCookie")
    with pytest.raises(MemberCut):
        part.get_path("Response")
    assert part.whole("Lun") and not part.whole("Response")
    assert "Response" in part and "NoSuchMember" not in part
    error = part.error
    assert isinstance(error, ParseError)
    assert (error.path, error.offset) == ("ISCSITGT_SPT_TMF.ReferenceTaskCookie", 42)


def test_nested_structure_cut_keeps_its_whole_members() -> None:
    data, values = vector(WIN32_PTR, SPT)
    # win32 SCSI_PASS_THROUGH_DIRECT: Length 0..1 ... DataBuffer 20..23, SenseInfoOffset
    # 24..27, Cdb 28..43.  Cut at 30: SenseInfoOffset is whole, Cdb is not.
    part = decode_partial(SPT, data[:30], profile=WIN32_PTR)
    doc = part.to_json()
    sptd = doc["ScsiPassThroughDirect"]
    assert sptd["DataBuffer"] == values["ScsiPassThroughDirect"]["DataBuffer"]
    assert sptd["SenseInfoOffset"] == values["ScsiPassThroughDirect"]["SenseInfoOffset"]
    assert "Cdb" not in sptd
    assert set(doc) == {"ScsiPassThroughDirect"}
    present = {m.path: v for m, v in part.present()}
    assert present["ScsiPassThroughDirect"] is None  # a structure the buffer cuts
    assert present["ScsiPassThroughDirect.Cdb"] is None
    assert "ScsiPassThroughAuxiliary" not in present


def test_bit_fields_are_whole_with_their_unit() -> None:
    data, values = vector(Profile(), "SENSE_DATA")
    part = decode_partial("SENSE_DATA", data[:3], profile=Profile())
    assert part.get_path("SenseKey") == values["SenseKey"]
    assert part.get_path("Valid") == values["Valid"]
    with pytest.raises(MemberCut):
        part.get_path("Information")


def test_a_whole_buffer_is_not_partial() -> None:
    data, _ = vector(Profile(), "ISCSITGT_SPT_TMF")
    with pytest.raises(ValueError):
        decode_partial("ISCSITGT_SPT_TMF", data, profile=Profile())
    assert get_layout("ISCSITGT_SPT_TMF").size == len(data)


def _whole_by_offsets(layout: Any, full: dict[str, Any], base: int, available: int
                      ) -> dict[str, Any]:
    # The reference: the JSON of the WHOLE value (value_to_json of the padded decode, every
    # member converted together, by the structure's one generated converter), its members
    # kept by their offsets as the docs define a cut buffer's value: a member whose bytes all
    # came in, and a nested structure the cut falls in with its own whole members.
    out: dict[str, Any] = {}
    for member in layout.members:
        start, end = base + member.offset, base + member.end
        if end <= available:
            out[member.name] = full[member.name]
        elif member.kind == "struct" and start < available:
            out[member.name] = _whole_by_offsets(layout.sublayout(member.path),
                                                 full[member.name], start, available)
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_to_json_is_the_whole_values_json_cut_to_its_whole_members(seed: int) -> None:
    # Every structure and profile, every cut length, bytes from the fuzz generator (valid and
    # mutated: canonical and non-canonical WCHAR strings, BOOLs, padding): to_json converts
    # only the members it keeps (per-member converters), the reference converts them all.
    from iscsitgt_spt.codec.fast import fast_decode
    from iscsitgt_spt.codec.fuzzing.corpus import generate
    from iscsitgt_spt.codec.jsonform import value_to_json
    from iscsitgt_spt.spec.profiles import PROFILES
    from iscsitgt_spt.spec.registry import STRUCTURES

    checked = 0
    for case in generate(sorted(STRUCTURES), list(PROFILES), ("valid", "mutate"), count=1,
                         seed=seed):
        layout = get_layout(case.structure, case.profile)
        data = (case.data + bytes(layout.size))[:layout.size]
        full = value_to_json(fast_decode(layout, data))
        for available in range(layout.size):
            partial = decode_partial(case.structure, data[:available], profile=case.profile)
            assert partial.to_json() == _whole_by_offsets(layout, full, 0, available)
            checked += 1
    assert checked > 10_000  # every cut of every structure and profile
