"""The lint pass compiled per layout (lint_compile) against the checks as written, the oracle.

``lint_whole`` and ``lint_cut`` run the compiled pass; ``lint_interpreted`` and
``lint_cut_interpreted`` run the checks through the context as written.  Every finding (its
severity, code, text, path, offset) and their order must be the same, on buffers of every
structure and profile nobody chose for this test: Hypothesis's (canonical-ish buffers and any
bytes), the fuzz corpus generator's (valid, boundary and mutated cases), and every vector
under tests/vectors, each whole, with trailing bytes and cut short, under both directions and
with and without the session check.
"""

from __future__ import annotations

import ast
import importlib
import random

import pytest
from _cached_strategies import buffers_or_bytes_of
from _examples import examples
from _vectors import c_vectors
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec.analysis.lint_compile import Unsupported, compile_lint
from iscsitgt_spt.codec.analysis.lint_plan import plan_of
from iscsitgt_spt.codec.api import size_error
from iscsitgt_spt.codec.fast import compiled
from iscsitgt_spt.codec.fuzzing.corpus import MODES, generate
from iscsitgt_spt.spec.primitives import ULONG
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout, register, unregister
from iscsitgt_spt.spec.srb_io_control import srb_payload

lint = importlib.import_module("iscsitgt_spt.codec.analysis._lint.run")
checks = importlib.import_module("iscsitgt_spt.codec.analysis._lint.checks")

CASES = [(n, p) for n in sorted(STRUCTURES) for p in PROFILES]
_FLAGS = [(session, output) for session in (True, False) for output in (None, False, True)]


@pytest.fixture(autouse=True)
def _compile_at_once(monkeypatch) -> None:
    """The compiled pass from a layout's first buffer (a capture's come after a few
    dozen interpreted runs)."""
    monkeypatch.setattr(lint, "COMPILE_AFTER", 0)


def _same_whole(name: str, profile, data: bytes) -> None:
    """The compiled pass of ``data`` (the layout's bytes, then any trailing ones) is the
    interpreted one, under every flag."""
    layout = get_layout(name, profile)
    whole, trailing = data[:layout.size], data[layout.size:]
    for session, output in _FLAGS:
        got = lint.lint_whole(layout, whole, trailing=trailing, expect_session=session,
                              output=output)
        want = lint.lint_interpreted(layout, whole, trailing=trailing,
                                     expect_session=session, output=output)
        assert got == want, (name, str(profile), data.hex(), session, output)


def _same_cut(name: str, profile, data: bytes) -> None:
    """The compiled pass of ``data`` cut short (shorter than the layout) is the
    interpreted one, under every flag."""
    layout = get_layout(name, profile)
    error = size_error(layout, len(data))
    for session, output in _FLAGS:  # (one error for all: its finding worked out once)
        got = lint.lint_cut(layout, data, error, expect_session=session, output=output)
        want = lint.lint_cut_interpreted(layout, data, size_error(layout, len(data)),
                                         expect_session=session, output=output)
        assert got == want, (name, str(profile), data.hex(), session, output)


def _check(name: str, profile, data: bytes, cuts: list[int]) -> None:
    size = get_layout(name, profile).size
    if len(data) >= size:
        _same_whole(name, profile, data)
    for cut in cuts:
        if 0 < cut < min(len(data), size):
            _same_cut(name, profile, data[:cut])


@pytest.mark.parametrize(("name", "profile"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_every_layout_compiles(name, profile) -> None:
    """Every check is in the subset the specialiser handles (else the differential tests
    below would compare the interpreted pass with itself)."""
    layout = get_layout(name, profile)
    data = bytes(layout.size)
    lint.lint_whole(layout, data)
    lint.lint_cut(layout, data[:1], size_error(layout, 1))
    plan = plan_of(layout)
    assert callable(plan.compiled) and callable(plan.compiled_cut)


@st.composite
def _drawn(draw: st.DrawFn) -> tuple[str, object, bytes, list[int]]:
    name, profile = draw(st.sampled_from(CASES))
    data = draw(buffers_or_bytes_of(name, profile))
    tail = draw(st.sampled_from([b"", b"", b"\0", b"\x01\x02\x03\x04"]))
    cuts = draw(st.lists(st.integers(1, len(data)), max_size=2))
    return name, profile, data + tail, cuts


@examples(150)
@given(_drawn())
def test_compiled_is_interpreted_on_hypothesis_buffers(drawn) -> None:
    name, profile, data, cuts = drawn
    _check(name, profile, data, cuts)


@examples(100)
@given(st.sampled_from(CASES), st.data())
def test_compiled_is_interpreted_on_mutated_buffers(case, data) -> None:
    """A buffer of the structure with a few bytes overwritten anywhere (the value read as
    another type's, a length another profile's, a terminator moved...)."""
    name, profile = case
    raw = bytearray(data.draw(buffers_or_bytes_of(name, profile)))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, data.draw(
            st.integers(0, 255))]))
    _check(name, profile, bytes(raw), [data.draw(st.integers(1, len(raw)))])


