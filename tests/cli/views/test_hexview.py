"""render_hexdump: the left part is checked against the real ``hexdump -C``; the annotations
against the layouts and hand derivations."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _tools import need_tool
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.cli.views import hexview
from iscsitgt_spt.cli.views.hexview import iter_hexdump, render_hexdump
from iscsitgt_spt.cli.views.text import DIM, RED
from iscsitgt_spt.codec import build, decode_buffer, encode
from iscsitgt_spt.codec.analysis.lint import lint, lint_bytes
from iscsitgt_spt.spec import get_layout
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES

TMF, START = "ISCSITGT_SPT_TMF", "ISCSITGT_SPT_SESSION_START"
SPT = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"


def tmf_bytes(**fields: object) -> bytes:
    base: dict[str, object] = {"ITNexusHandle": 0xFFFFA0012C3D5E70, "Lun": 1,
                               "TaskManagementFunction": 1}
    base.update(fields)
    return encode(build(TMF, base))


def row(dump: str, offset: int) -> tuple[str, str | None]:
    """The row starting at ``offset`` and the marker row under it, if any."""
    lines = dump.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{offset:08x}  "):
            after = lines[i + 1] if i + 1 < len(lines) else ""
            return line, after if after.startswith(" " * 10) else None
    raise AssertionError(f"no row at {offset:#x}")


def column(byte_in_row: int) -> int:
    """Where a byte's two hex digits start: ``hexdump -C`` puts offset (8) + 2 spaces, then
    3 characters per byte and one extra space after the eighth."""
    return 10 + 3 * byte_in_row + (1 if byte_in_row >= 8 else 0)


@pytest.mark.parametrize("extra", [b"", b"abc"])
def test_left_part_matches_hexdump_c(tmp_path: Path, extra: bytes) -> None:
    hexdump = need_tool("hexdump", "apt-get install bsdextrautils")
    data = encode(build(START, {"ITNexusHandle": 7, "PeerAddress": "192.0.2.17",
                                "ITNexus": "iqn.1991-05.com.microsoft:initiator01"})) + extra
    path = tmp_path / "buf.bin"
    path.write_bytes(data)
    reference = subprocess.run([hexdump, "-C", str(path)], check=True, capture_output=True,
                               text=True).stdout.splitlines()
    ours = render_hexdump(decode_buffer(data), data)
    checked = 0
    for ref in reference:
        if ref == "*" or "|" not in ref:
            continue
        offset = int(ref.split()[0], 16)
        line, _ = row(ours, offset)
        assert line.startswith(ref), (ref, line)
        checked += 1
    assert checked >= 8
    # hexdump's last line is the length in hex; ours ends the same way.
    assert reference[-1] in ours.splitlines()


def test_labels_name_the_members_of_each_row() -> None:
    data = tmf_bytes()
    dump = render_hexdump(decode_buffer(data), data)
    assert dump.splitlines()[0] == "ISCSITGT_SPT_TMF (win64/u64, 64 bytes), 64 bytes"
    first, _ = row(dump, 0)
    assert first.endswith("|  Header.{HeaderLength, Signature, Timeout}")
    # Row 0x20: ITNexusHandle @32, Lun @40, TaskManagementFunction @44 (padding not named).
    third, _ = row(dump, 0x20)
    assert third.endswith("|  ITNexusHandle, Lun, TaskManagementFunction")


def test_padding_is_marked_under_its_bytes() -> None:
    data = tmf_bytes()
    dump = render_hexdump(decode_buffer(data), data)
    pad = get_layout(TMF).member("_pad_before_ITNexusHandle")
    _, marker = row(dump, 0x10)
    assert marker is not None and marker.endswith("_ padding")
    for k in range(16):
        cell = marker[column(k) : column(k) + 2]
        assert cell == ("__" if pad.offset <= 0x10 + k < pad.end else "  ")
    assert "legend: __ padding" in dump


def test_findings_are_marked_and_named() -> None:
    data = tmf_bytes(Header={"HeaderLength": 24})
    decoded = decode_buffer(data, name=TMF)
    dump = render_hexdump(decoded, data, findings=lint(decoded))
    _, marker = row(dump, 0)
    assert marker is not None
    length = get_layout(TMF).member("Header.HeaderLength")
    assert all(marker[column(k) : column(k) + 2] == "!!" for k in range(length.offset, length.end))
    assert marker[column(length.end) : column(length.end) + 2] == "  "
    assert marker.endswith("! header-length")


def test_trailing_and_payload_are_labelled() -> None:
    data = tmf_bytes() + b"\x01\x02"
    decoded = decode_buffer(data)
    dump = render_hexdump(decoded, data, findings=lint(decoded))
    line, marker = row(dump, 0x40)
    assert line.endswith("(trailing)")
    assert marker is not None and marker.endswith("! trailing-bytes")
    header = encode(build("SRB_IO_CONTROL", {"ControlCode": 0x999, "Length": 4})) + b"abcd"
    dump = render_hexdump(decode_buffer(header), header)
    line, _ = row(dump, 0x10)
    assert line.endswith("|  ControlCode, ReturnCode, Length, (payload)")


def test_colour_replaces_padding_markers() -> None:
    data = tmf_bytes(Response=9)
    decoded = decode_buffer(data)
    dump = render_hexdump(decoded, data, color=True, findings=lint(decoded))
    line, marker = row(dump, 0x10)
    assert f"{DIM}00" in line and marker is None
    line, marker = row(dump, 0x30)
    assert f"{RED}09" in line and marker is not None and "tmf-response-unknown" in marker
    assert "\x1b[" not in render_hexdump(decoded, data)


def test_long_zero_runs_collapse_like_hexdump() -> None:
    data = encode(build(START, {"ITNexusHandle": 7}))
    dump = render_hexdump(decode_buffer(data), data)
    assert "\n*\n" in dump
    assert len(dump.splitlines()) < len(data) // 16
    assert dump.splitlines()[-1] == f"{len(data):08x}"


def test_truncated_buffer_with_a_layout() -> None:
    data = tmf_bytes()[:40]
    dump = render_hexdump(get_layout(TMF), data, findings=lint_bytes(data))
    assert "(the buffer ends at 0x28 inside Lun; ISCSITGT_SPT_TMF is 64 bytes" in dump
    _, marker = row(dump, 0x10)
    assert marker is not None and "srb-length" in marker


def test_plain_dump_and_other_widths() -> None:
    dump = render_hexdump(None, b"ABCDEFGHIJ", width=8)
    assert dump.splitlines()[1] == "00000000  41 42 43 44 45 46 47 48  |ABCDEFGH|"
    assert dump.splitlines()[2].startswith("00000008  49 4a ")
    with pytest.raises(ValueError):
        render_hexdump(None, b"", width=0)


def test_bit_fields_share_one_label() -> None:
    value = build(SPT, {"ScsiPassThroughAuxiliary": {"SessionCookie": 1}})
    data = encode(value)
    dump = render_hexdump(value, data)
    sense = get_layout(SPT).member("SenseData").offset
    line, _ = row(dump, sense - sense % 16)
    assert "SenseData.{ErrorCode/Valid, SegmentNumber," in line


def test_truncated_decode_is_dumped_with_its_layout() -> None:
    from iscsitgt_spt.codec import decode_available

    data = tmf_bytes()[:54]
    dump = render_hexdump(decode_available(data), data, findings=lint_bytes(data))
    # win64: ReferenceTaskCookie is bytes 48..55, so byte 54 is inside it.
    assert "(the buffer ends at 0x36 inside ReferenceTaskCookie; ISCSITGT_SPT_TMF is 64 bytes" \
        in dump
    line, _ = row(dump, 0x30)
    assert line.endswith("ReferenceTaskCookie") and "(trailing)" not in dump


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(STRUCTURES)), st.sampled_from(PROFILES),
       st.binary(max_size=90), st.booleans(), st.sampled_from([16, 8, 10]))
def test_rows_after_the_structure_equal_the_general_rows(
    name: str, profile: Profile, tail: bytes, repeat: bool, width: int
) -> None:
    # The whole rows after a structure are written by a shortcut (_TailRows); with it turned
    # off every row takes the general, byte-by-byte path, which must give the same lines,
    # without colour and in colour (flagged bytes red: a trailing-bytes finding).
    data = encode(build(name, {}, profile=profile)) + (tail * 3 if repeat else tail)
    decoded = decode_buffer(data, name=name, profile=profile)
    findings = lint(decoded, raw=data)
    for color in (False, True):
        fast = list(iter_hexdump(decoded, data, width=width, color=color, findings=findings))
        plain = list(iter_hexdump(None, data, width=width, color=color))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(hexview._ByteMap, "tail_run", lambda self, start: None)
            assert list(iter_hexdump(decoded, data, width=width, color=color,
                                     findings=findings)) == fast
            assert list(iter_hexdump(None, data, width=width, color=color)) == plain
