"""``python -m iscsitgt_spt.codec``: the same as the ``iscsitgt-spt`` command."""

from __future__ import annotations

import sys

from iscsitgt_spt.codec.cli import main

sys.exit(main())
