"""Explanation of one case: what each mechanism contributes, who is pivotal, and what would have changed it.

**Contributions** (:func:`contributions`). A member's final position on a rung is an exact sum: its own
utility, ``b * (sum of stake components + noise + what-if shift) - sum of cost terms`` (docs/ODD.md 7.13),
plus the role override (the requester supports what it asked for; parties object to taking sides),
plus what deliberation added. Deliberation's share is split exactly, from the positions one round before
the last: ``x(T) - u = pull * (x_lead(T-1) - u) + peer_weight * (peer mean(T-1) - u)``, the lead state's
pull and the peers' (docs/ODD.md 7.14). The table gives the mean of each term over the replications.

**Pivotal members** (:func:`pivotal`). On the modal outcome's rung, the share of replications in which
this member objecting (alone, the others' stances as simulated) would bring the outcome down; on the
next rung up (if asked for), the share in which its support would lift it; and the share in which its
position alone decides the outcome once deliberation is taken into account (``power.effective_power``:
firm support against firm objection in place of its own assessment, so a member pulled along by the
lead state decides little). The lead state's agenda power is reported as such: the share of
replications in which a rung asked for was not tabled because the lead state did not support it, and
the share in which it would then have passed.

**Counterfactuals** (:func:`counterfactuals`). Single changes of the case: each other allowed value of
each categorical fact (``model.scenario.CATEGORIES``), the death toll scaled, the requester's strategic
value, an adversary, its patrons or the parties removed, and one member's perception (a ``stake_shift``,
as in a what-if file's ``overrides.perceptions``). Each is simulated with the same seed (common random
numbers), and the changes whose modal outcome differs from the case's are ranked by their size:

- a categorical fact: 1 per step along an ordered scale (``threat.scope``: local, regional, nationwide;
  ``threat.regime_threat``; ``request.measure``; ``threat.territory``: de_jure, contested, not_own;
  ``government.legitimacy``: constitutional, contested, interim; ``adversary.lead_state_relation``:
  ally, partner, neutral, hostile; ``lead_state.competing_commitments``), 1 for any change of an
  unordered one (``request.framing``, ``request.channel``, ``threat.origin``);
- the death toll: the change in orders of magnitude, |log10((1 + new) / (1 + old))| (severity grows with
  the log of the toll, docs/ODD.md 7.1);
- the requester's strategic value: |change| / 0.25;
- removing the adversary, its patrons or the parties: 1;
- when nobody asked: a request by one member to the organisation (``request.by`` and ``request.channel``
  together): 1;
- a stake shift: its magnitude |shift| (in units of stake: 1 is the regional threat of the most severe
  crisis to a member of the requester's region).

With ``target``, the search looks for changes that reach that rung, tries pairs of fact changes when no
single change does (distance: the sum, at most 3), and failing that runs a small beam search over
combinations of fact changes (:func:`greedy_path`). Changes
that move the odds by at least 0.1 of a rung without changing the modal outcome are listed as well.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..agents import MemberState
from ..errors import InputError
from ..ladder import LEVELS, STANCES, Stance
from ..mechanisms import revision_weights
from ..params import Parameters
from ..posterior import Posterior, run_with
from ..progress import steps
from ..scenario import CATEGORIES, Case, with_facts
from ..statistics import expected_level, outcome_probabilities, rounded
from ..tables import interval_note, text_table, with_interval
from ..terms import BENEFITS, COSTS
from .internals import OBJECT, SUPPORT, Internals, run_internals, with_stance

#: Categorical facts whose values are ordered (distance: steps along the order).
ORDERED: dict[str, tuple[str, ...]] = {name: CATEGORIES[name] for name in (
    "request.measure", "threat.territory", "threat.scope", "threat.regime_threat", "government.legitimacy",
    "adversary.lead_state_relation", "lead_state.competing_commitments")}
DEATH_SCALES = (0.1, 0.5, 2.0, 10.0)
DEATHS_FROM_ZERO = (10.0, 100.0, 1000.0)
STRATEGIC_VALUES = (0.0, 0.25, 0.5, 0.75, 1.0)
STAKE_SHIFTS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
EXTRA_TERMS = ("perception noise", "what-if stake shift")
DELIBERATION_TERMS = ("role override", "lead state's pull", "peers")


# --------------------------------------------------------------------------------------------------
# Contributions
# --------------------------------------------------------------------------------------------------

def contributions(it: Internals) -> dict[str, dict[str, Any]]:
    """Per member: the mean contribution of every term to its position on each rung (consultations,
    mission, assistance, deployment), its own assessment and final position, and its stance shares."""
    benefit = np.array([m.benefit for m in it.case.organisation.measures])
    out: dict[str, dict[str, Any]] = {}
    for m in it.members:
        terms = _terms(it, m, benefit)
        stances = {}
        for lvl in range(1, len(LEVELS)):
            counts = np.bincount(m.stances(lvl), minlength=len(STANCES)) / it.replications
            stances[LEVELS[lvl]] = {name: round(float(c), 6) for name, c in zip(STANCES, counts, strict=True)}
        out[m.name] = {
            "role": m.role, "pull": round(float(m.pull), 6), "interest": round(float(m.interest), 6),
            "terms": {k: [round(float(x), 6) for x in v] for k, v in terms.items()},
            "own": [round(float(x), 6) for x in m.own.mean(axis=0)],
            "final": [round(float(x), 6) for x in m.position.mean(axis=0)],
            "stances": stances,
        }
    return dict(sorted(out.items()))


def _terms(it: Internals, m: MemberState, benefit: np.ndarray) -> dict[str, np.ndarray]:
    """The mean of each term of one member's position on each rung: the registry's benefit terms (times the
    measure's benefit), noise and what-if shift, the cost terms, the role override and deliberation."""
    terms = {t.name: benefit * float(np.mean(m.benefit_terms[t.name])) for t in BENEFITS}
    terms["perception noise"] = benefit * float(np.mean(it.model.perception_noise[m]))
    terms["what-if stake shift"] = benefit * float(it.case.stake_shifts.get(m.name, 0.0))
    for k, t in enumerate(COSTS):
        terms[t.name] = -m.cost_terms[:, k]
    terms["role override"] = m.own.mean(axis=0) - sum(terms.values())
    terms.update(_deliberation(it, m))
    return terms


def _deliberation(it: Internals, m: MemberState) -> dict[str, np.ndarray]:
    """What deliberation added, split exactly from the positions one round before the last (the model's
    record): ``x(T) - u = pull * (x_lead(T-1) - u) + peer_weight * (peer mean(T-1) - u)``."""
    if m.role in ("requester", "party", "ally"):
        return {"lead state's pull": np.zeros(m.own.shape[1]), "peers": np.zeros(m.own.shape[1])}
    pull, peer = revision_weights(m.pull, it.params.peer_weight)
    lead_prev, peers_prev = it.model.lead_position(m, -2), it.model.peer_mean(m, -2)
    return {"lead state's pull": (pull * (lead_prev - m.own)).mean(axis=0),
            "peers": (peer * (peers_prev - m.own)).mean(axis=0)}


# --------------------------------------------------------------------------------------------------
# Pivotal members and the agenda
# --------------------------------------------------------------------------------------------------

def pivotal(it: Internals) -> dict[str, Any]:
    """Who could have moved the outcome alone: objecting on the modal rung, supporting the next one up;
    and the lead state's agenda power."""
    modal, outcome, crisis = it.modal, it.outcome, it.crisis
    asked = crisis.requested if crisis.channel == "organisation" else 0
    res: dict[str, Any] = {"modal": LEVELS[modal], "requested": LEVELS[crisis.requested], "channel": crisis.channel,
                           "down": None, "up": None, "agenda": []}
    names = it.names
    requester = it.case.requester
    if asked == 0:
        res["note"] = (f"no request to the organisation (request.channel: {crisis.channel}): nothing is tabled, "
                       "so no member's stance can change the outcome")
        return res
    if modal >= 1:
        down = {}
        for i, name in enumerate(names):
            if name == requester:
                continue
            alt = it.settle(with_stance(it.stances, i, OBJECT, (modal,)))
            down[name] = round(float(np.mean(alt < outcome)), 6)
        res["down"] = {"rung": LEVELS[modal], "members": dict(sorted(down.items(), key=lambda kv: (-kv[1], kv[0])))}
    if modal + 1 <= asked:
        up = {}
        for i, name in enumerate(names):
            if name == requester:
                continue
            alt = it.settle(with_stance(it.stances, i, SUPPORT, (modal + 1,)))
            up[name] = round(float(np.mean(alt > outcome)), 6)
        res["up"] = {"rung": LEVELS[modal + 1], "members": dict(sorted(up.items(), key=lambda kv: (-kv[1], kv[0])))}
    from .power import effective_power

    eff = effective_power(it.case, it.replications, it.seed, it.params, [it.rule],
                          [n for n in names if n != requester])[it.rule.name]
    res["position"] = dict(sorted(((m, round(float(v.mean()), 6)) for m, v in eff.items()),
                                  key=lambda kv: (-kv[1], kv[0])))
    if it.lead_index is not None:
        free = it.settle(ignore_agenda=True)
        for lvl in sorted(crisis.agenda_levels, reverse=True):
            if lvl > asked:
                continue
            not_support = it.stances[lvl][:, it.lead_index] != Stance.SUPPORT
            res["agenda"].append({
                "rung": LEVELS[lvl], "lead_state": names[it.lead_index],
                "kept_off": round(float(np.mean(not_support)), 6),
                "would_have_passed": round(float(np.mean(not_support & (free >= lvl) & (outcome < lvl))), 6),
            })
    return res


# --------------------------------------------------------------------------------------------------
# Counterfactuals
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One change of a case: a fact's new value, or a shift of one member's perceived stake."""

    kind: str  # "fact" | "perception" | "request" (a request by member ``name`` through channel ``value``)
    name: str  # the fact, or the member
    value: Any
    distance: float
    label: str

    def apply(self, case: Case) -> Case:
        if self.kind == "perception":
            shifts = dict(case.stake_shifts)
            shifts[self.name] = shifts.get(self.name, 0.0) + float(self.value)
            return dataclasses.replace(case, kind="what-if", observed=None, stake_shifts=shifts)
        if self.kind == "request":
            return with_facts(case, {"request.by": self.name, "request.channel": self.value}, source="counterfactual")
        return with_facts(case, {self.name: self.value}, source="counterfactual")

    def facts(self) -> dict[str, Any]:
        """The fact changes (a request by a member sets two facts)."""
        if self.kind == "request":
            return {"request.by": self.name, "request.channel": self.value}
        return {self.name: self.value}


def _step_distance(name: str, old: str, new: str) -> float:
    order = ORDERED.get(name)
    return float(abs(order.index(new) - order.index(old))) if order else 1.0


def _deaths_central(case: Case) -> float:
    f = case.facts["threat.deaths"]
    return float(f.central)


def fact_changes(case: Case, strategic_value: float | None) -> list[Change]:
    """Every single change of the case's facts considered by the search (not yet checked for validity)."""
    out: list[Change] = []
    for name, options in CATEGORIES.items():
        old = case.value(name)
        for new in options:
            if new != old:
                out.append(Change("fact", name, new, _step_distance(name, old, new), f"{name} {new}"))
    f = case.facts["threat.deaths"]
    old = _deaths_central(case)
    if old > 0:
        for k in DEATH_SCALES:
            value = (f.low * k, f.high * k) if f.is_range else f.value * k
            new = old * k
            out.append(Change("fact", "threat.deaths", value, abs(math.log10((1 + new) / (1 + old))),
                              f"threat.deaths x{k:g} ({new:,.0f})"))
    else:
        for new in DEATHS_FROM_ZERO:
            out.append(Change("fact", "threat.deaths", new, abs(math.log10((1 + new) / (1 + old))),
                              f"threat.deaths {new:,.0f}"))
    if case.requester is not None and strategic_value is not None:
        for v in STRATEGIC_VALUES:
            if abs(v - strategic_value) > 0.05:
                out.append(Change("fact", "lead_state.strategic_value", v, abs(v - strategic_value) / 0.25,
                                  f"requester's strategic value {v:g} (was {strategic_value:.2f})"))
    if case.requester is None:  # nobody asked: a request by one member (to the organisation) is one change
        for member in sorted(m.name for m in case.roster):
            out.append(Change("request", member, "organisation", 1.0, f"a request by {member} to the organisation"))
    if case.value("adversary.name") is not None:
        out.append(Change("fact", "adversary.name", None, 1.0, "no adversary named"))
    for name, label in (("adversary.patrons", "no patrons of the adversary"), ("threat.parties", "no parties"),
                        ("threat.spillover_to", "no spillover")):
        if case.value(name):
            out.append(Change("fact", name, [], 1.0, label))
    return out


def _valid(case: Case, change: Change) -> Case | None:
    try:
        return change.apply(case)
    except InputError:
        return None


@dataclass
class Evaluated:
    change: tuple[Change, ...]
    probabilities: dict[str, float]
    modal: str
    intervals: dict[str, dict[str, float]] | None = None  # each rung's probability's interval (statistics.py)

    @property
    def distance(self) -> float:
        return sum(c.distance for c in self.change)

    @property
    def label(self) -> str:
        return " and ".join(c.label for c in self.change)

    def to_dict(self) -> dict[str, Any]:
        return {"changes": [{"kind": c.kind, "name": c.name, "value": c.value, "distance": round(c.distance, 6),
                             "label": c.label} for c in self.change],
                "distance": round(self.distance, 6), "modal": self.modal,
                "probability": self.probabilities[self.modal],
                "interval": self.intervals[self.modal] if self.intervals else None,
                "outcome_probabilities": self.probabilities, "outcome_intervals": self.intervals}


Evaluation = tuple[dict[str, float], str, dict[str, dict[str, float]]]  # probabilities, modal outcome, intervals


def _run(case: Case, replications: int, seed: int, rule: str | None, params: Parameters,
         posterior: Posterior | None = None) -> Evaluation:
    res = run_with(case, replications, seed, posterior, rule=rule, params=params, overrides=_changed(params))
    return res.outcome_probabilities, res.modal_outcome, res.outcome_intervals


def _changed(params: Parameters) -> dict[str, Any]:
    """The parameters that differ from the defaults (fixed on every set drawn from a posterior)."""
    defaults = Parameters()
    return {n: v for n, v in params.as_dict().items() if v != getattr(defaults, n)}


Runner = Callable[[Case], Evaluation]


def counterfactuals(case: Case, replications: int, seed: int, rule: str | None = None, params: Parameters | None = None,
                    target: str | None = None, strategic_value: float | None = None,
                    posterior: Posterior | None = None) -> dict[str, Any]:
    """Single changes that change the modal outcome (or reach ``target``), smallest first; with ``posterior``,
    each evaluation integrates over it (the same draws for every change: common random numbers)."""
    params = params or Parameters()

    def run(alt: Case) -> Evaluation:
        return _run(alt, replications, seed, rule, params, posterior)

    base_probs, base_modal, base_intervals = run(case)

    def hit(e: Evaluated) -> bool:
        return e.modal == target if target else e.modal != base_modal

    valid_facts = [(ch, alt) for ch in fact_changes(case, strategic_value) if (alt := _valid(case, ch)) is not None]
    evaluated = [Evaluated((ch,), *run(alt)) for ch, alt in steps(valid_facts, "explain: fact changes",
                                                                   len(valid_facts), " changes")]
    shifts, shifts_tried = _stake_shifts(case, run, hit)
    evaluated += shifts
    flips = _ranked([e for e in evaluated if hit(e)])
    pairs_tried = 0
    if target and not flips:
        flips, pairs_tried = _pairs(case, valid_facts, run, hit)
    path = greedy_path(case, valid_facts, target, replications, seed, rule, params,
                       posterior=posterior) if target and not flips else None
    up = [e for e in flips if LEVELS.index(e.modal) > LEVELS.index(base_modal)]
    down = [e for e in flips if LEVELS.index(e.modal) < LEVELS.index(base_modal)]
    return {
        "base": {"modal": base_modal, "outcome_probabilities": base_probs, "outcome_intervals": base_intervals},
        "target": target, "tried": len(valid_facts) + shifts_tried, "pairs_tried": pairs_tried,
        "flips": [e.to_dict() for e in flips],
        "smallest_up": up[0].to_dict() if up else None,
        "smallest_down": down[0].to_dict() if down else None,
        "movers": _movers(evaluated, base_probs, base_modal),
        "greedy_path": path,
    }


def _ranked(flips: list[Evaluated]) -> list[Evaluated]:
    return sorted(flips, key=lambda e: (e.distance, -e.probabilities[e.modal], e.label))


def _stake_shifts(case: Case, run: Runner, hit: Callable[[Evaluated], bool]) -> tuple[list[Evaluated], int]:
    """For each member but the requester, each sign: the smallest stake shift that hits (and how many were run)."""
    found, tried = [], 0
    for member in sorted(m.name for m in case.roster if m.name != case.requester):
        for sign in (1.0, -1.0):
            for size in STAKE_SHIFTS:
                ch = Change("perception", member, sign * size, size, f"{member}'s stake {sign * size:+g}")
                e = Evaluated((ch,), *run(ch.apply(case)))
                tried += 1
                if hit(e):
                    found.append(e)
                    break
    return found, tried


def _pairs(case: Case, valid_facts: list[tuple[Change, Case]], run: Runner,
           hit: Callable[[Evaluated], bool]) -> tuple[list[Evaluated], int]:
    """Pairs of fact changes on different facts, at most 3 apart in all, that hit (ranked), and how many were run."""
    flips, tried = [], 0
    for (c1, _), (c2, _) in itertools.combinations(valid_facts, 2):
        if set(c1.facts()) & set(c2.facts()) or c1.distance + c2.distance > 3.0:
            continue
        try:
            alt = with_facts(case, {**c1.facts(), **c2.facts()}, source="counterfactual")
        except InputError:
            continue
        e = Evaluated((c1, c2), *run(alt))
        tried += 1
        if hit(e):
            flips.append(e)
    return _ranked(flips), tried


def _movers(evaluated: list[Evaluated], base_probs: dict[str, float], base_modal: str) -> list[dict[str, Any]]:
    """The three fact changes that move the expected rung most (at least 0.1) without changing the modal outcome."""
    base_level = expected_level(base_probs)
    movers = sorted((e for e in evaluated if e.modal == base_modal and e.change[0].kind != "perception"),
                    key=lambda e: (-abs(expected_level(e.probabilities) - base_level), e.distance, e.label))
    movers = [e for e in movers if abs(expected_level(e.probabilities) - base_level) >= 0.1][:3]
    return [{**e.to_dict(), "expected_level": round(expected_level(e.probabilities), 6)} for e in movers]


#: changes, outcome probabilities, modal outcome, intervals
Combination = tuple[tuple[Change, ...], dict[str, float], str, dict[str, dict[str, float]]]


def greedy_path(case: Case, singles: list[tuple[Change, Case]], target: str, replications: int, seed: int,
                rule: str | None, params: Parameters, max_steps: int = 3, beam: int = 6,
                posterior: Posterior | None = None) -> dict[str, Any]:
    """When no single change or pair reaches ``target``: a beam search over combinations of fact changes.
    A rung above the one asked for cannot be reached, so the request is first put to the organisation for
    at least ``target`` (these changes count in the distance); then up to ``max_steps`` more changes are
    added one at a time, keeping the ``beam`` combinations closest to the target in expected rung (ties:
    the higher probability of the target, the smaller distance). The first depth at which a combination
    reaches the target returns the smallest such combination."""
    goal = LEVELS.index(target)
    if goal > 0 and case.requester is None:
        return {"target": target, "reached": False, "distance": None, "changes": [], "modal": None, "probability": None,
                "interval": None, "outcome_probabilities": None, "outcome_intervals": None,
                "note": "nobody asked: see the single changes 'a request by ...'"}
    prereq = _prerequisites(case, target)
    facts = {ch.name: ch.value for ch in prereq}
    fixed = {"request.channel", "request.measure", "request.by"} if prereq else set()

    def evaluate(changes: tuple[Change, ...]) -> Evaluation | None:
        try:
            alt = with_facts(case, {**facts, **{k: v for c in changes for k, v in c.facts().items()}},
                             source="counterfactual")
        except InputError:
            return None
        return _run(alt, replications, seed, rule, params, posterior)

    found = _beam_search(evaluate, singles, fixed, target, max_steps, beam)
    changes = tuple(prereq) + (found[0] if found else ())
    probs, modal, intervals = (found[1], found[2], found[3]) if found else (None, None, None)
    return {"target": target, "reached": modal == target, "distance": round(sum(c.distance for c in changes), 6),
            "changes": [c.label for c in changes], "modal": modal,
            "probability": probs[modal] if probs else None, "interval": intervals[modal] if intervals else None,
            "outcome_probabilities": probs, "outcome_intervals": intervals}


def _prerequisites(case: Case, target: str) -> list[Change]:
    """The changes without which ``target`` cannot be reached: a request to the organisation for at least it."""
    goal = LEVELS.index(target)
    prereq: list[Change] = []
    if goal > 0 and case.value("request.channel") != "organisation":
        prereq.append(Change("fact", "request.channel", "organisation", 1.0, "request.channel organisation"))
    if goal > 0 and LEVELS.index(case.value("request.measure")) < goal:
        prereq.append(Change("fact", "request.measure", target,
                             _step_distance("request.measure", case.value("request.measure"), target),
                             f"request.measure {target}"))
    return prereq


def _beam_search(evaluate: Callable[[tuple[Change, ...]], Evaluation | None],
                 singles: list[tuple[Change, Case]], fixed: set[str], target: str, max_steps: int,
                 beam: int) -> Combination | None:
    """The smallest combination that reaches ``target`` at the first depth where one does, else the closest."""
    goal = LEVELS.index(target)

    def score(x: Combination) -> tuple[float, float, float]:
        return (-abs(expected_level(x[1]) - goal), x[1][target], -sum(c.distance for c in x[0]))

    start = evaluate(())
    frontier: list[Combination] = [((), *start)] if start else []
    if start and start[1] == target:
        return frontier[0]
    for _ in range(max_steps):
        if not frontier:
            break
        nxt = _extend(frontier, singles, fixed, evaluate)
        hits = [x for x in nxt if x[2] == target]
        if hits:
            return min(hits, key=lambda x: (sum(c.distance for c in x[0]), -x[1][target], [c.label for c in x[0]]))
        frontier = sorted(nxt, key=score, reverse=True)[:beam]
    return max(frontier, key=score) if frontier else None


def _extend(frontier: list[Combination], singles: list[tuple[Change, Case]], fixed: set[str],
            evaluate: Callable[[tuple[Change, ...]], Evaluation | None]) -> list[Combination]:
    """Every combination of the frontier with one more single change (on a fact it does not change yet)."""
    nxt: list[Combination] = []
    seen = set()
    for changes, *_ in frontier:
        names = {k for c in changes for k in c.facts()} | fixed
        for ch, _alt in singles:
            if set(ch.facts()) & names:
                continue
            combo = tuple(sorted(changes + (ch,), key=lambda c: c.label))
            key = tuple(c.label for c in combo)
            if key in seen:
                continue
            seen.add(key)
            res = evaluate(combo)
            if res is not None:
                nxt.append((combo, *res))
    return nxt


# --------------------------------------------------------------------------------------------------
# The whole explanation
# --------------------------------------------------------------------------------------------------

def explain(case: Case, replications: int, seed: int, rule: str | None = None, params: Parameters | None = None,
            target: str | None = None, search: bool = True, posterior: Posterior | None = None) -> dict[str, Any]:
    """The explanation of one case. The outcome probabilities (with their intervals) and the counterfactual search
    integrate over ``posterior`` when given and over the case's alternative codings; the contributions and pivotal
    members (one model's internals) are those of the posterior's set of highest weight, with ``params``' changes
    on top, and of the main coding."""
    params = params or Parameters()
    internal = posterior.best().replace(**_changed(params)) if posterior is not None else params
    it = run_internals(case, replications, seed, internal, rule)
    value = it.crisis.strategic_value
    v = float(np.mean(value)) if case.requester is not None else None
    out: dict[str, Any] = {
        "scenario": case.id, "title": case.title, "kind": case.kind, "organisation": case.organisation.name,
        "replications": replications, "seed": seed, "rule": it.rule.name,
        "observed": case.observed.outcome if case.observed else None,
        "outcome_probabilities": rounded(outcome_probabilities(it.outcome), 6),
        "modal": LEVELS[it.modal],
        "measures": list(LEVELS[1:]),
        "contributions": contributions(it),
        "pivotal": pivotal(it),
    }
    it.release()
    # The outcome over everything uncertain (the posterior's sets, the codings of the facts) with its intervals.
    res = run_with(case, replications, seed, posterior, rule=rule, params=params, overrides=_changed(params))
    out.update(outcome_probabilities=res.outcome_probabilities, outcome_intervals=res.outcome_intervals,
               intervals=res.uncertainty, modal=res.modal_outcome)
    if case.alternatives:
        out["internals"] = "contributions and pivotal members: the main coding of the case's facts"
    if posterior is not None:
        out["posterior"] = {**res.posterior, "internals": "contributions and pivotal members: the posterior's set "
                                                          "of highest weight"}
    if search:
        out["counterfactuals"] = counterfactuals(case, replications, seed, rule, params, target, v, posterior)
    return out


def format_explain(rep: dict[str, Any], top: int = 8) -> str:
    probs, intervals = rep["outcome_probabilities"], rep.get("outcome_intervals") or {}
    rows = [[lvl, with_interval(p, intervals.get(lvl)),
             " ".join(m for m, on in (("modal", lvl == rep["modal"]), ("observed", lvl == rep["observed"])) if on)]
            for lvl, p in probs.items()]
    level = f" [{100 * rep['intervals']['level']:.0f}% interval]" if rep.get("intervals") else ""
    lines = [f"Explanation: {rep['title']} [{rep['scenario']}], {rep['replications']:,} replications, seed "
             f"{rep['seed']}, rule {rep['rule']}", ""]
    lines += text_table(["outcome", f"probability{level}", ""], rows, indent=2)
    if rep.get("intervals"):
        lines.append(f"  {interval_note(rep['intervals'])}")
    lines += ["", f"Contributions to each member's position (mean over replications{_internals_note(rep)}), on "
                  f"{' / '.join(rep['measures'])}:"]
    lines += _format_contributions(rep["contributions"], rep["measures"])
    lines += ["", "Pivotal members:"] + _format_pivotal(rep["pivotal"])
    if rep.get("counterfactuals"):
        lines += [""] + _format_counterfactuals(rep["counterfactuals"], rep["scenario"], top)
    return "\n".join(lines)


def _internals_note(rep: dict[str, Any]) -> str:
    notes = [n for n, on in (("the main coding of the facts", "internals" in rep),
                             ("the posterior's set of highest weight", "posterior" in rep)) if on]
    return f"; {' and '.join(notes)}" if notes else ""


def _format_contributions(contributions: dict[str, Any], measures: list[str]) -> list[str]:
    lines = []
    for name, c in contributions.items():
        lines.append(f"  {name} ({c['role']}; interest {c['interest']:.2f}; lead state's pull {c['pull']:.2f})")
        rows = [[term, *(f"{v:+.2f}" for v in vals)] for term, vals in c["terms"].items()
                if max(abs(v) for v in vals) >= 0.005]
        rows.append(["= final position", *(f"{v:+.2f}" for v in c["final"])])
        lines += text_table(["", *measures], rows, "<" + ">" * len(measures), indent=4)
        st = []
        for measure, shares in c["stances"].items():
            top_stance = max(shares, key=shares.get)
            st.append(f"{measure} {top_stance} {100 * shares[top_stance]:.0f}%")
        lines.append(f"    stances: {'; '.join(st)}")
    return lines


def _shares(members: dict[str, float]) -> str:
    return ", ".join(f"{m} {100 * s:.0f}%" for m, s in members.items() if s > 0) or "nobody"


def _format_pivotal(pv: dict[str, Any]) -> list[str]:
    lines = [f"  {pv['note']}"] if pv.get("note") else []
    if pv["down"]:
        lines.append(f"  objecting alone to {pv['down']['rung']} (the modal outcome) would bring it down: "
                     + _shares(pv["down"]["members"]))
    if pv["up"]:
        lines.append(f"  supporting {pv['up']['rung']} (the next rung up) alone would lift the outcome: "
                     + _shares(pv["up"]["members"]))
    elif pv["requested"] == pv["modal"] and pv["channel"] == "organisation":
        lines.append(f"  (no rung above: {pv['modal']} is what was asked for)")
    if pv.get("position"):
        lines.append("  a firm position alone (through deliberation, agenda and rule) would decide the outcome: "
                     + _shares(pv["position"]))
    if pv["agenda"] and all(a["kept_off"] == 0 for a in pv["agenda"]):
        lines.append(f"  agenda: {pv['agenda'][0]['lead_state']} supported every rung on its agenda that was asked for "
                     "in every replication (its agenda power did not act)")
    for a in pv["agenda"] if any(a["kept_off"] > 0 for a in pv["agenda"]) else []:
        lines.append(f"  agenda: {a['rung']} kept off the table because {a['lead_state']} did not support it in "
                     f"{100 * a['kept_off']:.1f}% of replications; it would have passed had it been tabled in "
                     f"{100 * a['would_have_passed']:.1f}%")
    return lines


def _format_counterfactuals(cf: dict[str, Any], scenario: str, top: int) -> list[str]:
    what = f"reach {cf['target']}" if cf["target"] else "change the modal outcome"
    lines = [f"Smallest changes that {what} ({cf['tried']} single changes tried"
             + (f", {cf['pairs_tried']} pairs" if cf["pairs_tried"] else "") + "; distance in categorical steps):"]
    if not cf["flips"]:
        lines.append("  none found")
    shown, requests = _collapse_requests(cf["flips"])
    for e in shown[:top]:
        label = _label(e)
        c = e["changes"]
        if len(c) == 1 and c[0]["kind"] == "request":
            who = requests[_request_key(e)]
            label = f"a request by {who[0]} to the organisation" if len(who) == 1 else \
                f"a request by any one of {', '.join(who)} to the organisation"
        lines.append(f"  {e['distance']:5.2f}  {scenario}: with {label} -> {e['modal']} ({_p(e)})")
    if cf.get("greedy_path"):
        g = cf["greedy_path"]
        got = "-" if g["modal"] is None else f"{g['modal']} ({_p(g)})"
        status = "reached" if g["reached"] else "closest found"
        lines.append(f"  no single change or pair reaches {g['target']}; combined changes ({status}, "
                     f"distance {g['distance']:.2f}): {' and '.join(g['changes'])} -> {got}")
    for e in cf.get("movers", []):
        lines.append(f"  moves the odds without changing the modal outcome: {_label(e)} -> "
                     + ", ".join(f"{k} {with_interval(v, (e.get('outcome_intervals') or {}).get(k))}"
                                 for k, v in e["outcome_probabilities"].items() if v > 0.005))
    for key, word in (("smallest_up", "up"), ("smallest_down", "down")):
        e = cf[key]
        if e is not None and e not in shown[:top]:
            lines.append(f"  smallest change {word}: {_label(e)} -> {e['modal']} ({_p(e)}, "
                         f"distance {e['distance']:.2f})")
    return lines


def _p(e: dict[str, Any]) -> str:
    """The probability of a change's modal outcome, with its interval."""
    return f"P {with_interval(e['probability'], e.get('interval'))}"


def _request_key(e: dict[str, Any]) -> tuple[float, str, float]:
    return (e["distance"], e["modal"], round(e["probability"], 2))


def _collapse_requests(flips: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[tuple, list[str]]]:
    """The flips to show, with "a request by X" collapsed across members with the same result."""
    shown, requests = [], {}
    for e in flips:
        c = e["changes"]
        if len(c) == 1 and c[0]["kind"] == "request":
            key = _request_key(e)
            if key in requests:
                requests[key].append(c[0]["name"])
                continue
            requests[key] = [c[0]["name"]]
        shown.append(e)
    return shown, requests


def _label(e: dict[str, Any]) -> str:
    return " and ".join(c["label"] for c in e["changes"])
