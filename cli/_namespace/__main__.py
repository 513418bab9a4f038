"""``python -m iscsitgt_spt``: the same as the ``iscsitgt-spt`` command."""

from __future__ import annotations

import sys

from iscsitgt_spt.cli import main

sys.exit(main())
