"""Running the checks over a buffer: decoded (:func:`lint`), whole or cut short and read
straight from its bytes (:func:`lint_whole`, :func:`lint_cut`, by the layout's compiled
pass once it has run :data:`COMPILE_AFTER` times), or from raw bytes that may not decode
(:func:`lint_bytes`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from iscsitgt_spt.codec.analysis._lint.checks import (
    _CHECKS,
    BOUND_CHECKS,
    _Context,
)
from iscsitgt_spt.codec.analysis.detect_profile import detect_profile
from iscsitgt_spt.codec.analysis.lint_compile import CompiledLint, Unsupported, compile_lint
from iscsitgt_spt.codec.analysis.lint_plan import LintPlan, plan_of
from iscsitgt_spt.codec.analysis.lint_rules import (
    _BY_CODE,
    _RANK,
    Finding,
)
from iscsitgt_spt.codec.api import Buffer
from iscsitgt_spt.codec.dispatch import Decoded, Truncated, decode_available
from iscsitgt_spt.codec.fast import compiled
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.codec.partial import MemberCut
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import Profile


def _context(
    decoded: Decoded | Truncated, total: int, expect_session: bool, output: bool | None,
) -> _Context:
    get: Callable[[str], Any]
    if isinstance(decoded, Truncated):
        # A truncated buffer raises MemberCut for a member it does not hold whole: the
        # check asking stops there (see _run), so no finding rests on bytes not there.
        get = decoded.value.get_path
    else:
        get = compiled(decoded.value.layout).flat_value(decoded.value).__getitem__
    return _Context(decoded.value.layout, get, (decoded.payload, decoded.trailing), total,
                    expect_session, output)


def _run(ctx: _Context) -> list[Finding]:
    steps = ctx.plan.steps
    if steps is None:
        steps = ctx.plan.steps = _bound_steps(ctx.plan)
    for bound, pre in steps:
        try:
            bound(ctx, pre)
        except MemberCut:
            continue  # the rest of this check reads members past the cut
    for check in _CHECKS:
        try:
            check(ctx)
        except MemberCut:
            continue
    if len(ctx.findings) > 1:
        ctx.findings.sort(key=_in_byte_order)
    return ctx.findings


def _bound_steps(plan: LintPlan) -> tuple[tuple[Callable[[_Context, str], None], str], ...]:
    """The bound checks of a layout and the prefix each runs with, in the order of its
    structures' instances: worked out once per layout (kept in its plan)."""
    return tuple((BOUND_CHECKS[name], pre) for name, prefixes in plan.instances.items()
                 if name in BOUND_CHECKS for pre in prefixes)


def _in_byte_order(finding: Finding) -> tuple[int, int]:
    return finding.offset, _RANK[finding.severity]


def lint(
    decoded: Decoded | Truncated,
    *,
    raw: Buffer | LongBuffer | None = None,
    expect_session: bool = True,
    output: bool | None = None,
) -> list[Finding]:
    """Every finding for a decoded buffer, in byte order.

    ``raw`` is the buffer as captured, when the caller has it: its length is what
    SRB_IO_CONTROL.Length is checked against (by default the decoded size, which is the same
    for :func:`~iscsitgt_spt.codec.dispatch.decode_buffer` output).  ``output`` says whether
    the buffer is what the driver returned (``True``), the request (``False``) or unknown
    (``None``); it decides how a non-zero ReturnCode is reported.  A
    :class:`~iscsitgt_spt.codec.dispatch.Truncated` buffer gives a ``truncated`` error (naming
    the member it cuts) plus every finding that rests only on the members it holds whole.
    """
    total = len(raw) if raw is not None else decoded.size
    findings = _run(_context(decoded, total, expect_session, output))
    if isinstance(decoded, Truncated):
        findings.append(_parse_finding(decoded.error, "truncated"))
        findings.sort(key=_in_byte_order)
    return findings


