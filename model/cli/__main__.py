"""``python -m model.cli``: the same as ``csto-sim``."""

from . import console

console()
