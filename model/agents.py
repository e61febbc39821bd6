"""Where members decide: one Mesa agent per member state on the council.

Each agent holds its state as arrays over the replications a model runs at once: its own assessment
of each measure (consultations, assistance, deployment) and its current position, revised each round.
The agent methods only call the mechanisms of ``model/mechanisms.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from . import mechanisms as mech
from .ladder import Level, Stance

if TYPE_CHECKING:
    from .model import CouncilModel
    from .scenario import MemberProfile

#: Why a member took its stance (the dominant term of its utility, or its role).
REASONS: tuple[str, ...] = (
    "requester", "party to the conflict", "lead state's influence",
    # benefits
    "regional threat", "shared border", "spillover", "regime contagion", "treaty obligation", "strategic value",
    # costs
    "cost of action", "no legal mandate", "sovereignty precedent", "cross-pressure",
    "doubtful legitimacy", "no ready force", "courted adversary", "competing commitments",
)
BENEFIT_REASONS = REASONS[3:9]
COST_REASONS = REASONS[9:]
REASON_CODE = {name: i for i, name in enumerate(REASONS)}

class MemberState(mesa.Agent):
    """A member state on the council: assesses the crisis, revises its position, takes a stance."""

    def __init__(self, model: CouncilModel, profile: MemberProfile, role: str):
        super().__init__(model)
        self.profile = profile
        self.name = profile.name
        self.role = role
        self.pull = 0.0  # how far the lead state's position pulls this member per round
        self.interest = 0.0  # interest in the requester's region (1 inside it)
        self.own: np.ndarray  # (replications, 3) own utility of each measure
        self.position: np.ndarray  # (replications, 3) current position, revised each round
        self._next: np.ndarray
        self.benefit_terms: dict[str, np.ndarray] = {}  # name -> (replications,) stake component
        self.cost_terms: np.ndarray  # (3, len(COST_REASONS)) cost of each measure by term

    # -- the protocol --------------------------------------------------------------------------

    def assess(self) -> None:
        """Form its own assessment of each measure from the crisis facts and its own attributes."""
        model, crisis, p = self.model, self.model.crisis, self.model.params
        prof = self.profile
        interest = mech.regional_interest(prof.regions, crisis.requester_regions, p.out_of_region_interest)
        self.interest = interest
        insecurity = mech.REGIME_INSECURITY[prof.regime]
        shares_border = crisis.requester is not None and crisis.requester in prof.neighbours
        terms = mech.threat_components(
            crisis.severity, interest, shares_border, prof.name in crisis.spillover_to, crisis.regime_threat,
            insecurity, w_region=p.w_region, w_border=p.w_border, w_spillover=p.w_spillover,
            w_contagion=p.w_contagion, threat_scale=p.threat_scale)
        terms["treaty obligation"] = np.full_like(
            crisis.severity, mech.treaty_obligation(crisis.mandate, w_obligation=p.w_obligation))
        terms["strategic value"] = (
            mech.strategic_stake(crisis.strategic_value, crisis.severity, crisis.regime_threat, w_strategic=p.w_strategic)
            if self.role == "lead" else np.zeros_like(crisis.severity))
        self.benefit_terms = terms
        stake = sum(terms.values()) + model.perception_noise[self] + model.case.stake_shifts.get(self.name, 0.0)
        self.cost_terms = np.array([self._costs(m) for m in model.case.organisation.measures])
        costs = self.cost_terms.sum(axis=1)
        self.own = np.stack([mech.measure_utility(stake, m.benefit, costs[i])
                             for i, m in enumerate(model.case.organisation.measures)], axis=1)
        if self.role == "requester":
            unasked = np.arange(1, 4) > crisis.requested
            self.own[:, ~unasked] = np.maximum(self.own[:, ~unasked], 0.1)  # it supports what it asked for
            self.own[:, unasked] = -(p.objection_threshold + 1.0)  # and objects to what it did not
        elif self.role == "party":
            sides = np.array([m.sidetaking >= 0.5 for m in model.case.organisation.measures])
            self.own[:, sides] = -(p.objection_threshold + 1.0)
        if self.role == "member" and model.lead is not None:
            self.pull = p.influence * prof.dependence
        self.position = self.own.copy()

    def _costs(self, measure) -> list[float]:
        """Cost of one measure to this member, by term, in the order of COST_REASONS."""
        crisis, p, prof = self.model.crisis, self.model.params, self.profile
        is_lead, is_requester = self.role == "lead", self.role == "requester"
        insecurity = mech.REGIME_INSECURITY[prof.regime]
        is_deployment = measure.level == Level.DEPLOYMENT
        ties = (prof.tie_to(crisis.adversary), max((prof.tie_to(s) for s in crisis.patrons), default=0.0))
        return [
            mech.action_cost(measure.intrusiveness, self.model.burden[self.name], action_cost_weight=p.action_cost),
            mech.legal_cost(crisis.mandate, measure.legal_need, crisis.legal_relief * is_deployment,
                            w_legal=p.w_legal, jurisdiction_relief=p.jurisdiction_relief),
            0.0 if is_lead or is_requester else mech.precedent_cost(
                prof.dependence, crisis.internality, measure.intrusiveness, w_sovereignty=p.w_sovereignty),
            mech.cross_pressure(*ties, measure.sidetaking, w_cross_pressure=p.w_cross_pressure),
            mech.legitimacy_cost(crisis.legitimacy_deficit, insecurity, measure.intrusiveness,
                                 w_legitimacy=p.w_legitimacy),
            mech.capability_gap_cost(crisis.readiness, measure.intrusiveness * is_deployment,
                                     capability_cost=p.capability_cost),
            mech.adversary_cost(crisis.lead_relation, measure.sidetaking, w_adversary=p.w_adversary)
            if is_lead and crisis.adversary is not None else 0.0,
            mech.commitments_cost(crisis.commitments, measure.intrusiveness, w_commitments=p.w_commitments)
            if is_lead else 0.0,
        ]

    def revise_position(self) -> None:
        """Revise from its own assessment, the lead state's and the others' positions of the last round."""
        if self.role in ("requester", "party"):
            self._next = self.position
            return
        model = self.model
        lead = model.last_positions[model.lead] if model.lead is not None and self.role != "lead" else 0.0
        peers = model.peer_mean(self)
        self._next = mech.revised_position(self.own, lead, peers, self.pull, model.params.peer_weight)

    def commit_position(self) -> None:
        """Adopt the revised position (all members at once: simultaneous updating)."""
        self.position = self._next

    # -- reading the result ----------------------------------------------------------------------

    def stances(self, level: int) -> np.ndarray:
        """Stance on the measure at ``level`` in every replication (int8 codes of Stance)."""
        p = self.model.params
        return mech.stance_from_utility(self.position[:, level - 1], p.objection_threshold, p.delay_threshold)

    def reasons(self, level: np.ndarray, stance: np.ndarray) -> np.ndarray:
        """The dominant reason (code in REASONS) for this member's stance on ``level`` per replication."""
        if self.role == "requester":
            return np.full(stance.shape, REASON_CODE["requester"], dtype=np.int8)
        if self.role == "party":
            return np.full(stance.shape, REASON_CODE["party to the conflict"], dtype=np.int8)
        idx = np.clip(level, 1, 3) - 1
        benefit = np.stack([self.benefit_terms[name] for name in BENEFIT_REASONS], axis=1)
        best_benefit = np.argmax(benefit, axis=1) + REASON_CODE[BENEFIT_REASONS[0]]
        best_cost = np.argmax(self.cost_terms, axis=1)[idx] + REASON_CODE[COST_REASONS[0]]
        own_stance = mech.stance_from_utility(self.own[np.arange(len(idx)), idx],
                                              self.model.params.objection_threshold,
                                              self.model.params.delay_threshold)
        out = np.where(stance == Stance.SUPPORT, best_benefit, best_cost)
        out = np.where((stance > own_stance) & (self.pull > 0), REASON_CODE["lead state's influence"], out)
        return out.astype(np.int8)
