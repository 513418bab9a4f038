"""Send the pass-through requests over any transport: build, lint, send, decode, judge.

A caller wants "start session 7", not a 1,704-byte buffer: :class:`Client` builds the
canonical request with the codec, refuses to send one the lint pass finds errors in (a
malformed request can crash a kernel driver; ``force=True`` sends it anyway, which is what a
fuzzing session wants), sends it with the IOCTL the spec assigns, decodes the answer, and
turns the outcomes the interface defines into typed exceptions:

* a non-zero ``SRB_IO_CONTROL.ReturnCode`` -> :class:`RequestFailed` (0 is success by the
  SRB_IO_CONTROL convention; the other values are unpublished, see the assumptions page);
* a TMF ``Response`` other than FUNCTION COMPLETE / FUNCTION SUCCEEDED -> :class:`TmfFailed`;
* a pass-through answered with CHECK CONDITION -> :class:`ScsiCheckCondition` with the sense
  data decoded; any other non-GOOD SCSI status -> :class:`RequestFailed`.

Every such error carries the whole :class:`Exchange` (both buffers decoded, both raw), so the
caller can print or record what the target said.  A failed ``DeviceIoControl`` stays the
transport's :class:`~iscsitgt_spt.device.errors.Win32Error`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iscsitgt_spt.codec.analysis.lint import Finding, lint
from iscsitgt_spt.codec.analysis.report import Change, diff_values, sense_of
from iscsitgt_spt.codec.api import build, encode
from iscsitgt_spt.codec.dispatch import Decoded, decode_buffer
from iscsitgt_spt.codec.sense.decoder import SenseInfo
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.device.errors import DeviceError
from iscsitgt_spt.device.simulator import describe_return_code
from iscsitgt_spt.device.transport import Transport
from iscsitgt_spt.spec.arguments import profile_argument
from iscsitgt_spt.spec.assumptions import DEFAULT_TIMEOUT_SECONDS, RETURN_CODE_SUCCESS
from iscsitgt_spt.spec.constants import (
    SCSI_STATUSES,
    DataIn,
    TmfFunction,
    TmfResponse,
    name_of,
)
from iscsitgt_spt.spec.errors import BuildError, ParseError
from iscsitgt_spt.spec.layout import CStruct
from iscsitgt_spt.spec.passthrough import (
    SCSI_PASS_THROUGH_AUXILIARY,
    SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY,
)
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout, ioctl_of, structure
from iscsitgt_spt.spec.requests import (
    ISCSITGT_SPT_SESSION_START,
    ISCSITGT_SPT_SESSION_STOP,
    ISCSITGT_SPT_TMF,
)
from iscsitgt_spt.spec.srb_io_control import SRB_IO_CONTROL

__all__ = [
    "ANSWER_JUDGES",
    "SCSI_STATUSES",
    "Client",
    "Exchange",
    "RequestFailed",
    "RequestRefused",
    "ScsiCheckCondition",
    "TmfFailed",
    "judge",
]

_GOOD = 0x00
_CHECK_CONDITION = 0x02
_PASS_THROUGH = SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.c_name
_SPTD = "ScsiPassThroughDirect"
_AUX = "ScsiPassThroughAuxiliary"


@dataclass(frozen=True)
class Exchange:
    """One request and the target's answer: decoded, raw, and the request's lint findings."""

    request: Decoded
    response: Decoded
    raw_in: bytes
    raw_out: bytes
    ioctl: int
    findings: tuple[Finding, ...] = ()

    @property
    def changes(self) -> list[Change]:
        """The members the target changed (ReturnCode, Response, ScsiStatus, sense...)."""
        return diff_values(self.request.value, self.response.value)

    @property
    def return_code(self) -> int | None:
        """``Header.ReturnCode`` of the response, for the IOCTL_SCSI_MINIPORT requests."""
        header = self.response.value.get("Header")
        return header.ReturnCode if isinstance(header, StructValue) else None

    @property
    def sense(self) -> SenseInfo | None:
        """The sense data of a pass-through response, when it holds any."""
        return sense_of(self.response, self.raw_out)

    def to_json(self) -> dict[str, Any]:
        """``{"request": <decode doc>, "response": <decode doc>, "changes": [...]}``."""
        doc: dict[str, Any] = {
            "request": self.request.to_json(),
            "response": self.response.to_json(),
            "changes": [c.to_json() for c in self.changes],
        }
        if self.findings:
            doc["findings"] = [f.to_dict() for f in self.findings]
        sense = self.sense
        if sense is not None:
            doc["sense"] = sense.to_dict()
        return doc


class RequestRefused(DeviceError):
    """The lint pass found errors in a request, so it was not sent (``force=True`` sends)."""

    def __init__(self, name: str, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.severity == "error"]
        first = errors[0] if errors else None
        super().__init__(
            f"request not sent: {len(errors)} lint error(s)"
            + (f", first: {first.message} [{first.code}]" if first else "")
            + "; force=True (--force) sends it anyway",
            path=first.path if first else name, offset=first.offset if first else None,
        )


class RequestFailed(DeviceError):
    """The target answered, and the answer says the request failed.

    ``exchange`` holds both buffers; ``request``/``response`` are its decoded buffers;
    ``reason`` is a short label for counting failures (``ReturnCode 0x53494d04``,
    ``TMF LUN_DOES_NOT_EXIST``, ``CHECK CONDITION ILLEGAL_REQUEST 20h/00h``).
    """

    def __init__(
        self, message: str, exchange: Exchange, *, path: str = "", reason: str = ""
    ) -> None:
        self.exchange = exchange
        self.reason = reason or type(self).__name__
        self.request: Decoded = exchange.request
        self.response: Decoded = exchange.response
        super().__init__(message, path=path)


class TmfFailed(RequestFailed):
    """A task management function answered with a Response that is not a success."""

    def __init__(self, exchange: Exchange, response_code: int) -> None:
        self.response_code = response_code
        name = name_of(TmfResponse, response_code) or "unknown response"
        super().__init__(f"task management function failed: Response {response_code} ({name})",
                         exchange, path=f"{exchange.response.name}.Response",
                         reason=f"TMF {name_of(TmfResponse, response_code) or response_code}")


class ScsiCheckCondition(RequestFailed):
    """A pass-through completed with CHECK CONDITION; ``sense`` is its decoded sense data."""

    def __init__(self, exchange: Exchange) -> None:
        self.sense: SenseInfo | None = exchange.sense
        reason = "CHECK CONDITION"
        if self.sense is None:
            detail = "no sense data"
        else:
            key = self.sense.sense_key.title if self.sense.sense_key is not None else "?"
            asc, ascq = self.sense.asc, self.sense.ascq
            detail = f"sense key {key}"
            if asc is not None and ascq is not None:
                text = self.sense.asc_ascq_text or "unknown"
                detail += f", {asc:02X}h/{ascq:02X}h {text}"
                reason += f" {key.upper().replace(' ', '_')} {asc:02X}h/{ascq:02X}h"
        super().__init__(f"CHECK CONDITION: {detail}", exchange,
                         path=f"{exchange.response.name}.{_SPTD}.ScsiStatus", reason=reason)


def _merge(fields: Mapping[str, Any], member: str, key: str, value: object) -> dict[str, Any]:
    """``fields`` with ``member.key = value`` unless the caller gave it."""
    out = dict(fields)
    inner = out.get(member)
    if inner is None:
        out[member] = {key: value}
    elif isinstance(inner, Mapping) and not isinstance(inner, StructValue) and key not in inner:
        out[member] = {**inner, key: value}
    return out


class Client:
    """Requests to an iSCSI target miniport over ``transport``.

    ``profile`` is the layout the requests are built in; ``signature`` replaces the assumed
    ``SRB_IO_CONTROL.Signature`` and ``aux_signature`` the assumed auxiliary one (both
    unpublished: see the assumptions page).  The client does not own the transport.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        profile: Profile = DEFAULT_PROFILE,
        signature: bytes | None = None,
        aux_signature: bytes | None = None,
    ) -> None:
        if not isinstance(transport, Transport):
            raise TypeError(f"transport must be a Transport, not {type(transport).__name__}")
        self.transport = transport
        self.profile = profile_argument(profile)
        self.signature = signature
        self.aux_signature = aux_signature

    # -- the generic request ----------------------------------------------------------------
    def request(
        self, name: str, fields: Mapping[str, Any] | None = None, *, force: bool = False
    ) -> Exchange:
        """Build ``name`` from ``fields`` (canonical), lint, send, decode and judge it."""
        c_name = structure(name).c_name
        ioctl = ioctl_of(c_name)
        if ioctl is None:
            sendable = ", ".join(n for n in STRUCTURES if ioctl_of(n) is not None)
            raise DeviceError(f"{c_name} is not sent on its own", path=c_name,
                              expected=f"one of {sendable}")
        given: Mapping[str, Any] = fields or {}
        layout = get_layout(c_name, self.profile)
        # The target's signatures go wherever the structure nests the header they belong to.
        for member in layout.walk():
            if member.kind != "struct" or "." in member.path:
                continue
            if member.ctype == SRB_IO_CONTROL.c_name and self.signature is not None:
                given = _merge(given, member.path, "Signature", self.signature)
            aux = self.aux_signature
            if member.ctype == SCSI_PASS_THROUGH_AUXILIARY.c_name and aux is not None:
                given = _merge(given, member.path, "Signature", aux)
        raw_in = encode(build(c_name, given, profile=self.profile))
        return self.send_bytes(raw_in, name=c_name, force=force)

    def send_bytes(self, raw_in: bytes, *, name: str, force: bool = False) -> Exchange:
        """Lint, send, decode and judge an already encoded request of structure ``name``."""
        c_name = structure(name).c_name
        ioctl = ioctl_of(c_name)
        if ioctl is None:
            raise DeviceError(f"{c_name} is not sent on its own", path=c_name)
        request = decode_buffer(raw_in, name=c_name, ioctl=ioctl, profile=self.profile)
        findings = tuple(lint(request, raw=raw_in, output=False))
        if not force and any(f.severity == "error" for f in findings):
            raise RequestRefused(c_name, findings)
        out_size = max(len(raw_in), get_layout(c_name, self.profile).size)
        raw_out = self.transport.ioctl(ioctl, raw_in, out_size)
        try:
            response = decode_buffer(raw_out, name=c_name, ioctl=ioctl, profile=self.profile)
        except ParseError as exc:
            raise DeviceError(
                f"the target's answer does not decode as {c_name}: {exc.message}",
                path=exc.path, offset=exc.offset, expected=exc.expected, actual=exc.actual,
            ) from None
        exchange = Exchange(request, response, raw_in, raw_out, ioctl, findings)
        judge(exchange)
        return exchange

    # -- the four requests ------------------------------------------------------------------
    def session_start(
        self,
        cookie: int,
        peer_address: str,
        it_nexus: str,
        chap_user_name: str = "",
        reinstated: bool = False,
        *,
        force: bool = False,
    ) -> Exchange:
        """ISCSITGT_SPT_SESSION_START for the session ``cookie``."""
        return self.request(ISCSITGT_SPT_SESSION_START.c_name, {
            "IsReinstated": int(reinstated), "ITNexusHandle": cookie,
            "PeerAddress": peer_address, "ITNexus": it_nexus, "ChapUserName": chap_user_name,
        }, force=force)

    def session_stop(self, cookie: int, *, force: bool = False) -> Exchange:
        """ISCSITGT_SPT_SESSION_STOP for the session ``cookie``."""
        return self.request(ISCSITGT_SPT_SESSION_STOP.c_name, {"ITNexusHandle": cookie},
                            force=force)

    def task_management(
        self,
        cookie: int,
        lun: int,
        function: TmfFunction | int,
        reference: int | None = None,
        *,
        force: bool = False,
    ) -> Exchange:
        """ISCSITGT_SPT_TMF: ``function`` on ``lun``; ``reference`` is the referenced task."""
        return self.request(ISCSITGT_SPT_TMF.c_name, {
            "ITNexusHandle": cookie, "Lun": lun, "TaskManagementFunction": int(function),
            "ReferenceTaskCookie": reference or 0,
        }, force=force)

    def pass_through(
        self,
        cookie: int,
        task: int,
        lun: int,
        cdb: bytes,
        *,
        data_in: DataIn | int = DataIn.SCSI_IOCTL_DATA_UNSPECIFIED,
        transfer_length: int = 0,
        data_buffer: int = 0,
        timeout: int = DEFAULT_TIMEOUT_SECONDS,
        sequence_offset: int = 0,
        is_final: bool = True,
        path_id: int = 0,
        target_id: int = 0,
        scsi_lun: int = 0,
        force: bool = False,
    ) -> Exchange:
        """SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY carrying ``cdb`` for task ``task``.

        ``lun`` is the initiator-visible LUN (auxiliary ``Lun``); ``path_id``/``target_id``/
        ``scsi_lun`` address the port's device in SCSI_PASS_THROUGH_DIRECT.  No data buffer
        is allocated: ``data_buffer`` is an address in the process that owns the transfer.
        """
        if not isinstance(cdb, (bytes, bytearray)) or not 1 <= len(cdb) <= 16:
            raise BuildError("a CDB is 1 to 16 bytes", path=f"{_PASS_THROUGH}.{_SPTD}.Cdb",
                             expected="1..16 bytes", actual=repr(cdb)[:40])
        return self.request(_PASS_THROUGH, {
            _SPTD: {
                "PathId": path_id, "TargetId": target_id, "Lun": scsi_lun,
                "CdbLength": len(cdb), "DataIn": int(data_in),
                "DataTransferLength": transfer_length, "TimeOutValue": timeout,
                "DataBuffer": data_buffer, "Cdb": bytes(cdb),
            },
            _AUX: {
                "SessionCookie": cookie, "TaskCookie": task,
                "SequenceByteOffset": sequence_offset, "IsFinal": int(is_final), "Lun": lun,
            },
        }, force=force)