def test_compiled_is_interpreted_on_the_fuzz_corpus() -> None:
    """The fuzz corpus generator's valid, boundary and mutated cases of every structure and
    profile, whole, with trailing bytes and cut at random lengths."""
    rng = random.Random(25)
    cases = generate(sorted(STRUCTURES), list(PROFILES), MODES, count=6, seed=25)
    assert {c.mode for c in cases} == set(MODES)
    for case in cases:
        data = case.data
        _check(case.structure, case.profile, data + bytes([rng.randrange(256)]) * (
            rng.random() < 0.2), [rng.randrange(1, len(data) + 1)])


def test_compiled_is_interpreted_on_every_vector() -> None:
    vectors = c_vectors()
    assert len(vectors) == len(CASES)  # (one C-compiler vector per structure and profile)
    rng = random.Random(7)
    for name, profile, data in vectors:
        flipped = bytearray(data)
        for _ in range(3):
            flipped[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        cuts = list(range(1, len(data), 5))
        for variant in (data, data + b"\x00\x01", bytes(flipped)):
            _check(name, profile, variant, cuts)


def test_a_check_outside_the_subset_keeps_the_interpreted_pass() -> None:
    """A construct the specialiser does not know raises Unsupported (the layout then
    keeps the interpreted pass), never compiles into something else."""
    layout = get_layout("SRB_IO_CONTROL", PROFILES[0])
    view = checks._Context(layout, lint._no_get, (None, b""), 0, True, None)

    def odd_check(ctx):
        while ctx.get("Length"):  # (a loop over per-record values: not handled)
            ctx.add("srb-length", "Length", "x")

    def reads_findings(ctx):
        ctx.findings.clear()

    def breaks(ctx):
        for name in ("Length", "ReturnCode"):  # (unrolled, but a break is not handled)
            if ctx.get(name):
                break
        ctx.add("srb-length", "Length", "x")

    for check in (odd_check, reads_findings, breaks):
        with pytest.raises(Unsupported):
            compile_lint(compiled(layout), view, [(check, ())], static=checks._Context.STATIC,
                         per_run=checks._Context.PER_RUN, spot=view.spot,
                         add_params=("code", "path", "message", "offset"),
                         order=lint._in_byte_order)


def test_the_compiled_source_reads_no_member_by_path() -> None:
    """What the layout decides is worked out once: the compiled pass of the pass-through
    structure looks up no member path, plan or layout per record."""
    layout = get_layout("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", PROFILES[0])
    view = checks._Context(layout, lint._no_get, (None, b""), 0, True, None)
    steps = [*((b, (pre,)) for b, pre in lint._bound_steps(plan_of(layout))),
             *((c, ()) for c in checks._CHECKS)]
    _, code = compile_lint(compiled(layout), view, steps, static=checks._Context.STATIC,
                             per_run=checks._Context.PER_RUN, spot=view.spot,
                             add_params=("code", "path", "message", "offset"),
                             order=lint._in_byte_order)
    names = {n.id for n in ast.walk(ast.parse(ast.unparse(code))) if isinstance(n, ast.Name)}
    assert not names & {"ctx", "pre", "layout", "plan", "get"}
    assert "SenseInfoOffset" not in names  # (a member is read into a local: r0, r1...)


def test_a_registered_structure_reaches_the_compiled_pass() -> None:
    """The compiled pass folds in the table of known control codes: registering a
    structure with a new code makes it again (0x1ff: unknown, then the new request's)."""
    layout = get_layout("SRB_IO_CONTROL", PROFILES[0])
    data = bytearray(layout.size)
    data[layout.member("ControlCode").offset] = 0xFF
    data[layout.member("ControlCode").offset + 1] = 0x01
    codes = [f.code for f in lint.lint_whole(layout, bytes(data))]
    assert "unknown-control-code" in codes
    register(srb_payload("ISCSITGT_SPT_LINT_PROBE", 0x1FF, "CTLCODE_ISCSITGT_SPT_LINT_PROBE",
                         "Flags" / ULONG * "A member.", doc="A request of this test."))
    try:
        layout = get_layout("SRB_IO_CONTROL", PROFILES[0])
        got = lint.lint_whole(layout, bytes(data))
        assert "unknown-control-code" not in [f.code for f in got]
        assert got == lint.lint_interpreted(layout, bytes(data))
    finally:
        unregister("ISCSITGT_SPT_LINT_PROBE")