def lint_whole(
    layout: Layout, data: bytes, *, trailing: bytes = b"", total: int | None = None,
    expect_session: bool = True, output: bool | None = None,
) -> list[Finding]:
    """``lint(Decoded(decode(data), trailing=trailing), raw=...)`` for a whole buffer of
    ``layout`` (``data`` exactly ``layout.size`` bytes, ``total`` the captured buffer's
    length, by default ``data`` and ``trailing``): the members read straight from the bytes
    by the layout's fast codec, with no decoded value in between."""
    if total is None:
        total = len(data) + len(trailing)
    plan = plan_of(layout)
    generated = plan.compiled
    if type(generated) is int:
        generated = _warm(layout, plan, False)
    if generated:
        found: list[Finding] = generated(data, trailing, None, total, expect_session, output,
                                         len(data))
        return found
    return lint_interpreted(layout, data, trailing=trailing, total=total,
                            expect_session=expect_session, output=output)


def lint_interpreted(
    layout: Layout, data: bytes, *, trailing: bytes = b"", total: int | None = None,
    expect_session: bool = True, output: bool | None = None,
) -> list[Finding]:
    """:func:`lint_whole` through the checks as written, never compiled: the oracle the
    compiled pass is tested against (and the pass of a layout it cannot compile)."""
    get = compiled(layout).flat(data).__getitem__
    if total is None:
        total = len(data) + len(trailing)
    return _run(_Context(layout, get, (None, trailing), total, expect_session, output))


#: Runs of a layout's interpreted pass before it is compiled: compiling takes a few
#: milliseconds a layout, which a command linting a handful of buffers would only lose; a
#: capture pays it once per layout and kind (whole, cut short).
COMPILE_AFTER = 32


def _warm(layout: Layout, plan: LintPlan, cut: bool) -> CompiledLint | Literal[False]:
    """Count one more run of ``layout``'s interpreted pass (``False``: run it), or the
    compiled pass once :data:`COMPILE_AFTER` have run."""
    runs: int = plan.compiled_cut if cut else plan.compiled
    found: CompiledLint | Literal[False] = False
    if runs >= COMPILE_AFTER:
        found = _compile(layout, plan, cut)
        runs = -1  # (never counted again: a function, or False for good)
    if cut:
        plan.compiled_cut = found if runs < 0 else runs + 1
    else:
        plan.compiled = found if runs < 0 else runs + 1
    return found


def _compile(layout: Layout, plan: LintPlan, cut: bool = False) -> CompiledLint | Literal[False]:
    """The lint pass of whole buffers of ``layout`` (``cut``: of buffers cut short)
    compiled; ``False``: a check the specialiser does not handle (the layout keeps the
    interpreted pass)."""
    view = _Context(layout, _no_get, (None, b""), 0, True, None)  # (its static half only)
    if plan.steps is None:
        plan.steps = _bound_steps(plan)
    steps = [*((bound, (pre,)) for bound, pre in plan.steps),
             *((check, ()) for check in _CHECKS)]
    try:
        return compile_lint(compiled(layout), view, steps, static=_Context.STATIC,
                            per_run=_Context.PER_RUN, spot=view.spot,
                            add_params=("code", "path", "message", "offset"),
                            order=_in_byte_order, stop=_Stop if cut else None,
                            caught=MemberCut)[0]
    except Unsupported:
        return False
    except Exception:  # (a layout the specialiser trips on, a structure a user registered
        # say, keeps the checks as written: a capture must not fail for a speed-up; the
        # suite holds every shipped layout to compiling, test_lint_compile)
        return False


def _no_get(path: str) -> Any:
    raise AssertionError("the compiled pass reads members from the bytes")


