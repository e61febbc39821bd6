"""``python -m model.cli``: the same as ``csto-sim``."""

import sys

from . import main

sys.exit(main())
