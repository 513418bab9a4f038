"""Record every IOCTL a transport carries, and answer IOCTLs from such a recording.

A session against a real target is expensive to repeat (a Windows host, an iSCSI target, an
administrator), so :class:`RecordingTransport` writes each request and its outcome to the
project's JSONL capture format as it happens, and :class:`ReplayTransport` later answers the
same requests from that file on any OS -- which is how bugs seen on a customer's machine
become regression tests.  A recorder flushes after every line: a session that crashes (or a
driver that hangs the machine) still leaves every completed request on disk.

Failures are part of the recording: a failed ``DeviceIoControl`` is written with its Win32 error
number as ``status`` and no ``out``, and replays as the same
:class:`~iscsitgt_spt.device.errors.Win32Error`.
"""

from __future__ import annotations

import enum
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import BinaryIO, TextIO

from iscsitgt_spt.codec.bounded import bounded_lines
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, parse_lines, record_to_line
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
from iscsitgt_spt.codec.safejson import json_text_bound
from iscsitgt_spt.device.errors import (
    DeviceError,
    ReplayMismatch,
    Win32Error,
    ioctl_name,
)
from iscsitgt_spt.device.transport import Transport
from iscsitgt_spt.spec.errors import InputFormatError

__all__ = ["RecordingTransport", "ReplayTransport", "utc_timestamp"]

_UTF8_BOM = b"\xef\xbb\xbf"


class _Default(enum.Enum):
    TOKEN = "default"


def utc_timestamp() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a ``Z``, for ``time``."""
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    return now.replace("+00:00", "Z")


class RecordingTransport(Transport):
    """Pass every IOCTL to ``inner`` and write one capture line per request to ``sink``.

    ``abi`` and ``cookie`` are copied into every record (they say how to decode it later);
    ``clock`` supplies each record's ``time`` (``None`` omits it); ``pid`` defaults to this
    process's id (``None`` omits it).  Closing the recorder closes ``inner``; the sink belongs
    to the caller and stays open.  Only the target's answers are recorded: an error raised
    before the request reached the target (a closed transport, a replay mismatch) is not.
    """

    def __init__(
        self,
        inner: Transport,
        sink: TextIO,
        *,
        abi: str | None = None,
        cookie: str | None = None,
        clock: Callable[[], str | None] = utc_timestamp,
        pid: int | _Default | None = _Default.TOKEN,
    ) -> None:
        if not isinstance(inner, Transport):
            raise TypeError(f"inner must be a Transport, not {type(inner).__name__}")
        if not callable(getattr(sink, "write", None)):
            raise TypeError(f"sink must be a text stream, not {type(sink).__name__}")
        self.inner = inner
        self._sink = sink
        self._abi = abi
        self._cookie = cookie
        self._clock = clock
        self._pid = os.getpid() if pid is _Default.TOKEN else pid

    def _ioctl(self, code: int, data: bytes, out_size: int) -> bytes:
        time = self._clock()
        try:
            out = self.inner.ioctl(code, data, out_size)
        except Win32Error as exc:
            self._write(code, data, None, time, exc.winerror)
            raise
        self._write(code, data, out, time, 0)
        return out

    def _write(
        self, code: int, data: bytes, out: bytes | None, time: str | None, status: int
    ) -> None:
        record = CaptureRecord(
            ioctl=code, data_in=data, data_out=out, abi=self._abi, cookie=self._cookie,
            time=time, pid=self._pid, status=status,
        )
        try:
            self._sink.write(record_to_line(record) + "\n")
            self._sink.flush()
        except (OSError, ValueError) as exc:
            # ValueError: the sink was closed under us.
            raise DeviceError(f"cannot write the capture record: {exc}") from exc

    def _close(self) -> None:
        self.inner.close()


def _path_argument(path: object, argument: str) -> str:
    """``path`` as a ``str``, or a TypeError/ValueError naming ``argument``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{argument} must be a path (str or os.PathLike), not "
                        f"{type(path).__name__}")
    name = os.fspath(path)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{argument} must name a file, not {name!r}")
    return name


def _text_lines(handle: BinaryIO, name: str) -> Iterator[str]:
    """The lines of a JSONL capture as text, each bounded; a line that is not UTF-8 raises
    InputFormatError with its absolute byte offset."""
    bound = json_text_bound(MAX_RECORD_SIZE)
    offset = 0
    for lineno, line in enumerate(bounded_lines(handle, bound, name), 1):
        # Windows tools (PowerShell's Out-File) like to start UTF-8 text with a BOM.
        skip = len(_UTF8_BOM) if lineno == 1 and line.startswith(_UTF8_BOM) else 0
        try:
            text = line[skip:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputFormatError(
                "the capture is not UTF-8 text", offset=offset + skip + exc.start
            ) from None
        offset += len(line)
        # Split on "\n" only: str.splitlines() would also split inside a JSON string
        # holding U+2028, which record_to_line writes unescaped.
        yield text.rstrip("\n")


def _distance(a: bytes, b: bytes) -> int:
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))


