"""The one JSON reader: issue #12's hostile JSON (cases 4, 5, 6, 11) as one-line errors with a
position, and every JSON entry point going through it.

Positions are hand-counted in each test from the literal input written next to it.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec.documents import encode_document
from iscsitgt_spt.codec.jsonform import load_json
from iscsitgt_spt.codec.safejson import MAX_INT_DIGITS, read_json
from iscsitgt_spt.spec.errors import InputFormatError, JsonInputError, SptError

# A loaded two-core machine: generous, but a hang or a quadratic blow-up still fails.
BOUNDED = settings(deadline=2000, max_examples=100)


def test_case4_integer_of_more_than_4300_digits() -> None:
    text = '{"Lun": ' + "9" * (MAX_INT_DIGITS + 1) + "}"
    with pytest.raises(JsonInputError) as caught:
        read_json(text, "doc.json")
    # '{"Lun": ' is 8 characters: the number starts at offset 8, column 9.
    assert caught.value.offset == 8 and caught.value.path == "doc.json"
    assert "line 1 column 9" in str(caught.value) and "4300 digits" in str(caught.value)
    assert read_json('{"a": ' + "9" * MAX_INT_DIGITS + "}")["a"] > 0  # the limit itself is fine


def test_case5_deep_nesting() -> None:
    text = "[" * 1000 + "]" * 1000
    with pytest.raises(JsonInputError) as caught:
        read_json(text, max_depth=64)
    assert caught.value.offset == 64  # the 65th '[' opens level 65
    assert "nested more than 64 deep" in str(caught.value)
    # Brackets inside strings do not count.
    assert read_json('["' + "[" * 1000 + '"]') == ["[" * 1000]


def test_case6_lone_surrogate() -> None:
    text = '{"a": "ok", "b": "x\\ud800y"}'
    with pytest.raises(JsonInputError) as caught:
        read_json(text)
    # The escape starts after '{"a": "ok", "b": "x' (19 characters).
    assert caught.value.offset == 19 and "lone UTF-16 surrogate" in str(caught.value)
    assert read_json('"\\ud83d\\ude00"') == "\N{GRINNING FACE}"  # a pair is one character


def test_lone_surrogate_in_str_input_and_escape_lookalikes() -> None:
    # A surrogate code point handed over in a ``str`` (no escape in the text) is refused too.
    with pytest.raises(JsonInputError) as caught:
        read_json('{"k": "\ud800"}')
    assert caught.value.offset == 7  # after '{"k": "' (7 characters)
    # An escaped backslash followed by "ud800" is six plain characters, not a surrogate.
    assert read_json('{"k": "\\\\ud800"}') == {"k": "\\ud800"}
    # A str that starts with a BOM keeps json's own message ("Unexpected UTF-8 BOM").
    with pytest.raises(JsonInputError, match="BOM"):
        read_json("\ufeff{}")


def test_case11_not_utf8_gives_the_byte_offset() -> None:
    with pytest.raises(JsonInputError) as caught:
        read_json(b'{"a": "\xff"}', "corpus.jsonl")
    assert caught.value.offset == 7 and "not UTF-8" in str(caught.value)
    assert read_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}  # a BOM is allowed


def test_byte_offsets_count_utf8_bytes_after_multibyte_text() -> None:
    # "é" is two bytes in UTF-8: the error at character index 8 (column 9) is at byte 9.
    with pytest.raises(JsonInputError) as caught:
        read_json('{"é": 1,,}'.encode())
    assert caught.value.offset == 9 and "column 9" in str(caught.value)


@pytest.mark.parametrize("text, said", [
    # The parser's own messages that end in "at" name the place themselves: "Unterminated
    # string starting at" the quote at column 7 (character 6), "Invalid control character at"
    # the tab at column 9 (character 8); the others get " at" before the place.
    ('{"a": "bc', "Unterminated string starting at line 1 column 7"),
    ('{"a": "b\tc"}', "Invalid control character at line 1 column 9"),
    ('{"a": 1,,}', "Expecting property name enclosed in double quotes at line 1 column 9"),
])
def test_a_parser_message_reads_as_one_phrase(text: str, said: str) -> None:
    with pytest.raises(JsonInputError) as caught:
        read_json(text)
    assert said in str(caught.value) and " at at " not in str(caught.value)


def test_nan_and_size_bound() -> None:
    with pytest.raises(JsonInputError, match="NaN is not a JSON value"):
        read_json('{"a": NaN}')
    with pytest.raises(JsonInputError, match="record-size limit"):
        read_json("[" + "0," * 100 + "0]", max_record_bytes=100)


def test_error_class_is_the_callers() -> None:
    with pytest.raises(InputFormatError):
        read_json("{", "line 3", error=InputFormatError)


def test_load_json_is_the_same_reader() -> None:
    with pytest.raises(JsonInputError, match="nested more than"):
        load_json("[" * 5000 + "]" * 5000)


@pytest.mark.parametrize("name", [5, [], {}, True])
def test_case3_document_name_of_the_wrong_type(name: object) -> None:
    doc = {"name": name, "value": {}}
    with pytest.raises(JsonInputError) as caught:
        encode_document(doc)
    assert caught.value.path == "name" and "must be a structure name" in str(caught.value)


def test_case7_huge_hex_value_formats_its_error() -> None:
    with pytest.raises(SptError) as caught:
        encode_document({"Lun": "0x" + "f" * 3600}, "ISCSITGT_SPT_TMF")
    text = str(caught.value)
    # Lun is at offset 40 in the win64 TMF (tests/codec/test_api.py derives the layout).
    assert caught.value.offset == 40 and len(text) < 400 and "0xffff" in text


@BOUNDED
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_any_bytes_give_a_value_or_one_line_error(data: bytes) -> None:
    try:
        read_json(data)
    except JsonInputError as exc:
        assert "\n" not in str(exc) and exc.offset is not None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.sampled_from(["ISCSITGT_SPT_TMF", "win32", "ptr", "0x10", "zz"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["name", "value", "abi", "cookie", "payload", "Lun",
                                       "Header", "Function", "trailing", "x"]), inner,
                      max_size=5),
    max_leaves=20,
)


@BOUNDED
@given(json_values)
def test_any_json_document_encodes_or_raises_ours(obj: object) -> None:
    text = json.dumps(obj)
    try:
        encode_document(read_json(text))
    except SptError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 1000


_NESTED = st.builds(
    lambda opens, inner, closes, junk: "".join(opens) + inner + "".join(closes) + junk,
    st.lists(st.sampled_from(["[", '{"k":', '{"[{":', "[1,"]), max_size=80),
    st.sampled_from(["1", '"]}"', "NaN", "", "x", '"\\ud800"']),
    st.lists(st.sampled_from(["]", "}"]), max_size=80),
    st.sampled_from(["", " ", "]", "{"]),
)


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside JSON strings, by a plain scan."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


@settings(max_examples=300, deadline=None)
@given(_NESTED)
def test_depth_is_refused_first_whatever_else_is_wrong(text: str) -> None:
    # Independent of how read_json orders its work: the depth error is reported exactly
    # when a bracket outside the strings opens level 65 (what the text itself says),
    # whatever else is wrong with the text (malformed, NaN, a lone surrogate).
    deep = _depth(text) > 64
    try:
        read_json(text, max_depth=64)
    except JsonInputError as exc:
        assert ("nested more than 64 deep" in str(exc)) == deep
    else:
        assert not deep


# Valid JSON nested 60 to 70 deep by arrays and objects, with a string full of brackets
# beside every few levels: then the text holds more ``{``/``[`` than it nests, which a count of
# the text's brackets must not take for depth; and a count that missed either kind, or trusted
# a count beyond the bound, would let a deep text through.
_OPENERS = st.lists(st.sampled_from(["[", '{"k":']), min_size=60, max_size=70)
_PADDING = st.sampled_from(["", '"[{",', '"' + "{" * 70 + '",', '"' + "[" * 70 + '",'])


@settings(max_examples=60, deadline=None)
@given(_OPENERS, _PADDING, st.integers(1, 80))
def test_depth_near_the_bound_with_brackets_in_strings(openers: list[str], pad: str,
                                                        every: int) -> None:
    # Each opener, then (every ``every`` levels) the padding string (a list's item, or an
    # object's member name), then the next level; closed in turn.  Oracle: the plain scan
    # of the text (_depth).
    text = "1"
    for level, opener in enumerate(reversed(openers)):
        here = pad if level % every == 0 else ""
        if opener == "[":
            text = "[" + here + text + "]"
        else:
            text = "{" + here.replace('",', '":0,') + '"k":' + text + "}"
    json.loads(text)  # well formed: only the depth can be refused
    deep = _depth(text) > 64
    assert deep == (len(openers) > 64)
    if deep:
        with pytest.raises(JsonInputError, match="nested more than 64 deep"):
            read_json(text, max_depth=64)
    else:
        assert read_json(text, max_depth=64) == json.loads(text)
