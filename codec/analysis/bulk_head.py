"""The head of a bulk line: a record's metadata as JSON text, by a writer made once per shape.

A capture record's metadata is small and of one shape throughout a capture: a recording's
``abi``/``cookie``/``time``/``pid``/``status``, a fuzz corpus's ``abi``/``cookie`` and its
``extra`` object (``case``, ``structure``, ``mode``, ``intent``).  The general path
(:func:`~iscsitgt_spt.codec.analysis.report.record_head_text`) walks it to tell whether it holds
JSON's own types only, then has the encoder write it (``compact_dumps(meta)``), for every
record.  :func:`meta_text` writes the same text through a ``%`` template made once per shape:
the keys, in order, and the exact type of each value (of the values of a nested object too),
which is all the template depends on.  The values (the text, the numbers, which vary per
record) are put in per record: a string by the encoder's own function, an ``int`` by ``%d``
(``int.__repr__``, as the encoder), ``True``/``False``/``None`` as their literals.  Any other
shape (a float, a list, a key not of type ``str``, an object nested twice) gives ``None``: the
caller takes the general path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from json.encoder import encode_basestring as _string_text

__all__ = ["meta_text"]

_Writer = Callable[[Mapping[str, object]], "str | None"]
_STR = frozenset((str,))
#: The template of each value type a writer takes: (its text in the template, the expression
#: of its argument, ``{i}`` the value's number; ``None``: no argument).
_KINDS: dict[type, tuple[str, str | None]] = {
    str: ("%s", "s(v{i})"),
    int: ("%d", "v{i}"),
    bool: ("%s", "('true' if v{i} else 'false')"),
    type(None): ("null", None),
}


def meta_text(meta: Mapping[str, object]) -> str | None:
    """``compact_dumps(meta)`` for an object of strings, ``int``, ``bool`` and ``None`` (and
    objects of those); ``None`` for anything else."""
    return _object_text(meta, True)


def _object_text(obj: Mapping[str, object], nest: bool) -> str | None:
    if type(obj) is not dict or not _STR.issuperset(map(type, obj)):
        return None  # (exact str keys: a key 1 and a key True are equal, their texts not)
    key = (tuple(obj), tuple(map(type, obj.values())))
    found = _WRITERS.get(key)
    if found is None:
        if len(_WRITERS) >= _WRITERS_BOUND:
            _WRITERS.clear()
        found = _WRITERS[key] = _writer(*key)
    writer, nested = found
    if writer is None or (nested and not nest):
        return None
    return writer(obj)


def _writer(keys: tuple[str, ...], kinds: tuple[type, ...]) -> tuple[_Writer | None, bool]:
    """The writer of an object of these keys (in order) and value types, and whether it nests
    an object; ``(None, False)`` when a type is not one a writer takes."""
    if not keys:
        return (lambda obj: "{}"), False
    members, args, nested = [], [], []
    for i, (name, kind) in enumerate(zip(keys, kinds)):
        head = _string_text(name).replace("%", "%%") + ":"
        if kind is dict:
            nested.append(f"    x{i} = sub(v{i}, False)\n    if x{i} is None:\n"
                          "        return None\n")
            members.append(head + "%s")
            args.append(f"x{i}")
            continue
        template = _KINDS.get(kind)
        if template is None:
            return None, False
        members.append(head + template[0])
        if template[1] is not None:
            args.append(template[1].format(i=i))
    names = "".join(f"v{i}, " for i in range(len(keys)))
    template = "{" + ",".join(members) + "}"
    source = (f"def write(obj):\n    {names}= obj.values()\n" + "".join(nested)
              + f"    return {template!r} % ({''.join(a + ', ' for a in args)})\n")
    namespace: dict[str, object] = {"s": _string_text, "sub": _object_text}
    exec(compile(source, "<meta text>", "exec"), namespace)
    return namespace["write"], bool(nested)  # type: ignore[return-value]


#: Writers by shape (keys and value types).  A capture holds a few shapes; one whose keys
#: vary per record (made up) costs a writer each, never more than this many held.
_WRITERS: dict[tuple[tuple[str, ...], tuple[type, ...]], tuple[_Writer | None, bool]] = {}
_WRITERS_BOUND = 256
