"""Every figure: ``data`` reads a results folder, ``figures`` draws each figure of a run, a replay or a sweep
from plain numbers, ``draw`` picks the figures a folder supports, ``analysis`` draws the sensitivity indices
and the PRIM peeling trade-off, ``posterior`` a calibration's posterior, ``explorer`` the explorer page's
figures, and ``style`` sets the look and saves files."""

#: The figures of a run folder and of a sweep folder (here, so that the command line reads them without
#: loading matplotlib).
RUN_KINDS = ("outcomes", "days", "troops", "objections", "trace")
SWEEP_KINDS = ("outcomes", "approval-map", "oat", "rules")
KINDS = tuple(dict.fromkeys(RUN_KINDS + SWEEP_KINDS))
