"""``--jobs N``: a stream of items worked on by N worker processes, results in input order.

A capture of a million records decodes on every core of the machine: the command reads the
records (one reader, so every line of the input ends up in a record or a message, exactly as
with one process), cuts them into chunks, and N worker processes turn each chunk into its
output text.  The results come back in input order, so the output is byte-identical to
``--jobs 1``; at most ``2 * N`` chunks are in flight and a chunk is closed at
:data:`CHUNK_RECORDS` items or :data:`CHUNK_BYTES` bytes, so memory stays bounded however
long the input (never by a number written in it).

Workers ignore Ctrl-C: the parent reports it once and stops them.  A worker that dies makes
the command fail with one line (the pool reports it), never a hang.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the process pool is imported only when --jobs asks for workers
    from concurrent.futures import Future

__all__ = [
    "CHUNK_BYTES", "CHUNK_RECORDS", "available_cores", "jobs_option", "keyed_map",
    "ordered_map", "ordered_results",
]

T = TypeVar("T")
P = TypeVar("P")
S = TypeVar("S")
R = TypeVar("R")

#: Most items in one chunk: large enough that handing a chunk over costs little beside the
#: work on it, small enough that the first output comes at once.
CHUNK_RECORDS = 512
#: Most bytes (as measured by the caller's ``size``) in one chunk: a chunk of large records
#: closes early, so memory is bounded by the bytes in flight, not by a record count.
CHUNK_BYTES = 4 << 20


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def jobs_option(text: str) -> int:
    """``--jobs`` value: a positive number, or ``auto`` for the cores available."""
    if text.strip().lower() == "auto":
        return available_cores()
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of worker processes or 'auto', not {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"expected 1 to 1024 worker processes, not {value}")
    return value


def _chunks(
    items: Iterable[T], size: Callable[[T], int], most: int
) -> Iterator[list[T]]:
    chunk: list[T] = []
    held = 0
    for item in items:
        chunk.append(item)
        held += size(item)
        if len(chunk) >= most or held >= CHUNK_BYTES:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def _quiet_worker() -> None:
    """Each worker: Ctrl-C is the parent's to report (it stops the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context() -> Any:
    import multiprocessing

    # fork where the system has it: a worker starts with the modules (and the compiled
    # codecs) the parent already loaded, instead of importing them again.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def ordered_map(
    work: Callable[[list[T], Any], R], items: Iterable[T], jobs: int, *,
    extra: Any = None, size: Callable[[T], int] = lambda item: 1, chunk: int | None = None,
) -> Iterator[R]:
    """``work(chunk, extra)`` for each chunk of ``items``, in input order, on ``jobs``
    processes (``work`` must be a module-level function; ``extra`` is handed to every call).
    With ``jobs == 1`` everything runs here, in this process.  ``chunk`` is the most items
    in a chunk (default :data:`CHUNK_RECORDS`; 1 streams each result as soon as it is made)."""
    return ordered_results(work, _chunks(items, size, chunk or CHUNK_RECORDS), jobs,
                           extra=extra)


