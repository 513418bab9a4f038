"""quick_init builds the same objects as the dataclass's own __init__ (issue 13's speed path)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from iscsitgt_spt.codec._frozen import quick_init


def _pair() -> tuple[type, type]:
    def define() -> type:
        @dataclasses.dataclass(frozen=True)
        class Thing:
            a: int
            b: str = "b"
            c: dict[str, int] = dataclasses.field(default_factory=dict)
            d: tuple[int, ...] = ()
            e: int = dataclasses.field(default=5, kw_only=True)
        return Thing

    return define(), quick_init(define())


@pytest.mark.parametrize("args, kwargs", [
    ((1,), {}), ((1, "x"), {}), ((1,), {"c": {"k": 1}}), ((), {"a": 2, "d": (1,), "e": 7}),
])
def test_same_fields_as_the_dataclass_init(args: tuple, kwargs: dict) -> None:
    plain, quick = _pair()
    want, got = plain(*args, **kwargs), quick(*args, **kwargs)
    assert vars(got) == vars(want)
    assert list(vars(got)) == list(vars(want))  # same order: repr and asdict follow it
    assert repr(got).split("(", 1)[1] == repr(want).split("(", 1)[1]


def test_the_dataclass_rules_still_hold() -> None:
    _, quick = _pair()
    one, two = quick(1), quick(1)
    assert one == two and one.c is not two.c  # a fresh dict from the factory each time
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.a = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        quick()  # a required field is required
    with pytest.raises(TypeError):
        quick(1, "b", {}, (), 9)  # e is keyword-only, as declared
    assert dataclasses.replace(one, a=4).a == 4
    assert str(inspect.signature(quick)) == str(inspect.signature(_pair()[0]))


def test_refuses_what_it_would_get_wrong() -> None:
    @dataclasses.dataclass
    class Mutable:
        a: int

    @dataclasses.dataclass(frozen=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:  # would be skipped
            pass

    for cls in (Mutable, Checked, int):
        with pytest.raises(TypeError):
            quick_init(cls)