def _first_difference(a: bytes, b: bytes) -> int:
    for index, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return index
    return min(len(a), len(b))


def _byte_at(data: bytes, offset: int) -> str:
    if offset < len(data):
        return f"0x{data[offset]:02x}"
    return f"end of input ({len(data)} bytes)"


class ReplayTransport(Transport):
    """Answer each IOCTL with the output recorded for the same IOCTL code and input bytes.

    Identical requests are answered in recorded order (one queue per request).  A request the
    capture does not hold raises :class:`~iscsitgt_spt.device.errors.ReplayMismatch`
    naming the first byte where it differs from the nearest recorded input of that IOCTL (the
    one with the fewest differing bytes; the earliest on a tie).  A recorded failure (``status``
    other than 0) raises the recorded :class:`~iscsitgt_spt.device.errors.Win32Error`.
    ``labels`` name the records in messages (``from_lines`` uses ``line N``).
    """

    def __init__(
        self, records: Iterable[CaptureRecord], *, labels: Iterable[str] | None = None
    ) -> None:
        entries = list(records)
        names = (
            [f"record {n}" for n in range(1, len(entries) + 1)]
            if labels is None
            else list(labels)
        )
        if len(names) != len(entries):
            raise DeviceError(
                "one label per record is needed", expected=str(len(entries)),
                actual=str(len(names)),
            )
        self._queues: dict[tuple[int, bytes], deque[tuple[str, CaptureRecord]]] = {}
        self._totals: dict[tuple[int, bytes], int] = {}
        self._inputs: dict[int, list[tuple[str, bytes]]] = {}
        for label, record in zip(names, entries):
            key = (record.ioctl, record.data_in)
            if key not in self._queues:
                self._queues[key] = deque()
                self._inputs.setdefault(record.ioctl, []).append((label, record.data_in))
            self._queues[key].append((label, record))
            self._totals[key] = self._totals.get(key, 0) + 1

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> ReplayTransport:
        """Replay JSONL capture lines; the first malformed line raises its InputFormatError."""
        records: list[CaptureRecord] = []
        labels: list[str] = []
        bound = json_text_bound(MAX_RECORD_SIZE)
        for lineno, item in parse_lines(lines, max_record_bytes=bound):
            if isinstance(item, InputFormatError):
                raise item
            records.append(item)
            labels.append(f"line {lineno}")
        return cls(records, labels=labels)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ReplayTransport:
        """Replay the JSONL capture file at ``path`` (UTF-8, with or without a BOM).

        Read line by line, no line held past the JSON text bound of a record
        (:func:`~iscsitgt_spt.codec.bounded.bounded_lines`): ``/dev/zero``, a FIFO or an
        endless line ends with one error; a pipe or FIFO is never seeked.
        """
        name = _path_argument(path, "path")
        try:
            with open(name, "rb") as handle:
                return cls.from_lines(_text_lines(handle, name))
        except OSError as exc:
            raise DeviceError(
                f"cannot read the capture: {exc.strerror or exc}", path=name
            ) from None
        except InputFormatError as exc:
            raise InputFormatError(
                exc.message, path=f"{name} {exc.path}".rstrip(), offset=exc.offset,
                expected=exc.expected, actual=exc.actual,
            ) from None

    def remaining(self) -> int:
        """How many recorded requests have not been replayed yet."""
        return sum(len(queue) for queue in self._queues.values())

    def _ioctl(self, code: int, data: bytes, out_size: int) -> bytes:
        key = (code, data)
        queue = self._queues.get(key)
        if queue is None:
            raise self._mismatch(code, data)
        name = ioctl_name(code)
        if not queue:
            raise ReplayMismatch(
                f"{name} request repeated more often than the capture holds it "
                f"({self._totals[key]} time(s))", ioctl=code,
            )
        label, record = queue[0]
        if record.status:
            queue.popleft()
            raise Win32Error(record.status, f"DeviceIoControl({name})")
        if record.data_out is None:
            raise DeviceError(f"the capture holds this {name} request ({label}) but not its output")
        if len(record.data_out) > out_size:
            raise ReplayMismatch(
                f"{name} request ({label}) asks for less output than was recorded",
                ioctl=code, expected=f"out_size >= {len(record.data_out)}",
                actual=str(out_size),
            )
        queue.popleft()
        return record.data_out

    def _mismatch(self, code: int, data: bytes) -> ReplayMismatch:
        name = ioctl_name(code)
        candidates = self._inputs.get(code)
        if not candidates:
            return ReplayMismatch(
                f"the capture holds no {name} (0x{code:08x}) request", ioctl=code
            )
        label, nearest = min(candidates, key=lambda entry: _distance(entry[1], data))
        offset = _first_difference(nearest, data)
        return ReplayMismatch(
            f"{name} request not in the capture; the nearest recorded input ({label}) "
            "differs from here",
            ioctl=code, offset=offset,
            expected=_byte_at(nearest, offset), actual=_byte_at(data, offset),
        )

    def _close(self) -> None:
        # Nothing to release; the queues stay so remaining() can still report what went unused.
        pass
