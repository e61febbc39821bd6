"""Voting power: formal indices of each decision rule next to each member's effective power in the council.

**Formal power.** Each registered decision rule is read as a simple game over the members on the
council at the case's date: a coalition wins when the rule passes a measure that its members support
and every other member objects to (``rule_game`` builds the winning coalitions from the rule's own
``decide`` function, so the game is the rule the model applies). Consensus is the unanimity game,
consensus excluding parties is unanimity among the non-parties (the requester and the parties are
dummies), simple majority needs more than n/2 members, the budget majority is the weighted game with
budget shares and a quota of two thirds of the budget, and "lead state alone" is the dictator game.
:func:`power_indices` enumerates the 2^n coalitions (n <= 16) and returns

- the **Shapley-Shubik** index (Shapley & Shubik 1954): the share of the n! orderings of the members in
  which a member turns a losing coalition into a winning one;
- the **normalised Banzhaf** index (Banzhaf 1965): a member's swings (coalitions that win with it and
  lose without it) over all members' swings; ``banzhaf_raw`` is the swings over 2^(n-1).

**Effective power** (:func:`effective_power`): in the simulated replications of a case, a member's
position *decided* the outcome when the rung the council settles on differs between the member firmly
favouring every rung and firmly opposing every rung, everything else as simulated: the other members'
own assessments, the perception noise, the deliberation (the lead state's pull and the peers'), the
agenda and the rule. "Firmly" is the model's own coding of a firm position, +/-(objection_threshold + 1)
(the requester's and parties' overrides, docs/ODD.md 7.13), put in place of the member's own assessment
before deliberation. This is a Banzhaf swing on the members' positions instead of on bare votes: a
dependent member whose firm objection is pulled back above the objection threshold by the lead state
does not decide anything, and a lead state that withholds its support keeps a rung off the table. The
requester is left out (its position is fixed by its request). Two narrower measures are reported next
to it: the **vote swing** (the member's stance on every rung switched between support and objection
with every other stance fixed: under consensus every member holds this veto), and, for the lead state,
its **agenda** power (replications in which a rung asked for was kept off the table because it did not
support it, and would have passed had it been tabled) and its **pull** (replications whose outcome would
differ without its pull on the members' positions, i.e. with ``influence`` = 0, same seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Any

import numpy as np

from ..ladder import Stance
from ..rules import Ballot, DecisionRule
from ..scenario import Case
from ..statistics import outcome_probabilities, rounded
from .internals import OBJECT, SUPPORT, Internals, rules_for, run_internals, with_stance

MAX_PLAYERS = 16


def coalitions(n: int) -> np.ndarray:
    """The 2^n coalitions of n players as a (2^n, n) boolean matrix; row k holds the players of bitmask k."""
    if not 0 <= n <= MAX_PLAYERS:
        raise ValueError(f"{n} players: at most {MAX_PLAYERS} can be enumerated")
    k = np.arange(2**n)[:, None]
    return ((k >> np.arange(n)[None, :]) & 1).astype(bool)


def weighted_game(weights: list[float] | np.ndarray, quota: float) -> np.ndarray:
    """Winning coalitions of the weighted majority game [quota; w_1, ..., w_n] (weight >= quota)."""
    w = np.asarray(weights, dtype=float)
    return coalitions(len(w)) @ w >= quota - 1e-12


def rule_game(rule: DecisionRule, budget: np.ndarray, is_lead: np.ndarray, is_party: np.ndarray) -> np.ndarray:
    """Winning coalitions of a decision rule: the rule passes when the coalition's members support and
    every other member objects (the rule's own ``decide`` function on one ballot per coalition)."""
    members = coalitions(len(budget))
    stances = np.where(members, int(Stance.SUPPORT), int(Stance.OBJECT)).astype(np.int8)
    return np.asarray(rule.decide(Ballot(stances, np.asarray(budget, dtype=float), np.asarray(is_lead),
                                         np.asarray(is_party))), dtype=bool)


def is_monotone(winning: np.ndarray, n: int) -> bool:
    """Whether adding a player to a winning coalition always keeps it winning (a simple game)."""
    idx = np.arange(2**n)
    return all(not np.any(winning[idx] & ~winning[idx | (1 << i)]) for i in range(n))


@dataclass(frozen=True)
class PowerIndices:
    shapley: np.ndarray
    banzhaf: np.ndarray  # normalised: sums to 1 (all zeros when nobody ever swings)
    banzhaf_raw: np.ndarray  # swings / 2^(n-1)
    swings: np.ndarray


def power_indices(winning: np.ndarray, n: int) -> PowerIndices:
    """Exact Shapley-Shubik and Banzhaf indices of the simple game whose winning coalitions (by bitmask)
    are ``winning``."""
    winning = np.asarray(winning, dtype=bool)
    if winning.shape != (2**n,):
        raise ValueError(f"expected {2**n} coalitions, got {winning.shape}")
    idx = np.arange(2**n)
    size = coalitions(n).sum(axis=1)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) if s < n else 0.0 for s in range(n + 1)])
    shapley, swings = np.zeros(n), np.zeros(n)
    for i in range(n):
        without = idx[(idx >> i) & 1 == 0]
        swing = winning[without | (1 << i)] & ~winning[without]
        swings[i] = swing.sum()
        shapley[i] = weight[size[without]][swing].sum()
    total = swings.sum()
    banzhaf = swings / total if total > 0 else np.zeros(n)
    raw = swings / 2 ** (n - 1) if n else swings
    return PowerIndices(shapley, banzhaf, raw, swings)


