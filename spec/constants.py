"""Numeric constants of the iSCSI target pass-through interface.

Every value here is either published (the Win32 "iSCSI Target Pass-Through" DevNotes pages,
ntddscsi.h, RFC 7143/7144, T10 SPC) or defined in :mod:`iscsitgt_spt.spec.assumptions` as a
named assumption.  Names are Microsoft's where Microsoft named the value.
"""

from __future__ import annotations

import enum

from iscsitgt_spt.spec._frozen import frozen

__all__ = [
    "CTLCODE_ISCSITGT_SPT_SESSION_END",
    "CTLCODE_ISCSITGT_SPT_SESSION_START",
    "CTLCODE_ISCSITGT_SPT_TMF",
    "FILE_DEVICE_CONTROLLER",
    "IOCTLS",
    "IOCTL_SCSI_BASE",
    "IOCTL_SCSI_MINIPORT",
    "IOCTL_SCSI_PASS_THROUGH",
    "IOCTL_SCSI_PASS_THROUGH_DIRECT",
    "SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE",
    "SCSI_PASS_THROUGH_MAX_CHAP_USERNAME_LENGTH",
    "SCSI_PASS_THROUGH_MAX_IPADDR_STRING_LENGTH",
    "SCSI_PASS_THROUGH_MAX_ITNEXUS_STRING_LENGTH",
    "SCSI_STATUSES",
    "TARGET_WIDE_FUNCTIONS",
    "CtlCode",
    "DataIn",
    "IoctlAccess",
    "IoctlMethod",
    "SenseKey",
    "SenseResponseCode",
    "TmfFunction",
    "TmfResponse",
    "ctl_code",
    "decode_ctl_code",
    "name_of",
]

# --- SRB_IO_CONTROL.ControlCode values (DevNotes "iSCSI Target Pass-Through") -----------------
CTLCODE_ISCSITGT_SPT_SESSION_START = 0x100
#: Microsoft names the 0x101 code ``..._SESSION_END`` although its structure is
#: ``ISCSITGT_SPT_SESSION_STOP``; we keep the published name (see the quirks page).
CTLCODE_ISCSITGT_SPT_SESSION_END = 0x101
CTLCODE_ISCSITGT_SPT_TMF = 0x102

# --- String lengths, in WCHARs / bytes (DevNotes structure pages) -----------------------------
SCSI_PASS_THROUGH_MAX_IPADDR_STRING_LENGTH = 64
SCSI_PASS_THROUGH_MAX_ITNEXUS_STRING_LENGTH = 512
SCSI_PASS_THROUGH_MAX_CHAP_USERNAME_LENGTH = 256
SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE = 8


# --- CTL_CODE (winioctl.h) ---------------------------------------------------------------------
class IoctlMethod(enum.IntEnum):
    """Buffering method, bits 0-1 of an IOCTL code."""

    METHOD_BUFFERED = 0
    METHOD_IN_DIRECT = 1
    METHOD_OUT_DIRECT = 2
    METHOD_NEITHER = 3


class IoctlAccess(enum.IntEnum):
    """Required access, bits 14-15 of an IOCTL code."""

    FILE_ANY_ACCESS = 0
    FILE_READ_ACCESS = 1
    FILE_WRITE_ACCESS = 2
    FILE_READ_WRITE_ACCESS = 3


FILE_DEVICE_CONTROLLER = 0x00000004
IOCTL_SCSI_BASE = FILE_DEVICE_CONTROLLER


@frozen
class CtlCode:
    """The four parts of an IOCTL code, as ``CTL_CODE(DeviceType, Function, Method, Access)``."""

    device_type: int
    function: int
    method: int
    access: int

    @property
    def code(self) -> int:
        return ctl_code(self.device_type, self.function, self.method, self.access)

    @property
    def is_vendor_device(self) -> bool:
        """Bit 31 (device type >= 0x8000) marks a vendor-defined device type."""
        return bool(self.device_type & 0x8000)

    @property
    def is_vendor_function(self) -> bool:
        """Bit 13 (function >= 0x800) marks a vendor-defined function."""
        return bool(self.function & 0x800)

    def describe(self) -> str:
        method = IoctlMethod(self.method).name
        access = IoctlAccess(self.access).name
        return (
            f"CTL_CODE(0x{self.device_type:04x}, 0x{self.function:03x}, {method}, {access})"
        )


