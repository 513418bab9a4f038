"""``@frozen``: ``@dataclass(frozen=True)`` that compiles one method per class, not six.

The value classes of the package are frozen dataclasses.  The standard decorator writes each
method (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``) as source text and compiles it: Python's parser, about 0.1 ms a method, so
the 25 classes that ``decode`` of one buffer loads spent a third of what the command adds to
``import construct`` compiling (issue 25).  :func:`frozen` lets
:func:`dataclasses.dataclass` lay out the fields (``__dataclass_fields__``, ``__match_args__``,
defaults) and adds the methods itself: ``__init__`` compiled from the fields (it runs once per
object, so it is real code); ``__eq__``, ``__hash__`` and the orderings compiled on their first
call (a profile is hashed a hundred times a record; most classes are never compared);
``__repr__`` and the two guards shared functions reading the class's field names.  Each
method is written with its fields as placeholders (``_0_``, ``_1_``...) and compiled once per
text: classes whose methods differ only in their field names share the code, renamed
(:meth:`types.CodeType.replace`); the texts start-up makes come compiled in _frozen_code, a
generated module loaded from bytecode, so start-up runs no parser for them (tests/spec/
test_frozen_code.py checks each code against ``compile`` of its text and rewrites the module).

``__init__`` fills the instance dictionary in one update, where the generated one sets every
field through ``object.__setattr__`` (0.15 µs a field, which a class made once per record pays
millions of times).  Everything else is what ``@dataclass(frozen=True[, order=True])`` gives:
:func:`dataclasses.fields`, :func:`~dataclasses.replace`, :func:`~dataclasses.asdict`, the
parameters in ``__dataclass_params__``, equality and ordering on the compared fields, the hash,
``repr`` (recursion included), the signature, :class:`~dataclasses.FrozenInstanceError` on
assignment, ``__post_init__``, and a method the class body writes kept
(tests/spec/test_frozen.py compares them with the standard decorator's on the same classes).
"""

from __future__ import annotations

import dataclasses
import inspect  # (dataclasses imports it: free)
import reprlib
from collections.abc import Callable, Sequence
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from iscsitgt_spt.spec import _frozen_code

if TYPE_CHECKING:  # type checkers treat what @frozen makes as a frozen dataclass
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**kwargs: Any) -> Any:
        return lambda function: function

__all__ = ["frozen"]

T = TypeVar("T")


