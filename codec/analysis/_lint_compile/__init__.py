"""The parts of :mod:`iscsitgt_spt.codec.analysis.lint_compile`, one concern a module
(imported through that facade): the specialiser's expressions, and its statements."""
