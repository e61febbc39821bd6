"""One case run with its internals kept, and the council's decision replayed on altered stances.

``simulate`` returns what an analyst reads (outcomes, stances on the request, reasons); the analyses
need more: each member's stake components and cost terms, its own assessment and final position on
every rung, the positions one round before the last (to split deliberation into the lead state's pull
and the peers'), and the stances on every rung. :func:`run_internals` runs the model exactly as
``simulate`` does (same seed handling, same random draws in the same order; a test checks the outcomes
are identical), with the model's per-round record (``CouncilModel(record=True)``).

:meth:`Internals.settle` puts a dictionary of stances to the council's own vote
(``council.vote_on_rungs``: agenda, rule and fall-back), so that an analysis can ask "what if this member
had objected" without rerunning the members' deliberation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..agents import MemberState
from ..council import Decision, rung_stances, seats, vote_on_rungs
from ..crisis import Crisis
from ..ladder import Stance
from ..model import CouncilModel
from ..params import Parameters
from ..rules import RULES, DecisionRule, get_rule
from ..scenario import Case
from ..simulate import release
from ..statistics import modal_level


@dataclass
class Internals:
    """A run of one case with what the analyses need (members in the model's order, as in ``members``)."""

    case: Case
    params: Parameters
    seed: int
    replications: int
    model: CouncilModel
    decision: Decision
    stances: dict[int, np.ndarray] = field(init=False)  # level -> (R, n) stances on that rung (Stance codes)
    budget: np.ndarray = field(init=False)
    is_lead: np.ndarray = field(init=False)
    is_party: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.stances = rung_stances(self.members)
        self.budget, self.is_lead, self.is_party = seats(self.members, self.lead_index)

    @property
    def members(self) -> list[MemberState]:
        return self.model.members

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.members]

    @property
    def lead_index(self) -> int | None:
        return self.model.lead_index

    @property
    def before_last(self) -> dict[str, np.ndarray]:
        """name -> (R, measures) positions one round before the last (from the model's record)."""
        return self.model.record[-2]

    @property
    def crisis(self) -> Crisis:
        return self.model.crisis

    @property
    def rule(self) -> DecisionRule:
        return self.model.rule

    @property
    def outcome(self) -> np.ndarray:
        return self.decision.outcome

    @property
    def modal(self) -> int:
        """The most frequent outcome (the lower rung on a tie), as ``SimulationResult.modal_outcome``."""
        return modal_level(self.decision.outcome)

    def settle(self, stances: dict[int, np.ndarray] | None = None, rule: DecisionRule | None = None,
               ignore_agenda: bool = False) -> np.ndarray:
        """The outcome per replication for these stances (default: the actual ones) under ``rule``
        (default: the run's), by the council's own vote (``council.vote_on_rungs``)."""
        return vote_on_rungs(stances or self.stances, self.crisis, rule or self.rule, self.budget, self.is_lead,
                             self.is_party, ignore_agenda).outcome

    def release(self) -> None:
        """Free the model's arrays now (``simulate.release``) rather than at the next garbage collection; the
        internals are unusable afterwards."""
        release(self.model)


def run_internals(case: Case, replications: int, seed: int, params: Parameters | None = None,
                  rule: str | None = None, own: dict[str, float] | None = None) -> Internals:
    """Run ``case`` as ``simulate(case, replications, seed, rule, params=params)`` does, keeping the internals.

    ``own`` replaces named members' own assessments of every rung by a value before deliberation (what if
    this member's position alone were different); the random draws stay the same.
    """
    params = params or Parameters()
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    model = CouncilModel(case, params, replications, rule=rule, rng=rng, record=True)
    if own:
        model.set_own_assessments(own)
    decision = model.run_model()
    return Internals(case=case, params=params, seed=seed, replications=replications, model=model, decision=decision)


def with_stance(stances: dict[int, np.ndarray], member: int, stance: int,
                levels: tuple[int, ...] | None = None) -> dict[int, np.ndarray]:
    """A copy of ``stances`` with one member's stance set to ``stance`` on ``levels``."""
    out = {}
    for lvl, s in stances.items():
        if levels is None or lvl in levels:
            s = s.copy()
            s[:, member] = stance
        out[lvl] = s
    return out


def rules_for(names: list[str] | None = None) -> list[DecisionRule]:
    """The registered decision rules (or those named), in registry order."""
    return [get_rule(n) for n in (names or list(RULES))]


SUPPORT, OBJECT = int(Stance.SUPPORT), int(Stance.OBJECT)