def ctl_code(device_type: int, function: int, method: int, access: int) -> int:
    """Encode an IOCTL code exactly as the ``CTL_CODE`` macro of winioctl.h does."""
    for name, value, limit in (
        ("device_type", device_type, 0xFFFF),
        ("function", function, 0xFFF),
        ("method", method, 3),
        ("access", access, 3),
    ):
        if not 0 <= value <= limit:
            raise ValueError(f"CTL_CODE {name} must be 0..{limit:#x}, got {value!r}")
    return (device_type << 16) | (access << 14) | (function << 2) | method


def decode_ctl_code(code: int) -> CtlCode:
    """Split a 32-bit IOCTL code into its CTL_CODE parts."""
    if not 0 <= code <= 0xFFFFFFFF:
        raise ValueError(f"an IOCTL code is 32 bits, got {code!r}")
    return CtlCode(
        device_type=code >> 16,
        function=(code >> 2) & 0xFFF,
        method=code & 3,
        access=(code >> 14) & 3,
    )


# ntddscsi.h: the IOCTLs are defined with CTL_CODE, and so are these.
IOCTL_SCSI_PASS_THROUGH = ctl_code(
    IOCTL_SCSI_BASE, 0x0401, IoctlMethod.METHOD_BUFFERED, IoctlAccess.FILE_READ_WRITE_ACCESS
)
IOCTL_SCSI_MINIPORT = ctl_code(
    IOCTL_SCSI_BASE, 0x0402, IoctlMethod.METHOD_BUFFERED, IoctlAccess.FILE_READ_WRITE_ACCESS
)
IOCTL_SCSI_PASS_THROUGH_DIRECT = ctl_code(
    IOCTL_SCSI_BASE, 0x0405, IoctlMethod.METHOD_BUFFERED, IoctlAccess.FILE_READ_WRITE_ACCESS
)

IOCTLS: dict[int, str] = {
    IOCTL_SCSI_PASS_THROUGH: "IOCTL_SCSI_PASS_THROUGH",
    IOCTL_SCSI_MINIPORT: "IOCTL_SCSI_MINIPORT",
    IOCTL_SCSI_PASS_THROUGH_DIRECT: "IOCTL_SCSI_PASS_THROUGH_DIRECT",
}


# --- SCSI_PASS_THROUGH_DIRECT.DataIn (ntddscsi.h) --------------------------------------------
class DataIn(enum.IntEnum):
    """Direction of the data transfer of a pass-through request."""

    SCSI_IOCTL_DATA_OUT = 0
    SCSI_IOCTL_DATA_IN = 1
    SCSI_IOCTL_DATA_UNSPECIFIED = 2


# --- iSCSI task management (RFC 7143 §11.5.1, RFC 7144 §4.2) ---------------------------------
class TmfFunction(enum.IntEnum):
    """iSCSI task management function codes (7-bit field of the TMF request PDU)."""

    ABORT_TASK = 1
    ABORT_TASK_SET = 2
    CLEAR_ACA = 3
    CLEAR_TASK_SET = 4
    LOGICAL_UNIT_RESET = 5
    TARGET_WARM_RESET = 6
    TARGET_COLD_RESET = 7
    TASK_REASSIGN = 8
    QUERY_TASK = 9
    QUERY_TASK_SET = 10
    I_T_NEXUS_RESET = 11
    QUERY_ASYNCHRONOUS_EVENT = 12

    @property
    def uses_referenced_task(self) -> bool:
        """Whether the function acts on ReferenceTaskCookie (ABORT TASK, TASK REASSIGN,
        QUERY TASK: RFC 7143 §11.5.2 and RFC 7144 §4.2)."""
        return self in (TmfFunction.ABORT_TASK, TmfFunction.TASK_REASSIGN, TmfFunction.QUERY_TASK)


