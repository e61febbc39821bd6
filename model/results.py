"""What a run yields: per-replication arrays and the figures analysts read.

Members are reported by name in alphabetical order. Every output records the seed it came from. The
folder a run is written to is :mod:`model.files.runfolder`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .agents import REASONS
from .files.manifest import code_version
from .ladder import LEVELS, STANCES, Level, Stance
from .params import Parameters
from .scenario import Case


def _round(x: float, digits: int = 6) -> float:
    return float(round(float(x), digits))


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

    @property
    def replications(self) -> int:
        return int(self.outcome.shape[0])

    # -- the figures ----------------------------------------------------------------------------

    @property
    def outcome_probabilities(self) -> dict[str, float]:
        """Share of replications ending at each rung of the ladder."""
        counts = np.bincount(self.outcome, minlength=len(LEVELS))
        return {lvl: _round(c / self.replications) for lvl, c in zip(LEVELS, counts, strict=True)}

    @property
    def modal_outcome(self) -> str:
        """The most frequent outcome (the lower rung on a tie)."""
        return LEVELS[int(np.argmax(np.bincount(self.outcome, minlength=len(LEVELS))))]

    @property
    def observed(self) -> str | None:
        """The observed outcome of a historical case, else None."""
        return self.case.observed.outcome if self.case.observed else None

    @property
    def match(self) -> bool | None:
        """Whether the modal outcome equals the observed one (None for what-if cases)."""
        return None if self.observed is None else self.modal_outcome == self.observed

    @property
    def days_to_decision(self) -> dict[str, float | None]:
        """10th, 50th and 90th percentiles of the days to decision, over replications where a measure passed."""
        decided = self.days[~np.isnan(self.days)]
        if decided.size == 0:
            return {"p10": None, "p50": None, "p90": None}
        q = np.quantile(decided, [0.1, 0.5, 0.9])
        return {"p10": _round(q[0], 4), "p50": _round(q[1], 4), "p90": _round(q[2], 4)}

    @property
    def objection_rate(self) -> dict[str, float]:
        """Share of replications in which each member objected to the measure requested (on the table or
        kept off it by the agenda)."""
        return {m: _round(r) for m, r in zip(self.members, self.objected.mean(axis=0), strict=True)}

    @property
    def dominant_reason(self) -> dict[str, str | None]:
        """Each member's most frequent reason for its stance on the request (None when there was none)."""
        out: dict[str, str | None] = {}
        tabled = self.stance[:, 0] != Stance.ABSENT if self.members else np.zeros(0, bool)
        for i, m in enumerate(self.members):
            codes = self.reason[tabled, i]
            out[m] = REASONS[int(np.argmax(np.bincount(codes, minlength=len(REASONS))))] if codes.size else None
        return out

    @property
    def stance_rates(self) -> dict[str, dict[str, float]]:
        """Share of replications with each stance on the measure requested, by member."""
        out = {}
        for i, m in enumerate(self.members):
            counts = np.bincount(self.stance[:, i] + 1, minlength=len(STANCES) + 1)
            out[m] = {"absent": _round(counts[0] / self.replications),
                      **{s: _round(c / self.replications) for s, c in zip(STANCES, counts[1:], strict=True)}}
        return out

    @property
    def mean_contribution(self) -> dict[str, float]:
        """Mean troops each member sends, over the replications that ended in a deployment (0 if none did)."""
        deployed = self.outcome == Level.DEPLOYMENT
        if not deployed.any():
            return {m: 0.0 for m in self.members}
        means = self.contribution[deployed].mean(axis=0)
        return {m: _round(v, 1) for m, v in zip(self.members, means, strict=True)}

    @property
    def lead_state_share(self) -> float | None:
        """The lead state's mean share of the troops deployed (None when no replication deployed)."""
        deployed = self.outcome == Level.DEPLOYMENT
        if not deployed.any() or self.lead_state not in self.members:
            return None
        troops = self.contribution[deployed].astype(float)
        total = troops.sum(axis=1)
        lead = troops[:, self.members.index(self.lead_state)]
        ok = total > 0
        return _round(float(np.mean(lead[ok] / total[ok])), 4) if ok.any() else None

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
            "modal_outcome": self.modal_outcome,
            "observed": self.observed,
            "match": self.match,
            "days_to_decision": self.days_to_decision,
            "objection_rate": self.objection_rate,
            "dominant_reason": self.dominant_reason,
            "mean_contribution": self.mean_contribution,
            "lead_state": self.lead_state,
            "lead_state_share": self.lead_state_share,
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
