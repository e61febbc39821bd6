"""Where the council applies its rule: the agenda, the vote on each rung, the fall back down the ladder,
the days to decision and, on a deployment, each member's troops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .ladder import Level, Stance
from .rules import Ballot, DecisionRule

if TYPE_CHECKING:
    from .agents import MemberState
    from .crisis import Crisis
    from .params import Parameters


@dataclass(frozen=True)
class Decision:
    """What the council settled on in each replication (members in the model's member order)."""

    outcome: np.ndarray  # (R,) int8: the Level reached
    tabled: np.ndarray  # (R,) int8: the highest Level tabled (0: nothing tabled)
    days: np.ndarray  # (R,) float: days from request to decision; NaN when no measure passed
    stance: np.ndarray  # (R, n) int8: stance on the measure requested (Stance.ABSENT: no request)
    reason: np.ndarray  # (R, n) int8: dominant reason for that stance (code in agents.REASONS)
    objected: np.ndarray  # (R, n) bool: objected to the measure requested (tabled or not)
    vetoed: np.ndarray  # (R, n) bool: formally objected to a measure on the table
    contribution: np.ndarray  # (R, n) float32: troops sent (deployment only)


def is_tabled(level: int, crisis: Crisis, lead_stance: np.ndarray | None) -> np.ndarray:
    """Whether a measure reaches the table: there must be a request to the organisation for at least
    that much, and measures on the lead state's agenda need its support (S002: Russia supplies most of
    the troops; a deployment is tabled only with its support)."""
    asked = crisis.channel == "organisation" and level <= crisis.requested
    if not asked:
        return np.zeros(crisis.replications, dtype=bool)
    if level in crisis.agenda_levels and lead_stance is not None:
        return lead_stance == Stance.SUPPORT
    return np.ones(crisis.replications, dtype=bool)


def days_to_decision(outcome: np.ndarray, lead_support: np.ndarray, delays: np.ndarray, failed_rungs: np.ndarray,
                     readiness: float, p: Parameters) -> np.ndarray:
    """Days from the request to the decision: quick when the lead state is keen, plus the days each
    delaying member withholds consent, plus time lost on rungs that failed, plus mobilisation time
    without a ready force. Casebook: hours in 2022; about three days in 2010, Belarus delaying."""
    keen = np.exp(-p.urgency * np.clip(lead_support, 0.0, None))
    mobilise = (outcome == Level.DEPLOYMENT) * (1.0 - readiness) * p.delay_days
    days = p.base_days * keen + delays + failed_rungs * p.delay_days / 2.0 + mobilise
    return np.where(outcome > Level.NONE, days, np.nan)


def troop_contributions(severity: np.ndarray, force: float, pledges: np.ndarray, interest: np.ndarray,
                        stance: np.ndarray, is_requester: np.ndarray, p: Parameters) -> np.ndarray:
    """Troops per member on a deployment: the force sent grows with severity; each member's share
    follows its pledge to the collective force, its interest in the region, and its stance (a member
    that only acquiesces sends a symbolic unit). S002: Russia about 75% of the troops in 2022;
    casebook: the planned shares of the rapid reaction force."""
    total = force * p.force_fraction * severity
    weight = pledges[None, :] * interest[None, :] * np.select(
        [stance == Stance.SUPPORT, stance >= Stance.DELAY], [1.0, p.symbolic_share], 0.0)
    weight = weight * ~is_requester[None, :]
    norm = weight.sum(axis=1, keepdims=True)
    return np.where(norm > 0, total[:, None] * weight / np.where(norm > 0, norm, 1.0), 0.0)


def decide(members: Sequence[MemberState], crisis: Crisis, rule: DecisionRule, p: Parameters,
           rng: np.random.Generator, lead_index: int | None) -> Decision:
    """Table the measures, vote from the top rung down under ``rule``, and settle on the highest that
    passes (falling back down the ladder)."""
    R, n = crisis.replications, len(members)
    delay_draws = rng.exponential(1.0, size=(R, n)) * p.delay_days
    is_party = np.array([m.role in ("requester", "party") for m in members])
    is_lead = np.array([i == lead_index for i in range(n)])
    budget = np.array([m.profile.budget_share for m in members])
    stances = {lvl: np.stack([m.stances(lvl) for m in members], axis=1) for lvl in (3, 2, 1)}

    outcome = np.zeros(R, dtype=np.int8)
    tabled_top = np.zeros(R, dtype=np.int8)
    failed = np.zeros(R, dtype=np.int8)
    delays = np.zeros(R)
    vetoed = np.zeros((R, n), dtype=bool)
    for lvl in (3, 2, 1):
        lead_stance = stances[lvl][:, lead_index] if lead_index is not None else None
        on_table = is_tabled(lvl, crisis, lead_stance) & (outcome == 0)
        tabled_top = np.where(on_table & (tabled_top == 0), lvl, tabled_top)
        passes = rule.decide(Ballot(stances[lvl], budget, is_lead, is_party)) & on_table
        vetoed |= on_table[:, None] & (stances[lvl] == Stance.OBJECT)
        delays = np.where(passes, ((stances[lvl] == Stance.DELAY) * delay_draws).sum(axis=1), delays)
        failed += (on_table & ~passes).astype(np.int8)
        outcome = np.where(passes, lvl, outcome).astype(np.int8)

    # Who objected and why: each member's stance on the measure the requester asked for.
    asked = crisis.channel == "organisation"
    stance = (stances[crisis.requested] if asked else np.full((R, n), Stance.ABSENT)).astype(np.int8)
    requested = np.full(R, crisis.requested)
    reason = np.stack([m.reasons(requested, stance[:, i]) for i, m in enumerate(members)], axis=1)

    lead_support = (members[lead_index].position[np.arange(R), np.clip(outcome, 1, 3) - 1]
                    if lead_index is not None else np.zeros(R))
    days = days_to_decision(outcome, lead_support, delays, failed, crisis.readiness, p)

    contribution = np.zeros((R, n), dtype=np.float32)
    deployed = outcome == Level.DEPLOYMENT
    if deployed.any():
        interest = np.array([m.interest for m in members])
        pledges = np.array([m.profile.force_pledge for m in members])
        is_requester = np.array([m.role == "requester" for m in members])
        troops = troop_contributions(crisis.severity[deployed], crisis.force, pledges, interest,
                                     stances[3][deployed], is_requester, p)
        contribution[deployed] = troops
    return Decision(outcome, tabled_top, days, stance, reason, stance == Stance.OBJECT, vetoed, contribution)
