"""The JSON text of a report's parts written out directly (its head, its profile guess, a
buffer's findings), each the encoder's text of the part's JSON form, with the bounded memos
that let a capture's repeated parts be encoded once."""

from __future__ import annotations

from collections.abc import Mapping
from json.encoder import encode_basestring as _string_text
from typing import Any, cast

from iscsitgt_spt.codec.analysis.bulk_head import meta_text
from iscsitgt_spt.codec.analysis.detect_profile import ProfileGuess
from iscsitgt_spt.codec.analysis.lint import Finding
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.spec.profiles import Profile


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
    meta = _usual_meta_text(rec.meta)
    if meta is None:
        return compact_dumps(head_json(rec, profile))[1:-1]
    return head_text(rec, profile, meta)


def _usual_meta_text(meta: Mapping[str, object]) -> str | None:
    """The text of metadata of JSON's own types only (``None`` for any other: the caller
    writes the whole head through the encoder): by the writer made for its key set and value
    types, once the key set has come again (bulk_head); else member by member; else through
    the encoder."""
    text = meta_text(meta)
    if text is None:
        text = _flat_text(meta)
    if text is None:
        if not _plain_json(meta):
            return None
        text = compact_dumps(meta)
    return text


def line_head(rec: RawRecord, profile: Profile, guess: str, tail: str
              ) -> tuple[str, str, str]:
    """``"{" + record_head_text(rec, profile) + ("," + guess if guess else "") + tail`` in three
    parts: the start of a record's JSON line up to and with ``tail`` (what the bulk line writes
    next).  The first part through a ``%`` template made once per shape (the format, IOCTL and
    profile, the guess, whether the record has an end line and metadata: a capture holds a
    handful), the record's numbers and metadata put in per record; the second, the
    profile's and the guess's text, made once per shape too (kept out of the template: ``%``
    reads its template character by character, a join copies); the third ``tail`` as given
    (the caller keeps one per record shape: a key of its own here would keep a copy of it
    per length of a fuzz corpus's records).  Any record :func:`head_text` does not write
    (unreadable spans, no line, metadata the encoder writes, numbers not of type ``int``)
    goes through :func:`record_head_text` itself."""
    ioctl, end, meta = rec.ioctl, rec.end_line, rec.meta
    meta_text_ = None
    if meta:
        if "segments" not in meta:  # (a dict the readers made: their usual metadata)
            meta_text_ = _usual_meta_text(meta)
        if meta_text_ is None:
            return _general_line_head(rec, profile, guess, tail)
    index, line, fmt = rec.index, rec.line, rec.source_format
    if (rec.unreadable or type(line) is not int or type(index) is not int
            or type(fmt) is not str or (type(ioctl) is not int and ioctl is not None)
            or (type(end) is not int and end is not None)):
        return _general_line_head(rec, profile, guess, tail)
    key = (fmt, ioctl, profile.abi, profile.cookie, guess, end is None, meta_text_ is None)
    texts = _LINE_HEADS.get(key)
    if texts is None:
        texts = _line_texts(fmt, ioctl, profile, guess, end is not None,
                            meta_text_ is not None)
        if len(_LINE_HEADS) >= _LINE_HEADS_BOUND:
            _LINE_HEADS.clear()
        _LINE_HEADS[key] = texts
    template, fixed = texts
    if end is None:
        return (template % ((index, line) if meta_text_ is None
                            else (index, line, meta_text_)), fixed, tail)
    return (template % ((index, line, end) if meta_text_ is None
                        else (index, line, end, meta_text_)), fixed, tail)


def _general_line_head(rec: RawRecord, profile: Profile, guess: str, tail: str
                       ) -> tuple[str, str, str]:
    return "{" + record_head_text(rec, profile), ("," + guess if guess else ""), tail


def _line_texts(fmt: str, ioctl: int | None, profile: Profile, guess: str, end: bool,
                meta: bool) -> tuple[str, str]:
    """:func:`line_head`'s ``%`` template and fixed text for one shape: :func:`head_text`'s
    texts, the per-record numbers (and metadata) as ``%s`` (``str`` of an ``int``: what its
    f-string writes), every other ``%`` doubled."""
    fmt_text, ioctl_text, profile_text = _head_texts(fmt, ioctl, profile)
    template = "".join(('{"record":%s,"line":%s,"format":', fmt_text.replace("%", "%%"),
                        ',"end_line":%s' if end else "", ioctl_text.replace("%", "%%"),
                        ',"meta":%s' if meta else ""))
    return template, "".join((profile_text, "," if guess else "", guess))


#: :func:`line_head`'s templates by shape; bounded, and small: a capture's records come in a
#: handful of shapes, but a guess's text (up to a kilobyte) can show a value read per record
#: (a fuzz corpus under the lint pass), and those are made and dropped.
_LINE_HEADS: dict[tuple[object, ...], tuple[str, str]] = {}
_LINE_HEADS_BOUND = 64


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
    ioctl = record.ioctl
    # What the record's format, IOCTL and profile decide, written once per such triple (a
    # capture holds a handful); an IOCTL not of type int (a caller's) is written each time.
    key = (record.source_format, ioctl, profile)
    texts = _HEAD_TEXTS.get(key) if type(ioctl) is int or ioctl is None else None
    if texts is None:
        texts = _head_texts(record.source_format, ioctl, profile)
        if type(ioctl) is int or ioctl is None:
            if len(_HEAD_TEXTS) >= 256:
                _HEAD_TEXTS.clear()
            _HEAD_TEXTS[key] = texts
    fmt, ioctl_text, profile_text = texts
    return "".join((f'"record":{record.index},"line":{record.line},"format":', fmt,
                    f',"end_line":{record.end_line}' if record.end_line is not None else "",
                    ioctl_text, f',"meta":{meta}' if meta is not None else "", profile_text))


def _head_texts(source_format: str, ioctl: int | None, profile: Profile) -> tuple[str, str, str]:
    """The texts of a record's head that its format, IOCTL and profile decide."""
    fmt = _FORMAT_TEXTS.get(source_format)
    if fmt is None:  # a reader's format name, escaped once (a handful exist)
        fmt = _string_text(source_format)
        if len(_FORMAT_TEXTS) < 256:
            _FORMAT_TEXTS[source_format] = fmt
    return (fmt, f',"ioctl":"0x{ioctl:08x}"' if ioctl is not None else "",
            f',"abi":"{profile.abi}","cookie":"{profile.cookie}"')


#: :func:`_head_texts` by (format, IOCTL, profile): bounded, whatever a capture's records say.
_HEAD_TEXTS: dict[tuple[str, int | None, Profile], tuple[str, str, str]] = {}


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
