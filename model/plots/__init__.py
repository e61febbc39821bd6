"""Every figure: ``data`` reads a results folder, ``figures`` draws each figure of a run, a replay or a sweep
from plain numbers, ``sweeps`` the curves, partial dependence and tornado of a sweep, ``cases`` the
posterior-predictive check and the stance map over a folder of case runs, ``explain`` the waterfall of
mechanism contributions, ``draw`` picks the figures a folder supports, ``analysis`` draws the sensitivity
indices, the PRIM peeling trade-off and the PRIM boxes, ``posterior`` a calibration's posterior,
``explorer`` the explorer page's figures, and ``style`` sets the look and saves files."""

#: The figures of each kind of folder (here, so that the command line reads them without loading matplotlib).
RUN_KINDS = ("outcomes", "days", "troops", "objections", "trace")
SWEEP_KINDS = ("outcomes", "approval-map", "curves", "pdp", "tornado", "rules")
CASES_KINDS = ("ppc", "stances")
EXPLAIN_KINDS = ("waterfall",)
DISCOVER_KINDS = ("prim-boxes",)
CALIBRATION_KINDS = ("posterior",)
KINDS = tuple(dict.fromkeys(RUN_KINDS + SWEEP_KINDS + CASES_KINDS + EXPLAIN_KINDS + DISCOVER_KINDS
                             + CALIBRATION_KINDS))

#: What each kind draws and the folder it is drawn from (``csto-sim plot --help`` and ``--json``).
KIND_SOURCES: dict[str, tuple[str, str]] = {
    "outcomes": ("run or sweep folder", "outcome distribution per case, the observed rung outlined"),
    "days": ("run folder", "days to decision: histogram and ECDF, the observed range shaded"),
    "troops": ("run folder", "troops per member over the replications that deployed (withheld below a minimum)"),
    "objections": ("run folder", "objection rate per member, labelled with its most frequent reason for objecting"),
    "trace": ("run folder", "each member's position round by round in replication 0"),
    "approval-map": ("sweep folder varying lead_state.strategic_value, recording approval",
                     "P(approved) over Russia's stake and the legal situation, by channel and measure, the cases placed"),
    "curves": ("sweep folder (grid or one-at-a-time design)",
               "outcome against each numeric factor, one line per level of the categorical factors"),
    "pdp": ("sweep folder (latin_hypercube or sobol design)", "partial dependence: binned means with 95% intervals"),
    "tornado": ("sweep folder (one_at_a_time or sobol design)", "swing per factor, or Sobol' S1/ST with intervals, sorted"),
    "rules": ("sweep folder varying the rule", "outcome distribution per case under each decision rule"),
    "ppc": ("folder of run folders (run CASE --out DIR/CASE)",
            "posterior-predictive check: observed rung and days against the predicted ones, per case"),
    "stances": ("folder of run folders (run CASE --out DIR/CASE)",
                "member x case map of the share objecting, with the reason for objecting"),
    "waterfall": ("folder written by 'explain --plot'", "mechanism contributions to each member's position"),
    "prim-boxes": ("folder written by 'discover'", "PRIM boxes on a scatter of the two factors that define them"),
    "posterior": ("folder written by 'calibrate' (the shipped calibration/)",
                  "each calibrated parameter's posterior against its prior range, the default marked; the most "
                  "constrained pairs"),
}