# --------------------------------------------------------------------------------------------------
# Effective power in the simulated council
# --------------------------------------------------------------------------------------------------

def vote_swing(it: Internals, rule: DecisionRule) -> np.ndarray:
    """(R, n) bool: in which replications each member's stance swung the vote under ``rule`` (the rung
    settled on differs between the member supporting and objecting to every rung, other stances fixed)."""
    out = np.zeros((it.replications, len(it.members)), dtype=bool)
    for i in range(len(it.members)):
        up = it.settle(with_stance(it.stances, i, SUPPORT), rule)
        down = it.settle(with_stance(it.stances, i, OBJECT), rule)
        out[:, i] = up != down
    return out


def agenda_power(it: Internals, rule: DecisionRule) -> float | None:
    """Share of replications in which the lead state's non-support kept off the table a rung that would
    have passed had it been tabled (None without a lead state)."""
    if it.lead_index is None:
        return None
    return float(np.mean(it.settle(rule=rule, ignore_agenda=True) > it.settle(rule=rule)))


def effective_power(case: Case, replications: int, seed: int, params: Any, rules: list[DecisionRule],
                    members: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """rule -> member -> (R,) bool: whether the member's position decided the outcome in each replication
    (firm support vs firm objection in place of its own assessment, everything else as simulated)."""
    firm = params.objection_threshold + 1.0
    out: dict[str, dict[str, np.ndarray]] = {r.name: {} for r in rules}
    for name in members:
        up = run_internals(case, replications, seed, params, own={name: firm})
        down = run_internals(case, replications, seed, params, own={name: -firm})
        for rule in rules:
            out[rule.name][name] = up.settle(rule=rule) != down.settle(rule=rule)
        up.release()
        down.release()
    return out


def power_report(case: Case, replications: int, seed: int, params: Any = None,
                 rules: list[str] | None = None) -> dict[str, Any]:
    """Formal and effective power of every member of ``case``'s council under every decision rule."""
    it = run_internals(case, replications, seed, params)
    params = it.params
    names = it.names
    order = np.argsort(names, kind="stable")
    n = len(names)
    requester = case.requester
    chosen = rules_for(rules)
    effective = effective_power(case, replications, seed, params, chosen, [m for m in names if m != requester])
    no_pull = None
    if it.lead_index is not None and params.influence > 0:
        no_pull = run_internals(case, replications, seed, params.replace(influence=0.0))
    out_rules = []
    for rule in chosen:
        game = rule_game(rule, it.budget, it.is_lead, it.is_party)
        idx = power_indices(game, n)
        base = it.settle(rule=rule)
        swing = vote_swing(it, rule)
        members = []
        for i in order:
            m = names[i]
            members.append({
                "member": m, "role": it.members[i].role,
                "shapley_shubik": round(float(idx.shapley[i]), 6), "banzhaf": round(float(idx.banzhaf[i]), 6),
                "banzhaf_raw": round(float(idx.banzhaf_raw[i]), 6),
                "vote_swing": None if m == requester else round(float(swing[:, i].mean()), 6),
                "effective": None if m == requester else round(float(effective[rule.name][m].mean()), 6),
            })
        entry: dict[str, Any] = {
            "rule": rule.name, "simple_game": bool(is_monotone(game, n)),
            "winning_coalitions": int(game.sum()),
            "outcome_probabilities": rounded(outcome_probabilities(base), 6),
            "members": members,
        }
        if it.lead_index is not None:
            entry["lead_state"] = {
                "member": names[it.lead_index],
                "agenda": round(agenda_power(it, rule) or 0.0, 6),
                "pull": None if no_pull is None else round(float(np.mean(no_pull.settle(rule=rule) != base)), 6),
            }
        out_rules.append(entry)
    for done in (it, no_pull):
        if done is not None:
            done.release()
    return {
        "scenario": case.id, "title": case.title, "organisation": case.organisation.name,
        "replications": replications, "seed": seed, "members": [names[i] for i in order],
        "requester": requester, "lead_state": case.organisation.lead_state,
        "default_rule": case.organisation.default_rule, "rules": out_rules,
    }


def format_power(rep: dict[str, Any]) -> str:
    lines = [f"Voting power: {rep['title']} [{rep['scenario']}], {len(rep['members'])} members "
             f"({rep['organisation']}), {rep['replications']:,} replications, seed {rep['seed']}",
             "  SS, Bz     formal Shapley-Shubik and normalised Banzhaf indices of the rule as a simple game over the "
             "roster",
             "  swing      share of replications in which switching the member's vote (support/objection on every rung)"
             " changes the outcome",
             "  effective  share in which the member's position alone decided the outcome: firm support vs firm "
             "objection in place",
             "             of its own assessment, through deliberation, agenda and rule (requester: fixed by its request)"]
    for r in rep["rules"]:
        probs = ", ".join(f"{lvl} {100 * p:.1f}%" for lvl, p in r["outcome_probabilities"].items() if p > 0)
        default = " (the organisation's rule)" if r["rule"] == rep["default_rule"] else ""
        lines += ["", f"{r['rule']}{default}: outcomes {probs}",
                  f"  {'member':<12} {'role':<10} {'SS':>6} {'Bz':>6}  {'swing':>7} {'effective':>9}"]
        for m in r["members"]:
            swing = "    -  " if m["vote_swing"] is None else f"{100 * m['vote_swing']:6.1f}%"
            eff = "      -  " if m["effective"] is None else f"{100 * m['effective']:8.1f}%"
            lines.append(f"  {m['member']:<12} {m['role']:<10} {m['shapley_shubik']:6.3f} {m['banzhaf']:6.3f}  "
                         f"{swing} {eff}")
        if "lead_state" in r:
            ls = r["lead_state"]
            pull = "-" if ls["pull"] is None else f"{100 * ls['pull']:.1f}%"
            lines.append(f"  {ls['member']}'s agenda power (a rung asked for kept off the table that would have passed): "
                         f"{100 * ls['agenda']:.1f}%; its pull (outcome differs without it): {pull}")
        if not r["simple_game"]:
            lines.append("  note: this rule is not monotone, so it is not a simple game; the indices are formal only")
    return "\n".join(lines)
