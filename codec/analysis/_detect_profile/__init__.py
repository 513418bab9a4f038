"""The parts of :mod:`iscsitgt_spt.codec.analysis.detect_profile`, one concern a module
(imported through that facade): the guess and its words, the evidence weighed, the memo."""
