"""``--jobs N``: a stream of items worked on by N worker processes, results in input order.

A capture of a million records decodes on every core of the machine: the command reads the
records (one reader, so every line of the input ends up in a record or a message, exactly as
with one process), cuts them into chunks, and N worker processes turn each chunk into its
output text.  The results come back in input order, so the output is byte-identical to
``--jobs 1``; at most ``2 * N`` chunks are in flight and a chunk is closed at
:data:`CHUNK_RECORDS` items or :data:`CHUNK_BYTES` bytes, so memory stays bounded however
long the input (never by a number written in it).

Workers ignore Ctrl-C: the parent reports it once and stops them.  A worker that dies (killed,
out of memory) makes the command fail with one line and exit status 1 (:class:`WorkerLost`,
which ``main`` reports), never a hang or a traceback.
"""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

# The option's type lives with the other options (cli/_common.py): decode and send name it at
# start-up, when nothing else of this module is needed (issue 25).
from iscsitgt_spt.cli._common import available_cores, jobs_option

if TYPE_CHECKING:  # the process pool is imported only when --jobs asks for workers
    from concurrent.futures import Future

__all__ = [
    "CHUNK_BYTES", "CHUNK_RECORDS", "SLOT_BYTES", "Carried", "Texts", "WorkerLost",
    "available_cores", "chunked", "jobs_option", "ordered_output",
]

T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")

#: Most items in one chunk: large enough that handing a chunk over costs little beside the
#: work on it, small enough that the first output comes at once.
CHUNK_RECORDS = 512
#: Most bytes (as measured by the caller's ``size``) in one chunk: a chunk of large records
#: closes early, so memory is bounded by the bytes in flight, not by a record count.  512 KiB:
#: the 2N chunks in flight (and the two being cut) of a run of a capture's longest records
#: then hold about what its usual records hold (4 MiB let a run of long fuzz records raise
#: the parent's peak by 10 MiB).
CHUNK_BYTES = 1 << 19
#: Bytes of shared memory for the output of one part in flight (2N of them): a part's text
#: past them comes back through the pipe.  JSON of 512 records is about 1 MiB.
SLOT_BYTES = 4 << 20
#: Bytes of a slot kept in memory from part to part (written again without a page fault);
#: what a larger part used past them is given back to the system once it is written out, so
#: that the memory held does not creep up to the largest parts an input happens to hold.
SLOT_KEPT = 3 << 19


class WorkerLost(Exception):
    """A worker process ended before it answered (killed, out of memory): the output stops
    after what the workers before it gave."""

    def __init__(self) -> None:
        super().__init__("a worker process ended unexpectedly (killed, or out of memory)")


def chunked(
    items: Iterable[T], size: Callable[[T], int] = lambda item: 1, most: int | None = None,
) -> Iterator[list[T]]:
    """``items`` in lists of at most ``most`` items (default :data:`CHUNK_RECORDS`) or about
    :data:`CHUNK_BYTES` as measured by ``size``."""
    most = most or CHUNK_RECORDS
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


#: What a part's work gives: the texts of its output (an iterator, used up once) and what to
#: call, once they are, for what else the part tells (its counts).
Texts = tuple[Iterable[str], Callable[[], R]]

class Carried(NamedTuple):
    """A part whose input is bytes (at most :data:`CHUNK_BYTES`) that :func:`ordered_output`
    carries to the worker in the part's shared slot (copied in by this process, as they
    are: never pickled nor piped), and ``meta``, what else the work needs (pickled).  The
    work gets ``Carried(meta, data)``, ``data`` a bytes-like view of the slot that it must
    be done with when it returns (its output is then written over it): a work decodes it
    at once, and makes its output from what it decoded."""

    meta: Any
    data: Any


# The output slots of this worker process (shared memory made by the parent before the fork).
_slots: list[Any] = []


def _slot_worker(slots: list[Any]) -> None:
    _quiet_worker()
    _slots[:] = slots