class _Factory:
    """The default shown for a field with a ``default_factory`` (``<factory>``, as the
    dataclass's own ``__init__`` signature shows)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


@overload
def frozen(cls: type[T], /) -> type[T]: ...
@overload
def frozen(*, order: bool = False) -> Callable[[type[T]], type[T]]: ...
@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T] | None = None, /, *, order: bool = False) -> Any:
    """Class decorator: ``@dataclass(frozen=True[, order=True])`` (see the module docstring)."""

    def wrap(cls: type[T]) -> type[T]:
        annotations = inspect.get_annotations(cls)
        if "__slots__" in cls.__dict__ or any("InitVar" in str(a) for a in annotations.values()):
            raise TypeError(f"frozen makes no slots or InitVar fields, which {cls!r} has")
        # A frozen dataclass base makes the standard decorator insist on frozen=True (and
        # write its two guards); our own bases say frozen too, so only that case pays.
        base_frozen = any(getattr(getattr(b, "__dataclass_params__", None), "frozen", False)
                          for b in cls.__mro__[1:])
        documented = bool(cls.__dict__.get("__doc__"))
        if not documented:
            # Else dataclass writes one from the signature of object's __init__, parsed from
            # its text (tokenize's regular expressions compiled: 4 ms); ours is set below.
            cls.__doc__ = cls.__name__
        cls = dataclasses.dataclass(init=False, repr=False, eq=False, frozen=base_frozen)(cls)
        _add_methods(cls, order, guarded=base_frozen)
        if not documented:  # dataclass's text, from the signature __init__ now has
            cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        params.init = params.repr = params.eq = params.frozen = True
        params.order = order
        return cls

    return wrap if cls is None else wrap(cls)


def _add_methods(cls: type, order: bool, guarded: bool) -> None:
    """The methods ``@dataclass(frozen=True)`` writes; the two guards unless ``guarded``
    (the standard decorator wrote them)."""
    fields = dataclasses.fields(cls)
    methods: dict[str, Callable[..., Any]] = {
        "__init__": _init(cls, fields),
        "__repr__": _repr(tuple(f.name for f in fields if f.repr)),
    }
    if not guarded:
        names = frozenset(f.name for f in fields)
        methods["__setattr__"] = _guard(cls, names, "assign to")
        methods["__delattr__"] = _guard(cls, names, "delete")
    compared = [f.name for f in fields if f.compare]
    hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
    methods["__hash__"] = _on_first_call(cls, "__hash__", (
        f"def __hash__(self):\n    return hash({_tuple(len(hashed), 'self')})\n"), hashed)
    for name, op in (("__eq__", "=="), *(_ORDER if order else ())):
        methods[name] = _on_first_call(cls, name, (
            f"def {name}(self, other):\n"
            "    if other.__class__ is self.__class__:\n"
            f"        return {_tuple(len(compared), 'self')} {op} "
            f"{_tuple(len(compared), 'other')}\n"
            "    return NotImplemented\n"), compared)
    for name, method in methods.items():
        if _written(cls, name):
            if name in ("__setattr__", "__delattr__") or (order and name.startswith("__l")):
                raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
            continue  # a method the class body writes is kept, as dataclass keeps it
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)


def _written(cls: type, name: str) -> bool:
    """Whether the class body defines ``name`` (a ``__hash__`` set to ``None`` by Python
    because the body defines ``__eq__`` does not count, as for dataclass)."""
    body = cls.__dict__
    if name == "__hash__":
        return "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)
    return name in body


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """``__init__``: same parameters, defaults, factories and order as the dataclass's; the
    fields go into the instance dictionary in one update."""
    namespace: dict[str, Any] = {"FACTORY": _FACTORY}
    positional: list[str] = ["self"]
    keyword_only: list[str] = []
    body: list[str] = []
    defaults: list[Any] = []
    kw_defaults: dict[str, Any] = {}
    for index, f in enumerate(fields):
        if not f.init:
            raise TypeError(f"{cls.__name__}.{f.name} is init=False, which frozen does not make")
        slot = f"_{index}_"
        value: Any = f.default
        if f.default_factory is not dataclasses.MISSING:
            namespace[f"factory{index}"], value = f.default_factory, _FACTORY
            body.append(f"{slot!r}: factory{index}() if {slot} is FACTORY else {slot}")
        else:
            body.append(f"{slot!r}: {slot}")
        if f.kw_only:
            keyword_only.append(slot)
            if value is not dataclasses.MISSING:
                kw_defaults[f.name] = value
        elif value is not dataclasses.MISSING:
            positional.append(slot)
            defaults.append(value)
        elif defaults:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        else:
            positional.append(slot)
    if keyword_only:
        positional += ["*", *keyword_only]
    text = (f"def __init__({', '.join(positional)}):\n"
            f"    self.__dict__.update({{{', '.join(body)}}})\n")
    if hasattr(cls, "__post_init__"):
        text += "    self.__post_init__()\n"
    init = _function(cls, text, [f.name for f in fields], namespace)
    init.__defaults__ = tuple(defaults) or None
    init.__kwdefaults__ = kw_defaults or None
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}
    return init


#: The code of each function text ``_function`` was given, compiled once: classes whose
#: methods differ only in their field names share it (Python's parser, ~0.1 ms a text, is
#: the cost of making a class; about a third of the texts at start-up are repeats).  The
#: texts start-up makes come compiled in _frozen_code (loaded from bytecode: no parser).
_CODE: dict[str, CodeType] = dict(_frozen_code.CODE)


def _function(cls: type, text: str, names: Sequence[str],
              namespace: dict[str, Any]) -> FunctionType:
    """The one function ``text`` defines, its placeholders ``_0_``, ``_1_``... (parameters,
    attributes, the dictionary's keys) renamed to ``names``, its globals ``namespace``."""
    code = _CODE.get(text)
    if code is None:
        module = compile(text, "<frozen>", "exec")
        code = _CODE[text] = next(c for c in module.co_consts if isinstance(c, CodeType))
    rename = {f"_{index}_": name for index, name in enumerate(names)}
    if "self" in names:  # (a field called self: the instance is named as dataclass names it)
        rename["self"] = "__dataclass_self__"

    def renamed(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(renamed(item) if isinstance(item, tuple) else
                     rename.get(item, item) if isinstance(item, str) else item
                     for item in items)

    # (a kept code's first line is where _frozen_code defines it: 1, as for a compiled text)
    code = code.replace(co_varnames=renamed(code.co_varnames), co_names=renamed(code.co_names),
                        co_consts=renamed(code.co_consts),
                        co_filename=f"<frozen {cls.__qualname__}>", co_firstlineno=1)
    return FunctionType(code, namespace)


def _repr(shown: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


_ORDER = (("__lt__", "<"), ("__le__", "<="), ("__gt__", ">"), ("__ge__", ">="))


def _tuple(count: int, of: str) -> str:
    """The tuple of ``count`` fields of ``of``, their names placeholders (see ``_function``)."""
    return "(" + "".join(f"{of}._{index}_," for index in range(count)) + ")"


def _on_first_call(cls: type, name: str, text: str, names: list[str]) -> Callable[..., Any]:
    """A stand-in for the method ``text`` (written as dataclass writes it, the fields ``names``
    as placeholders) that makes it on its first call and puts it on the class: a class hashed
    or compared millions of times runs compiled code, and one never compared costs nothing
    at start-up."""

    def first(self: Any, *other: Any) -> Any:
        method = _function(cls, text, names, {})
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
        return method(self, *other)

    return first


def _guard(cls: type, names: frozenset[str], verb: str) -> Callable[..., None]:
    """``__setattr__``/``__delattr__`` refusing the fields, as a frozen dataclass's do."""
    action = "__setattr__" if verb == "assign to" else "__delattr__"

    def guard(self: Any, name: str, *value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot {verb} field {name!r}")
        getattr(super(cls, self), action)(name, *value)

    return guard
