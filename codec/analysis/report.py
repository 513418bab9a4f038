"""One captured request, fully explained: what ``decode`` prints for each record.

A :class:`RecordReport` holds, for a :class:`~iscsitgt_spt.codec.capture.records.RawRecord`:
the profile chosen (with the evidence, or the override), the decoded request and response
buffers (each with its lint findings, or the error that stopped it), what the driver changed
between them, and the decoded sense data when the response carries some.  A record that cannot
be decoded yields a report with an ``error``; it never raises, so one bad record in a capture
costs nothing but itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from json.encoder import encode_basestring as _string_text
from typing import TYPE_CHECKING, Any, TypeVar, cast

from iscsitgt_spt.codec.analysis.bulk_head import meta_text
from iscsitgt_spt.codec.analysis.detect_profile import ProfileGuess, detect_profile
from iscsitgt_spt.codec.analysis.lint import Finding, lint, lint_bytes
from iscsitgt_spt.codec.api import encode
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.dispatch import Decoded, Truncated, decode_available
from iscsitgt_spt.codec.fast import Leaf, compiled, wchar_from_bytes
from iscsitgt_spt.codec.jsonform import compact_dumps, value_to_json, wchar_json
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.constants import IOCTLS
from iscsitgt_spt.spec.errors import ParseError, SptError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import STRUCTURES

if TYPE_CHECKING:  # sense decoding is imported on first use: most buffers carry none
    from iscsitgt_spt.codec.sense.decoder import SenseInfo

__all__ = [
    "BufferReport",
    "Change",
    "RecordReport",
    "changed_slots",
    "changes_text",
    "choose_profile",
    "decode_sense_at",
    "diff_buffers",
    "diff_values",
    "findings_text",
    "guess_json",
    "guess_text",
    "head_json",
    "head_text",
    "record_head_text",
    "report_record",
    "sense_of",
    "sense_text_at",
    "stated_structure",
]

_PASS_THROUGH = SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.c_name
_T = TypeVar("_T")


@frozen
class BufferReport:
    """One decoded buffer (request or response), or why it could not be decoded.

    A buffer shorter than its structure has an ``error`` (naming the member it cuts) and
    ``partial``: the members it holds whole, which are shown and put in the JSON document.
    ``data`` is the buffer as captured, or a :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer`
    when the caller holds only its leading bytes.
    """

    data: bytes | LongBuffer
    decoded: Decoded | None = None
    error: SptError | None = None
    findings: tuple[Finding, ...] = ()
    partial: Truncated | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.decoded is not None:
            out["document"] = self.decoded.to_json()
        elif self.partial is not None:
            out["document"] = self.partial.to_json()
        if self.error is not None:
            out["error"] = str(self.error)
            out["error_path"] = self.error.path
            out["error_offset"] = self.error.offset
            out["hex"] = self.data.hex()
        out["findings"] = [_finding_json(f) for f in self.findings]
        return out

    def to_json_text(self) -> str:
        """``to_json()`` as compact JSON text (the document through its generated template)."""
        if self.decoded is None or self.error is not None:
            return compact_dumps(self.to_json())
        return ('{"document":' + self.decoded.to_json_text() + ',"findings":'
                + findings_text(self.findings) + "}")


@frozen
class Change:
    """A member the driver changed between request and response."""

    path: str
    offset: int
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "offset": self.offset, "before": self.before,
                "after": self.after}


@frozen
class RecordReport:
    record: RawRecord
    profile: Profile | None = None
    guess: ProfileGuess | None = None
    request: BufferReport | None = None
    response: BufferReport | None = None
    changes: tuple[Change, ...] = ()
    sense: SenseInfo | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def title(self, fmt: str) -> str:
        """The record's heading (text report and HTML page alike): its number, its line or
        lines, the form it was captured in (``fmt`` when the record names none: each block of
        a text capture names its own), its IOCTL and the capture's pid, time and status."""
        rec = self.record
        parts = [f"record {rec.index + 1}"]
        if rec.line is not None:
            end = rec.end_line if rec.end_line is not None else rec.line
            parts.append(f"line {rec.line}" if end == rec.line else f"lines {rec.line}-{end}")
        parts.append(rec.source_format or fmt)
        if rec.ioctl is not None:
            parts.append(f"{IOCTLS.get(rec.ioctl, 'IOCTL')} (0x{rec.ioctl:08x})")
        for key in ("pid", "time", "status"):
            if key in rec.meta:
                parts.append(f"{key} {rec.meta[key]}")
        return " · ".join(parts)

    @property
    def undecoded(self) -> bool:
        """Whether the record, or one of its buffers, could not be decoded."""
        return self.error is not None or any(
            b is not None and b.error is not None for b in (self.request, self.response))

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The lint findings of the input and output buffers, in that order."""
        return tuple(f for b in (self.request, self.response) if b for f in b.findings)

    @property
    def worst_severity(self) -> str | None:
        order = {"error": 3, "warning": 2, "info": 1}
        found = [f.severity for b in (self.request, self.response) if b for f in b.findings]
        if self.error or any(b is not None and b.error for b in (self.request, self.response)):
            return "error"
        return max(found, key=lambda s: order.get(s, 0)) if found else None

    def _head_json(self) -> dict[str, Any]:
        return head_json(self.record, self.profile)

    def _tail_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.request is not None:
            out["input"] = self.request.to_json()
        if self.response is not None:
            out["output"] = self.response.to_json()
        out.update(self._rest_json())
        return out

    def _rest_json(self) -> dict[str, Any]:
        """What follows the buffers: changes, sense data, notes, the record's error."""
        out: dict[str, Any] = {}
        if self.changes:
            out["changes"] = [c.to_json() for c in self.changes]
        if self.sense is not None:
            out["sense"] = self.sense.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        if self.error is not None:
            out["error"] = self.error
        return out

    def to_json(self) -> dict[str, Any]:
        """The record's JSON object: what ``decode --json`` prints for it, one per line."""
        out = self._head_json()
        if self.guess is not None:
            out.update(guess_json(self.guess))
        out.update(self._tail_json())
        return out

    def to_json_line(self) -> str:
        """``to_json()`` as one compact line of JSON (no newline), the way a capture is
        streamed: the profile part comes pre-encoded, once per distinct guess (detection is
        memoised, so a capture's records share a handful of guesses), and the decoded values
        through their generated templates
        (:func:`~iscsitgt_spt.codec.jsonform.value_to_json_text`)."""
        parts = [record_head_text(self.record, self.profile)]
        if self.guess is not None:
            parts.append(guess_text(self.guess))
        if self.request is not None:
            parts.append('"input":' + self.request.to_json_text())
        if self.response is not None:
            parts.append('"output":' + self.response.to_json_text())
        if self.changes:
            parts.append('"changes":' + compact_dumps([c.to_json() for c in self.changes]))
        if self.sense is not None:  # the sense data through its generated template
            parts.append('"sense":' + self.sense.to_json_text())
        if self.notes or self.error is not None:
            parts.append(compact_dumps({key: value for key, value in self._rest_json().items()
                                        if key in ("notes", "error")})[1:-1])
        return "{" + ",".join(parts) + "}"


def head_json(rec: RawRecord, profile: Profile | None) -> dict[str, Any]:
    """A record's JSON head: where it came from, its IOCTL, metadata, unreadable spans and
    the profile it was decoded under."""
    out: dict[str, Any] = {"record": rec.index, "line": rec.line, "format": rec.source_format}
    if rec.end_line is not None:
        out["end_line"] = rec.end_line
    if rec.ioctl is not None:
        out["ioctl"] = f"0x{rec.ioctl:08x}"
    if rec.meta:
        out["meta"] = {k: v if type(v) in _JSON_SCALARS else _jsonable(v)
                       for k, v in rec.meta.items() if k != "segments"}
    if rec.unreadable:
        out["unreadable"] = [list(r) for r in rec.unreadable]
    if profile is not None:
        out["abi"], out["cookie"] = profile.abi, profile.cookie
    return out


def record_head_text(rec: RawRecord, profile: Profile | None) -> str:
    """:func:`head_json` as the JSON text of its members (no braces): written out directly
    for the usual record (its metadata, when it has only JSON's own types, as they are: by
    :func:`~iscsitgt_spt.codec.analysis.bulk_head.meta_text` or member by member), through
    the JSON encoder otherwise."""
    if rec.unreadable or rec.line is None or profile is None:
        return compact_dumps(head_json(rec, profile))[1:-1]
    if not rec.meta:
        return head_text(rec, profile)
    if "segments" in rec.meta:
        return compact_dumps(head_json(rec, profile))[1:-1]
    # The writer made for the metadata's key set and value types, once the key set has come
    # again (bulk_head); else member by member; else through the encoder.
    meta = meta_text(rec.meta)
    if meta is None:
        meta = _flat_text(rec.meta)
    if meta is None:
        if not _plain_json(rec.meta):
            return compact_dumps(head_json(rec, profile))[1:-1]
        meta = compact_dumps(rec.meta)
    return head_text(rec, profile, meta)


def _flat_text(meta: Mapping[str, object]) -> str | None:
    """The compact JSON text of flat metadata (string keys; text, whole numbers, booleans and
    nulls, of exactly those types), written member by member: the encoder's text, as the
    encoder writes each (a string by its own function, an ``int`` by ``int.__repr__``);
    ``None`` for anything else (a float, a list, a dict, an ``int`` subclass: the encoder)."""
    parts = []
    for key, value in meta.items():
        name = _KEY_TEXTS.get(key)  # (any key: a text one is found or not, as any other)
        if name is None:
            if type(key) is not str:
                return None
            name = _string_text(key) + ":"
            if len(_KEY_TEXTS) < 256:
                _KEY_TEXTS[key] = name
        kind = type(value)
        if kind is str:
            parts.append(name + _string_text(value))  # type: ignore[arg-type]
        elif kind is int:
            parts.append(name + int.__repr__(value))
        elif kind is bool or value is None:
            parts.append(name + _LITERALS[value])  # type: ignore[index]
        else:
            return None
    return "{" + ",".join(parts) + "}"


#: Metadata keys as JSON text with their colon, for the few names readers use.
_KEY_TEXTS: dict[str, str] = {}
_LITERALS = {True: "true", False: "false", None: "null"}


def _plain_json(value: object) -> bool:
    """Whether ``value`` is made of JSON's own types only (string keys, no bytes, no
    tuples): then it is its own ``_jsonable`` form, and its text is the JSON encoder's."""
    kind = type(value)
    if kind is dict:
        mapping = cast("dict[object, object]", value)
        if _STR.issuperset(map(type, mapping)) and _JSON_SCALARS.issuperset(
                map(type, mapping.values())):
            return True  # (the usual metadata: text and numbers, told at C speed)
        for key, item in mapping.items():
            if type(key) is not str or (type(item) not in _JSON_SCALARS
                                        and not _plain_json(item)):
                return False
        return True
    if kind is list:
        return all(type(item) in _JSON_SCALARS or _plain_json(item)
                   for item in value)  # type: ignore[attr-defined]
    return kind in _JSON_SCALARS


def head_text(record: RawRecord, profile: Profile, meta: str | None = None) -> str:
    """The head of the usual record's JSON line (no unreadable bytes, a line number),
    numbers and names only, written out directly: ``_head_json`` as text; ``meta`` is the
    text of its metadata, when it has some."""
    fmt = _FORMAT_TEXTS.get(record.source_format)
    if fmt is None:  # a reader's format name, escaped once (a handful exist)
        fmt = _string_text(record.source_format)
        if len(_FORMAT_TEXTS) < 256:
            _FORMAT_TEXTS[record.source_format] = fmt
    return (f'"record":{record.index},"line":{record.line},"format":{fmt}'
            + (f',"end_line":{record.end_line}' if record.end_line is not None else "")
            + (f',"ioctl":"0x{record.ioctl:08x}"' if record.ioctl is not None else "")
            + (f',"meta":{meta}' if meta is not None else "")
            + f',"abi":"{profile.abi}","cookie":"{profile.cookie}"')


_FORMAT_TEXTS: dict[str, str] = {}


def guess_json(guess: ProfileGuess) -> dict[str, Any]:
    """A record's profile fields.  ``profile_candidates`` lists every profile consistent with
    the evidence, the reported one first; ``profile_reason`` is only written when the guess is
    ambiguous, because otherwise the candidates say it all (a single candidate is the only one
    consistent with the evidence; several lay the structure out identically)."""
    out: dict[str, Any] = {
        "profile_evidence": list(guess.evidence),
        "profile_ambiguous": guess.ambiguous,
        "profile_candidates": [str(p) for p in guess.candidates],
    }
    if guess.ambiguous and guess.reason:
        out["profile_reason"] = guess.reason
    return out


# The encoded profile fields of recent guesses, keyed by id() (each entry holds its guess, so
# the id cannot be reused while it is cached).  Detection keeps one guess per shape (a few
# hundred in a capture) and a few showing a value read per record: bounded to hold those.
_GUESS_TEXT: dict[int, tuple[ProfileGuess, str]] = {}
_GUESS_TEXT_BOUND = 512


def guess_text(guess: ProfileGuess) -> str:
    """:func:`guess_json` as the JSON text of its members (no braces), encoded once per
    guess: detection is memoised, so a capture's records share a handful of guesses."""
    found = _GUESS_TEXT.get(id(guess))
    if found is None or found[0] is not guess:
        if len(_GUESS_TEXT) >= _GUESS_TEXT_BOUND:
            _GUESS_TEXT.clear()
        found = _GUESS_TEXT[id(guess)] = (guess, compact_dumps(guess_json(guess))[1:-1])
    return found[1]


# Values JSON writes as they are (most metadata): no conversion to look for.
_JSON_SCALARS = frozenset((str, int, float, bool, type(None)))
_STR = frozenset((str,))


def _jsonable(value: object) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def findings_text(findings: tuple[Finding, ...]) -> str:
    """A buffer's ``findings`` as compact JSON text, through the encoder when one is not of
    the usual types.  A finding's text is written once per finding met (:data:`_FINDING_TEXTS`),
    its text up to its message (severity, code, path, offset: what its rule and the record's
    shape decide) once per such head (:data:`_FINDING_HEADS`)."""
    if not findings:
        return "[]"
    texts = _FINDING_TEXTS
    parts: list[str] = []
    for f in findings:
        severity, code, path, offset, message = (f.severity, f.code, f.path, f.offset,
                                                 f.message)
        if (type(severity) is not str or type(code) is not str or type(path) is not str
                or type(offset) is not int or type(message) is not str):
            return compact_dumps([_finding_json(f) for f in findings])
        # (exact str and int: equal keys are equal texts, never 1 for True or 1.0)
        key = (severity, code, path, offset, message)
        text = texts.get(key)
        if text is None:  # (most findings of a capture come again word for word)
            text = _finding_text(severity, code, path, offset, message)
            if len(message) <= _FINDING_TEXT_LONGEST:
                if len(texts) >= _FINDING_TEXTS_BOUND:
                    texts.clear()
                texts[key] = text
        parts.append(text)
    return "[" + ",".join(parts) + "]"


def _finding_text(severity: str, code: str, path: str, offset: int, message: str) -> str:
    """A finding's JSON text, its head (what its rule and the record's shape decide) made
    once per head."""
    key = (severity, code, path, offset)
    head = _FINDING_HEADS.get(key)
    if head is None:
        if len(_FINDING_HEADS) >= _FINDING_HEADS_BOUND:
            _FINDING_HEADS.clear()
        head = _FINDING_HEADS[key] = (
            '{"severity":' + _string_text(severity) + ',"code":' + _string_text(code)
            + ',"path":' + _string_text(path) + ',"offset":' + str(offset) + ',"message":')
    return head + _string_text(message) + "}"


#: A finding's JSON text up to its message, by (severity, code, path, offset).  A rule
#: reports at a handful of places per structure and profile (a few hundred heads in all);
#: the bound holds memory flat whatever a caller's findings hold.
_FINDING_HEADS: dict[tuple[str, str, str, int], str] = {}
_FINDING_HEADS_BOUND = 1024
#: A finding's whole JSON text, by its five fields: a fuzz corpus's findings are four fifths
#: repeats (a member's value and its message recur).  Bounded, and only messages of at most
#: :data:`_FINDING_TEXT_LONGEST` characters kept: under 1 MiB whatever the findings.  (At
#: 4,096 texts a worker of ``decode --jobs 2`` grew by 5.4 MiB from 10 thousand to a million
#: fuzz records, past the benchmark's flat verdict; at 1,024 a 100,000-record corpus misses
#: 52 thousand times instead of 43 thousand, about 0.1 µs a record.)
_FINDING_TEXTS: dict[tuple[str, str, str, int, str], str] = {}
_FINDING_TEXTS_BOUND = 1024
_FINDING_TEXT_LONGEST = 256


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"severity": f.severity, "code": f.code, "path": f.path, "offset": f.offset,
            "message": f.message}


def diff_values(before: StructValue, after: StructValue, prefix: str = "") -> list[Change]:
    """Leaf members whose values differ (same structure and profile expected)."""
    changes: list[Change] = []
    as_json: tuple[dict[str, Any], dict[str, Any]] | None = None
    for member in before.layout.members:
        a, b = before[member.name], after[member.name]
        if a == b:
            continue
        if isinstance(a, StructValue) and isinstance(b, StructValue):
            for change in diff_values(a, b, f"{prefix}{member.name}."):
                changes.append(Change(change.path, change.offset + member.offset,
                                      change.before, change.after))
            continue
        if as_json is None:  # only at levels where a leaf changed: the JSON forms, once
            as_json = (value_to_json(before), value_to_json(after))
        changes.append(Change(prefix + member.name, member.offset,
                              as_json[0][member.name], as_json[1][member.name]))
    return changes


def diff_buffers(layout: Layout, before: bytes, after: bytes) -> list[Change]:
    """``diff_values`` of two whole buffers of ``layout`` (each exactly ``layout.size``
    bytes), read from the bytes: only the leaves of the fast-path slots whose bytes differ
    are looked at (a driver's answer changes a member or two of a request)."""
    slots, old, new = changed_slots(layout, before, after)
    leaves = _diff_plan(layout).leaves
    return [change for slot in slots
            for change in _leaf_changes(leaves[slot], old[slot], new[slot])]


def changed_slots(
    layout: Layout, before: bytes, after: bytes
) -> tuple[list[int], tuple[Any, ...], tuple[Any, ...]]:
    """The fast-path slots whose bytes differ between two whole buffers of ``layout``, in
    offset order, and the buffers unpacked (two empty tuples when they are equal)."""
    plan = _diff_plan(layout)
    slots = _changed_slots(plan, before, after)
    if not slots:
        return slots, (), ()
    return slots, plan.unpack(before), plan.unpack(after)


def changes_text(
    layout: Layout, before: bytes, after: bytes,
    changed: tuple[list[int], tuple[Any, ...], tuple[Any, ...]] | None = None,
) -> str:
    """``compact_dumps([c.to_json() for c in diff_buffers(layout, before, after)])`` (the
    record's ``changes`` member), written from the slots that differ (``changed``: what
    :func:`changed_slots` gives, when the caller has it): ``""`` when nothing changed."""
    slots, old, new = changed if changed is not None else changed_slots(layout, before, after)
    heads = _diff_plan(layout).heads
    parts = [text for slot in slots
             for text in _leaf_change_texts(heads[slot], old[slot], new[slot])]
    return "[" + ",".join(parts) + "]" if parts else ""


class _DiffPlan:
    """Where each byte of a layout is read by the fast path: the slot of each byte offset,
    each slot's bits (to clear once it is looked at), its leaves and their change texts'
    heads; worked out once per layout."""

    __slots__ = ("clear", "heads", "layout", "leaves", "slot_at", "unpack")

    def __init__(self, layout: Layout) -> None:
        codec = compiled(layout)
        self.layout, self.unpack = layout, codec.struct.unpack
        count = len(codec.struct.unpack(bytes(layout.size)))
        starts = [layout.size] * count
        leaves: list[list[Leaf]] = [[] for _ in range(count)]
        for leaf in codec.leaves:
            starts[leaf.slot] = min(starts[leaf.slot], leaf.offset)
            leaves[leaf.slot].append(leaf)
        ends = [*starts[1:], layout.size]  # slots are in offset order and cover every byte
        self.slot_at = tuple(slot for slot in range(count)
                             for _ in range(starts[slot], ends[slot]))
        assert len(self.slot_at) == layout.size
        self.clear = tuple(~(((1 << 8 * (end - start)) - 1) << 8 * start)
                           for start, end in zip(starts, ends))
        self.leaves = tuple(tuple(group) for group in leaves)
        # Each leaf with the text of its change up to the value before.
        self.heads = tuple(tuple((leaf, '{"path":' + compact_dumps(leaf.path) + ',"offset":'
                                  + str(leaf.offset) + ',"before":') for leaf in group)
                           for group in self.leaves)


def _diff_plan(layout: Layout) -> _DiffPlan:
    plan = _DIFF_PLANS.get(id(layout))
    if plan is None or plan.layout is not layout:
        plan = _DIFF_PLANS[id(layout)] = _DiffPlan(layout)
    return plan


# Keyed by id() (a Layout's hash walks its members); each entry holds its layout.
_DIFF_PLANS: dict[int, _DiffPlan] = {}


def _changed_slots(plan: _DiffPlan, before: bytes, after: bytes) -> list[int]:
    """The slots whose bytes differ, in offset order: the lowest differing bit of the two
    buffers' XOR names a byte, so a slot; its bits are cleared and the next is looked for."""
    if before == after:
        return []
    bits = int.from_bytes(before, "little") ^ int.from_bytes(after, "little")
    slot_at, clear = plan.slot_at, plan.clear
    slots = []
    while bits:
        slot = slot_at[((bits & -bits).bit_length() - 1) >> 3]
        slots.append(slot)
        bits &= clear[slot]
    return slots


def _leaf_changes(leaves: tuple[Leaf, ...], a: Any, b: Any) -> Iterator[Change]:
    """The changes of the leaves read from one slot that differs (``a`` before, ``b``
    after): a whole member, or each bit-field of a storage unit whose bits differ."""
    for leaf in leaves:
        if leaf.mask is not None:
            x, y = (a >> leaf.shift) & leaf.mask, (b >> leaf.shift) & leaf.mask
            if x != y:
                yield Change(leaf.path, leaf.offset, x, y)
        elif type(a) is bytes:
            form = _LEAF_JSON.get(leaf.member.kind, bytes.hex)
            yield Change(leaf.path, leaf.offset, form(a), form(b))
        else:
            yield Change(leaf.path, leaf.offset, a, b)


def _leaf_change_texts(
    heads: tuple[tuple[Leaf, str], ...], a: Any, b: Any
) -> Iterator[str]:
    """:func:`_leaf_changes` as the JSON text of each change (``Change.to_json``); ``heads``
    are the slot's leaves with their texts up to the value before."""
    for leaf, head in heads:
        if leaf.mask is not None:
            x, y = (a >> leaf.shift) & leaf.mask, (b >> leaf.shift) & leaf.mask
            if x != y:
                yield f'{head}{x},"after":{y}}}'
        elif type(a) is bytes:
            form = _LEAF_JSON.get(leaf.member.kind)
            if form is None:
                yield f'{head}"{a.hex()}","after":"{b.hex()}"}}'
            else:
                yield (head + compact_dumps(form(a)) + ',"after":' + compact_dumps(form(b))
                       + "}")
        else:
            yield f'{head}{a},"after":{b}}}'


def _wchar_leaf_json(raw: bytes) -> Any:
    return wchar_json(wchar_from_bytes(raw))


#: The JSON form of a byte-string slot by member kind (byte arrays and padding: hex).
_LEAF_JSON: dict[str, Callable[[bytes], Any]] = {"wchar": _wchar_leaf_json}


def _unreadable_note(record: RawRecord) -> str | None:
    if not record.unreadable:
        return None
    spans = ", ".join(f"{a}..{b - 1}" for a, b in record.unreadable)
    return (
        f"bytes {spans} were shown as unreadable (??) in the dump; "
        "only the bytes before the first of them are decoded"
    )


def _decode_one(
    data: bytes | LongBuffer, *, name: str | None, ioctl: int | None, profile: Profile,
    output: bool, diagnostics: bool,
) -> BufferReport:
    try:
        decoded = decode_available(data, name=name, ioctl=ioctl, profile=profile)
    except SptError as exc:
        if not diagnostics:
            return BufferReport(data, error=exc)
        # Still say what the bytes that are there reveal (a Length that claims more, ...).
        partial = lint_bytes(data, name=name, ioctl=ioctl, profile=profile, output=output)
        return BufferReport(data, error=exc, findings=tuple(partial))
    found = tuple(lint(decoded, raw=data, output=output)) if diagnostics else ()
    if isinstance(decoded, Truncated):
        return BufferReport(data, error=decoded.error, findings=found, partial=decoded)
    return BufferReport(data, decoded=decoded, findings=found)


def sense_of(decoded: Decoded, raw: bytes | LongBuffer) -> SenseInfo | None:
    """The sense data a pass-through buffer carries, when it holds any.

    The sense buffer is where ``SenseInfoOffset``/``SenseInfoLength`` say (that is what the
    driver writes); a pointer outside the buffer falls back on the ``SenseData`` member.  In a
    :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` the pointer can lead past its head: the
    (at most SenseInfoLength) bytes there are read from its chunks.
    """
    value = decoded.value
    if value.name != _PASS_THROUGH:
        return None
    sptd = value["ScsiPassThroughDirect"]
    sense_data = value["SenseData"]
    assert isinstance(sptd, StructValue) and isinstance(sense_data, StructValue)
    return decode_sense_at(raw, sptd.SenseInfoOffset, sptd.SenseInfoLength,
                           lambda: encode(sense_data))


def decode_sense_at(
    raw: bytes | LongBuffer, start: int, length: int, sense_data: bytes | Callable[[], bytes]
) -> SenseInfo | None:
    """:func:`sense_of` once ``SenseInfoOffset``/``SenseInfoLength`` are read: the sense bytes
    they point at in ``raw``, else the ``SenseData`` member's bytes (or the function giving
    them), decoded (``None`` when they are all zero or are not sense data)."""
    return _sense_at(raw, start, length, sense_data, _sense_decoders()[0])


def sense_text_at(raw: bytes, start: int, length: int, sense_data: bytes) -> str | None:
    """``decode_sense_at(...)``'s JSON text (``to_json_text``), the usual fixed-format
    sense data written straight from its bytes."""
    sense = raw[start : start + length] if length else b""
    if len(sense) != length or not sense:
        sense = sense_data
    if not sense.strip(b"\0"):  # all zero: no sense data
        return None
    try:
        return (_SENSE_DECODER[0] if _SENSE_DECODER else _sense_decoders())[1](sense)
    except ParseError:
        return None


def _sense_at(
    raw: bytes | LongBuffer, start: int, length: int, sense_data: bytes | Callable[[], bytes],
    decode: Callable[[bytes], _T],
) -> _T | None:
    sense = _sense_bytes_at(raw, start, length, sense_data)
    if sense is None:
        return None
    try:
        return decode(sense)
    except ParseError:
        return None


def _sense_bytes_at(
    raw: bytes | LongBuffer, start: int, length: int, sense_data: bytes | Callable[[], bytes]
) -> bytes | None:
    """The sense bytes :func:`decode_sense_at` decodes, ``None`` when they are all zero."""
    sense = raw[start : start + length] if length else b""
    if len(sense) != length or not sense:
        sense = sense_data if type(sense_data) is bytes else sense_data()  # type: ignore[operator]
    return sense if any(sense) else None


# Sense decoding is imported on first use (most buffers carry no sense data), once: an import
# statement in decode_sense_at would cost a lookup per record.
_SENSE_DECODER: list[tuple[Callable[[bytes], SenseInfo], Callable[[bytes], str]]] = []


def _sense_decoders() -> tuple[Callable[[bytes], SenseInfo], Callable[[bytes], str]]:
    if not _SENSE_DECODER:
        from iscsitgt_spt.codec.sense.decoder import decode_sense, sense_json_text

        _SENSE_DECODER.append((decode_sense, sense_json_text))
    return _SENSE_DECODER[0]


def _sense_of(report: BufferReport | None) -> SenseInfo | None:
    if report is None or report.decoded is None:
        return None
    return sense_of(report.decoded, report.data)


def report_record(
    record: RawRecord,
    *,
    name: str | None = None,
    ioctl: int | None = None,
    abi: str | None = None,
    cookie: str | None = None,
    diagnostics: bool = True,
    data_in: bytes | LongBuffer | None = None,
) -> RecordReport:
    """Decode and examine one record; never raises for bad bytes.

    ``diagnostics=False`` is the bulk mode: no lint pass, and a profile the record (or the
    caller) states completely is taken as is instead of being weighed against the bytes.
    ``data_in`` is the record's input buffer when the caller holds only its leading bytes
    (a raw file of megabytes): the record's own ``data_in`` is then ignored, and every length
    (the buffer's size, the trailing bytes, SRB_IO_CONTROL.Length) is the true one.
    """
    if record.error is not None:
        return RecordReport(record, error=record.error)
    if data_in is None:
        data_in = record.data_in or b""
    if not data_in and not record.data_out:
        return RecordReport(record, error="the record holds no bytes")
    ioctl = ioctl if ioctl is not None else record.ioctl
    name = name or stated_structure(record)
    if name is not None and ioctl == 0:
        ioctl = None  # the fuzz corpus writes 0 for structures that travel with no IOCTL
    note = _unreadable_note(record)
    notes = (note,) if note else ()
    try:
        profile, guess = choose_profile(record, data_in or record.data_out or b"", name=name,
                                        ioctl=ioctl, abi=abi, cookie=cookie,
                                        diagnostics=diagnostics)
    except SptError as exc:
        return RecordReport(record, error=str(exc), notes=notes)
    request = _decode_one(data_in, name=name, ioctl=ioctl, profile=profile, output=False,
                          diagnostics=diagnostics) if data_in else None
    response = None
    if record.data_out:
        response = _decode_one(record.data_out, name=_response_name(name, request), ioctl=ioctl,
                               profile=profile, output=True, diagnostics=diagnostics)
    return RecordReport(
        record, profile=profile, guess=guess, request=request, response=response,
        changes=_changes(request, response), sense=_sense_of(response) or _sense_of(request),
        notes=notes,
    )


def _response_name(name: str | None, request: BufferReport | None) -> str | None:
    """The structure the response is decoded as: the caller's, else the request's (even cut)."""
    if name is not None or request is None:
        return name
    whole_or_cut = request.decoded or request.partial
    return whole_or_cut.name if whole_or_cut is not None else None


def _changes(request: BufferReport | None, response: BufferReport | None) -> tuple[Change, ...]:
    """What the driver changed, when both buffers decoded as the same structure."""
    if (request is None or response is None or request.decoded is None
            or response.decoded is None or request.decoded.name != response.decoded.name):
        return ()
    return tuple(diff_values(request.decoded.value, response.decoded.value))


def choose_profile(
    record: RawRecord, data: bytes | LongBuffer, *, name: str | None, ioctl: int | None,
    abi: str | None, cookie: str | None, diagnostics: bool,
) -> tuple[Profile, ProfileGuess | None]:
    """The profile a record is decoded under, and the guess when one was weighed.

    A profile the caller or the record states restricts the candidates (the record's own
    ``abi``/``cookie`` are used when the caller gives neither, and the evidence says the
    record stated them); with diagnostics it is still weighed against the bytes, so the
    evidence (and lint) say when they disagree.  In bulk mode a complete stated profile is
    taken as is.  Raises :class:`SptError` for an unknown ABI or cookie name.
    """
    stated_abi = stated_cookie = None
    if record.meta:  # (most records state nothing)
        stated_abi, stated_cookie = _meta_str(record, "abi"), _meta_str(record, "cookie")
    from_record = abi is None and cookie is None and (
        stated_abi is not None or stated_cookie is not None)
    abi = abi or stated_abi
    cookie = cookie or stated_cookie
    if not diagnostics and abi is not None and cookie is not None:
        return Profile.of(abi, cookie), None
    guess = detect_profile(data, ioctl=ioctl, name=name, abi=abi, cookie=cookie,
                           stated_by="the capture record" if from_record else None)
    return guess.profile, guess


def stated_structure(record: RawRecord) -> str | None:
    """The structure a record names itself (our fuzz corpus writes a ``structure`` key)."""
    extra = record.meta.get("extra")
    stated = extra.get("structure") if isinstance(extra, dict) else None
    return stated if isinstance(stated, str) and stated in STRUCTURES else None


def _meta_str(record: RawRecord, key: str) -> str | None:
    value = record.meta.get(key)
    return value if isinstance(value, str) else None
