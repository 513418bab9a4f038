"""``send --fuzz-corpus --jobs N``'s pool: items worked on by N processes that each keep
a state from item to item (a simulated target), the items of one key (a session) on one of
them, in input order, and results in input order (:func:`keyed_map`, :func:`keyed_rounds`).

The items of one key must see each other's effects on a state, so they go to one worker
(:class:`Dealer`); an item that changes the states of other keys too is a barrier
(:class:`Barrier`) the other workers follow at its place.  Rounds of items cross to the
workers, and their results back, with what is large (a line, a recorded line) in shared
memory (:class:`Slots`).  Workers ignore Ctrl-C; a worker that dies makes the command fail
with :class:`~iscsitgt_spt.cli._jobs.WorkerLost`, never a hang.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice, repeat
from typing import Any, NamedTuple, TypeVar

from iscsitgt_spt.cli._jobs import CHUNK_RECORDS, WorkerLost, _context, _quiet_worker
from iscsitgt_spt.cli._slots import Slots

__all__ = ["Barrier", "Dealer", "Round", "keyed_map", "keyed_rounds"]

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")


class Barrier(NamedTuple):
    """How :func:`keyed_map` works on an item that changes the states of other keys too (a
    target reset): ``crossing(item)`` tells such an item (in this process, as it routes it);
    the worker its key routes it to does ``answer(state, item)``, which gives its result and
    the news of what it did to other keys; every other worker does ``follow(state, news)``
    after every item before it and before any after it, unless ``moot(state, item)`` says
    that following it cannot change that state whatever the news (then that worker goes on
    without waiting for the news).  Module-level functions."""

    crossing: Callable[[Any], bool] | None  # (None: the caller's rounds tell, keyed_rounds)
    answer: Callable[[Any, Any], tuple[Any, Any]]
    follow: Callable[[Any, Any], None]
    moot: Callable[[Any, Any], bool] | None = None


class Dealer:
    """Which of ``jobs`` workers takes each item of :func:`keyed_map`, from its key: the items
    of one key all go to the worker that had been given the fewest items when the key first
    came (kept in a table of the keys seen, until :meth:`forget` says no later item has the
    key); an item without a key to the worker given the fewest so far.  A corpus whose keys
    come unevenly (a session that holds most of its lines, keys that cluster in one stretch
    of it) is evened out by the keys that come later and by the items that can go
    anywhere.  (Items are counted by their weights where the caller gives them: the
    fewest is then the least work.)"""

    def __init__(self, jobs: int) -> None:
        self.load = [0] * jobs  # items (or their weights) given to each worker so far
        self.placed: dict[Any, int] = {}

    def __call__(self, key: Any) -> int:
        return self.deal([key])[0]

    def deal(self, keys: list[Any], weights: list[int] | None = None) -> list[int]:
        """The worker of each key of a round, in order (as many calls would give); each item
        counted as ``weights`` says (default: 1 each) in the load to even out."""
        load, placed = self.load, self.placed
        order = []
        for key, weight in zip(keys, weights or repeat(1)):
            worker = placed.get(key) if key is not None else None
            if worker is None:
                worker = load.index(min(load))  # (the first of the least loaded)
                if key is not None:
                    placed[key] = worker
            load[worker] += weight
            order.append(worker)
        return order

    def forget(self, keys: Iterable[Any]) -> None:
        """Keys no later item has: their entries dropped (the table holds live keys only)."""
        for key in keys:
            self.placed.pop(key, None)


class Round(NamedTuple):
    """A round of :func:`keyed_rounds`: each item's key (``None``: any worker), the items
    (what the workers get), the indexes of the barriers among them (:class:`Barrier`), and
    keys that no later item has (the dealer forgets them once this round is dealt).
    ``carried``, where given, is bytes for each item that cross to its worker through
    shared memory (:class:`Slots`): the work then gets ``(item, its bytes)``.  ``weights``,
    where given, is what each item counts for in the load the dealer evens out (items of
    unlike cost: :class:`Dealer`)."""

    keys: list[Any]
    items: list[Any]
    crossings: list[int]
    forget: list[Any]
    carried: list[bytes] | None = None
    #: each item's share of the work, as the dealer counts it (None: 1 each)
    weights: list[int] | None = None


def keyed_map(
    setup: Callable[[Any], S], work: Callable[[S, Any], R], items: Iterable[T],
    route: Callable[[T], int | None], jobs: int, *, extra: Any = None,
    barrier: Barrier | None = None, carry: Callable[[T], Any] | None = None,
) -> Iterator[R]:
    """``work(state, item)`` for every item, results in input order, on ``jobs`` processes
    that keep a ``state`` each (made by ``setup(extra)`` in the worker) from item to item.

    ``route(item)`` names the item's key, or ``None`` for any worker: the items of one key
    (those that must see each other's effects on a state) go to one worker and reach it in
    input order; :class:`Dealer` says which worker, evening out the load.  An
    item that changes the states of other keys too is a ``barrier`` (:class:`Barrier`): its
    worker answers it and the others follow what it did, each at that point of its items,
    so every state is what one state answering every item in order would hold of its keys.
    The items are cut into rounds of :data:`CHUNK_RECORDS` (:func:`keyed_rounds`).
    ``setup``, ``work`` and ``route`` must be module-level functions; a state with a
    ``close`` method is closed when its worker ends.  ``carry(item)``, where given, is what
    ``work`` and the barrier's ``answer`` and ``moot`` get of an item (what a worker is
    sent: plain tuples pickle without a class to call on either side; ``route`` and
    ``crossing`` read the item here).  With ``jobs == 1`` everything runs here, with one
    state (``work`` answers every item).
    """
    if jobs <= 1:
        state = setup(extra)
        try:
            for item in items:
                yield work(state, item if carry is None else carry(item))
        finally:
            _close(state)
        return
    crossing = barrier.crossing if barrier is not None else None
    items = iter(items)

    def rounds() -> Iterator[Round]:
        for chunk in iter(lambda: list(islice(items, CHUNK_RECORDS)), []):
            yield Round([route(item) for item in chunk],
                        chunk if carry is None else [carry(item) for item in chunk],
                        [index for index, item in enumerate(chunk)
                         if crossing is not None and crossing(item)], [])

    for results in keyed_rounds(setup, work, rounds(), jobs, extra=extra, barrier=barrier):
        yield from results


def keyed_rounds(
    setup: Callable[[Any], S], work: Callable[[S, Any], R], rounds: Iterable[Round],
    jobs: int, *, extra: Any = None, barrier: Barrier | None = None, texts: bool = False,
) -> Iterator[Any]:
    """:func:`keyed_map` of items routed by the caller, a :class:`Round` at a time (``jobs``
    at least 2): each round's results, in input order, as a list.  A round is split among
    the workers, and its results come back once every worker answered its share; at most
    ``2 * jobs`` rounds are in flight.  The caller cuts the rounds: it routes their items in
    one loop of its own, and takes their results a round at a time, with no call per item
    in between.

    ``texts``: each result is ``(value, text)``, ``text`` bytes that come back through
    shared memory (:class:`Slots`): each round is then ``(values, texts)``, the texts
    as bytes-like objects valid until the next round is asked for."""
    pool = _KeyedPool(setup, work, barrier, extra, jobs, texts)
    done = False
    try:
        for number, round_ in enumerate(rounds):
            pool.submit(number, round_)
            while pool.in_flight() >= 2 * jobs:
                yield pool.next_round()
        while pool.in_flight():
            yield pool.next_round()
        done = True
    finally:
        pool.stop(at_once=not done)


def _close(state: Any) -> None:
    close = getattr(state, "close", None)
    if close is not None:
        close()


class _Share(NamedTuple):
    """A worker's items of one round, the barriers among them it answers (index -> barrier
    number) and those it follows ((index of the item it comes before, barrier number, the
    barrier's item))."""

    items: list[Any]
    owned: dict[int, int]
    follows: list[tuple[int, int, Any]]
    #: where the items' bytes are (round number, the items' indexes in the round, where
    #: each of the round's bytes ends in its slot), or None (the items are whole)
    carried: tuple[int, list[int], list[int]] | None = None


class _KeyedPool:
    """The worker processes of :func:`keyed_map`: one inbox each, one outbox for all, and
    one box each for the news of barriers the others answered."""

    def __init__(self, setup: Callable[[Any], Any], work: Callable[[Any, Any], Any],
                 barrier: Barrier | None, extra: Any, jobs: int, texts: bool = False) -> None:
        context = _context()
        self.jobs = jobs
        # (made before the workers start: they inherit them)
        self.slots = Slots(jobs, context.get_start_method() == "fork")
        self.texts = texts
        self.outbox = context.Queue()
        self.inboxes = [context.Queue() for _ in range(jobs)]
        self.newsboxes = [context.Queue() for _ in range(jobs)] if barrier else []
        self.workers = [
            context.Process(target=_keyed_worker, daemon=True,
                            args=(_Worker(setup, work, barrier, number, self.newsboxes),
                                  extra, inbox, self.outbox, self.slots, texts))
            for number, inbox in enumerate(self.inboxes)
        ]
        for worker in self.workers:
            worker.start()
        # round number -> (the worker of each item, in order; results per worker, once in)
        self.rounds: dict[int, tuple[list[int], dict[int, list[Any]], int]] = {}
        self.next = 0
        self.deal = Dealer(jobs)
        self.barriers = 0  # barriers submitted so far (each one's number)
        self.lost = False

    def submit(self, number: int, round_: Round) -> None:
        """A round's items to the workers (:class:`Dealer`); a barrier's followers told
        where in their items it comes."""
        keys, items, crossings, forget, carried, weights = round_
        order = self.deal.deal(keys, weights)
        ends = (self.slots.carry(number, carried)
                if carried is not None and self.slots is not None else None)
        if carried is not None and ends is None:  # (too many bytes for a slot: pickled)
            items, carried = list(zip(items, carried)), None
        shares = {}
        for worker in set(order):  # (one pass over the round per worker, at C speed)
            mine = [index for index, dealt in enumerate(order) if dealt == worker]
            shares[worker] = _Share([items[index] for index in mine], {}, [],
                                    None if ends is None else (number, mine, ends))
        for index in crossings:
            self.barriers += 1
            worker = order[index]
            item = items[index] if carried is None else (items[index], carried[index])
            shares[worker].owned[order[:index].count(worker)] = self.barriers
            for other in range(self.jobs):
                if other != worker:
                    them = shares.get(other) or shares.setdefault(
                        other, _Share([], {}, [], None if ends is None else (number, [], ends)))
                    them.follows.append((order[:index].count(other), self.barriers, item))
        self.deal.forget(forget)
        for worker, share in shares.items():
            self.inboxes[worker].put((number, share))
        self.rounds[number] = (order, {}, len(shares))

    def _texts(self, number: int, got: dict[int, Any]) -> dict[int, Any]:
        """A round's results per worker: their ``(values, texts)`` (see :class:`Slots`)."""
        return {worker: (values, self.slots.texts(number, worker, told))
                for worker, (values, told) in got.items()}

    def in_flight(self) -> int:
        return len(self.rounds)

    def next_round(self) -> Any:
        """The results of the oldest round, in input order, once all its shares are in
        (with texts: the values and the texts, in two lists)."""
        order, got, needed = self.rounds[self.next]
        while len(got) < needed:
            number, worker, results = self._receive()
            self.rounds[number][1][worker] = results
        del self.rounds[self.next]
        if not self.texts:
            self.next += 1
            return _in_order(order, got, self.jobs)
        got = self._texts(self.next, got)
        self.next += 1
        return (_in_order(order, {w: values for w, (values, _) in got.items()}, self.jobs),
                _in_order(order, {w: texts for w, (_, texts) in got.items()}, self.jobs))

    def _receive(self) -> tuple[int, int, list[Any]]:
        import queue

        while True:
            try:
                number, worker, results = self.outbox.get(timeout=0.5)
            except queue.Empty:
                if not all(worker.is_alive() for worker in self.workers):
                    self.lost = True
                    raise WorkerLost from None
                continue
            if isinstance(results, BaseException):
                raise results
            return number, worker, results

    def stop(self, at_once: bool = False) -> None:
        """The workers ended: each told to stop after its inbox (what they still send read
        and dropped, so that none waits to send it); ``at_once`` (the results are not
        wanted: Ctrl-C, an error) or where a worker was lost (another may wait for its
        news), they are terminated without finishing their inboxes."""
        import queue
        import time
        from multiprocessing.connection import wait

        for inbox in self.inboxes:
            inbox.put(None)
        deadline = time.monotonic() + (0 if at_once or self.lost else 5)
        while (now := time.monotonic()) < deadline and (
                alive := [w.sentinel for w in self.workers if w.is_alive()]):
            with contextlib.suppress(queue.Empty):
                while True:  # (what a worker still sends read, so that it can end)
                    self.outbox.get_nowait()
            # Until a worker ends (at once, when all its results were taken), not a poll's
            # fixed time: the end of every run waited 50 ms here.
            wait(alive, timeout=min(0.05, deadline - now))
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        for inbox in (*self.inboxes, *self.newsboxes):
            # The workers are gone: what a dead one's inbox still holds has no reader, and
            # waiting for it to be sent would hang.
            inbox.cancel_join_thread()
        for box in (*self.inboxes, *self.newsboxes, self.outbox):
            box.close()
            box.join_thread()
        self.slots.close()


#: The news of a barrier whose answer failed (its worker raised): nothing to follow (the
#: command stops at that error).
_FAILED = object()


class _Worker:
    """What a worker of :func:`keyed_map` does with its share of a round."""

    def __init__(self, setup: Callable[[Any], Any], work: Callable[[Any, Any], Any],
                 barrier: Barrier | None, number: int, newsboxes: list[Any]) -> None:
        self.setup, self.work, self.barrier = setup, work, barrier
        self.number = number
        self.newsboxes = newsboxes
        self.heard: dict[int, Any] = {}  # news of barriers come before they were waited for
        self.unwanted: set[int] = set()  # barriers followed without their news (moot)

    def share(self, state: Any, share: _Share) -> list[Any]:
        """The results of a share's items, the barriers in it answered or followed."""
        work = self.work
        if not share.owned and not share.follows:
            return [work(state, item) for item in share.items]
        results = []
        follows = deque(share.follows)
        try:
            for index, item in enumerate(share.items):
                while follows and follows[0][0] == index:
                    self._follow(state, *follows.popleft()[1:])
                barrier = share.owned.pop(index, None)
                results.append(work(state, item) if barrier is None
                               else self._answer(state, item, barrier))
            while follows:
                self._follow(state, *follows.popleft()[1:])
        finally:
            for barrier in share.owned.values():  # (not reached: an item before it raised)
                self._tell(barrier, _FAILED)
        return results

    def _answer(self, state: Any, item: Any, barrier: int) -> Any:
        assert self.barrier is not None
        news = _FAILED
        try:
            result, news = self.barrier.answer(state, item)
        finally:
            self._tell(barrier, news)
        return result

    def _tell(self, barrier: int, news: Any) -> None:
        for other, box in enumerate(self.newsboxes):
            if other != self.number:
                box.put((barrier, None if news is _FAILED else news, news is _FAILED))

    def _follow(self, state: Any, barrier: int, item: Any) -> None:
        assert self.barrier is not None
        moot = self.barrier.moot
        if moot is not None and moot(state, item):
            self.unwanted.add(barrier)
            self._hear(block=False)  # (what came meanwhile, dropped if unwanted)
            return
        while barrier not in self.heard:
            self._hear(block=True)
        news, failed = self.heard.pop(barrier)
        if not failed:
            self.barrier.follow(state, news)

    def _hear(self, block: bool) -> None:
        """The news in this worker's box: one (``block``), or what is there (none waited
        for); the news of barriers followed without them dropped."""
        import queue

        inbox = self.newsboxes[self.number]
        while True:
            try:
                number, news, failed = inbox.get() if block else inbox.get_nowait()
            except queue.Empty:
                return
            if number in self.unwanted:
                self.unwanted.discard(number)
            else:
                self.heard[number] = (news, failed)
            if block:
                return


def _in_order(order: list[int], got: dict[int, list[Any]], jobs: int) -> list[Any]:
    """The results of a round's workers (each in its items' order) in the round's order."""
    taken = [iter(got.get(worker, ())) for worker in range(jobs)]
    return list(map(next, map(taken.__getitem__, order)))


def _keyed_worker(worker: _Worker, extra: Any, inbox: Any, outbox: Any,
                  slots: Slots, texts: bool) -> None:
    _quiet_worker()
    state = worker.setup(extra)
    try:
        while (message := inbox.get()) is not None:
            round_number, share = message
            try:
                results: Any = worker.share(state, slots.taken(share))
                if texts:
                    results = slots.put(round_number, worker.number, results)
            except Exception as exc:  # the parent raises it, after what came before
                results = exc
            outbox.put((round_number, worker.number, results))
    finally:
        _close(state)
        outbox.close()
        outbox.join_thread()
