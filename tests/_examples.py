"""How many examples a property test with a count of its own runs, in the loaded profile.

The default profile (tests/conftest.py) runs ``count`` derandomized examples: the same ones on
every run, and the test says in a comment which cases they reach (every structure, profile,
tool ... it draws from; checked when the count was set, with Hypothesis 6.170: another version
may draw other examples, so check again after an upgrade).  A soak profile
(``pytest --hypothesis-profile long``) runs random examples instead, as many more as that
profile runs more than the default (long: 100 times ``count``).

Import it as ``from _examples import examples`` (pyproject puts ``tests/`` on pytest's path).
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings

__all__ = ["examples"]


def examples(count: int, **options: Any) -> settings:
    """The settings of a test that runs ``count`` examples in the default profile."""
    default = settings.get_profile("default").max_examples
    loaded = settings().max_examples
    if loaded == default:
        return settings(max_examples=count, derandomize=True, **options)
    return settings(max_examples=max(1, count * loaded // default), **options)
