"""The parts of :mod:`iscsitgt_spt.codec.analysis.lint`, one concern a module (imported
through that facade): the checks, and running them over a buffer."""
