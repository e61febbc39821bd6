"""Decision rules: a registry of named rules, each with a description, its source and metadata.

A rule sees, for one tabled measure, every member's stance in every replication and says in which
replications the measure passes. Register a new rule with :func:`register`; ``csto-sim list`` shows
them all and a test checks each is documented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import did_you_mean
from .ladder import Stance


@dataclass(frozen=True)
class Ballot:
    """Stances on one measure: ``stances`` is (replications, members); the rest is per member."""

    stances: np.ndarray
    budget_share: np.ndarray
    is_lead: np.ndarray
    is_party: np.ndarray


@dataclass(frozen=True)
class DecisionRule:
    name: str
    description: str
    source: str
    veto_players: str  # who can block alone
    threshold: float | None  # share of votes or weight needed, where the rule counts
    weights: str | None  # what the votes are weighted by
    decide: Callable[[Ballot], np.ndarray]


RULES: dict[str, DecisionRule] = {}


def register(name: str, *, description: str, source: str, veto_players: str,
             threshold: float | None = None, weights: str | None = None):
    """Decorator: add a rule function ``Ballot -> bool array over replications`` to the registry."""
    def wrap(func: Callable[[Ballot], np.ndarray]) -> Callable[[Ballot], np.ndarray]:
        if name in RULES:
            raise ValueError(f"decision rule {name!r} registered twice")
        RULES[name] = DecisionRule(name, description, source, veto_players, threshold, weights, func)
        return func
    return wrap


def _in_favour(stances: np.ndarray) -> np.ndarray:
    """Votes for: support or acquiescence; a delaying member abstains; an objection is a vote against."""
    return stances >= Stance.ACQUIESCE


@register("consensus",
          description="Passes when no member formally objects; silence and delay are consent (the default).",
          source=("csto-charter-2002 Art. 12; S001; asbarez-2010-csto-not-to-send-peacekeepers; "
                  "armenianclub-2009-crrf-without-belarus; rferl-32697282"),
          veto_players="every member")
def consensus(b: Ballot) -> np.ndarray:
    return ~np.any(b.stances == Stance.OBJECT, axis=1)


@register("consensus_excluding_parties",
          description=("Consensus among the members that are not parties to the conflict "
                       "(the requester and the members named as parties)."),
          source="counterfactual rule (the parties' veto set aside)",
          veto_players="every member not party to the conflict")
def consensus_excluding_parties(b: Ballot) -> np.ndarray:
    return ~np.any((b.stances == Stance.OBJECT) & ~b.is_party[None, :], axis=1)


@register("simple_majority",
          description="Passes when more than half of the members vote for (delay counts as abstention).",
          source="counterfactual rule for comparison", veto_players="none", threshold=0.5)
def simple_majority(b: Ballot) -> np.ndarray:
    return _in_favour(b.stances).sum(axis=1) > 0.5 * b.stances.shape[1]


@register("qualified_majority_budget",
          description="Passes when members paying at least two thirds of the budget vote for.",
          source="counterfactual rule; S002 (budget shares)",
          veto_players="any coalition holding more than a third of the budget", threshold=2 / 3,
          weights="budget share")
def qualified_majority_budget(b: Ballot) -> np.ndarray:
    weights = b.budget_share / b.budget_share.sum()
    return (_in_favour(b.stances) * weights[None, :]).sum(axis=1) >= 2 / 3 - 1e-12


@register("lead_state_alone",
          description="The lead state (Russia in the CSTO) decides alone: passes when it supports.",
          source="counterfactual rule; S001 (Russia's 95% of military spending)",
          veto_players="the lead state")
def lead_state_alone(b: Ballot) -> np.ndarray:
    if not b.is_lead.any():
        return np.zeros(b.stances.shape[0], dtype=bool)
    return np.all(b.stances[:, b.is_lead] == Stance.SUPPORT, axis=1)


def get_rule(name: str) -> DecisionRule:
    """The rule of that name; KeyError names the allowed ones."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown decision rule {name!r}{did_you_mean(name, RULES)} (allowed: {', '.join(RULES)})") from None
