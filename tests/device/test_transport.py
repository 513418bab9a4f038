"""The Transport base class: argument checks, closed state, context manager."""

from __future__ import annotations

import pytest
from iscsitgt_spt.device.errors import DeviceError, TransportClosedError
from iscsitgt_spt.device.transport import Transport


class Echo(Transport):
    def __init__(self) -> None:
        self.closes = 0
        self.seen: list[tuple[int, bytes, int]] = []

    def _ioctl(self, code: int, data: bytes, out_size: int) -> bytes:
        self.seen.append((code, data, out_size))
        return data[:out_size]

    def _close(self) -> None:
        self.closes += 1


def test_bytes_like_input_is_normalised_to_bytes() -> None:
    with Echo() as echo:
        assert echo.ioctl(1, bytearray(b"ab"), 2) == b"ab"
        assert echo.ioctl(1, memoryview(b"cd"), 1) == b"c"
    assert [type(data) for _, data, _ in echo.seen] == [bytes, bytes]


@pytest.mark.parametrize(
    ("code", "data", "out_size", "path"),
    [
        (-1, b"", 0, "ioctl.code"),
        (1 << 32, b"", 0, "ioctl.code"),
        (True, b"", 0, "ioctl.code"),
        (1, "text", 0, "ioctl.in_bytes"),
        (1, b"", -1, "ioctl.out_size"),
        (1, b"", 1 << 32, "ioctl.out_size"),
    ],
)
def test_bad_arguments(code: object, data: object, out_size: object, path: str) -> None:
    echo = Echo()
    with pytest.raises(DeviceError) as info:
        echo.ioctl(code, data, out_size)  # type: ignore[arg-type]
    assert info.value.path == path
    assert echo.seen == []


def test_close_once_and_refuse_afterwards() -> None:
    echo = Echo()
    with echo as entered:
        assert entered is echo
    echo.close()
    assert echo.closes == 1
    with pytest.raises(TransportClosedError, match="Echo is closed"):
        echo.ioctl(1, b"", 0)
    with pytest.raises(TransportClosedError), echo:
        pass