def lint_cut(
    layout: Layout, data: bytes, error: ParseError, *, expect_session: bool = True,
    output: bool | None = None,
) -> list[Finding]:
    """``lint(Truncated(decode_partial(layout, data)), raw=data)`` for a buffer cut short
    (``data`` shorter than ``layout.size``; ``error`` is its
    :func:`~iscsitgt_spt.codec.api.size_error`): the members read straight from the bytes
    (padded with zeros, as :class:`~iscsitgt_spt.codec.partial.PartialValue` decodes them) by
    the layout's fast codec, and a member the buffer does not hold whole stops the check that
    reads it, as the value's own ``get_path`` does."""
    available = len(data)
    padded = data + bytes(layout.size - available)
    plan = plan_of(layout)
    generated = plan.compiled_cut
    if type(generated) is int:
        generated = _warm(layout, plan, True)
    if generated:
        findings: list[Finding] = generated(padded, b"", None, available, expect_session,
                                            output, available)
        findings.append(_truncated_finding(error))
        findings.sort(key=_in_byte_order)
        return findings
    return lint_cut_interpreted(layout, data, error, expect_session=expect_session,
                                output=output)


def lint_cut_interpreted(
    layout: Layout, data: bytes, error: ParseError, *, expect_session: bool = True,
    output: bool | None = None,
) -> list[Finding]:
    """:func:`lint_cut` through the checks as written: the oracle of its compiled pass."""
    available = len(data)
    values = compiled(layout).flat(data + bytes(layout.size - available))
    by_path = layout.by_path

    def get(path: str) -> Any:
        if by_path[path].end > available:
            raise _Stop  # (only stops the check: _run catches it, no text is ever shown)
        return values[path]

    findings = _run(_Context(layout, get, (None, b""), available, expect_session, output))
    findings.append(_parse_finding(error, "truncated"))
    findings.sort(key=_in_byte_order)
    return findings


def _truncated_finding(error: ParseError) -> Finding:
    """``_parse_finding(error, "truncated")``, worked out once per error: a capture's
    records of one shape share their size error (the bulk line's shape holds it), and a
    finding, like the error it is read from, is never changed."""
    found = _TRUNCATED.get(id(error))
    if found is None or found[0] is not error:
        if len(_TRUNCATED) >= 512:
            _TRUNCATED.clear()
        found = _TRUNCATED[id(error)] = (error, _parse_finding(error, "truncated"))
    return found[1]


# Keyed by id(): each entry holds its error, so the id is not reused while it is here.
_TRUNCATED: dict[int, tuple[ParseError, Finding]] = {}


class _Stop(MemberCut):
    """What :func:`lint_cut`'s reader raises for a member the buffer does not hold whole: a
    :class:`~iscsitgt_spt.codec.partial.MemberCut` that stops the check reading it (see
    :func:`_run`), without the member's path, offset and message worked out (the value's own
    ``get_path`` raises the full error; this one never leaves the lint pass)."""

    def __init__(self) -> None:
        Exception.__init__(self, "a member the buffer does not hold whole")


def _parse_finding(exc: ParseError, code: str) -> Finding:
    text = exc.message
    details = [f"{k} {v}" for k, v in (("expected", exc.expected), ("got", exc.actual)) if v]
    if details:
        text += f" ({', '.join(details)})"
    return Finding(_BY_CODE[code].severity, code, exc.path, exc.offset or 0, text)


def lint_bytes(
    data: Buffer | LongBuffer,
    *,
    name: str | None = None,
    ioctl: int | None = None,
    profile: Profile | None = None,
    expect_session: bool = True,
    output: bool | None = None,
) -> list[Finding]:
    """Decode and lint ``data``; a buffer that does not decode yields findings, not errors.

    ``profile=None`` detects it
    (:func:`~iscsitgt_spt.codec.analysis.detect_profile.detect_profile`).
    A truncated buffer is linted as far as it goes (see :func:`lint`); a
    :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` by its head and its true length.
    """
    raw = data if isinstance(data, LongBuffer) else bytes(data)
    if profile is None:
        profile = detect_profile(raw, ioctl=ioctl, name=name).profile
    try:
        decoded = decode_available(raw, name=name, ioctl=ioctl, profile=profile)
    except ParseError as exc:
        return [_parse_finding(exc, "unrecognised")]
    return lint(decoded, raw=raw, expect_session=expect_session, output=output)