def ordered_results(
    work: Callable[[P, Any], R], parts: Iterable[P], jobs: int, *, extra: Any = None,
) -> Iterator[R]:
    """``work(part, extra)`` for each of ``parts`` (cut by the caller), in input order, on
    ``jobs`` processes; at most ``2 * jobs`` parts are in flight."""
    if jobs <= 1:
        for part in parts:
            yield work(part, extra)
        return
    from concurrent.futures import ProcessPoolExecutor

    pending: deque[Future[R]] = deque()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(),
                               initializer=_quiet_worker)
    try:
        for part in parts:
            pending.append(pool.submit(work, part, extra))
            del part
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def keyed_map(
    setup: Callable[[Any], S], work: Callable[[S, T], R], items: Iterable[T],
    route: Callable[[T], int | None], jobs: int, *, extra: Any = None,
) -> Iterator[R]:
    """``work(state, item)`` for every item, results in input order, on ``jobs`` processes
    that keep a ``state`` each (made by ``setup(extra)`` in the worker) from item to item.

    ``route(item)`` names the worker an item must go to (any number: taken modulo ``jobs``),
    or ``None`` for any: items that must see each other's effects on a state go to one worker
    and reach it in input order.  The items are cut into rounds of :data:`CHUNK_RECORDS`; a
    round is split among the workers, and its results come back in input order once every
    worker answered its share.  At most ``2 * jobs`` rounds are in flight.  ``setup``,
    ``work`` and ``route`` must be module-level functions; a state with a ``close`` method is
    closed when its worker ends.  With ``jobs == 1`` everything runs here, with one state.
    """
    if jobs <= 1:
        state = setup(extra)
        try:
            for item in items:
                yield work(state, item)
        finally:
            _close(state)
        return
    pool = _KeyedPool(setup, work, extra, jobs)
    try:
        for number, chunk in enumerate(_chunks(items, lambda item: 1, CHUNK_RECORDS)):
            pool.submit(number, [(index, route(item), item) for index, item in
                                 enumerate(chunk)])
            while pool.in_flight() >= 2 * jobs:
                yield from pool.next_round()
        while pool.in_flight():
            yield from pool.next_round()
    finally:
        pool.stop()


def _close(state: Any) -> None:
    close = getattr(state, "close", None)
    if close is not None:
        close()


class _KeyedPool:
    """The worker processes of :func:`keyed_map`: one inbox each, one outbox for all."""

    def __init__(self, setup: Callable[[Any], Any], work: Callable[[Any, Any], Any],
                 extra: Any, jobs: int) -> None:
        context = _context()
        self.jobs = jobs
        self.outbox = context.Queue()
        self.inboxes = [context.Queue() for _ in range(jobs)]
        self.workers = [
            context.Process(target=_keyed_worker, daemon=True,
                            args=(setup, work, extra, inbox, self.outbox, number))
            for number, inbox in enumerate(self.inboxes)
        ]
        for worker in self.workers:
            worker.start()
        # round number -> (the worker of each item, in order; results per worker, once in)
        self.rounds: dict[int, tuple[list[int], dict[int, list[Any]], int]] = {}
        self.next = 0

    def submit(self, number: int, routed: list[tuple[int, int | None, Any]]) -> None:
        shares: dict[int, list[Any]] = {}
        order = []
        for index, key, item in routed:
            worker = (index if key is None else key) % self.jobs
            shares.setdefault(worker, []).append(item)
            order.append(worker)
        for worker, share in shares.items():
            self.inboxes[worker].put((number, share))
        self.rounds[number] = (order, {}, len(shares))

    def in_flight(self) -> int:
        return len(self.rounds)

    def next_round(self) -> Iterator[Any]:
        """The results of the oldest round, in input order, once all its shares are in."""
        order, got, needed = self.rounds[self.next]
        while len(got) < needed:
            number, worker, results = self._receive()
            self.rounds[number][1][worker] = results
        del self.rounds[self.next]
        self.next += 1
        taken = dict.fromkeys(got, 0)
        for worker in order:
            yield got[worker][taken[worker]]
            taken[worker] += 1

    def _receive(self) -> tuple[int, int, list[Any]]:
        import queue

        while True:
            try:
                number, worker, results = self.outbox.get(timeout=0.5)
            except queue.Empty:
                if not all(worker.is_alive() for worker in self.workers):
                    raise RuntimeError("a worker process ended unexpectedly") from None
                continue
            if isinstance(results, BaseException):
                raise results
            return number, worker, results

    def stop(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for worker in self.workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
                worker.join()
        for box in (*self.inboxes, self.outbox):
            box.close()
            box.join_thread()


def _keyed_worker(setup: Callable[[Any], Any], work: Callable[[Any, Any], Any], extra: Any,
                  inbox: Any, outbox: Any, number: int) -> None:
    _quiet_worker()
    state = setup(extra)
    try:
        while (message := inbox.get()) is not None:
            round_number, share = message
            try:
                results: Any = [work(state, item) for item in share]
            except Exception as exc:  # the parent raises it, after what came before
                results = exc
            outbox.put((round_number, number, results))
    finally:
        _close(state)
        outbox.close()
        outbox.join_thread()
