"""Shared memory for ``send --fuzz-corpus --jobs N``'s rounds (:mod:`iscsitgt_spt.cli._keyed`):
the bytes a round carries to the workers, and the texts of their results, cross without a
pipe."""

from __future__ import annotations

import contextlib
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from iscsitgt_spt.cli._jobs import SLOT_BYTES

if TYPE_CHECKING:
    from iscsitgt_spt.cli._keyed import _Share

__all__ = ["Slots"]


class Slots:
    """Shared memory for :func:`~iscsitgt_spt.cli._keyed.keyed_rounds` (made before the
    workers fork): a slot per round in flight for its items' carried bytes
    (:attr:`~iscsitgt_spt.cli._keyed.Round.carried`), which this process copies in at once
    and each worker reads its items' from; and a slot per round in flight and worker for the
    texts of its results, which it copies in one after another, sending back only where each
    ends.  Bytes cross so without a pipe: through one, a round of recorded lines (a few kB
    each) cost the main process about 3 µs a line to receive, the worker as much to send, in
    64 kB writes and wake-ups; and the lines sent, a feeder thread of this process pickling
    them and each worker reading them, as much again.  What does not fit a slot (or without
    fork) is pickled."""

    def __init__(self, jobs: int, shared: bool) -> None:
        import mmap

        self.jobs = jobs
        #: bytes of each text slot: a round's texts are split among the workers
        self.size = max(SLOT_BYTES // jobs, 1 << 19)
        self.memory = [mmap.mmap(-1, self.size) for _ in range(2 * jobs * jobs)] if shared else []
        self.carried = [mmap.mmap(-1, SLOT_BYTES) for _ in range(2 * jobs)] if shared else []

    def carry(self, number: int, carried: list[bytes]) -> list[int] | None:
        """Here: the round's bytes copied into its slot; where each item's end (``None``:
        they do not fit, or no slot)."""
        data = b"".join(carried)
        if not self.carried or len(data) > SLOT_BYTES:
            return None
        self.carried[number % (2 * self.jobs)][:len(data)] = data
        return list(accumulate(map(len, carried)))

    def taken(self, share: _Share) -> _Share:
        """In a worker: the share with its items' bytes read from their slot (as
        ``(item, bytes)``)."""
        if share.carried is None:
            return share
        number, mine, ends = share.carried
        view = memoryview(self.carried[number % (2 * self.jobs)])
        starts = [0, *ends[:-1]]
        data = [bytes(view[starts[index]:ends[index]]) for index in mine]
        return share._replace(items=list(zip(share.items, data)))

    def _slot(self, number: int, worker: int) -> Any:
        return self.memory[(number % (2 * self.jobs)) * self.jobs + worker]

    def put(self, number: int, worker: int, results: list[tuple[Any, bytes]]) -> tuple[
            list[Any], list[int] | list[bytes]]:
        """In a worker: the values of its share, and where each text ends in its slot (or,
        where they do not all fit, the texts themselves)."""
        values = [value for value, _ in results]
        texts = [text for _, text in results]
        if not self.memory or sum(map(len, texts)) > self.size:
            return values, texts
        memory = self._slot(number, worker)
        ends = list(accumulate(map(len, texts)))
        memory[:ends[-1] if ends else 0] = b"".join(texts)
        return values, ends

    def texts(self, number: int, worker: int, told: list[int] | list[bytes]) -> list[Any]:
        """In the main process: a share's texts, as views of its slot where they are there
        (valid until the slot is written again: 2N rounds later)."""
        if not told or not isinstance(told[0], int):
            return told
        view = memoryview(self._slot(number, worker))
        return list(map(view.__getitem__, map(slice, [0, *told[:-1]], told)))

    def close(self) -> None:
        for memory in (*self.memory, *self.carried):
            # (a view still held, by the caller of the last round: the mapping goes when
            # the last view does)
            with contextlib.suppress(BufferError):
                memory.close()
