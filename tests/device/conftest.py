"""Test doubles for the device layer: a fake kernel32 and a scripted transport.

Handed to tests as fixtures (the test run uses importlib import mode, in which test modules
cannot import each other or a helper module by name).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import pytest
from iscsitgt_spt.device.errors import Win32Error
from iscsitgt_spt.device.transport import Transport


class FakeFunction:
    """Stands in for a ctypes foreign function: records calls and its prototype.

    Like ctypes, it converts every argument with the declared ``argtypes`` (``from_param``), so
    an argument the real prototype would reject fails here too.
    """

    def __init__(self, impl: Callable[..., Any]) -> None:
        self.impl = impl
        self.argtypes: list[Any] | None = None
        self.restype: Any = "unset"
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> Any:
        assert self.argtypes is not None, "called before argtypes were declared"
        assert len(args) == len(self.argtypes)
        for argtype, arg in zip(self.argtypes, args):
            argtype.from_param(arg)
        self.calls.append(args)
        return self.impl(*args)


class FakeKernel32:
    """A kernel32 double for WindowsTransport.

    ``handle`` is what CreateFileW returns; ``create_error`` makes it fail with
    INVALID_HANDLE_VALUE (``invalid_value``) and that last error.  ``reply(code, data, out_size)``
    returns the bytes DeviceIoControl writes (BytesReturned = their length) or an int error.
    """

    def __init__(
        self,
        *,
        handle: int = 0x1234,
        create_error: int | None = None,
        invalid_value: int = -1,
        reply: Callable[[int, bytes, int], bytes | int] | None = None,
        close_ok: bool = True,
    ) -> None:
        self.handle = handle
        self.create_error = create_error
        self.invalid_value = invalid_value
        self.reply = reply or (lambda code, data, out_size: data[:out_size])
        self.close_ok = close_ok
        self.last_error = 0
        self.seen_in: list[bytes | None] = []
        self.out_buffer_sizes: list[int | None] = []
        self.CreateFileW = FakeFunction(self._create)
        self.DeviceIoControl = FakeFunction(self._ioctl)
        self.CloseHandle = FakeFunction(self._close)
        self.GetLastError = FakeFunction(lambda: self.last_error)

    def _create(self, *args: Any) -> int:
        if self.create_error is not None:
            self.last_error = self.create_error
            return self.invalid_value
        return self.handle

    def _ioctl(
        self, handle: int, code: int, in_buf: Any, in_size: int, out_buf: Any, out_size: int,
        returned: Any, overlapped: Any,
    ) -> int:
        self.seen_in.append(None if in_buf is None else bytes(in_buf))
        self.out_buffer_sizes.append(None if out_buf is None else ctypes.sizeof(out_buf))
        answer = self.reply(code, b"" if in_buf is None else bytes(in_buf), out_size)
        if isinstance(answer, int):
            self.last_error = answer
            return 0
        if answer:
            ctypes.memmove(out_buf, answer, len(answer))
        returned.contents.value = len(answer)
        return 1

    def _close(self, handle: int) -> int:
        if self.close_ok:
            return 1
        self.last_error = 6
        return 0


class ScriptedTransport(Transport):
    """Answers from a list of outcomes (bytes, or a Win32 error number), in order."""

    def __init__(self, outcomes: list[bytes | int | BaseException]) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[tuple[int, bytes, int]] = []
        self.close_calls = 0

    def _ioctl(self, code: int, data: bytes, out_size: int) -> bytes:
        self.requests.append((code, data, out_size))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, int):
            raise Win32Error(outcome, "DeviceIoControl(test)")
        return outcome

    def _close(self) -> None:
        self.close_calls += 1


@pytest.fixture
def fake_kernel32() -> type[FakeKernel32]:
    """The FakeKernel32 class; tests construct it with the behaviour they need."""
    return FakeKernel32


@pytest.fixture
def scripted() -> type[ScriptedTransport]:
    """The ScriptedTransport class."""
    return ScriptedTransport
