"""The JSON-Lines capture reader's shortcut for the usual line equals its general path.

``plain_record`` and ``iter_jsonl``'s direct RawRecord are a speed path (issue 13): like
``codec.fast`` they must accept nothing the general path refuses and read the same values,
so these properties hold them against ``record_from_json`` / ``raw_from_capture_record``
(the general path, which keeps its own tests) on generated records, hostile ones included.
"""

from __future__ import annotations

import json
from typing import Any

from _examples import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.capture.jsonl import (
    parse_line,
    parse_lines,
    plain_line,
    plain_record,
    record_from_json,
    request_prefix,
)
from iscsitgt_spt.codec.capture.records import (
    RawRecord,
    error_record,
    iter_jsonl,
    raw_from_capture_record,
    with_skipped,
)
from iscsitgt_spt.codec.safejson import read_json
from iscsitgt_spt.spec.errors import InputFormatError

_HEXISH = st.text(alphabet="0123456789abcdefABCDEF xX_-+ \t\n", max_size=14)
_IOCTLS = st.one_of(
    st.integers(min_value=-2, max_value=(1 << 33)),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    _HEXISH,
    st.builds(lambda n: f"0x{n:08x}", st.integers(min_value=0, max_value=0xFFFFFFFF)),
    st.builds(lambda n: f"0X{n:08X}", st.integers(min_value=0, max_value=0xFFFFFFFF)),
    st.builds(lambda n: f"{n}", st.integers(min_value=0, max_value=0xFFFFFFFF)),
)
_BUFFERS = st.one_of(
    st.binary(max_size=24).map(bytes.hex),
    st.binary(max_size=8).map(lambda b: b.hex(" ")),
    _HEXISH,
    st.integers(),
    st.none(),
    st.lists(st.integers(0, 255), max_size=3),
)
_META = st.one_of(st.text(max_size=4), st.integers(min_value=-(1 << 32), max_value=1 << 33),
                  st.booleans(), st.none(), st.floats(allow_nan=False), _HEXISH,
                  st.lists(st.integers(), max_size=2))
#: A line as ``send --record`` writes it: the branch above draws every metadata key from all
#: types, so a record the shortcut accepts WITH metadata was rare (0 to 5 in 600 examples,
#: 3 runs).  Here each part is of its usual kind (Windows: IOCTL codes and process ids are
#: 32-bit unsigned, a status 32-bit signed or unsigned, hand-derived) and the integer
#: bounds lie one past each end, so the accepted-with-metadata case and its edges come in
#: every run.  A branch added: nothing the other branches drew is drawn any less widely.
_HEX = st.binary(max_size=12).map(bytes.hex)
_RECORDED = st.fixed_dictionaries(
    {"ioctl": st.one_of(st.integers(min_value=-1, max_value=1 << 32),
                        st.builds(lambda n: f"0x{n:08x}", st.integers(0, 0xFFFFFFFF))),
     "in": _HEX},
    optional={"out": _HEX, "abi": st.one_of(st.sampled_from(["win64", "win32"]), _META),
              "cookie": st.one_of(st.sampled_from(["u64", "ptr"]), st.text(max_size=4)),
              "time": st.one_of(st.just("2026-11-21T10:00:00Z"), st.text(max_size=4)),
              "pid": st.integers(min_value=-1, max_value=1 << 32),
              "status": st.integers(min_value=-(1 << 31) - 1, max_value=1 << 32),
              "case": _META, "structure": _META},
)
_OBJECTS = st.one_of(
    st.fixed_dictionaries({"ioctl": _IOCTLS, "in": _BUFFERS}),
    st.fixed_dictionaries({"ioctl": _IOCTLS, "in": _BUFFERS, "out": _BUFFERS}),
    st.dictionaries(
        st.sampled_from(["ioctl", "in", "out", "v", "abi", "pid", "status", "case"]),
        st.one_of(_IOCTLS, _BUFFERS), max_size=5,
    ),
    # a recorded line or a fuzz corpus line: metadata of every type, extra keys
    st.fixed_dictionaries(
        {"ioctl": _IOCTLS, "in": _BUFFERS},
        optional={"out": _BUFFERS, "abi": _META, "cookie": _META, "time": _META,
                  "pid": _META, "status": _META, "v": st.sampled_from([1, 1.0, True, 2]),
                  "case": _META, "structure": _META},
    ),
    st.lists(st.integers(), max_size=2),
    st.integers(),
    _RECORDED,
)


