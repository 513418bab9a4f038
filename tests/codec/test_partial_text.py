"""whole_members_text: a cut buffer's whole members written by a template made per stretch of
lengths, against the value's own JSON (the oracle).

The reference is ``json.dumps`` (the standard library's, compact, not ASCII-escaped) of
:meth:`PartialValue.to_json` from :func:`decode_partial`, the general path a capture's
report takes.  Buffers are nobody's choice for this test: Hypothesis's (canonical-ish buffers
and any bytes of the size, a few bytes overwritten), the fuzz corpus generator's valid,
boundary and mutated cases, and every C-compiler vector under tests/vectors, each cut at many
lengths; every example goes through a template (``AFTER = 1``).
"""

from __future__ import annotations

import json
import random

import pytest
from _cached_strategies import buffers_or_bytes_of
from _examples import examples
from _vectors import c_vectors
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec import partial
from iscsitgt_spt.codec.fuzzing.corpus import MODES, generate
from iscsitgt_spt.codec.partial import decode_partial, whole_members_text
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

CASES = [(n, p) for n in sorted(STRUCTURES) for p in PROFILES]


@pytest.fixture(autouse=True)
def _template_at_once(monkeypatch) -> None:
    """A stretch's template from its first buffer (a capture's from its second)."""
    monkeypatch.setattr(partial, "AFTER", 1)


def _same(name: str, profile, data: bytes) -> None:
    layout = get_layout(name, profile)
    want = json.dumps(decode_partial(layout.name, data, profile=profile).to_json(),
                      ensure_ascii=False, separators=(",", ":"))
    assert whole_members_text(layout, data) == want, (name, str(profile), data.hex())


@st.composite
def _drawn(draw: st.DrawFn) -> tuple[str, object, bytes, list[int]]:
    name, profile = draw(st.sampled_from(CASES))
    raw = bytearray(draw(buffers_or_bytes_of(name, profile)))
    for _ in range(draw(st.integers(0, 3))):  # a few bytes overwritten anywhere
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.sampled_from([0, 0x80, 0xFF]))
    cuts = draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=4))
    return name, profile, bytes(raw), cuts


@examples(150)
@given(_drawn())
def test_whole_members_text_is_the_values_on_hypothesis_buffers(drawn) -> None:
    name, profile, data, cuts = drawn
    for cut in cuts:
        _same(name, profile, data[:cut])


def test_whole_members_text_is_the_values_on_the_fuzz_corpus() -> None:
    """The generator's cases cut at random lengths, and its boundary and mutated cases as
    they are when shorter than their structure."""
    rng = random.Random(27)
    cases = generate(sorted(STRUCTURES), list(PROFILES), MODES, count=6, seed=27)
    assert {c.mode for c in cases} == set(MODES)
    for case in cases:
        size = get_layout(case.structure, case.profile).size
        data = case.data
        if 0 < len(data) < size:
            _same(case.structure, case.profile, data)
        _same(case.structure, case.profile, data[:rng.randrange(min(len(data), size))])


def test_whole_members_text_is_the_values_on_every_vector_at_every_length() -> None:
    """Each C-compiler vector (one per structure and profile) cut at every length: every
    stretch of every layout, its first and its last length, each written by its template."""
    vectors = c_vectors()
    assert len(vectors) == len(CASES)
    for name, profile, data in vectors:
        for cut in range(len(data)):
            _same(name, profile, data[:cut])
