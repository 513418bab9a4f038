"""The lint rules as checks of one buffer (:class:`_Context`): those bound to a structure
(:data:`BOUND_CHECKS`, run at each instance of it) and those that hold for every one
(:data:`_CHECKS`).  Written once, for any layout: the interpreted pass runs them as they
are, and :mod:`~iscsitgt_spt.codec.analysis.lint_compile` specialises their source per
layout, reading the names they use from this module's globals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iscsitgt_spt.codec.analysis.detect_profile import describe_profiles
from iscsitgt_spt.codec.analysis.lint_plan import plan_of
from iscsitgt_spt.codec.analysis.lint_rules import (
    _BY_CODE,
    Finding,
    Severity,
)
from iscsitgt_spt.codec.dispatch import Extra
from iscsitgt_spt.spec.assumptions import (
    ASSUMED_AUXILIARY_SIGNATURE,
    ASSUMED_SRB_SIGNATURE,
    RETURN_CODE_SUCCESS,
)
from iscsitgt_spt.spec.constants import DataIn, TmfFunction, TmfResponse, name_of
from iscsitgt_spt.spec.errors import count_of
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_AUXILIARY, SCSI_PASS_THROUGH_DIRECT
from iscsitgt_spt.spec.primitives import WcharText, wchar_end
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import DERIVED_CACHES, control_codes, get_layout
from iscsitgt_spt.spec.requests import ISCSITGT_SPT_TMF
from iscsitgt_spt.spec.srb_io_control import SRB_IO_CONTROL


def wchar_issue(value: str | WcharText, size: int) -> tuple[str, int, str] | None:
    """What is wrong with a ``WCHAR[size/2]`` value: (code, byte offset in field, text)."""
    if isinstance(value, str):
        # Its UTF-16 length is two bytes a character and two more for each past U+FFFF
        # (surrogatepass writes a lone surrogate as its one code unit): a short string, or
        # one whose characters alone fill the field (a fuzz corpus's, most of the time), is
        # told without encoding it.
        count = len(value)
        if count * 4 < size:
            return None
        if count * 2 >= size or len(value.encode("utf-16-le", errors="surrogatepass")) >= size:
            return "wchar-unterminated", 0, "fills the field with no NUL terminator"
        return None
    raw = value.raw
    end = wchar_end(raw)
    if end is not None:
        after = raw[end + 2 :]
        garbage = len(after) - after.count(0)
        if garbage:
            first = end + 2 + len(after) - len(after.lstrip(b"\0"))
            return ("wchar-after-terminator", first,
                    f"{garbage} non-zero byte{'s' * (garbage != 1)} after the terminator")
    try:
        raw[: end if end is not None else len(raw)].decode("utf-16-le")
    except UnicodeDecodeError as exc:
        return "wchar-invalid-utf16", exc.start, "invalid UTF-16 (unpaired surrogate)"
    return "wchar-unterminated", 0, "fills the field with no NUL terminator"


class _Context:
    """One lint run: where findings go and how paths and offsets are spelt.

    Members are read by dotted path through ``get``: from the value flattened once by the
    layout's fast codec (or straight from a whole buffer's bytes by the same codec), not
    walked path by path.
    """

    def __init__(
        self, layout: Layout, get: Callable[[str], Any], extra: tuple[Extra | None, Extra],
        total: int, expect_session: bool, output: bool | None,
    ) -> None:
        self.output = output
        self.layout = layout
        self.plan = plan_of(layout)
        self.get = get
        self.payload, self.trailing = extra
        self.total = total
        self.expect_session = expect_session
        self.root = layout.name
        self.findings: list[Finding] = []

    def member(self, path: str) -> Member:
        return self.layout.member(path)

    #: What a check reads of its context that its layout decides, and what each run
    #: decides (the compiled pass, :mod:`~iscsitgt_spt.codec.analysis.lint_compile`, works
    #: the former out once and takes the latter as its parameters; ``get`` and ``add`` it
    #: knows).
    STATIC = ("layout", "plan", "root", "member", "instances")
    PER_RUN = ("total", "payload", "trailing", "output", "expect_session")

    def add(self, code: str, path: str, message: str, offset: int | None = None) -> None:
        severity, full, where = self.spot(code, path, offset)
        self.findings.append(Finding(severity, code, full, where, message))

    def spot(self, code: str, path: str, offset: int | None) -> tuple[Severity, str, int]:
        # Where a finding is (its severity, full path and offset) depends on the rule, the
        # path and the layout only: worked out once per layout (the plan's memo).
        spots = self.plan.spots
        spot = spots.get((code, path, offset))
        if spot is None:
            spot = _spot(self, code, path, offset)
            if len(spots) < _SPOTS_BOUND:
                spots[code, path, offset] = spot
        return spot

    def instances(self, c_name: str) -> tuple[str, ...]:
        """Path prefixes (``""`` or ``"Header."``) of every nested ``c_name`` structure."""
        return self.plan.instances.get(c_name, ())


def _spot(ctx: _Context, code: str, path: str, offset: int | None) -> tuple[Severity, str, int]:
    """A finding's severity (its rule's), full path and offset (``offset`` when given, else
    its member's, or 0 for the whole buffer)."""
    if path:
        where = offset if offset is not None else ctx.member(path).offset
        full = ctx.root + "." + path
    else:
        where, full = (offset if offset is not None else 0), ctx.root
    return _BY_CODE[code].severity, full, where


#: Spots kept per layout: its rules report at a few dozen paths, and offsets within it.
_SPOTS_BOUND = 512


def _rule_int(layout: Layout, path: str) -> int | None:
    """The value a canonical build derives for ``path`` (``None`` when no rule fills it)."""
    found = layout.rules.get(path)
    return found[1] if found is not None and isinstance(found[1], int) else None


def _tag(data: bytes) -> str:
    """An 8-byte signature as text: ``"NvmeMini"``, with escapes for non-printables."""
    return '"' + data.decode("latin-1").encode("unicode_escape").decode("ascii") + '"'


def _other_profiles(name: str, path: str | None, value: int, profile: Profile) -> str:
    """`` (the win32 (either cookie) value: wrong --abi?)`` when ``value`` fits elsewhere."""
    found = _EXPECTED.get((name, path, profile))
    if found is None:  # the other profiles' values, once per structure, member and profile
        expected: tuple[tuple[Profile, object], ...] = tuple(
            (p, get_layout(name, p).size if path is None
             else get_layout(name, p).rules.get(path, (None, None))[1])
            for p in PROFILES if p != profile)
        # When every value is an integer (or none), an integer equal to none of them fits
        # no profile: told by one set lookup (a fuzz corpus's lengths are any number).
        values = [there for _, there in expected if there is not None]
        ints: frozenset[object] | None = (
            frozenset(values) if all(type(v) is int for v in values) else None)
        found = _EXPECTED[name, path, profile] = (expected, ints)
    expected, ints = found
    if ints is not None and type(value) is int and value not in ints:
        return ""
    fits = {p for p, there in expected if there == value}
    if not fits:
        return ""
    return f"; {value} is the {describe_profiles(fits)} value: wrong --abi/--cookie?"


# Per (structure, member path or None for its size, profile): every other profile's value,
# and the set of them when all are integers.
_EXPECTED: dict[tuple[str, str | None, Profile],
                tuple[tuple[tuple[Profile, object], ...], frozenset[object] | None]] = {}
DERIVED_CACHES.append(_EXPECTED.clear)  # a registered structure changes the layouts


def _check_header(ctx: _Context, pre: str) -> None:
    header_size = ctx.plan.size_of(SRB_IO_CONTROL.c_name)
    length = ctx.get(pre + "HeaderLength")
    if length != header_size:
        ctx.add("header-length", pre + "HeaderLength",
                f"HeaderLength is {length}, sizeof(SRB_IO_CONTROL) is {header_size}")
    code = ctx.get(pre + "ControlCode")
    expected = ctx.plan.control_code
    codes = control_codes()
    if code not in codes:
        known = _known_codes(codes)
        rest = len(ctx.payload or b"")
        ctx.add("unknown-control-code", pre + "ControlCode",
                f"ControlCode 0x{code:x} is not an iSCSI target pass-through code ({known})"
                + (f"; {rest} payload bytes left undecoded" if rest else ""))
    elif expected is not None and code != expected:
        ctx.add("control-code-mismatch", pre + "ControlCode",
                f"ControlCode 0x{code:x} is {codes[code]}, but the buffer was "
                f"decoded as {ctx.layout.name} (0x{expected:x}, {codes[expected]})")
    signature = ctx.get(pre + "Signature")
    if signature != ASSUMED_SRB_SIGNATURE:
        ctx.add("unknown-signature", pre + "Signature",
                f"Signature {_tag(signature)} is not the assumed {_tag(ASSUMED_SRB_SIGNATURE)} "
                "(the real value is unpublished)")
    status = ctx.get(pre + "ReturnCode")
    if status != RETURN_CODE_SUCCESS and ctx.output is False:
        ctx.add("return-code-in-request", pre + "ReturnCode",
                f"ReturnCode is {status} (0x{status:x}) in a request; the miniport "
                "overwrites it")
    elif status != RETURN_CODE_SUCCESS:
        ctx.add("return-code-nonzero", pre + "ReturnCode",
                f"ReturnCode is {status} (0x{status:x}): failure? its meaning is unpublished")
    # Length last: it ends the header, so a header cut short still gets the checks above
    # (reading a member past the cut stops the check; see _run).
    present = ctx.total - (ctx.member(pre[:-1]).end if pre else header_size)
    payload = ctx.get(pre + "Length")
    if payload != present:
        text = f"Length is {payload} but {count_of(present)} follow the header"
        rule_value = _rule_int(ctx.layout, pre + "Length")
        if rule_value is not None and rule_value != payload:
            text += f" ({ctx.layout.name} needs {rule_value} under {ctx.layout.profile}"
            text += _other_profiles(ctx.layout.name, pre + "Length", payload,
                                    ctx.layout.profile) + ")"
        ctx.add("srb-length", pre + "Length", text)


def _known_codes(codes: dict[int, str]) -> str:
    """``0x...`` for every known control code, written once per registry's table."""
    if _KNOWN[0] is not codes:
        _KNOWN[:] = [codes, ", ".join(f"0x{c:x}" for c in codes)]
    return _KNOWN[1]  # type: ignore[return-value]


_KNOWN: list[object] = [None, ""]


def _check_session(ctx: _Context) -> None:
    if not ctx.expect_session:
        return
    for cookie in ctx.plan.session_references:
        m = cookie.member
        if ctx.get(m.path) == 0:
            ctx.add("session-cookie-zero", m.path,
                    f"{m.name} is 0, but {cookie.structure} refers to an existing session")


def _check_tmf(ctx: _Context, pre: str) -> None:
    function = ctx.get(pre + "TaskManagementFunction")
    known = name_of(TmfFunction, function)
    if known is None:
        low = name_of(TmfFunction, function & 0x7F)
        if function & 0x80 and low is not None:
            ctx.add("tmf-function-pdu-byte", pre + "TaskManagementFunction",
                    f"TaskManagementFunction 0x{function:02x} looks like the PDU byte with "
                    f"bit 7 set ({low} = {function & 0x7F}); the bare code is assumed "
                    "(TMF_FUNCTION_ENCODING)")
        else:
            ctx.add("tmf-function-unknown", pre + "TaskManagementFunction",
                    f"TaskManagementFunction {function} (0x{function:02x}) is not a known "
                    "iSCSI task management function")
    elif (ctx.get(pre + "ReferenceTaskCookie") != 0
          and not TmfFunction(function).uses_referenced_task):
        ctx.add("tmf-reference-ignored", pre + "ReferenceTaskCookie",
                f"ReferenceTaskCookie is set but {known} does not use a referenced task")
    response = ctx.get(pre + "Response")
    if name_of(TmfResponse, response) is None:
        ctx.add("tmf-response-unknown", pre + "Response",
                f"Response {response} (0x{response:02x}) is not a known TMF response code")


def _check_own_size(ctx: _Context, code: str, path: str, c_name: str) -> None:
    """A member that holds its own structure's sizeof (SizeOfSelf: SPTD.Length, AUX.Size)."""
    profile = ctx.layout.profile
    size = ctx.plan.size_of(c_name)
    value = ctx.get(path)
    if value != size:
        ctx.add(code, path,
                f"{path.rpartition('.')[2]} is {value}, sizeof({c_name}) is {size} under "
                f"{profile}" + _other_profiles(c_name, None, value, profile))


def _check_sptd(ctx: _Context, pre: str) -> None:
    profile = ctx.layout.profile
    _check_own_size(ctx, "sptd-length", pre + "Length", SCSI_PASS_THROUGH_DIRECT.c_name)
    direction = ctx.get(pre + "DataIn")
    count = ctx.get(pre + "DataTransferLength")
    if name_of(DataIn, direction) is None:
        ctx.add("data-in-invalid", pre + "DataIn",
                f"DataIn is {direction}, not one of "
                + ", ".join(f"{d.value} {d.name}" for d in DataIn))
    elif direction == DataIn.SCSI_IOCTL_DATA_UNSPECIFIED and count:
        ctx.add("data-unspecified-length", pre + "DataTransferLength",
                f"DataIn is SCSI_IOCTL_DATA_UNSPECIFIED but DataTransferLength is {count}")
    if count and ctx.get(pre + "DataBuffer") == 0:
        ctx.add("data-buffer-null", pre + "DataBuffer",
                f"DataTransferLength is {count} but DataBuffer is a null pointer")
    cdb = ctx.member(pre + "Cdb").size
    if ctx.get(pre + "CdbLength") > cdb:
        ctx.add("cdb-length", pre + "CdbLength",
                f"CdbLength is {ctx.get(pre + 'CdbLength')}, Cdb holds {cdb} bytes")
    offset_path, length_path = pre + "SenseInfoOffset", pre + "SenseInfoLength"
    expected = _rule_int(ctx.layout, offset_path)
    sense_length = ctx.get(length_path)
    sense_offset = ctx.get(offset_path)
    if expected is not None and sense_offset != expected and (sense_length or sense_offset):
        ctx.add("sense-info-offset", offset_path,
                f"SenseInfoOffset is {sense_offset}; SenseData is at {expected} from the "
                f"start of SCSI_PASS_THROUGH_DIRECT under {profile}"
                + _other_profiles(ctx.layout.name, offset_path, sense_offset, profile))
    if "SenseData" in ctx.layout.by_path:
        room = ctx.member("SenseData").size
        if sense_length > room:
            ctx.add("sense-info-length", length_path,
                    f"SenseInfoLength is {sense_length}, SENSE_DATA holds {room} bytes")


def _check_aux(ctx: _Context, pre: str) -> None:
    _check_own_size(ctx, "aux-size", pre + "Size", SCSI_PASS_THROUGH_AUXILIARY.c_name)
    signature = ctx.get(pre + "Signature")
    if signature != ASSUMED_AUXILIARY_SIGNATURE:
        ctx.add("unknown-signature", pre + "Signature",
                f"Signature {_tag(signature)} is not the assumed "
                f"{_tag(ASSUMED_AUXILIARY_SIGNATURE)} (the real value is unpublished)")


def _check_members(ctx: _Context) -> None:
    """Checks that depend only on a member's type: padding, BOOL, WCHAR."""
    get = ctx.get
    for m, kind, zeros in ctx.plan.checked:
        value = get(m.path)
        if kind == "padding":
            if value != zeros:
                ctx.add("padding-nonzero", m.path,
                        f"{m.size} padding byte{'s' * (m.size != 1)} not zero "
                        f"({value.hex(' ')}); harmless, often stack garbage")
        elif kind == "bool":
            if value not in (0, 1):
                ctx.add("bool-noncanonical", m.path,
                        f"{m.name} is {value}: TRUE, but not the canonical 1")
        else:
            issue = wchar_issue(value, m.size)
            if issue is not None:
                code, at, text = issue
                ctx.add(code, m.path, f"{m.name} {text}", offset=m.offset + at)


def _check_size(ctx: _Context) -> None:
    trailing = ctx.trailing
    if trailing:
        layout = ctx.layout
        ctx.add("trailing-bytes", "",
                f"{len(trailing)} byte{'s' * (len(trailing) != 1)} after the end of "
                f"{layout.name} ({layout.size} bytes under {layout.profile})"
                + _other_profiles(layout.name, None, ctx.total, layout.profile),
                offset=layout.size)


#: Checks that hold for every structure: cookies, member types, the buffer's size.
_CHECKS: tuple[Callable[[_Context], None], ...] = (_check_session, _check_members, _check_size)

#: Checks bound to one structure (as scapy binds behaviour to a layer): each runs once per
#: instance of its structure in the buffer, nested or not, with that instance's path prefix.
#: A structure without an entry gets only the checks above, never another structure's.
BOUND_CHECKS: dict[str, Callable[[_Context, str], None]] = {
    SRB_IO_CONTROL.c_name: _check_header,
    ISCSITGT_SPT_TMF.c_name: _check_tmf,
    SCSI_PASS_THROUGH_DIRECT.c_name: _check_sptd,
    SCSI_PASS_THROUGH_AUXILIARY.c_name: _check_aux,
}
