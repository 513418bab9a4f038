"""``@frozen`` makes what ``@dataclass(frozen=True)`` makes (issue 25's start-up path).

The expected behaviour is the standard library's: every class below is defined twice, once
with the standard decorator and once with ours, and each property is compared between the two.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest
from iscsitgt_spt.spec._frozen import frozen


def _defined(decorate: Any) -> dict[str, type]:
    """The same class bodies, decorated by ``decorate(cls, order)``."""

    class Thing:
        """A value."""

        a: int
        b: str = "b"
        c: dict[str, int] = dataclasses.field(default_factory=dict, hash=False)
        d: tuple[int, ...] = dataclasses.field(default=(), repr=False)
        e: int = dataclasses.field(default=5, kw_only=True, compare=False)

    class Checked:
        """Validated after construction."""

        low: int
        high: int = 9

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low above high")

    class Own:
        """Writes its own __repr__ and __eq__."""

        x: int

        def __repr__(self) -> str:
            return "mine"

        def __eq__(self, other: object) -> bool:
            return True

    class Ordered:
        size: int = 0
        name: str = "x"

    class Empty:
        pass

    made = {"Thing": decorate(Thing, False), "Checked": decorate(Checked, False),
            "Own": decorate(Own, False), "Ordered": decorate(Ordered, True),
            "Empty": decorate(Empty, False)}
    frozen_base = decorate(type("Root", (), {"__annotations__": {"r": "int"}}), False)
    made["Child"] = decorate(type("Child", (frozen_base,), {"__annotations__": {"s": "int"}}),
                             False)
    return made


def _standard(cls: type, order: bool) -> type:
    return dataclasses.dataclass(frozen=True, order=order)(cls)


def _ours(cls: type, order: bool) -> type:
    return frozen(order=order)(cls) if order else frozen(cls)


STANDARD, OURS = _defined(_standard), _defined(_ours)

CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("Thing", (1,), {}), ("Thing", (1, "x"), {"c": {"k": 1}}),
    ("Thing", (), {"a": 2, "d": (1,), "e": 7}), ("Checked", (1,), {}),
    ("Checked", (3, 4), {}), ("Own", (1,), {}), ("Ordered", (4, "y"), {}), ("Empty", (), {}),
    ("Child", (1, 2), {}),
]


def _both(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    return STANDARD[name](*args, **kwargs), OURS[name](*args, **kwargs)


@pytest.mark.parametrize("name, args, kwargs", CALLS)
def test_same_object_repr_equality_hash_as_the_dataclass(name: str, args: tuple,
                                                         kwargs: dict) -> None:
    want, got = _both(name, args, kwargs)
    assert vars(got) == vars(want)
    assert list(vars(got)) == list(vars(want))  # same order: asdict follows it
    assert repr(got) == repr(want)
    again = OURS[name](*args, **kwargs)
    assert (got == again) == (want == STANDARD[name](*args, **kwargs))
    assert (got != again) == (want != STANDARD[name](*args, **kwargs))
    if name != "Thing":  # (Thing holds a dict, hashed by neither: c is hash=False)
        assert hash(got) == hash(again)
        assert (hash(want) == hash(STANDARD[name](*args, **kwargs)))
    assert (got == want) is (name == "Own")  # other classes never equal (Own says so)
    assert dataclasses.asdict(got) == dataclasses.asdict(want)
    assert dataclasses.replace(got).__dict__ == got.__dict__


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_same_class_surface(name: str) -> None:
    want, got = STANDARD[name], OURS[name]
    assert dataclasses.is_dataclass(got)
    assert [(f.name, f.type, f.default, f.kw_only, f.compare, f.hash, f.repr)
            for f in dataclasses.fields(got)] == [
        (f.name, f.type, f.default, f.kw_only, f.compare, f.hash, f.repr)
        for f in dataclasses.fields(want)]
    assert str(inspect.signature(got)) == str(inspect.signature(want))
    assert got.__match_args__ == want.__match_args__  # type: ignore[attr-defined]
    assert repr(got.__dataclass_params__) == repr(want.__dataclass_params__)  # type: ignore[attr-defined]
    assert got.__doc__ == want.__doc__
    assert got.__init__.__qualname__ == want.__init__.__qualname__  # type: ignore[misc]


def test_frozen_rules_hold() -> None:
    for made in (STANDARD, OURS):
        one, two = made["Thing"](1), made["Thing"](1)
        assert one == two and one.c is not two.c  # a fresh dict from the factory each time
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'a'"):
            one.a = 3
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'a'"):
            del one.a
        with pytest.raises(dataclasses.FrozenInstanceError):
            one.other = 3  # no new attribute either
        with pytest.raises(TypeError):
            made["Thing"]()  # a required field is required
        with pytest.raises(TypeError):
            made["Thing"](1, "b", {}, (), 9)  # e is keyword-only, as declared
        with pytest.raises(ValueError, match="low above high"):
            made["Checked"](5, 1)  # __post_init__ runs
        assert dataclasses.replace(one, a=4).a == 4
        assert repr(made["Own"](1)) == "mine" and made["Own"](1) == 7


def test_order_and_recursion_as_the_dataclass() -> None:
    for made in (STANDARD, OURS):
        low, high = made["Ordered"](1, "z"), made["Ordered"](2, "a")
        assert low < high and low <= high and high > low and high >= low
        assert sorted([high, low]) == [low, high]
        with pytest.raises(TypeError):
            _ = low < 3  # other types: NotImplemented, then Python's TypeError
        loop: dict[str, Any] = {}
        thing = made["Thing"](1, c=loop)
        loop["self"] = thing  # type: ignore[assignment]
        assert repr(thing).count("...") == 1


def test_pickles_like_the_dataclass() -> None:
    value = Pickled(3, "x")
    assert pickle.loads(pickle.dumps(value)) == value


@frozen
class Pickled:
    """Module-level, so pickle finds it."""

    n: int
    s: str


def test_refuses_what_it_would_get_wrong() -> None:
    class Slotted:
        __slots__ = ("a",)
        a: int

    class Later:
        a: int
        b: int = dataclasses.field(default=0, init=False)

    for cls in (Slotted, Later):
        with pytest.raises(TypeError):
            frozen(cls)
