"""The head of a bulk line: a record's metadata as JSON text, by a writer made once per shape.

A capture record's metadata is small and of one shape throughout a capture: a recording's
``abi``/``cookie``/``time``/``pid``/``status``, a fuzz corpus's ``abi``/``cookie`` and its
``extra`` object (``case``, ``structure``, ``mode``, ``intent``). The general path
(:func:`~iscsitgt_spt.codec.analysis.report.record_head_text`) walks it to tell whether it
holds JSON's own types only, then has the encoder write it (``compact_dumps(meta)``), for every
record. :func:`meta_text` writes the same text through a ``%`` template made once per shape:
the keys, in order, and the exact type of each value (the keys and value types of a nested
object too), which is all the template depends on. Writers are found by the key set (one tuple,
one lookup); each writer tests the types it was made for inline, and gives ``None`` for a
record that differs, which then finds or makes another writer (at most :data:`_VARIANTS` a key
set; none before the key set has come :data:`AFTER` times). The values (the text, the numbers,
which vary per record) are put in per record: a string by the encoder's own function, an
``int`` by ``%d`` (``int.__repr__``, as the encoder), ``True``/``False``/``None`` as their
literals. Any other shape (a float, a list, a key not of type ``str``, an object nested twice,
more than :data:`_MAX_MEMBERS` members) gives ``None``: the caller takes the general path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from json.encoder import encode_basestring as _string_text

__all__ = ["meta_text"]

_Writer = Callable[[Mapping[str, object]], "str | None"]
_STR = frozenset((str,))
#: How each value type a writer takes is tested and written: the test, the template's text,
#: the argument (``{v}`` the value's name; ``None``: no argument).
_KINDS: dict[type, tuple[str, str, str | None]] = {
    str: ("type({v}) is str", "%s", "s({v})"),
    int: ("type({v}) is int", "%d", "{v}"),
    bool: ("type({v}) is bool", "%s", "('true' if {v} else 'false')"),
    type(None): ("{v} is None", "null", None),
}


def meta_text(meta: Mapping[str, object]) -> str | None:
    """``compact_dumps(meta)`` for an object of strings, ``int``, ``bool`` and ``None`` (and
    objects of those); ``None`` for anything else."""
    if type(meta) is not dict:
        return None
    keys = tuple(meta)
    writers = _WRITERS.get(keys)
    if writers is None:
        if not _seen_enough(keys):
            return None
        if len(_WRITERS) >= _WRITERS_BOUND:
            _WRITERS.clear()
        writers = _WRITERS[keys] = []
    for writer in writers:
        text = writer(meta)
        if text is not None:
            return text
    if len(writers) >= _VARIANTS:
        return None  # (values of yet other types: the general path)
    writer = _writer(meta)
    writers.append(writer)
    return writer(meta)


def _seen_enough(keys: tuple[object, ...]) -> bool:
    """Whether the key set ``keys`` has now come :data:`AFTER` times: a writer is compiled
    code (tens of microseconds to make); a made-up capture whose key set changes every record
    would otherwise pay that for each one."""
    seen = _SEEN.get(keys, 0) + 1
    if seen >= AFTER:
        _SEEN.pop(keys, None)
        return True
    if len(_SEEN) >= _WRITERS_BOUND:
        _SEEN.clear()
    _SEEN[keys] = seen
    return False


def _none(obj: Mapping[str, object]) -> None:
    return None


def _writer(meta: Mapping[str, object]) -> _Writer:
    """The writer of objects of ``meta``'s keys, in order, and of its values' types (and of
    the keys and value types of an object it holds): it tests them all, and gives ``None``
    for an object that differs (the caller takes the general path); :func:`_none` when a key
    is not of type ``str`` or a value of no type a writer takes."""
    lines: list[str] = []
    args: list[str] = []
    namespace: dict[str, object] = {"s": _string_text, "STR": _STR}
    template = _object(meta, "o", lines, args, namespace, nest=True)
    if template is None:
        return _none
    source = ("def write(o):\n" + "".join(f"    {line}\n" for line in lines)
              + f"    return {template!r} % ({''.join(a + ', ' for a in args)})\n")
    exec(compile(source, "<meta text>", "exec"), namespace)
    return namespace["write"]  # type: ignore[return-value]


def _object(obj: Mapping[str, object], name: str, lines: list[str], args: list[str],
            namespace: dict[str, object], *, nest: bool) -> str | None:
    """The template of an object like ``obj`` (held in variable ``name``), adding to ``lines``
    the code that unpacks and tests it and to ``args`` its template's arguments."""
    if len(obj) > _MAX_MEMBERS or not _STR.issuperset(map(type, obj)):
        return None  # (exact str keys: a key 1 and a key True are equal, their texts not)
    names = [f"{name}_{i}" for i in range(len(obj))]
    if names:
        lines.append(f"if not STR.issuperset(map(type, {name})):\n        return None")
        lines.append("".join(n + ", " for n in names) + f"= {name}.values()")
    members = []
    for key, value, var in zip(obj, obj.values(), names):
        head = _string_text(key).replace("%", "%%") + ":"
        if type(value) is dict and nest:
            namespace[f"K{var}"] = tuple(value)
            lines.append(f"if type({var}) is not dict or tuple({var}) != K{var}:\n"
                         "        return None")
            inner = _object(value, var, lines, args, namespace, nest=False)
            if inner is None:
                return None
            members.append(head + inner)
            continue
        kind = _KINDS.get(type(value))
        if kind is None:
            return None
        test, text, arg = kind
        lines.append(f"if not {test.format(v=var)}:\n        return None")
        members.append(head + text)
        if arg is not None:
            args.append(arg.format(v=var))
    return "{" + ",".join(members) + "}"


#: Writers by key set (in order), one for each set of value types (and nested keys) met, at
#: most :data:`_VARIANTS`.  A capture holds a few key sets; one whose keys vary per record
#: (made up) costs a writer each, never more than this many key sets held.
_WRITERS: dict[tuple[object, ...], list[_Writer]] = {}
_WRITERS_BOUND = 256
#: How many times a key set comes before its writer is made (the ones before take the
#: general path); the key sets not yet written, with their counts, at most
#: :data:`_WRITERS_BOUND`.
AFTER = 2
_SEEN: dict[tuple[object, ...], int] = {}
_VARIANTS = 4
#: The most members an object written here has (a writer is compiled code, one line per
#: member): metadata holds a handful; a made-up object of thousands takes the general path.
_MAX_MEMBERS = 64
