"""``send --fuzz-corpus --jobs N``: which worker's simulated target a corpus line needs.

A line's request is answered by the worker that holds the sessions it names (the cookie
members of its definition, :meth:`~iscsitgt_spt.device.simulator.SimulatedTarget.routing`),
from the first request that can open them (a START: before it no target holds anything of
them, and what names them goes anywhere) to the request that provably leaves nothing of
them (a STOP the target takes, on a line that parses -- checked in full, as only such
lines close a session: after it, they are dealt afresh at their next START, so
that a corpus of a few sessions started and stopped again and again spreads over the
workers instead of each session staying where it first fell).  A request that may change
sessions it does not name (a target reset) is a barrier the other workers follow, when the
session it names is held: one that is not exists nowhere (no START named it since it was
closed), so the request changes nothing (the target answers UNKNOWN_SESSION), anywhere.

The main process routes every line, and whatever it spends per line the workers wait for:
so a line is not decoded here.  :func:`~iscsitgt_spt.codec.capture.jsonl.request_head`
reads the IOCTL and the first :attr:`~iscsitgt_spt.device.simulator.SimulatedTarget.reach_prefix`
bytes of the input off the line (a few C searches and one short hex decoding), which decide
the routing as the whole input does when the line parses; a line written otherwise is
parsed in full, as the worker parses it.  A line that does not parse sends nothing, so
wherever it goes (by what was read off it, or anywhere) changes no session: it only must
not let a session go (see above).  What the target's routing says of a request is kept
by the IOCTL and those first bytes, exactly what it reads (a session's requests repeat
them: a recorded ``fuzz --sessions`` run of 20,000 lines holds 3,522 distinct ones).
"""

from __future__ import annotations

from itertools import count

from iscsitgt_spt.codec.capture.jsonl import parse_line, request_head, request_prefix
from iscsitgt_spt.device.simulator import SimulatedTarget
from iscsitgt_spt.spec.errors import SptError

__all__ = ["Router", "request_of"]

#: Most routings a router keeps (a request's first bytes and its routing: about 300 bytes).
_ROUTED_KEPT = 4096


def request_of(line: bytes, lineno: int, bound: int) -> tuple[int, bytes] | None:
    """A line's IOCTL and input as the worker reads them: off the line's start when it is
    written the usual way, else by the full parse (``None`` for a line without a request,
    which then goes anywhere: its worker finds it malformed or blank, as --jobs 1 does)."""
    found = request_prefix(line)
    if found is not None:
        return found
    try:
        record = parse_line(line, lineno, max_record_bytes=bound)
    except SptError:
        return None
    return None if record is None else (record.ioctl, record.data_in)


class Router:
    """Routes the lines of a corpus, a round at a time, in input order (it keeps which
    sessions are held, and under which key)."""

    def __init__(self, target: SimulatedTarget, bound: int) -> None:
        self.target = target
        self.bound = bound
        self.prefix = target.reach_prefix
        #: the sessions a request that can open them named, and not closed since: their key
        self.held: dict[tuple[int, ...], int] = {}
        self._keys = count()
        #: the target's routing of the requests seen, by IOCTL and first ``prefix`` bytes
        #: (all it reads of them, :meth:`SimulatedTarget.routing`; the target's faults and
        #: layouts do not change): at most _ROUTED_KEPT, then forgotten and found again
        self.routed: dict[tuple[int, bytes], tuple[tuple[int, ...], bool, bool, bool]] = {}
        self.ioctls = target.routed_ioctls  # (a line of any other IOCTL touches nothing)

    def round(self, lines: list[bytes], first: int) -> tuple[list[int | None], list[int],
                                                              list[int]]:
        """For lines numbered from ``first``: each one's key (``None``: any worker), the
        indexes of the barriers among them, and the keys that no later line has (their
        sessions closed: the dealer forgets them after this round)."""
        keys: list[int | None] = []
        crossings: list[int] = []
        closed: list[int] = []
        head, prefix, held, routed = request_head, self.prefix, self.held, self.routed
        ioctls = self.ioctls
        for index, line in enumerate(lines):
            request = head(line, prefix)
            if request is None:
                request = request_of(line, first + index, self.bound)
                if request is None:
                    keys.append(None)
                    continue
                request = request[0], request[1][:prefix]  # (all that routing reads)
            if request[0] not in ioctls:
                keys.append(None)
                continue
            found = routed.get(request)
            if found is None:
                found = self._route(request)
            named, crossing, opening, closing = found
            key = held.get(named) if named else None
            if key is None:
                if opening and named:
                    key = held[named] = next(self._keys)
            elif closing and self._sent(line, first + index):
                del held[named]
                closed.append(key)
            keys.append(key)
            if crossing and key is not None:
                crossings.append(index)
        return keys, crossings, closed

    def _route(self, request: tuple[int, bytes]) -> tuple[tuple[int, ...], bool, bool, bool]:
        """The target's routing of a request not seen lately, kept."""
        if len(self.routed) >= _ROUTED_KEPT:
            self.routed.clear()
        found = self.routed[request] = self.target.routing(*request)
        return found

    def _sent(self, line: bytes, lineno: int) -> bool:
        """Whether the worker sends the line's request (it parses: what was read off the line
        is then what it sends).  Before the sessions a request closes are dealt afresh, a
        line that is not sent (cut short, not JSON) must not be taken for it: its sessions
        stay where they are, as their state does."""
        try:
            return parse_line(line, lineno, max_record_bytes=self.bound) is not None
        except SptError:
            return False