def _into_slot(
    work: Callable[[P, Any], Texts[R]], slot: int | None, part: P, extra: Any,
    encoding: str, errors: str,
) -> tuple[int, bytes | None, R]:
    """In a worker: the part's output encoded into its shared slot, record by record (no
    text of the whole part is made, sent or copied), what does not fit returned as bytes.
    A :class:`Carried` part whose ``data`` is a length has its bytes in the slot."""
    memory: Any = _slots[slot] if slot is not None else b""
    if isinstance(part, Carried) and isinstance(part.data, int):
        with memoryview(memory)[:part.data] as carried:
            given: Any = Carried(part.meta, carried)
            texts, told = work(given, extra)
    else:
        texts, told = work(part, extra)
    used = 0
    spill: list[bytes] = []
    for text in texts:
        data = text.encode(encoding, errors)
        end = used + len(data)
        if spill or end > len(memory):
            spill.append(data)
        else:
            memory[used:end] = data
            used = end
    return used, b"".join(spill) if spill else None, told()


def ordered_output(
    work: Callable[[P, Any], Texts[R]], parts: Iterable[P], jobs: int, *, extra: Any = None,
    encoding: str = "utf-8", errors: str = "strict",
) -> Iterator[tuple[list[Any], R]]:
    """The output of ``work(part, extra)`` for each of ``parts`` (cut by the caller), in
    input order, on ``jobs`` processes: ``(pieces, told)``, the pieces being the part's
    texts encoded (``encoding``, ``errors``) as bytes-like objects valid until the next
    part is asked for, ``told`` what the part's work tells once its texts are used up.
    A part may be :class:`Carried`: its input bytes then travel in the part's slot too.

    At most ``2 * jobs`` parts are in flight.  Where processes fork, each in-flight part has
    a slot of :data:`SLOT_BYTES` of shared memory that its worker writes the encoded text
    into, and that this process writes out from: the text is never pickled, sent through a
    pipe or held as one string (output past the slot comes back as bytes).  ``work`` must be
    a module-level function.  With ``jobs == 1`` everything runs here, in this process.
    """
    if jobs <= 1:
        for part in parts:
            texts, told = work(part, extra)
            pieces = [text.encode(encoding, errors) for text in texts]
            yield pieces, told()
        return
    import mmap  # (as the pool: loaded only when workers are asked for)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = _context()
    shared = context.get_start_method() == "fork"
    slots = [mmap.mmap(-1, SLOT_BYTES) for _ in range(2 * jobs)] if shared else []
    free: list[int | None] = list(range(2 * jobs)) if shared else [None] * (2 * jobs)
    pending: deque[tuple[int | None, Future[tuple[int, bytes | None, R]]]] = deque()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                               initializer=_slot_worker, initargs=(slots,))
    try:
        for part in parts:
            if not free:
                yield from _finished(pending, slots, free)
            slot = free.pop()
            sent: Any = (_carry(part, slots[slot]) if slot is not None
                         and isinstance(part, Carried) else part)
            pending.append((slot, pool.submit(_into_slot, work, slot, sent, extra, encoding,
                                              errors)))
            del part, sent
        while pending:
            yield from _finished(pending, slots, free)
    except BrokenProcessPool:
        raise WorkerLost from None
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        for memory in slots:
            memory.close()


def _carry(part: Carried, memory: Any) -> Carried:
    """The part with its bytes copied into its slot (what is sent: their length)."""
    size = len(part.data)
    if size > len(memory):  # (not a part of CHUNK_BYTES: sent as it is)
        return part
    memory[:size] = part.data
    return Carried(part.meta, size)


def _finished(
    pending: deque[tuple[int | None, Future[tuple[int, bytes | None, R]]]], slots: list[Any],
    free: list[int | None],
) -> Iterator[tuple[list[Any], R]]:
    """The oldest part's output pieces and what it told; once they are used, its slot is
    given back (the view of it let go: the slot can be written again, or closed)."""
    slot, future = pending.popleft()
    used, spill, told = future.result()
    view = memoryview(slots[slot])[:used] if slot is not None else memoryview(b"")
    try:
        yield [view] if spill is None else [view, spill], told
    finally:
        view.release()
        if slot is not None and used > SLOT_KEPT:
            _give_back(slots[slot])
        free.append(slot)


def _give_back(memory: Any) -> None:
    """The pages of a slot past :data:`SLOT_KEPT` freed (where the system can)."""
    import mmap

    if hasattr(mmap, "MADV_REMOVE"):
        memory.madvise(mmap.MADV_REMOVE, SLOT_KEPT, len(memory) - SLOT_KEPT)
