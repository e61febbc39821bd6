"""Every figure: ``data`` reads a results folder, ``figures`` draws each figure of a run, a replay or a sweep
from plain numbers, ``draw`` picks the figures a folder supports, ``analysis`` draws the sensitivity indices
and the PRIM peeling trade-off, ``posterior`` a calibration's posterior, ``explorer`` the explorer page's
figures, and ``style`` sets the look and saves files."""
