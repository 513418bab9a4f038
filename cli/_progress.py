"""A progress line on stderr, only when a person is watching (a TTY).

Long jobs (decoding a capture of millions of records, writing a corpus, replaying it against
a device) redraw one line at most ten times a second; piped or redirected, they stay silent so
logs and CI output carry only results.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from iscsitgt_spt.cli._terminal import interactive

__all__ = ["Progress"]


class Progress:
    """``Progress(total, label="records")``; ``update(done, nbytes=None)``; ``close()``."""

    def __init__(
        self,
        total: int | None = None,
        *,
        label: str = "records",
        stream: TextIO | None = None,
        total_bytes: int | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = interactive(self.stream) if enabled is None else enabled
        self.total = total
        self.total_bytes = total_bytes
        self.label = label
        self._start = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._drawn_width = 0

    def update(self, done: int, nbytes: int | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        rate = done / max(now - self._start, 1e-9)
        if self.total:
            text = f"{done}/{self.total} {self.label} ({100 * done // self.total}%)"
        elif self.total_bytes and nbytes is not None:
            text = f"{done} {self.label}, {100 * nbytes // max(self.total_bytes, 1)}% of input"
        else:
            text = f"{done} {self.label}"
        # Spaces, not an erase sequence, clear the rest of the previous line: the line holds
        # no escape sequence at all (NO_COLOR users and plain terminals see plain text).
        line = f"{text}, {rate:,.0f}/s"
        self.stream.write(f"\r{line.ljust(self._drawn_width)}")
        self.stream.flush()
        self._drawn_width = len(line)
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * self._drawn_width + "\r")
            self.stream.flush()
