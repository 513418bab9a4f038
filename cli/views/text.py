"""A decoded buffer as a readable text tree — what ``decode`` prints for a person.

One line per member: absolute offset, the name indented by nesting, the value in the form a
reader checks it against the documentation — enumeration names (``1 (ABORT_TASK)``), BOOL as
TRUE/FALSE, control codes by their CTLCODE name, cookies and pointers in hex, signatures with
their ASCII, the big-endian SENSE_DATA arrays also as numbers, WCHAR strings quoted.  Values a
reader should stop at (an unknown enumeration value, a non-canonical BOOL or string, non-zero
padding) say so in words, so the text works without colour; ``color=True`` adds ANSI colour
(dim padding, red anomalies) for terminals.

Every name and number comes from the layout and the constants; nothing is laid out here.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from iscsitgt_spt.codec.analysis.lint import Finding, wchar_issue
from iscsitgt_spt.codec.dispatch import Decoded, Extra, Truncated
from iscsitgt_spt.codec.names import is_text_tag, name_for
from iscsitgt_spt.codec.values import FieldValue, StructValue
from iscsitgt_spt.spec.constants import (
    IOCTLS,
    TmfFunction,
    name_of,
)
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.primitives import WcharText
from iscsitgt_spt.spec.sense_data import BIG_ENDIAN_MEMBERS

__all__ = ["DIM", "RED", "RESET", "format_value", "quote_text", "render_text"]

DIM = "\x1b[2m"
RED = "\x1b[31m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"

#: Bytes of payload/trailing data shown before the rest is summarised.
_MAX_EXTRA = 256
_EXTRA_ROW = 16

#: Big-endian UCHAR arrays of SENSE_DATA (SCSI byte order), shown also as a number.
_BIG_ENDIAN = BIG_ENDIAN_MEMBERS
_HANDLES = ("SESSION_COOKIE", "TASK_COOKIE", "PVOID")


def quote_text(text: str) -> str:
    """``"text"`` with quotes, backslashes and non-printable characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return '"' + "".join(out) + '"'


def _ascii(data: bytes) -> str:
    """A signature-like tag: ASCII without its NUL padding, escapes for the rest."""
    return quote_text(data.rstrip(b"\0").decode("latin-1"))


def _number(value: int) -> str:
    return str(value) if -10 < value < 10 else f"{value} (0x{value & (2**64 - 1):x})"


def _enum_text(enum_type: type[enum.IntEnum], value: int) -> tuple[str, bool]:
    known = name_of(enum_type, value)
    if known is not None:
        return f"{value} ({known})", False
    hint = ""
    low = name_of(enum_type, value & 0x7F) if enum_type is TmfFunction else None
    if value & 0x80 and low is not None:
        hint = f"; {low} with bit 7 set?"
    return f"{value} (0x{value:x}, unknown{hint})", True


def format_value(member: Member, value: FieldValue) -> tuple[str, bool]:
    """The text of one member's value and whether it is an anomaly worth marking."""
    if isinstance(value, StructValue):
        return f"{member.ctype} ({member.size} bytes)", False
    if member.kind == "padding":
        assert isinstance(value, bytes)
        return _padding_text(member, value)
    if isinstance(value, WcharText) or member.kind == "wchar":
        assert isinstance(value, (str, WcharText))
        return _wchar_text(member, value)
    if isinstance(value, bytes):
        return _bytes_text(member, value), False
    assert isinstance(value, int)
    return _int_text(member, value)


def _padding_text(member: Member, value: bytes) -> tuple[str, bool]:
    """Padding is marked only when it is not zero (a driver may leave garbage there)."""
    if not any(value):
        return f"00 × {member.size} (padding)", False
    return f"{value.hex(' ')} (padding, not zero)", True


def _wchar_text(member: Member, value: str | WcharText) -> tuple[str, bool]:
    """The quoted text, marked when its bytes are not the canonical encoding of it."""
    shown = quote_text(value.text if isinstance(value, WcharText) else value)
    issue = wchar_issue(value, member.size)
    if issue is None:
        return shown, False
    return f"{shown} (non-canonical: {issue[2]})", True


def _bytes_text(member: Member, value: bytes) -> str:
    """Hex bytes, with the ASCII of a text tag or the number a big-endian field holds."""
    text = value.hex(" ")
    if is_text_tag(member):
        return f"{text}  {_ascii(value)}"
    if member.name in _BIG_ENDIAN:
        number = int.from_bytes(value, "big")
        return f"{text}  (= {_number(number)} big-endian)"
    return text


def _int_text(member: Member, value: int) -> tuple[str, bool]:
    """A number with its meaning: BOOL, control code, enum name, handle in hex."""
    if member.ctype == "BOOL":
        if value in (0, 1):
            return f"{value} ({'TRUE' if value else 'FALSE'})", False
        return f"{value} (TRUE, non-canonical)", True
    if member.name == "ControlCode":  # shown in hex, as the headers write control codes
        known = name_for(member, value)
        return (f"0x{value:x} ({known})", False) if known else (f"0x{value:x} (unknown)", True)
    if member.enum_type is not None:
        return _enum_text(member.enum_type, value)
    if member.ctype in _HANDLES:
        return f"0x{value:0{member.size * 2}x}", False
    return _number(value), False


def _label(member: Member, depth: int) -> str:
    name = "  " * depth + member.name
    if member.kind == "bits":
        assert member.bit_offset is not None and member.bit_width is not None
        last = member.bit_offset + member.bit_width - 1
        span = f"bit {last}" if member.bit_width == 1 else f"bits {member.bit_offset}-{last}"
        name += f" [{span}]"
    return name


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color and text else text