def _general(obj: Any) -> tuple[int, bytes, bytes | None, dict[str, object]] | None:
    try:
        record = record_from_json(obj)
    except InputFormatError:
        return None
    meta = dict(raw_from_capture_record(record, 0, 1).meta)
    return record.ioctl, record.data_in, record.data_out, meta


def _typed(value: Any) -> Any:
    """``value`` with the type of every part, so that ``1 == True`` tells them apart."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}, list(value)
    if isinstance(value, (list, tuple)):
        return [_typed(v) for v in value]
    return type(value), value


@settings(max_examples=600, deadline=2000)
@given(_OBJECTS)
def test_plain_record_reads_what_the_general_path_reads(obj: Any) -> None:
    plain = plain_record(obj)
    if plain is not None:
        # Never accepts a record the general path refuses, and reads the same values
        # (metadata in the same order, of the same types).
        assert _typed(plain) == _typed(_general(obj))
        assert type(plain[0]) is int


def test_plain_record_takes_the_usual_line_and_leaves_the_rest() -> None:
    assert plain_record({"ioctl": "0x0004d008", "in": "00ff"}) == (
        0x4D008, b"\x00\xff", None, {})
    assert plain_record({"ioctl": 315400, "in": "", "out": "01"}) == (315400, b"", b"\x01", {})
    # what send --record writes, and a fuzz corpus line (its keys past the known ones: extra)
    recorded = {"ioctl": "0x0004d014", "in": "00", "out": "01", "abi": "win64",
                "cookie": "u64", "time": "2026-11-21T10:00:00Z", "pid": 4242, "status": -1}
    assert plain_record(recorded) == (0x4D014, b"\x00", b"\x01", {
        "abi": "win64", "cookie": "u64", "time": "2026-11-21T10:00:00Z", "pid": 4242,
        "status": -1})
    fuzz = {"ioctl": "0x0004d008", "in": "00", "abi": "win32", "cookie": "ptr", "case": 3,
            "structure": "SRB_IO_CONTROL", "pid": None}
    assert plain_record(fuzz) == (0x4D008, b"\x00", None, {
        "abi": "win32", "cookie": "ptr", "extra": {"case": 3, "structure": "SRB_IO_CONTROL"}})
    for other in ({"ioctl": "0x4d008", "in": "00"},  # another spelling: the general path
                  {"ioctl": True, "in": "00"}, {"ioctl": 1 << 32, "in": "00"},
                  {"ioctl": "0x0004d008", "in": "0"}, {"ioctl": 1, "in": "00", "pid": "1"},
                  {"ioctl": 1, "in": "00", "pid": True}, {"ioctl": 1, "in": "00", "v": 1},
                  {"ioctl": 1, "in": "00", "status": 1 << 32}, {"ioctl": 1, "in": "00", "abi": 1},
                  {"ioctl": 1}, ["ioctl"]):
        assert plain_record(other) is None


def test_request_prefix_reads_the_usual_line_and_leaves_the_rest() -> None:
    # 0x0004d008 = 315400; "1c00ff" = bytes 0x1c 0x00 0xff (hand-read)
    usual = b'{"ioctl":"0x0004d008","in":"1c00ff","abi":"win64","case":0}\n'
    assert request_prefix(usual) == (315400, b"\x1c\x00\xff")
    assert request_prefix(b'{"ioctl":"0x00000000","in":""}') == (0, b"")
    for other in (b' {"ioctl":"0x0004d008","in":"00"}',  # not at the start
                  b'{"in":"00","ioctl":"0x0004d008"}',  # another order
                  b'{"ioctl":"0x4d008","in":"00"}',  # another spelling
                  b'{"ioctl":"0x0004d008","in":"00","in":"01"}',  # a later duplicate wins
                  b'{"ioctl":"0x0004d008","in":"00","\\u0069n":"01"}',  # spelled with escapes
                  b'{"ioctl":"0x0004d008","in":"00","x":{"ioctl":1}}',  # named twice
                  b'{"ioctl":"0x0004d008","in":"0"}', b'{"ioctl":"0x0004d008","in":"0g"}',
                  b'{"ioctl":"0x0004d008","in":"00', b'{"ioctl":"0x0004d00g","in":"00"}'):
        assert request_prefix(other) is None, other


#: Tails that close the line as JSON: the token lists alone made a line parse_line reads
#: (the comparing case) in 0 or 1 of 400 examples per run.  Hex digits, the closing quote,
#: members (the usual ones, and ones that must make request_prefix decline: a later "in", a
#: key spelled with escapes, "ioctl" named again inside), the brace, a line end.
_MEMBERS = st.sampled_from([
    b',"abi":"win64"', b',"case":0', b', "pid" : 4242', b',"out":"01"', b',"time":"t"',
    b',"x":[1,{"y":null}]', b',"in":"01"', b',"\\u0069n":"01"', b',"x":{"ioctl":1}',
])
_CLOSED_TAILS = st.builds(
    lambda digits, members, end: [digits, b'"', *members, b'}', end],
    st.binary(max_size=4).map(lambda b: b.hex().encode()),
    st.lists(_MEMBERS, max_size=3), st.sampled_from([b"", b"\n", b" \r\n"]),
)


@settings(max_examples=400, deadline=2000)
@given(st.one_of(st.lists(st.sampled_from([
    b'{', b'}', b'"', b'\\', b':', b',', b' ', b'"ioctl"', b'"in"', b'0x', b'0004d008', b'1c',
    b'0', b'_', b'u0069', b'"abi"', b'[', b']',
]), max_size=14), _CLOSED_TAILS))
def test_request_prefix_reads_what_parse_line_reads(tail: list[bytes]) -> None:
    line = b'{"ioctl":"0x0004d008","in":"1c' + b"".join(tail)
    found = request_prefix(line)
    if found is None:
        return
    try:
        record = parse_line(line)
    except InputFormatError:
        return  # (a line parse_line refuses may be routed anywhere)
    assert record is not None and found == (record.ioctl, record.data_in)


def _reference(lines: list[str]) -> list[RawRecord]:
    """``iter_jsonl`` as the general path reads it: every line through ``parse_lines``,
    comment lines named in the next record (the last one's when none follows)."""
    records: list[RawRecord] = []
    comments: list[tuple[int, str]] = []
    parsed = dict(parse_lines(lines))
    for lineno, text in enumerate(lines, 1):
        if text.lstrip().startswith("#"):
            comments.append((lineno, text[:80]))
        if lineno not in parsed:
            continue
        item, index = parsed[lineno], len(records)
        record = (error_record(index, "jsonl", lineno, item, end_line=lineno)
                  if isinstance(item, InputFormatError)
                  else raw_from_capture_record(item, index, lineno))
        records.append(with_skipped(record, comments))
        comments = []
    if records and comments:
        records[-1] = with_skipped(records[-1], comments)
    return records


_LINES = st.one_of(
    _OBJECTS.map(lambda o: json.dumps(o)),
    st.sampled_from(["", "   ", "# a comment", "  # indented", "{", "[]", "null", "{}",
                     '{"ioctl":"0x0004d008","in":"00","time":"t"}',
                     '{"ioctl":"0x0004d008","in":"00"}  ']),
)


@settings(max_examples=300, deadline=2000)
@given(st.lists(_LINES, max_size=8))
def test_iter_jsonl_equals_the_general_path(lines: list[str]) -> None:
    got = list(iter_jsonl(lines))
    want = _reference(lines)
    assert got == want
    # Field for field, types included (equality alone would let 1 == True through).
    assert [{k: (type(v), v) for k, v in vars(r).items()} for r in got] == \
        [{k: (type(v), v) for k, v in vars(r).items()} for r in want]


#: What may follow a line's start as ``record_to_line`` writes it: more of the input (white
#: space, a control character, an escape, a quote among its digits), then the rest of the
#: line, usual or hostile (a trailing comma, a key again, spelt with an escape or not, a
#: version key, something after the object), or tokens in any order.
_HEX_MORE = st.sampled_from(["", "00", "aB", "0f1e"])
_IN_MORE = st.one_of(_HEX_MORE, _HEX_MORE, _HEX_MORE,  # (one_of draws each branch alike)
                     st.text(alphabet='0123456789abcdefAF \t\n\\"', max_size=4))
_USUAL_RESTS = ['"}', '","abi":"win64"}', '","out":"0a"}', '","pid":7,"status":-1}',
                '","case":3,"intent":"x\u2028"}', '","abi":"win64","cookie":"u64","case":0,'
                '"structure":"S","mode":"valid","intent":"é"}']
_ODD_RESTS = [
    '",}', '", }', '",,"abi":"x"}', '","in":"00"}', '","ioctl":"0x1"}', '","\\u0069n":"00"}',
    '","v":1}', '"}x', '"} ', '" }', '","out":"0 a"}', '","pid":-1}', '","abi":1}',
    '","status":4294967296}', '"', '","x":[[[]]]}',
]
_RESTS = st.one_of(
    st.sampled_from(_USUAL_RESTS), st.sampled_from(_USUAL_RESTS), st.sampled_from(_ODD_RESTS),
    st.lists(st.sampled_from(['"', "\\", ",", ":", "}", "{", " ", '"ioctl"', '"in"', '"abi"',
                              '"x"', "1", "00", "[", "]", "null"]), max_size=8).map("".join))


@examples(150, deadline=2000)
@given(st.one_of(*[st.sampled_from(["0004d008", "0004D008", "ffffffff"])] * 3,
                st.sampled_from(["0004_d08", "0004d00 ", "0\\u0030d008", "0004d0"])),
       _IN_MORE, _RESTS)
# A tab in the hex (fromhex skips it; JSON refuses it), a trailing comma, a key again:
@example("0004d008", "\t", '"}')
@example("0004d008", "", '",}')
@example("0004d008", "", '","\\u0069n":"00"}')
def test_plain_line_reads_what_the_line_parse_reads(ioctl: str, more: str, rest: str) -> None:
    # (150 examples: 17 read by plain_line, the rest left to the parse, besides the three
    # above; counted with Hypothesis 6.170.29)
    line = '{"ioctl":"0x' + ioctl + '","in":"1c' + more + rest
    found = plain_line(line)
    if found is None:
        return  # (the caller parses the line)
    obj = read_json(line, error=InputFormatError)  # a line it reads must parse ...
    assert _typed(found) == _typed(plain_record(obj))  # ... to what it read


@examples(60, deadline=2000)
@given(st.lists(st.one_of(_OBJECTS.map(lambda o: json.dumps(o, separators=(",", ":"))),
                          _OBJECTS.map(lambda o: json.dumps(o, separators=(",", ":"))[:-1]
                                       + ',"ioctl":"0x00000001"}')),
                max_size=4))
def test_iter_jsonl_equals_the_general_path_on_compact_lines(lines: list[str]) -> None:
    # Lines written as record_to_line writes them (no white space): plain_line's shortcut.
    got = list(iter_jsonl(lines))
    want = _reference(lines)
    assert [{k: (type(v), v) for k, v in vars(r).items()} for r in got] == \
        [{k: (type(v), v) for k, v in vars(r).items()} for r in want]