def judge(exchange: Exchange) -> None:
    """Raise the typed error ``exchange``'s response calls for (nothing for a success)."""
    value = exchange.response.value
    code = exchange.return_code
    if code is not None and code != RETURN_CODE_SUCCESS:
        meaning = describe_return_code(code)
        raise RequestFailed(
            f"the target answered ReturnCode {code} (0x{code:x}): "
            + (meaning or "0 is success, other values are unpublished"),
            exchange, path=f"{value.name}.Header.ReturnCode", reason=f"ReturnCode 0x{code:x}",
        )
    answer_judge = ANSWER_JUDGES.get(value.layout.template)
    if answer_judge is not None:
        answer_judge(exchange)


def _judge_tmf(exchange: Exchange) -> None:
    response = exchange.response.value.Response
    known = name_of(TmfResponse, response)
    if known is None or not TmfResponse(response).is_success:
        raise TmfFailed(exchange, response)


def _judge_pass_through(exchange: Exchange) -> None:
    value = exchange.response.value
    status = value[_SPTD].ScsiStatus  # type: ignore[union-attr]
    if status == _CHECK_CONDITION:
        raise ScsiCheckCondition(exchange)
    if status != _GOOD:
        raise RequestFailed(
            f"SCSI status 0x{status:02x} ({SCSI_STATUSES.get(status, 'unknown')})",
            exchange, path=f"{value.name}.{_SPTD}.ScsiStatus",
            reason=f"SCSI status {SCSI_STATUSES.get(status, f'0x{status:02x}')}",
        )


#: How the client judges an answer beyond its ReturnCode, bound to the request's definition:
#: a request without an entry succeeds when its ReturnCode is success.
ANSWER_JUDGES: dict[CStruct, Callable[[Exchange], None]] = {
    ISCSITGT_SPT_TMF: _judge_tmf,
    SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY: _judge_pass_through,
}
