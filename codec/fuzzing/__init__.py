"""Fuzz-case generation, derived from the spec's layouts.

:mod:`.corpus` writes reproducible corpora (valid, boundary and mutated cases, each with its
intent) and needs only construct.  :mod:`.strategies` holds the Hypothesis strategies; it is
not imported here, so that using the corpus generator never loads Hypothesis.
"""

from __future__ import annotations

from iscsitgt_spt.codec.fuzzing.corpus import MODES, Case, generate

__all__ = ["MODES", "Case", "generate"]
