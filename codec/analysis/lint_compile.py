"""The lint pass of one layout compiled once: its checks specialised to the layout, as Python.

The checks (:mod:`iscsitgt_spt.codec.analysis.lint`) are written once, for any layout: they
read the layout, its plan and the path prefix of the structure they check, then the
members' values, and add findings.  Per record, the interpreted pass pays for what depends on
the layout alone over and over: the prefix joined to each member name, the dict of every
leaf's value, the plan's lookups, the branches on a member's type.  :func:`compile_lint`
works that part out once per layout, by partial evaluation of the checks' own source (the
rules stay defined there, and only there): what the layout decides is evaluated now and
folded into the code (sizes, offsets, paths, a finding's severity, full path and offset, the
static half of a message), loops over the layout's members are unrolled, checks that call
helpers taking the context are inlined, and what a record decides (the members read, the
buffer's length, its trailing bytes, the caller's flags) becomes Python code reading the
members straight from the bytes with the fast codec's ``struct`` format and leaf
expressions (:attr:`~iscsitgt_spt.codec.fast.FastCodec.items`).

The specialiser knows a small subset of Python, the one the checks are written in; a check
using anything else raises :class:`Unsupported` and the layout keeps the interpreted pass
(the oracle: ``tests/codec/analysis/lint_compile/test_lint_compile.py`` holds the two to the same
findings, text, path, offset and order on generated and mutated buffers of every structure
and profile).  What it assumes of the checks: a call whose arguments are all decided by the
layout (``control_codes()``, ``ctx.plan.size_of(...)``) is a function of them, evaluated
once; a check's only effect is ``ctx.add``.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis._lint_compile.program import CompiledLint, compile_lint
from iscsitgt_spt.codec.analysis.lint_fold import Unsupported

__all__ = ["CompiledLint", "Unsupported", "compile_lint"]
