"""render_text: specific lines of the tree, checked against hand derivations and public docs."""

from __future__ import annotations

from iscsitgt_spt.cli.views.text import DIM, RED, render_text
from iscsitgt_spt.codec import build, decode_buffer, encode
from iscsitgt_spt.codec.analysis.lint import lint
from iscsitgt_spt.codec.values import WcharText
from iscsitgt_spt.spec import Profile, get_layout
from iscsitgt_spt.spec.constants import TmfFunction

TMF = "ISCSITGT_SPT_TMF"
SPT = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"
START = "ISCSITGT_SPT_SESSION_START"


def line_of(text: str, name: str) -> str:
    """The line whose member name column is ``name``."""
    found = [ln for ln in text.splitlines() if ln.split()[1:2] == [name]]
    assert len(found) == 1, (name, found)
    return found[0]


def tmf_text(**fields: object) -> str:
    base: dict[str, object] = {"ITNexusHandle": 0xFFFFA0012C3D5E70, "Lun": 1,
                               "TaskManagementFunction": TmfFunction.ABORT_TASK}
    base.update(fields)
    return render_text(decode_buffer(encode(build(TMF, base))))


def test_header_line() -> None:
    # 64 bytes on win64: see the TMF offsets derived below (Response @56 + 1, rounded to 8).
    assert tmf_text().splitlines()[0] == "ISCSITGT_SPT_TMF (win64, cookie u64, 64 bytes)"


def test_enum_name_and_absolute_offset() -> None:
    # Hand derivation (win64): SRB_IO_CONTROL is 28 bytes, ITNexusHandle (8-aligned) @32,
    # Lun @40, TaskManagementFunction @44 = 0x2c.
    line = line_of(tmf_text(), "TaskManagementFunction")
    assert line.startswith("0x002c ")
    assert line.endswith("1 (ABORT_TASK)")
    assert get_layout(TMF).member("TaskManagementFunction").offset == 0x2C


def test_unknown_enum_values_say_unknown() -> None:
    assert "13 (0xd, unknown)" in line_of(tmf_text(TaskManagementFunction=13),
                                          "TaskManagementFunction")
    assert "unknown; ABORT_TASK with bit 7 set?" in line_of(
        tmf_text(TaskManagementFunction=0x81), "TaskManagementFunction")
    assert line_of(tmf_text(Response=255), "Response").endswith("255 (FUNCTION_REJECTED)")


def test_cookie_control_code_signature_and_padding() -> None:
    text = tmf_text()
    assert line_of(text, "ITNexusHandle").endswith("0xffffa0012c3d5e70")
    assert line_of(text, "ControlCode").endswith("0x102 (CTLCODE_ISCSITGT_SPT_TMF)")
    # "ISCSITGT" in ASCII is 49 53 43 53 49 54 47 54.
    assert line_of(text, "Signature").endswith('49 53 43 53 49 54 47 54  "ISCSITGT"')
    # 28-byte header, 8-aligned cookie: 4 bytes of padding at 0x1c.
    pad = line_of(text, "_pad_before_ITNexusHandle")
    assert pad.startswith("0x001c ") and pad.endswith("00 × 4 (padding)")
    dirty = line_of(tmf_text(_pad_tail=b"\x01"), "_pad_tail")
    assert "01 00 00 00 00 00 00 (padding, not zero)" in dirty


def test_bool_values() -> None:
    def start(value: int) -> str:
        built = build(START, {"IsReinstated": value, "ITNexusHandle": 1})
        return line_of(render_text(built), "IsReinstated")

    assert start(0).endswith("0 (FALSE)")
    assert start(1).endswith("1 (TRUE)")
    assert start(2).endswith("2 (TRUE, non-canonical)")


def test_wchar_strings() -> None:
    raw = "iqn".encode("utf-16-le") + b"\0\0" + b"Z\0" + bytes(1024 - 10)
    value = build(START, {"PeerAddress": "192.0.2.17", "ITNexus": WcharText(raw)})
    text = render_text(value)
    assert line_of(text, "PeerAddress").endswith('"192.0.2.17"')
    assert line_of(text, "ChapUserName").endswith('""')
    nexus = line_of(text, "ITNexus")
    assert '"iqn" (non-canonical: 1 non-zero byte after the terminator)' in nexus


def test_sense_data_from_the_sg3_utils_example() -> None:
    # sg3_utils documentation: f0 00 03 00 00 12 34 0a 00 00 00 00 11 00 00 00 00 00 is fixed
    # format, current, Medium Error, ASC/ASCQ 11h/00h, information 0x1234.
    sense = bytes.fromhex("f0000300001234 0a 00000000 110000000000".replace(" ", ""))
    layout = get_layout(SPT)
    data = bytearray(encode(build(SPT, {"ScsiPassThroughAuxiliary": {"SessionCookie": 1}})))
    start = layout.member("SenseData").offset
    data[start : start + len(sense)] = sense
    text = render_text(decode_buffer(bytes(data)))
    assert line_of(text, "ErrorCode").endswith("112 (FIXED_CURRENT)")  # 0x70
    assert line_of(text, "Valid").endswith("1")
    assert line_of(text, "SenseKey").endswith("3 (MEDIUM_ERROR)")
    assert "00 00 12 34  (= 4660 (0x1234) big-endian)" in line_of(text, "Information")
    assert line_of(text, "AdditionalSenseCode").endswith("17 (0x11)")
    assert "[bits 0-6]" in line_of(text, "ErrorCode")


def test_nesting_is_indented_and_data_in_named() -> None:
    text = render_text(build(SPT, {"ScsiPassThroughDirect": {"DataIn": 1}}))
    assert "\n0x0000  ScsiPassThroughDirect " in text
    data_in = line_of(text, "DataIn")
    assert data_in.endswith("1 (SCSI_IOCTL_DATA_IN)")
    # Nested members are indented two spaces past their parent.
    assert data_in.split("  ", 1)[1].startswith("  DataIn")


def test_trailing_and_payload_bytes_are_shown() -> None:
    data = encode(build(TMF, {"ITNexusHandle": 1})) + b"abc"
    text = render_text(decode_buffer(data))
    assert "(trailing, 3 bytes)" in text and "61 62 63" in text
    header = encode(build("SRB_IO_CONTROL", {"ControlCode": 0x999, "Length": 4}))
    text = render_text(decode_buffer(header + b"\xde\xad\xbe\xef"))
    assert line_of(text, "ControlCode").endswith("0x999 (unknown)")
    assert "(payload, 4 bytes)" in text and "de ad be ef" in text


def test_findings_are_attached_to_their_lines() -> None:
    decoded = decode_buffer(encode(build(TMF, {"Response": 9, "ITNexusHandle": 1})) + b"\0")
    text = render_text(decoded, findings=lint(decoded))
    assert line_of(text, "Response").endswith("! tmf-response-unknown")
    assert text.splitlines()[-1].endswith("! trailing-bytes")


def test_colour_is_optional() -> None:
    decoded = decode_buffer(encode(build(TMF, {"Response": 9, "ITNexusHandle": 1})))
    assert "\x1b[" not in render_text(decoded)
    coloured = render_text(decoded, color=True)
    assert RED in line_of(coloured, "Response")
    assert line_of(coloured, "_pad_tail").startswith(DIM)


def test_win32_profile_in_header() -> None:
    value = build(TMF, {"ITNexusHandle": 1}, profile=Profile("win32", "ptr"))
    assert render_text(value).splitlines()[0] == "ISCSITGT_SPT_TMF (win32, cookie ptr, 48 bytes)"
