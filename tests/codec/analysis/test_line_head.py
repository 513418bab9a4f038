"""The start of a bulk line (``line_head``) and the value text's f-string (``joined_text``)
against the general path's texts.

``line_head`` writes ``"{" + record_head_text(...) + guess + tail`` through a template made
once per shape; the reference is the general path's head (``record_head_text``).
``joined_text`` writes ``template % args`` as one f-string; the reference is ``%`` itself,
on templates holding every character ``%``, a Python literal and an f-string treat
specially.
"""

from __future__ import annotations

import enum
from typing import Any

from _examples import examples
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from iscsitgt_spt.codec._fast.compiled import joined_text
from iscsitgt_spt.codec.analysis.report import line_head, record_head_text
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.jsonform import TEMPLATE_GLOBALS
from iscsitgt_spt.spec.profiles import PROFILES


class _Nine(enum.IntEnum):  # an int subclass: its f-string and its str() differ
    NINE = 9


_NUMBERS = st.integers(min_value=0, max_value=10**9) | st.sampled_from([True, _Nine.NINE])
_TEXT = st.text(alphabet='%s{}"\\\'x\u00e9\n', max_size=6)
_META = st.none() | st.dictionaries(
    st.sampled_from(["abi", "pid", "command", "n%s", "segments"]),
    st.none() | st.booleans() | st.integers() | _TEXT | st.just(1.5), max_size=3)


# 120 derandomized examples (tests/_examples.py): they draw records with and without an end
# line and metadata, numbers that are bools and int subclasses, IOCTLs that are not ints,
# formats, guesses and tails holding % and braces, metadata the encoder writes (a float,
# "segments"), and each shape at least twice (its template made, then reused).
@examples(120, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(
    _NUMBERS, _NUMBERS, st.none() | _NUMBERS, st.sampled_from([None, 0x4D008, 7.5]),
    st.sampled_from(["jsonl", 'odd "%s" %%']), _META, st.sampled_from(PROFILES),
    st.sampled_from(["", '"profile_evidence":["50%s"]']),
    st.sampled_from([',"input":{"value":', ',"input":{"n%d":{'])), min_size=1, max_size=4))
def test_line_head_is_the_general_heads_text(cases: list[Any]) -> None:
    for case in cases + cases:  # (each shape twice: its template made, then reused)
        index, line, end, ioctl, fmt, meta, profile, guess, tail = case
        record = RawRecord(index, b"\x00", None, ioctl, fmt, line, meta=meta or {},
                           end_line=end)
        # The general path's head: record_head_text (held to head_json in test_bulk.py;
        # a bool or an int subclass as a number is written as its f-string writes it; an
        # IOCTL no f-string writes as hex is an error, the same one).
        assert _head(line_head, record, profile, guess, tail) == _head(
            _general, record, profile, guess, tail)


def _general(record: RawRecord, profile: Any, guess: str, tail: str) -> tuple[str, ...]:
    return "{", record_head_text(record, profile), "," if guess else "", guess, tail


def _head(write: Any, *args: Any) -> str:
    try:
        return "".join(write(*args))
    except ValueError as exc:
        return repr(exc)


_LITERAL = st.text(alphabet='%{}"\'\\x\u00e9\n\t#!:', max_size=5)


# 150 derandomized examples: literals holding every character an f-string or a Python
# literal treats specially, %% and both specs, and arguments of every kind a template takes.
@examples(150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(_LITERAL, st.sampled_from(["%d", "%s", "%%"])), max_size=5),
       _LITERAL)
def test_joined_text_is_the_templates_text(pieces: list[Any], last: str) -> None:
    template, args, values = "", [], {}
    for literal, spec in pieces:
        template += literal.replace("%", "%%") + spec
        if spec != "%%":
            name = f"a{len(args)}"
            values[name] = 12345 if spec == "%d" else 'x"%s{0}\\'
            args.append(name if spec == "%d" else f"json_wchar({name})")
    template += last.replace("%", "%%")
    namespace = dict(TEMPLATE_GLOBALS, **values)
    want = template % tuple(eval(arg, namespace) for arg in args)
    assert eval(joined_text(template, args), namespace) == want
