"""What a run yields: per-replication arrays and the figures analysts read.

Members are reported by name in alphabetical order. Every output records the seed it came from. The
folder a run is written to is :mod:`model.files.runfolder`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .files.manifest import code_version
from .ladder import LEVELS, STANCES
from .params import Parameters
from .scenario import Case
from .statistics import INTERVAL_LEVEL, MIN_DEPLOYED, STATISTICS
from .terms import REASONS


def _statistic(name: str) -> property:
    """A result's figure: the statistic of that name (``model/statistics.py``), rounded as reports show it."""
    stat = STATISTICS[name]
    return property(stat.report, doc=stat.meaning)


@dataclass
class SimulationResult:
    """The outcome of ``replications`` runs of one case, with the seed and settings that produced it."""

    case: Case
    seed: int
    rule: str
    params: Parameters
    members: list[str]
    lead_state: str | None
    outcome: np.ndarray  # (R,) Level codes
    days: np.ndarray  # (R,) days to decision, NaN when no measure passed
    stance: np.ndarray  # (R, n) Stance codes on the measure requested (ABSENT: no request)
    reason: np.ndarray  # (R, n) codes into REASONS
    objected: np.ndarray  # (R, n) bool: objected to the measure requested
    vetoed: np.ndarray  # (R, n) bool: formally objected to a measure on the table
    contribution: np.ndarray  # (R, n) troops
    trace: list[dict[str, list[float]]] | None = None
    pending: np.ndarray | None = None  # (R,) bool: tabled, no decision within the horizon ("no decision yet")
    #: (R,) each replication's epistemic draw, a group 0..G-1 (a posterior's set and a coding of the case's facts),
    #: and what each group is (``{"set": ..., "coding": [...]}``); None: found from the case and seed when asked
    #: (the codings ``simulate`` drew; one group without alternatives).
    draw_group: np.ndarray | None = None
    draw_groups: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if self.pending is None:
            self.pending = np.zeros(self.outcome.shape[0], dtype=bool)

    @property
    def draw(self) -> np.ndarray:
        """(R,) each replication's epistemic draw (its group: posterior set and codings; see ``draw_group``)."""
        if self.draw_group is None:
            from .codings import coding_draws

            self.draw_group, keys = coding_draws(self.case, self.replications, self.seed)
            self.draw_groups = [{"set": None, "coding": list(k)} for k in keys]
        return self.draw_group

    @property
    def uncertainty(self) -> dict[str, Any]:
        """What the outcome intervals are over: the level, the draws (sets of a posterior, codings of the facts),
        or the Monte Carlo noise alone."""
        self.draw  # noqa: B018 -- fills draw_groups
        groups = self.draw_groups or []
        sets = {g["set"] for g in groups if g["set"] is not None}
        codings = {tuple(g["coding"]) for g in groups}
        over = [w for w, on in (("posterior sets", bool(sets)), ("codings of the facts", len(codings) > 1)) if on]
        return {"level": INTERVAL_LEVEL, "over": " and ".join(over) if over else "Monte Carlo noise only",
                "draws": len(groups), "posterior_sets": len(sets), "codings": len(codings),
                "definition": "model/statistics.py outcome_intervals: the 5th-95th percentile of the outcome's "
                              "probability over the draws, binomial noise removed by the method of moments, "
                              "the Wilson interval of the share added in quadrature"}

    @property
    def observed_days(self) -> list[float] | None:
        """The observed days to decision as [low, high] (None when the case records none)."""
        obs = self.case.observed
        return obs.days_to_decision.bounds if obs is not None and obs.days_to_decision is not None else None

    @property
    def observed_reasons(self) -> dict[str, Any]:
        """The sources' reasons for members' positions (``observed.reasons``; empty for what-if cases)."""
        return dict(self.case.observed.reasons) if self.case.observed else {}

    @property
    def replications(self) -> int:
        return int(self.outcome.shape[0])

    # -- the figures (each defined once in model/statistics.py) -------------------------------------

    @property
    def observed(self) -> str | None:
        """The observed outcome of a historical case, else None."""
        return self.case.observed.outcome if self.case.observed else None

    outcome_probabilities = _statistic("outcome_probabilities")
    outcome_intervals = _statistic("outcome_intervals")
    deployed_replications = _statistic("deployed_replications")
    modal_outcome = _statistic("modal_outcome")
    match = _statistic("match")
    days_to_decision = _statistic("days_to_decision")
    objection_rate = _statistic("objection_rate")
    dominant_reason = _statistic("dominant_reason")
    stance_rates = _statistic("stance_rates")
    mean_contribution = _statistic("mean_contribution")
    lead_state_share = _statistic("lead_state_share")
    undecided = _statistic("undecided")
    days_covered = _statistic("days_covered")
    reason_agreement = _statistic("reason_agreement")
    stance_agreement = _statistic("stance_agreement")
    approval = _statistic("approval")
    approval_interval = _statistic("approval_interval")

    def to_dict(self) -> dict[str, Any]:
        """The run as one JSON-ready object (the ``--json`` output)."""
        return {
            "scenario": self.case.id,
            "title": self.case.title,
            "kind": self.case.kind,
            "replications": self.replications,
            "seed": self.seed,
            "rule": self.rule,
            "outcome_probabilities": self.outcome_probabilities,
            "outcome_intervals": self.outcome_intervals,
            "intervals": self.uncertainty,
            "modal_outcome": self.modal_outcome,
            "observed": self.observed,
            "match": self.match,
            "days_to_decision": self.days_to_decision,
            "objection_rate": self.objection_rate,
            "dominant_reason": self.dominant_reason,
            "mean_contribution": self.mean_contribution,
            "lead_state": self.lead_state,
            "lead_state_share": self.lead_state_share,
            "deployed_replications": self.deployed_replications,
            "min_deployed": MIN_DEPLOYED,
            "parameters": self.params.as_dict(),
            "code_version": code_version(),
        }

    # -- files --------------------------------------------------------------------------------------

    def table(self) -> Any:
        """Per-replication results as a pyarrow Table (one row per replication)."""
        import pyarrow as pa

        cols: dict[str, Any] = {
            "replication": pa.array(np.arange(self.replications, dtype=np.int64)),
            "outcome": pa.DictionaryArray.from_arrays(pa.array(self.outcome.astype(np.int32)), pa.array(LEVELS)),
            "days_to_decision": pa.array(self.days, from_pandas=True),
            "undecided": pa.array(np.asarray(self.pending, dtype=bool)),
        }
        stance_names = pa.array(["absent", *STANCES])
        for i, m in enumerate(self.members):
            cols[f"stance.{m}"] = pa.DictionaryArray.from_arrays(
                pa.array(self.stance[:, i].astype(np.int32) + 1), stance_names)
            cols[f"reason.{m}"] = pa.DictionaryArray.from_arrays(
                pa.array(self.reason[:, i].astype(np.int32)), pa.array(REASONS))
            cols[f"objected.{m}"] = pa.array(self.objected[:, i])
            cols[f"vetoed.{m}"] = pa.array(self.vetoed[:, i])
            cols[f"troops.{m}"] = pa.array(self.contribution[:, i].astype(np.float64))
        return pa.table(cols)