#: TMF functions whose effect reaches the tasks of every session, not only those of the
#: session the request names (RFC 7143 §11.5.1: a target warm or cold reset).
TARGET_WIDE_FUNCTIONS = frozenset({TmfFunction.TARGET_WARM_RESET, TmfFunction.TARGET_COLD_RESET})


class TmfResponse(enum.IntEnum):
    """iSCSI task management response codes (RFC 7143 §11.6.1, RFC 7144 §4.3)."""

    FUNCTION_COMPLETE = 0
    TASK_DOES_NOT_EXIST = 1
    LUN_DOES_NOT_EXIST = 2
    TASK_STILL_ALLEGIANT = 3
    TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED = 4
    TASK_MANAGEMENT_FUNCTION_NOT_SUPPORTED = 5
    FUNCTION_AUTHORIZATION_FAILED = 6
    FUNCTION_SUCCEEDED = 7
    FUNCTION_REJECTED = 255

    @property
    def is_success(self) -> bool:
        return self in (TmfResponse.FUNCTION_COMPLETE, TmfResponse.FUNCTION_SUCCEEDED)


#: SAM-5 status codes (T10), the values SCSI_PASS_THROUGH_DIRECT.ScsiStatus carries.
SCSI_STATUSES: dict[int, str] = {
    0x00: "GOOD", 0x02: "CHECK CONDITION", 0x04: "CONDITION MET", 0x08: "BUSY",
    0x18: "RESERVATION CONFLICT", 0x28: "TASK SET FULL", 0x30: "ACA ACTIVE",
    0x40: "TASK ABORTED",
}


# --- SCSI sense data (T10 SPC) ---------------------------------------------------------------
class SenseResponseCode(enum.IntEnum):
    """Sense data response codes (byte 0, bits 0-6)."""

    FIXED_CURRENT = 0x70
    FIXED_DEFERRED = 0x71
    DESCRIPTOR_CURRENT = 0x72
    DESCRIPTOR_DEFERRED = 0x73


class SenseKey(enum.IntEnum):
    """Sense keys (T10 SPC).  The Windows SENSE_DATA page lists 0-7, 9, B-E only."""

    NO_SENSE = 0x0
    RECOVERED_ERROR = 0x1
    NOT_READY = 0x2
    MEDIUM_ERROR = 0x3
    HARDWARE_ERROR = 0x4
    ILLEGAL_REQUEST = 0x5
    UNIT_ATTENTION = 0x6
    DATA_PROTECT = 0x7
    BLANK_CHECK = 0x8
    VENDOR_SPECIFIC = 0x9
    COPY_ABORTED = 0xA
    ABORTED_COMMAND = 0xB
    EQUAL = 0xC
    VOLUME_OVERFLOW = 0xD
    MISCOMPARE = 0xE
    COMPLETED = 0xF

    @property
    def title(self) -> str:
        """The T10 spelling, e.g. ``Medium Error``."""
        return self.name.replace("_", " ").title()


#: ``Enum._missing_``: an enumeration that keeps it knows no value outside its value map.
_NO_MISSING = enum.Enum._missing_.__func__  # type: ignore[attr-defined]


def name_of(enum_type: type[enum.IntEnum], value: int) -> str | None:
    """The member name for ``value``, or ``None`` for a value the enumeration does not know."""
    # The enumeration's own value map first (what calling it looks up, without the call).
    member = enum_type._value2member_map_.get(value) if type(value) is int else None
    if member is not None:
        return member.name
    missing = enum_type._missing_.__func__  # type: ignore[attr-defined]
    if type(value) is int and missing is _NO_MISSING:
        return None  # what calling it finds too, after a search and a ValueError
    try:
        return enum_type(value).name
    except ValueError:
        return None
