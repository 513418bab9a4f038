"""Shared pytest configuration: the Hypothesis profiles.

``default`` keeps the regular suite fast on a small shared machine; ``long`` is for a
deliberate soak (``pytest --hypothesis-profile long``; the option comes from Hypothesis'
own pytest plugin, which loads the named profile after this file has registered it).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")
