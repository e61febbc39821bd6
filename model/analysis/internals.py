"""One case run with its internals kept, and the council's decision replayed on altered stances.

``simulate`` returns what an analyst reads (outcomes, stances on the request, reasons); the analyses
need more: each member's stake components and cost terms, its own assessment and final position on
every rung, the positions one round before the last (to split deliberation into the lead state's pull
and the peers'), and the stances on every rung. :func:`run_internals` runs the model exactly as
``simulate`` does (same seed handling, same random draws in the same order; a test checks the outcomes
are identical) and keeps them.

:func:`settle` replays the council's agenda, rule and fall-back (``model/council.py``) on a dictionary
of stances, so that an analysis can ask "what if this member had objected" without rerunning the
members' deliberation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..council import Decision, decide, is_tabled
from ..ladder import Stance
from ..model import CouncilModel
from ..params import Parameters
from ..rules import Ballot, DecisionRule, get_rule
from ..scenario import Case

if TYPE_CHECKING:
    from ..agents import MemberState
    from ..crisis import Crisis


@dataclass
class Internals:
    """A run of one case with what the analyses need (members in the model's order, as in ``members``)."""

    case: Case
    params: Parameters
    seed: int
    replications: int
    model: CouncilModel
    decision: Decision
    members: list[MemberState]
    before_last: dict[str, np.ndarray]  # name -> (R, 3) positions after round rounds - 1
    stances: dict[int, np.ndarray]  # level -> (R, n) stances on that rung (Stance codes)
    lead_index: int | None
    budget: np.ndarray
    is_lead: np.ndarray
    is_party: np.ndarray

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.members]

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
        return int(np.argmax(np.bincount(self.decision.outcome, minlength=4)))

    def settle(self, stances: dict[int, np.ndarray] | None = None, rule: DecisionRule | None = None,
               ignore_agenda: bool = False) -> np.ndarray:
        """The outcome per replication for these stances (default: the actual ones) under ``rule``."""
        return settle(stances or self.stances, self.crisis, rule or self.rule, self.budget, self.is_lead,
                      self.is_party, self.lead_index, ignore_agenda)


def run_internals(case: Case, replications: int, seed: int, params: Parameters | None = None,
                  rule: str | None = None, own: dict[str, float] | None = None) -> Internals:
    """Run ``case`` as ``simulate(case, replications, seed, rule, params=params)`` does, keeping the internals.

    ``own`` replaces named members' own assessments of every rung by a value before deliberation (what if
    this member's position alone were different); the random draws stay the same.
    """
    params = params or Parameters()
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    model = CouncilModel(case, params, replications, rule=rule, rng=rng)
    if own:
        for m in model.members:
            if m.name in own:
                m.own = np.full((replications, 3), float(own[m.name]))
                m.position = m.own.copy()
        model._snapshot()  # round 0 again, with the replaced assessments
    # CouncilModel.run_model, with a snapshot of the positions before the last round.
    for _ in range(params.rounds - 1):
        model.step()
    before_last = {m.name: m.position for m in model.members}  # steps replace the arrays, never mutate them
    model.step()
    lead_index = model.members.index(model.lead) if model.lead is not None else None
    decision = decide(model.members, model.crisis, model.rule, model.params, model.rng, lead_index)
    model.decision = decision
    members = list(model.members)
    stances = {lvl: np.stack([m.stances(lvl) for m in members], axis=1) for lvl in (1, 2, 3)}
    return Internals(
        case=case, params=params, seed=seed, replications=replications, model=model, decision=decision,
        members=members, before_last=before_last, stances=stances, lead_index=lead_index,
        budget=np.array([m.profile.budget_share for m in members]),
        is_lead=np.array([i == lead_index for i in range(len(members))]),
        is_party=np.array([m.role in ("requester", "party") for m in members]))


def settle(stances: dict[int, np.ndarray], crisis: Crisis, rule: DecisionRule, budget: np.ndarray,
           is_lead: np.ndarray, is_party: np.ndarray, lead_index: int | None,
           ignore_agenda: bool = False) -> np.ndarray:
    """The council's agenda, rule and fall-back (``council.decide``) applied to ``stances``: the rung
    settled on in each replication. ``ignore_agenda`` tables every measure asked for whatever the lead
    state's stance (its agenda veto removed, its vote kept)."""
    R = next(iter(stances.values())).shape[0]
    outcome = np.zeros(R, dtype=np.int8)
    for lvl in (3, 2, 1):
        lead_stance = None if ignore_agenda or lead_index is None else stances[lvl][:, lead_index]
        on_table = is_tabled(lvl, crisis, lead_stance) & (outcome == 0)
        passes = rule.decide(Ballot(stances[lvl], budget, is_lead, is_party)) & on_table
        outcome = np.where(passes, lvl, outcome).astype(np.int8)
    return outcome


def with_stance(stances: dict[int, np.ndarray], member: int, stance: int,
                levels: tuple[int, ...] = (1, 2, 3)) -> dict[int, np.ndarray]:
    """A copy of ``stances`` with one member's stance set to ``stance`` on ``levels``."""
    out = {}
    for lvl, s in stances.items():
        if lvl in levels:
            s = s.copy()
            s[:, member] = stance
        out[lvl] = s
    return out


def rules_for(names: list[str] | None = None) -> list[DecisionRule]:
    """The registered decision rules (or those named), in registry order."""
    from ..rules import RULES

    return [get_rule(n) for n in (names or list(RULES))]


SUPPORT, OBJECT = int(Stance.SUPPORT), int(Stance.OBJECT)
