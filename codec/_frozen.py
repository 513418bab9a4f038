"""A faster ``__init__`` for the frozen dataclasses made once per record.

A frozen dataclass's generated ``__init__`` sets every field through ``object.__setattr__``
(its own ``__setattr__`` refuses): about 0.15 µs a field, so 3 µs for a 19-field
:class:`~iscsitgt_spt.codec.sense.decoder.SenseInfo` — more than decoding the sense bytes.
Decoding a capture builds several such objects per record (the raw record, the decoded
buffer, the reports, the sense data).  :func:`quick_init` replaces the generated ``__init__``
with one generated from the same fields (same parameters, defaults and factories, same
order) that fills the instance dictionary directly, which is where the dataclass keeps the
fields anyway.  Nothing else changes: equality, hashing, ``repr``, ``replace`` and the
refusal to assign after construction are the dataclass's own.
"""

from __future__ import annotations

import dataclasses
import inspect  # (dataclasses imports it anyway)
from typing import Any, TypeVar

__all__ = ["quick_init"]

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Class decorator, placed above ``@dataclass(frozen=True)`` (see the module docstring)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or hasattr(cls, "__slots__"):
        raise TypeError(f"quick_init needs a frozen dataclass without slots, not {cls!r}")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has __post_init__, which quick_init would skip")
    namespace: dict[str, Any] = {"MISSING": dataclasses.MISSING}
    signature: list[str] = ["self"]
    keyword_only: list[str] = []
    body: list[str] = []
    for index, f in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        if not f.init:
            raise TypeError(f"{cls.__name__}.{f.name} is init=False")
        params = keyword_only if f.kw_only else signature
        if f.default is not dataclasses.MISSING:
            namespace[f"default{index}"] = f.default
            params.append(f"{f.name}=default{index}")
            body.append(f"{f.name!r}: {f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"factory{index}"] = f.default_factory
            params.append(f"{f.name}=MISSING")
            body.append(f"{f.name!r}: factory{index}() if {f.name} is MISSING else {f.name}")
        else:
            params.append(f.name)
            body.append(f"{f.name!r}: {f.name}")
    if keyword_only:
        signature += ["*", *keyword_only]
    source = (f"def __init__({', '.join(signature)}):\n"
              f"    self.__dict__.update({{{', '.join(body)}}})\n")
    exec(compile(source, f"<quick init {cls.__qualname__}>", "exec"), namespace)
    init = namespace["__init__"]
    original = cls.__init__
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = original.__doc__
    init.__signature__ = inspect.signature(original)  # what help() and the docs show
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
