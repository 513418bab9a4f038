"""The parts of :mod:`iscsitgt_spt.codec.fast`, one concern a module (imported through that
facade): the walk of a layout into struct slots and expressions, the codec compiled from it
(with the cache every caller reads), the text in pieces, and the calls that fall back to the
construct path."""
