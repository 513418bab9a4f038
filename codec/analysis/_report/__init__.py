"""The parts of :mod:`iscsitgt_spt.codec.analysis.report`, one concern a module (imported
through that facade): the report's model, its JSON texts, the driver's changes, the sense
data, and the record examined."""