def _extra_lines(
    label: str, data: Extra, start: int, digits: int, width: int, paint: str,
    note: str,
) -> list[str]:
    """Bytes the structure does not cover, 16 to a line, the first ``_MAX_EXTRA`` of them."""
    lines = []
    shown = data[:_MAX_EXTRA]
    head = f"({label}, {len(data)} byte{'s' * (len(data) != 1)})"
    if not data:
        return [f"0x{start:0{digits}x}  {head:<{width}}"]
    for i in range(0, len(shown), _EXTRA_ROW):
        chunk = _paint(shown[i : i + _EXTRA_ROW].hex(" "), paint, bool(paint))
        name = head if i == 0 else ""
        tail = note if i == 0 else ""
        lines.append(f"0x{start + i:0{digits}x}  {name:<{width}}  {chunk}{tail}")
    if len(data) > _MAX_EXTRA:
        lines.append(f"{'':>{digits + 2}}  {'':<{width}}  … {len(data) - _MAX_EXTRA} more bytes")
    return lines


def _finding_index(findings: Sequence[Finding], root: str) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for f in findings:
        path = f.path[len(root) + 1 :] if f.path.startswith(root + ".") else ""
        index.setdefault(path if f.path != root else "", []).append(f.code)
    return index


def _row(
    start: str, member: Member, text: str, anomaly: bool, codes: Sequence[str], color: bool
) -> str:
    """One member's line: padding dim unless odd, anomalies red, finding codes after ``!``."""
    anomaly = anomaly or bool(codes)
    if member.kind == "padding" and not anomaly:
        return _paint(start + text, DIM, color)
    line = start + _paint(text, RED, color and anomaly)
    if codes:
        line += "  " + _paint("! " + ", ".join(codes), RED, color)
    return line


def _render_truncated(
    truncated: Truncated, color: bool, findings: Sequence[Finding]
) -> str:
    """The tree of a cut buffer: every member it holds whole, the one it cuts, then nothing."""
    partial = truncated.value
    layout = partial.layout
    marks = _finding_index(findings, layout.name)
    profile = layout.profile
    cut = partial.cut
    where = f", cut inside {cut.path}" if cut is not None else ""
    title = (f"{layout.name} ({profile.abi}, cookie {profile.cookie}, TRUNCATED: "
             f"{partial.available} of {layout.size} bytes{where})")
    lines = [_paint(title, BOLD, color)]
    rows = list(partial.present())
    digits = max(4, len(f"{max(layout.size - 1, 0):x}"))
    width = max(len(_label(m, m.path.count("."))) for m, _ in rows) if rows else 0
    for member, value in rows:
        line = f"0x{member.offset:0{digits}x}  {_label(member, member.path.count('.')):<{width}}  "
        codes = marks.get(member.path, [])
        if value is None and member.kind == "struct":
            text, anomaly = f"{member.ctype} ({member.size} bytes, cut)", False
        elif value is None:
            have = partial.data[member.offset :]
            text = (f"cut: {len(have)} of {member.size} bytes present "
                    f"({have.hex(' ')})")
            anomaly = True
        else:
            text, anomaly = format_value(member, value)
        lines.append(_row(line, member, text, anomaly, codes, color))
    missing = layout.size - partial.available
    lines.append(f"0x{partial.available:0{digits}x}  (end of the buffer: {missing} "
                 f"byte{'s' * (missing != 1)} of {layout.name} missing)")
    return "\n".join(lines)


def render_text(
    decoded: Decoded | Truncated | StructValue,
    *,
    color: bool = False,
    findings: Sequence[Finding] = (),
) -> str:
    """The text tree of a decoded buffer (see the module docstring).

    ``findings`` (from :func:`~iscsitgt_spt.codec.analysis.lint.lint`) are appended to the lines of
    the members they concern as ``! code``.  A :class:`~iscsitgt_spt.codec.dispatch.Truncated`
    buffer shows every member it holds whole, the member it cuts with the bytes present, and
    stops there.
    """
    if isinstance(decoded, Truncated):
        return _render_truncated(decoded, color, findings)
    if isinstance(decoded, StructValue):
        decoded = Decoded(decoded)
    value = decoded.value
    layout: Layout = value.layout
    marks = _finding_index(findings, layout.name)
    profile = layout.profile
    title = f"{layout.name} ({profile.abi}, cookie {profile.cookie}, {decoded.size} bytes)"
    if decoded.ioctl is not None:
        ioctl_name = IOCTLS.get(decoded.ioctl, "unknown IOCTL")
        title += f" via {ioctl_name} (0x{decoded.ioctl:08x})"
    lines = [_paint(title, BOLD, color)]
    rows = list(layout.walk())
    digits = max(4, len(f"{max(decoded.size - 1, 0):x}"))
    width = max([len(_label(m, m.path.count("."))) for m in rows] + [len("(payload, 000 bytes)")])
    for member in rows:
        text, anomaly = format_value(member, value.get_path(member.path))
        line = f"0x{member.offset:0{digits}x}  {_label(member, member.path.count('.')):<{width}}  "
        lines.append(_row(line, member, text, anomaly, marks.get(member.path, []), color))
    root_codes = marks.get("", [])
    note = "  " + _paint("! " + ", ".join(root_codes), RED, color) if root_codes else ""
    if decoded.payload is not None:
        lines += _extra_lines("payload", decoded.payload, value.size, digits, width, "",
                              "  (not decoded)")
    if decoded.trailing:
        start = value.size + len(decoded.payload or b"")
        lines += _extra_lines("trailing", decoded.trailing, start, digits, width,
                              RED if color else "", note or "  (not part of the structure)")
    return "\n".join(lines)
