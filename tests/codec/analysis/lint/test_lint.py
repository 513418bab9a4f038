"""Lint: every finding code fires on a perturbed buffer and stays quiet on a clean one.

Buffers are canonical builds perturbed at offsets taken from the layouts; numbers written
here are hand derivations noted in comments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from _examples import examples
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec import build, decode_buffer, encode
from iscsitgt_spt.codec.analysis.lint import (
    RULES,
    Finding,
    lint,
    lint_bytes,
    rule,
    summarize,
    wchar_issue,
    worst,
)
from iscsitgt_spt.codec.values import WcharText
from iscsitgt_spt.spec import Profile, get_layout
from iscsitgt_spt.spec.constants import DataIn, TmfFunction

WIN64 = Profile()
WIN32 = Profile("win32", "u64")
TMF, STOP, START = "ISCSITGT_SPT_TMF", "ISCSITGT_SPT_SESSION_STOP", "ISCSITGT_SPT_SESSION_START"
SPT = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
COOKIE = 0x2C3D5E70  # fits every cookie width, win32/ptr included


def clean(name: str, profile: Profile = WIN64) -> bytes:
    """A buffer with nothing to report: canonical, with cookies and a sensible request."""
    table: dict[str, dict[str, Any]] = {
        TMF: {"ITNexusHandle": COOKIE, "Lun": 1,
              "TaskManagementFunction": TmfFunction.ABORT_TASK, "ReferenceTaskCookie": 0x17},
        STOP: {"ITNexusHandle": COOKIE},
        START: {"ITNexusHandle": COOKIE, "PeerAddress": "192.0.2.17", "ITNexus": "iqn.x,i,1"},
        SPT: {"ScsiPassThroughDirect": {"CdbLength": 10, "DataIn": DataIn.SCSI_IOCTL_DATA_IN,
                                        "DataTransferLength": 512, "DataBuffer": 0x1000},
              "ScsiPassThroughAuxiliary": {"SessionCookie": COOKIE, "TaskCookie": 0x17,
                                           "IsFinal": 1}},
    }
    return encode(build(name, table[name], profile=profile))


def put(data: bytes, name: str, path: str, value: int | bytes, profile: Profile = WIN64) -> bytes:
    member = get_layout(name, profile).member(path)
    raw = value if isinstance(value, bytes) else value.to_bytes(
        member.size, "little", signed=member.signed)
    out = bytearray(data)
    out[member.offset : member.offset + len(raw)] = raw
    return bytes(out)


def codes(data: bytes, **kwargs: object) -> set[str]:
    return {f.code for f in lint_bytes(data, **kwargs)}  # type: ignore[arg-type]


def only(data: bytes, code: str, **kwargs: object) -> Finding:
    found = [f for f in lint_bytes(data, **kwargs) if f.code == code]  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


def offset(name: str, path: str, profile: Profile = WIN64) -> int:
    return get_layout(name, profile).member(path).offset


def wchar_with_garbage() -> bytes:
    size = get_layout(START).member("ITNexus").size
    text = "iqn".encode("utf-16-le")
    data = put(clean(START), START, "ITNexus", text + bytes(size - len(text)))
    garbage_at = offset(START, "ITNexus") + 8  # after "iqn" (6 bytes) and the NUL unit (2)
    return data[:garbage_at] + b"Z" + data[garbage_at + 1 :]


def sptd_len() -> int:
    return get_layout("SCSI_PASS_THROUGH_DIRECT", WIN64).size


# One perturbation per finding code: (buffer, lint_bytes keyword arguments).
FIRES: dict[str, Callable[[], tuple[bytes, dict[str, object]]]] = {
    "truncated": lambda: (clean(TMF)[:40], {}),
    "unrecognised": lambda: (b"\x01" * 40, {}),
    "trailing-bytes": lambda: (clean(TMF) + b"\0\0", {}),
    "header-length": lambda: (put(clean(TMF), TMF, "Header.HeaderLength", 24), {"name": TMF}),
    "srb-length": lambda: (put(clean(TMF), TMF, "Header.Length", 20), {}),
    "unknown-control-code": lambda: (put(clean(TMF), TMF, "Header.ControlCode", 0x999), {}),
    "control-code-mismatch": lambda: (clean(TMF), {"name": STOP}),
    "unknown-signature": lambda: (put(clean(TMF), TMF, "Header.Signature", b"NvmeMini"), {}),
    "return-code-nonzero": lambda: (put(clean(TMF), TMF, "Header.ReturnCode", 5), {}),
    "return-code-in-request": lambda: (put(clean(TMF), TMF, "Header.ReturnCode", 5),
                                       {"output": False}),
    "wchar-unterminated": lambda: (put(clean(START), START, "PeerAddress",
                                       "1".encode("utf-16-le") * 64), {}),
    "wchar-after-terminator": lambda: (wchar_with_garbage(), {}),
    "wchar-invalid-utf16": lambda: (put(clean(START), START, "ChapUserName",
                                        b"\x00\xd8A\x00"), {}),
    "padding-nonzero": lambda: (put(clean(TMF), TMF, "_pad_tail", b"\xcc"), {}),
    "bool-noncanonical": lambda: (put(clean(START), START, "IsReinstated", -1), {}),
    "tmf-function-unknown": lambda: (put(clean(TMF), TMF, "TaskManagementFunction", 13), {}),
    "tmf-function-pdu-byte": lambda: (put(clean(TMF), TMF, "TaskManagementFunction", 0x81), {}),
    "tmf-response-unknown": lambda: (put(clean(TMF), TMF, "Response", 9), {}),
    "tmf-reference-ignored": lambda: (put(clean(TMF), TMF, "TaskManagementFunction",
                                          TmfFunction.LOGICAL_UNIT_RESET), {}),
    "session-cookie-zero": lambda: (put(clean(STOP), STOP, "ITNexusHandle", 0), {}),
    "sptd-length": lambda: (put(clean(SPT), SPT, "ScsiPassThroughDirect.Length",
                                get_layout("SCSI_PASS_THROUGH_DIRECT", WIN32).size), {}),
    "aux-size": lambda: (put(clean(SPT), SPT, "ScsiPassThroughAuxiliary.Size", 0), {}),
    "sense-info-offset": lambda: (put(clean(SPT), SPT, "ScsiPassThroughDirect.SenseInfoOffset",
                                      sptd_len()), {}),
    "sense-info-length": lambda: (put(clean(SPT), SPT, "ScsiPassThroughDirect.SenseInfoLength",
                                      get_layout("SENSE_DATA").size + 1), {}),
    "data-in-invalid": lambda: (put(clean(SPT), SPT, "ScsiPassThroughDirect.DataIn", 3), {}),
    "data-unspecified-length": lambda: (put(clean(SPT), SPT, "ScsiPassThroughDirect.DataIn",
                                            DataIn.SCSI_IOCTL_DATA_UNSPECIFIED), {}),
    "data-buffer-null": lambda: (put(clean(SPT), SPT, "ScsiPassThroughDirect.DataBuffer", 0), {}),
    "cdb-length": lambda: (put(clean(SPT), SPT, "ScsiPassThroughDirect.CdbLength", 17), {}),
}


def test_rule_table_is_complete_and_well_formed() -> None:
    listed = [r.code for r in RULES]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(FIRES), "every rule needs a firing case here"
    for info in RULES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", info.code)
        assert info.severity in ("error", "warning", "info")
        assert info.title and info.explanation and "\n" not in info.explanation
        assert rule(info.code) is info


@pytest.mark.parametrize("code", sorted(FIRES))
def test_each_rule_fires(code: str) -> None:
    data, kwargs = FIRES[code]()
    found = [f for f in lint_bytes(data, **kwargs) if f.code == code]  # type: ignore[arg-type]
    assert found, f"{code} did not fire"
    for f in found:
        assert f.severity == rule(code).severity
        assert "\n" not in f.message and f.message
        assert f.offset >= 0


@pytest.mark.parametrize("name", [TMF, STOP, START, SPT])
@pytest.mark.parametrize("profile", [WIN64, WIN32, Profile("win32", "ptr")], ids=str)
def test_clean_buffers_have_no_findings(name: str, profile: Profile) -> None:
    assert lint_bytes(clean(name, profile)) == []


def test_header_length_names_path_offset_and_the_derived_size() -> None:
    f = only(put(clean(TMF), TMF, "Header.HeaderLength", 24), "header-length", name=TMF)
    assert f.path == "ISCSITGT_SPT_TMF.Header.HeaderLength"
    assert f.offset == offset(TMF, "Header.HeaderLength")
    assert f.severity == "error"
    # sizeof(SRB_IO_CONTROL) by hand: HeaderLength 4 + Signature 8 + Timeout, ControlCode,
    # ReturnCode, Length 4 each = 28.
    assert "sizeof(SRB_IO_CONTROL) is 28" in f.message


def test_srb_length_compares_with_the_bytes_present_and_hints_the_abi() -> None:
    win32_ptr_payload = get_layout(TMF, Profile("win32", "ptr")).size - get_layout(
        "SRB_IO_CONTROL").size
    wrong = put(clean(TMF), TMF, "Header.Length", win32_ptr_payload)
    # Under win64 (as --abi win64 asks) the Length is the win32/ptr value: the hint says so.
    # The profile is given because detection now trusts the self-describing Length over the
    # buffer's length and would decode this buffer as win32/ptr with 16 trailing bytes.
    f = only(wrong, "srb-length", profile=WIN64)
    assert "win32/ptr" in f.message
    trailing = only(wrong, "trailing-bytes")
    assert "64 is the win64 (either cookie) or win32/u64 value" in trailing.message
    # A Length that counts trailing bytes matches the bytes present: no srb-length.
    data = clean(TMF) + b"\0\0"
    longer = put(data, TMF, "Header.Length", len(data) - get_layout("SRB_IO_CONTROL").size)
    assert "srb-length" not in codes(longer)
    assert "trailing-bytes" in codes(longer)


def test_unknown_control_code_mentions_the_undecoded_payload() -> None:
    f = only(put(clean(TMF), TMF, "Header.ControlCode", 0x999), "unknown-control-code")
    assert f.path == "SRB_IO_CONTROL.ControlCode" and "payload" in f.message


def test_signature_findings_are_info_and_cover_the_auxiliary_signature() -> None:
    data = put(clean(SPT), SPT, "ScsiPassThroughAuxiliary.Signature", b"XXXXXXXX")
    f = only(data, "unknown-signature")
    assert f.severity == "info"
    assert f.offset == offset(SPT, "ScsiPassThroughAuxiliary.Signature")


def test_wchar_after_terminator_points_at_the_garbage() -> None:
    f = only(wchar_with_garbage(), "wchar-after-terminator")
    assert f.offset == offset(START, "ITNexus") + 8
    assert "1 non-zero byte after the terminator" in f.message


def test_full_length_canonical_string_has_no_terminator() -> None:
    fills = encode(build(START, {"ITNexusHandle": COOKIE, "ITNexus": "a" * 512}))
    assert "wchar-unterminated" in codes(fills)
    one_short = encode(build(START, {"ITNexusHandle": COOKIE, "ITNexus": "a" * 511}))
    assert "wchar-unterminated" not in codes(one_short)


def test_wchartext_value_via_build_is_linted() -> None:
    raw = "ab".encode("utf-16-le") + b"\0\0" + b"\x01\x00" + bytes(128 - 8)
    value = build(START, {"ITNexusHandle": COOKIE, "PeerAddress": WcharText(raw)})
    assert {f.code for f in lint(decode_buffer(encode(value)))} == {"wchar-after-terminator"}


def test_bool_one_is_canonical() -> None:
    assert "bool-noncanonical" not in codes(put(clean(START), START, "IsReinstated", 1))
    f = only(put(clean(SPT), SPT, "ScsiPassThroughAuxiliary.IsFinal", 2), "bool-noncanonical")
    assert f.severity == "info"


def test_tmf_function_with_bit7_but_unknown_low_bits_is_just_unknown() -> None:
    # 0x8D: low 7 bits 13, not an RFC 7143/7144 function.
    data = put(clean(TMF), TMF, "TaskManagementFunction", 0x8D)
    assert {"tmf-function-unknown"} <= codes(data)
    assert "tmf-function-pdu-byte" not in codes(data)
    pdu = only(put(clean(TMF), TMF, "TaskManagementFunction", 0x81), "tmf-function-pdu-byte")
    assert "bit 7" in pdu.message and "ABORT_TASK" in pdu.message


@pytest.mark.parametrize("function", list(TmfFunction))
def test_reference_cookie_rule_follows_uses_referenced_task(function: TmfFunction) -> None:
    data = put(clean(TMF), TMF, "TaskManagementFunction", int(function))
    assert ("tmf-reference-ignored" in codes(data)) == (not function.uses_referenced_task)


def test_session_cookie_zero_policy() -> None:
    zero_tmf = put(clean(TMF), TMF, "ITNexusHandle", 0)
    assert "session-cookie-zero" in codes(zero_tmf)
    assert "session-cookie-zero" not in codes(zero_tmf, expect_session=False)
    zero_aux = put(clean(SPT), SPT, "ScsiPassThroughAuxiliary.SessionCookie", 0)
    assert "session-cookie-zero" in codes(zero_aux)
    # SESSION_START creates the session: a zero handle there is not flagged.
    assert "session-cookie-zero" not in codes(put(clean(START), START, "ITNexusHandle", 0))


def test_return_code_depends_on_the_direction() -> None:
    failed = put(clean(STOP), STOP, "Header.ReturnCode", 0xC0000001)
    f = only(failed, "return-code-nonzero", output=True)
    assert f.severity == "warning" and "unpublished" in f.message
    assert codes(failed, output=False) == {"return-code-in-request"}
    assert codes(failed) == {"return-code-nonzero"}  # direction unknown: assume the worst
    assert lint_bytes(clean(STOP), output=True) == []


def test_sptd_length_of_the_other_abi_is_hinted() -> None:
    f = only(FIRES["sptd-length"]()[0], "sptd-length")
    assert "win32" in f.message and f.offset == 0


def test_sense_rules_quiet_on_shorter_sense_and_no_sense() -> None:
    shorter = put(clean(SPT), SPT, "ScsiPassThroughDirect.SenseInfoLength", 8)
    assert lint_bytes(shorter) == []
    none = put(put(clean(SPT), SPT, "ScsiPassThroughDirect.SenseInfoLength", 0), SPT,
               "ScsiPassThroughDirect.SenseInfoOffset", 0)
    assert lint_bytes(none) == []


def test_data_rules_quiet_on_consistent_transfers() -> None:
    no_data = put(put(clean(SPT), SPT, "ScsiPassThroughDirect.DataTransferLength", 0), SPT,
                  "ScsiPassThroughDirect.DataBuffer", 0)
    unspecified = put(no_data, SPT, "ScsiPassThroughDirect.DataIn",
                      DataIn.SCSI_IOCTL_DATA_UNSPECIFIED)
    assert lint_bytes(unspecified) == []
    full_cdb = put(clean(SPT), SPT, "ScsiPassThroughDirect.CdbLength",
                   get_layout(SPT).member("ScsiPassThroughDirect.Cdb").size)
    assert lint_bytes(full_cdb) == []


def test_truncated_buffer_yields_findings_not_exceptions() -> None:
    data = clean(TMF)[:40]
    found = lint_bytes(data)
    truncated = [f for f in found if f.code == "truncated"]
    assert len(truncated) == 1
    layout = get_layout(TMF)
    cut = layout.member_at(len(data))
    assert cut is not None
    assert truncated[0].path == f"{TMF}.{cut.path}" and truncated[0].offset == len(data)
    # The header is whole, so its own checks still run: Length promises more than is there.
    srb = [f for f in found if f.code == "srb-length"]
    assert srb and srb[0].path == f"{TMF}.Header.Length"


def test_unknown_ioctl_is_unrecognised() -> None:
    assert codes(clean(TMF), ioctl=0x12345678) == {"unrecognised"}


def test_findings_are_in_byte_order_and_summarised() -> None:
    data = put(put(clean(TMF), TMF, "Response", 9), TMF, "Header.ReturnCode", 1)
    found = lint_bytes(data + b"\0")
    assert [f.offset for f in found] == sorted(f.offset for f in found)
    # ReturnCode, Response and the extra byte warn; the Length no longer matching the bytes
    # present is an error.
    assert worst(found) == "error"
    assert summarize(found) == "1 error, 3 warnings, 0 info"
    assert worst([]) is None
    assert str(found[0]).startswith("warning: ISCSITGT_SPT_TMF.Header.ReturnCode at 0x14: ")
    assert found[0].to_dict()["code"] == "return-code-nonzero"


def test_lint_uses_raw_length_when_given() -> None:
    decoded = decode_buffer(clean(TMF))
    assert lint(decoded) == []
    assert {f.code for f in lint(decoded, raw=clean(TMF) + b"\0")} == {"srb-length"}


def test_a_header_cut_short_still_gets_its_whole_members_checked() -> None:
    # SRB_IO_CONTROL: HeaderLength 0..3, Signature 4..11, Timeout 12..15, ControlCode 16..19,
    # ReturnCode 20..23, Length 24..27.  26 bytes cut Length; the Signature is whole.
    data = put(clean(TMF), TMF, "Header.Signature", b"NvmeMini")[:26]
    found = {f.code: f for f in lint_bytes(data, name=TMF, profile=WIN64)}
    assert found["truncated"].path == f"{TMF}.Header.Length" and found["truncated"].offset == 26
    assert found["unknown-signature"].offset == 4
    assert "srb-length" not in found  # Length is not there to compare


@st.composite
def _whole_buffers(draw: Any) -> tuple[Any, bytes, bytes]:
    from _cached_strategies import buffers_or_bytes_of
    from iscsitgt_spt.spec.profiles import PROFILES
    from iscsitgt_spt.spec.registry import STRUCTURES

    name = draw(st.sampled_from(sorted(STRUCTURES)))
    profile = draw(st.sampled_from(PROFILES))
    layout = get_layout(name, profile)
    data = draw(buffers_or_bytes_of(name, profile))  # built once per case
    return layout, data, draw(st.one_of(st.just(b""), st.binary(max_size=6)))


# 100 derandomized examples (tests/_examples.py; were 300 random ones): they draw every
# structure, every profile and every output setting (checked when the count was set).
@examples(100, deadline=None)
@given(_whole_buffers(), st.sampled_from([None, False, True]), st.booleans())
def test_lint_whole_is_lint_of_the_decoded_buffer(
    case: tuple[Any, bytes, bytes], output: bool | None, expect_session: bool
) -> None:
    # The reference: lint of the decoded value (its members flattened from the value).
    from iscsitgt_spt.codec.analysis.lint import lint_whole
    from iscsitgt_spt.codec.dispatch import Decoded
    from iscsitgt_spt.codec.fast import fast_decode

    layout, data, trailing = case
    want = lint(Decoded(fast_decode(layout, data), trailing=trailing), raw=data + trailing,
                output=output, expect_session=expect_session)
    assert lint_whole(layout, data, trailing=trailing, output=output,
                      expect_session=expect_session) == want


def _fuzz_buffers() -> list[tuple[Any, bytes]]:
    """What ``fuzz`` writes for every structure, mode (valid, boundary: cut short and
    extended, mutate) and profile: (profile, bytes) of each case, with its structure."""
    from iscsitgt_spt.codec.fuzzing.corpus import MODES, generate
    from iscsitgt_spt.spec.profiles import PROFILES
    from iscsitgt_spt.spec.registry import STRUCTURES

    cases = generate(sorted(STRUCTURES), list(PROFILES), MODES, count=3, seed=11)
    return [(case.structure, case.profile, case.data) for case in cases]


def _lint_all(buffers: list[Any]) -> list[list[Finding]]:
    return [lint_bytes(data, name=name, profile=profile) for name, profile, data in buffers]


def test_where_a_finding_is_is_the_same_with_and_without_the_memo(monkeypatch: Any) -> None:
    # A finding's severity, full path and offset are worked out once per layout, rule and
    # place (the lint plan's memo of spots).  The reference is the same lint pass with that
    # memo emptied and off (_SPOTS_BOUND = 0): the same _spot code, so this proves only that
    # memoising is transparent (twice over the same buffers: the second pass reads every
    # spot from the memo); the spots' values themselves are the hand derivations of the tests
    # above.  Inputs: the fuzz generator's cases of every structure, mode and profile.
    import importlib

    lint_module = importlib.import_module("iscsitgt_spt.codec.analysis._lint.checks")
    plans = importlib.import_module("iscsitgt_spt.codec.analysis.lint_plan")
    buffers = _fuzz_buffers()
    with_memo = _lint_all(buffers)
    assert _lint_all(buffers) == with_memo
    monkeypatch.setattr(lint_module, "_SPOTS_BOUND", 0)
    for plan in plans._PLANS.values():
        monkeypatch.setattr(plan, "spots", {})
    assert _lint_all(buffers) == with_memo
    assert all(not plan.spots for plan in plans._PLANS.values())  # the memo was off
    findings = [f for found in with_memo for f in found]
    assert len({f.code for f in findings}) > 15  # not vacuous: most rules fired
    for f in findings:  # each severity is its rule's, as the catalogue defines it
        assert f.severity == rule(f.code).severity


def test_the_spots_memo_stays_bounded(monkeypatch: Any) -> None:
    # More places than the memo holds (a small bound, so the test is quick): findings are
    # still those of the lint pass without the memo and the memo stops growing at its bound.
    import importlib

    lint_module = importlib.import_module("iscsitgt_spt.codec.analysis._lint.checks")
    plans = importlib.import_module("iscsitgt_spt.codec.analysis.lint_plan")
    buffers = _fuzz_buffers()
    monkeypatch.setattr(lint_module, "_SPOTS_BOUND", 0)
    for plan in plans._PLANS.values():
        monkeypatch.setattr(plan, "spots", {})
    want = _lint_all(buffers)
    monkeypatch.setattr(lint_module, "_SPOTS_BOUND", 3)
    assert _lint_all(buffers) == want
    assert _lint_all(buffers) == want
    assert max(len(plan.spots) for plan in plans._PLANS.values()) == 3


# A string's UTF-16 length, by the encoder itself (surrogatepass: a lone surrogate is its one
# code unit, a character past U+FFFF two): the reference for wchar_issue's length tests, which
# tell most strings' length without encoding them.  Sizes drawn around twice and four times
# the length, where the shortcuts' bounds are: a shortcut taking a character for two bytes
# whatever it is failed it on a string with characters past U+FFFF.
@examples(300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40),
       st.integers(-2, 4))
def test_wchar_issue_of_a_string_is_its_utf16_length_against_the_field(
    value: str, shift: int
) -> None:
    units = len(value.encode("utf-16-le", errors="surrogatepass"))
    for size in {max(0, units + shift), 2 * len(value) + shift, 4 * len(value) + shift}:
        if size < 0:
            continue
        want = (("wchar-unterminated", 0, "fills the field with no NUL terminator")
                if units >= size else None)
        assert wchar_issue(value, size) == want, (value, size)


def test_the_other_profiles_hint_names_exactly_the_profiles_a_value_fits() -> None:
    # The hint after a size or Length finding: a value is another profile's when that
    # profile's layout (sizeof, or the Length rule's expected value) holds it; read here
    # from the layouts, not from the lint pass.  Every such value, its neighbours, zero,
    # and a value no layout holds, for every structure and profile.
    from iscsitgt_spt.codec.analysis._lint.checks import _other_profiles
    from iscsitgt_spt.spec.profiles import PROFILES
    from iscsitgt_spt.spec.registry import STRUCTURES

    for name in sorted(STRUCTURES):
        for path in (None, "Header.Length"):
            if path is not None and path not in get_layout(name, WIN64).rules:
                continue
            held = {p: (get_layout(name, p).size if path is None
                        else get_layout(name, p).rules[path][1]) for p in PROFILES}
            values = {v + d for v in held.values() for d in (-1, 0, 1)} | {0, 99_999}
            for profile in PROFILES:
                for value in sorted(values):
                    text = _other_profiles(name, path, value, profile)
                    fits = [p for p in PROFILES if p != profile and held[p] == value]
                    assert bool(text) == bool(fits), (name, path, profile, value, text)
                    if fits:
                        assert text.startswith(f"; {value} is the ") and \
                            text.endswith(" value: wrong --abi/--cookie?")
