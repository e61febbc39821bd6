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
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..agents import BENEFIT_REASONS, COST_REASONS
from ..errors import InputError
from ..ladder import LEVELS, STANCES, Stance
from ..mechanisms import stance_from_utility
from ..params import Parameters
from ..scenario import CATEGORIES, Case, with_facts
from ..simulate import simulate
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
    assistance, deployment), its own assessment and final position, and its stance shares."""
    model, p = it.model, it.params
    measures = it.case.organisation.measures
    benefit = np.array([m.benefit for m in measures])
    out: dict[str, dict[str, Any]] = {}
    lead = model.lead
    n = len(it.members)
    total_before = sum(it.before_last.values())
    for m in it.members:
        terms: dict[str, np.ndarray] = {}
        for name in BENEFIT_REASONS:
            terms[name] = benefit * float(np.mean(m.benefit_terms[name]))
        terms["perception noise"] = benefit * float(np.mean(model.perception_noise[m]))
        terms["what-if stake shift"] = benefit * float(it.case.stake_shifts.get(m.name, 0.0))
        for k, name in enumerate(COST_REASONS):
            terms[name] = -m.cost_terms[:, k]
        computed = sum(terms.values())
        own = m.own.mean(axis=0)
        terms["role override"] = own - computed
        pull_part = peer_part = np.zeros(3)
        if m.role not in ("requester", "party"):
            pull, peer = m.pull, p.peer_weight
            if pull + peer > 1.0:
                pull, peer = pull / (pull + peer), peer / (pull + peer)
            lead_prev = it.before_last[lead.name] if lead is not None and m.role != "lead" else 0.0
            peers_prev = (total_before - it.before_last[m.name]) / (n - 1) if n > 1 else it.before_last[m.name]
            pull_part = (pull * (lead_prev - m.own)).mean(axis=0)
            peer_part = (peer * (peers_prev - m.own)).mean(axis=0)
        terms["lead state's pull"] = pull_part
        terms["peers"] = peer_part
        final = m.position.mean(axis=0)
        stances = {}
        for lvl in (1, 2, 3):
            s = stance_from_utility(m.position[:, lvl - 1], p.objection_threshold, p.delay_threshold)
            counts = np.bincount(s, minlength=4) / it.replications
            stances[LEVELS[lvl]] = {name: round(float(c), 6) for name, c in zip(STANCES, counts, strict=True)}
        out[m.name] = {
            "role": m.role, "pull": round(float(m.pull), 6), "interest": round(float(m.interest), 6),
            "terms": {k: [round(float(x), 6) for x in v] for k, v in terms.items()},
            "own": [round(float(x), 6) for x in own], "final": [round(float(x), 6) for x in final],
            "stances": stances,
        }
    return dict(sorted(out.items()))


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
                "probability": self.probabilities[self.modal], "outcome_probabilities": self.probabilities}


def _run(case: Case, replications: int, seed: int, rule: str | None, params: Parameters) -> tuple[dict[str, float], str]:
    res = simulate(case, replications, seed, rule=rule, params=params)
    return res.outcome_probabilities, res.modal_outcome


def counterfactuals(case: Case, replications: int, seed: int, rule: str | None = None, params: Parameters | None = None,
                    target: str | None = None, strategic_value: float | None = None) -> dict[str, Any]:
    """Single changes that change the modal outcome (or reach ``target``), smallest first."""
    params = params or Parameters()
    base_probs, base_modal = _run(case, replications, seed, rule, params)
    evaluated: list[Evaluated] = []
    tried = 0
    valid_facts: list[tuple[Change, Case]] = []
    for ch in fact_changes(case, strategic_value):
        alt = _valid(case, ch)
        if alt is None:
            continue
        valid_facts.append((ch, alt))
        probs, modal = _run(alt, replications, seed, rule, params)
        tried += 1
        evaluated.append(Evaluated((ch,), probs, modal))

    def hit(e: Evaluated) -> bool:
        return e.modal == target if target else e.modal != base_modal

    members = [m.name for m in case.roster if m.name != case.requester]
    for member in sorted(members):
        for sign in (1.0, -1.0):
            for size in STAKE_SHIFTS:
                ch = Change("perception", member, sign * size, size, f"{member}'s stake {sign * size:+g}")
                probs, modal = _run(ch.apply(case), replications, seed, rule, params)
                tried += 1
                e = Evaluated((ch,), probs, modal)
                if hit(e) or (not target and modal != base_modal):
                    evaluated.append(e)
                    break
    flips = sorted((e for e in evaluated if hit(e)), key=lambda e: (e.distance, -e.probabilities[e.modal], e.label))
    pairs_tried = 0
    if target and not flips:
        for (c1, _), (c2, _) in itertools.combinations(valid_facts, 2):
            if set(c1.facts()) & set(c2.facts()) or c1.distance + c2.distance > 3.0:
                continue
            try:
                alt = with_facts(case, {**c1.facts(), **c2.facts()}, source="counterfactual")
            except InputError:
                continue
            probs, modal = _run(alt, replications, seed, rule, params)
            pairs_tried += 1
            e = Evaluated((c1, c2), probs, modal)
            if hit(e):
                flips.append(e)
        flips.sort(key=lambda e: (e.distance, -e.probabilities[e.modal], e.label))
    path = None
    if target and not flips:
        path = greedy_path(case, valid_facts, target, replications, seed, rule, params)
    base_level = expected_level(base_probs)
    movers = sorted((e for e in evaluated if e.modal == base_modal and e.change[0].kind != "perception"),
                    key=lambda e: (-abs(expected_level(e.probabilities) - base_level), e.distance, e.label))
    movers = [e for e in movers if abs(expected_level(e.probabilities) - base_level) >= 0.1][:3]
    up = [e for e in flips if LEVELS.index(e.modal) > LEVELS.index(base_modal)]
    down = [e for e in flips if LEVELS.index(e.modal) < LEVELS.index(base_modal)]
    return {
        "base": {"modal": base_modal, "outcome_probabilities": base_probs},
        "target": target, "tried": tried, "pairs_tried": pairs_tried,
        "flips": [e.to_dict() for e in flips],
        "smallest_up": up[0].to_dict() if up else None,
        "smallest_down": down[0].to_dict() if down else None,
        "movers": [{**e.to_dict(), "expected_level": round(expected_level(e.probabilities), 6)} for e in movers],
        "greedy_path": path,
    }


def expected_level(probabilities: dict[str, float]) -> float:
    """The mean rung of the ladder (none 0 ... deployment 3)."""
    return float(sum(LEVELS.index(k) * v for k, v in probabilities.items()))


def greedy_path(case: Case, singles: list[tuple[Change, Case]], target: str, replications: int, seed: int,
                rule: str | None, params: Parameters, max_steps: int = 3, beam: int = 6) -> dict[str, Any]:
    """When no single change or pair reaches ``target``: a beam search over combinations of fact changes.
    A rung above the one asked for cannot be reached, so the request is first put to the organisation for
    at least ``target`` (these changes count in the distance); then up to ``max_steps`` more changes are
    added one at a time, keeping the ``beam`` combinations closest to the target in expected rung (ties:
    the higher probability of the target, the smaller distance). The first depth at which a combination
    reaches the target returns the smallest such combination."""
    goal = LEVELS.index(target)
    prereq: list[Change] = []
    facts: dict[str, Any] = {}
    if goal > 0 and case.requester is None:
        return {"target": target, "reached": False, "distance": None, "changes": [], "modal": None, "probability": None,
                "outcome_probabilities": None, "note": "nobody asked: see the single changes 'a request by ...'"}
    if goal > 0 and case.value("request.channel") != "organisation":
        prereq.append(Change("fact", "request.channel", "organisation", 1.0, "request.channel organisation"))
    if goal > 0 and LEVELS.index(case.value("request.measure")) < goal:
        prereq.append(Change("fact", "request.measure", target,
                             _step_distance("request.measure", case.value("request.measure"), target),
                             f"request.measure {target}"))
    for ch in prereq:
        facts[ch.name] = ch.value
    fixed = {"request.channel", "request.measure", "request.by"} if prereq else set()

    def evaluate(changes: tuple[Change, ...]) -> tuple[dict[str, float], str] | None:
        try:
            alt = with_facts(case, {**facts, **{k: v for c in changes for k, v in c.facts().items()}},
                             source="counterfactual")
        except InputError:
            return None
        return _run(alt, replications, seed, rule, params)

    def score(probs: dict[str, float], changes: tuple[Change, ...]) -> tuple[float, float, float]:
        return (-abs(expected_level(probs) - goal), probs[target], -sum(c.distance for c in changes))

    start = evaluate(())
    frontier: list[tuple[tuple[Change, ...], dict[str, float], str]] = [((), *start)] if start else []
    found = None
    if start and start[1] == target:
        found = ((), *start)
    for _ in range(max_steps):
        if found or not frontier:
            break
        nxt = []
        seen = set()
        for changes, _p, _m in frontier:
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
        hits = [x for x in nxt if x[2] == target]
        if hits:
            found = min(hits, key=lambda x: (sum(c.distance for c in x[0]), -x[1][target], [c.label for c in x[0]]))
            break
        frontier = sorted(nxt, key=lambda x: score(x[1], x[0]), reverse=True)[:beam]
    if found is None and frontier:
        found = max(frontier, key=lambda x: score(x[1], x[0]))
    changes = tuple(prereq) + (found[0] if found else ())
    probs, modal = (found[1], found[2]) if found else (None, None)
    return {"target": target, "reached": modal == target, "distance": round(sum(c.distance for c in changes), 6),
            "changes": [c.label for c in changes], "modal": modal,
            "probability": probs[modal] if probs else None, "outcome_probabilities": probs}


# --------------------------------------------------------------------------------------------------
# The whole explanation
# --------------------------------------------------------------------------------------------------

def explain(case: Case, replications: int, seed: int, rule: str | None = None, params: Parameters | None = None,
            target: str | None = None, search: bool = True) -> dict[str, Any]:
    params = params or Parameters()
    it = run_internals(case, replications, seed, params, rule)
    probs = np.bincount(it.outcome, minlength=4) / replications
    value = it.crisis.strategic_value
    v = float(np.mean(value)) if case.requester is not None else None
    out: dict[str, Any] = {
        "scenario": case.id, "title": case.title, "kind": case.kind, "organisation": case.organisation.name,
        "replications": replications, "seed": seed, "rule": it.rule.name,
        "observed": case.observed.outcome if case.observed else None,
        "outcome_probabilities": {lvl: round(float(p), 6) for lvl, p in zip(LEVELS, probs, strict=True)},
        "modal": LEVELS[it.modal],
        "measures": list(LEVELS[1:]),
        "contributions": contributions(it),
        "pivotal": pivotal(it),
    }
    if search:
        out["counterfactuals"] = counterfactuals(case, replications, seed, rule, params, target, v)
    return out


def _signed(x: float) -> str:
    return f"{x:+7.2f}"


def format_explain(rep: dict[str, Any], top: int = 8) -> str:
    probs = ", ".join(f"{lvl} {100 * p:.1f}%" for lvl, p in rep["outcome_probabilities"].items() if p > 0)
    lines = [f"Explanation: {rep['title']} [{rep['scenario']}], {rep['replications']:,} replications, seed "
             f"{rep['seed']}, rule {rep['rule']}",
             f"outcome: {probs}; modal {rep['modal']}" + (f"; observed {rep['observed']}" if rep["observed"] else ""),
             "", "Contributions to each member's position (mean over replications), on consultations / assistance / "
             "deployment:"]
    for name, c in rep["contributions"].items():
        lines.append(f"  {name} ({c['role']}; interest {c['interest']:.2f}; lead state's pull {c['pull']:.2f})")
        for term, vals in c["terms"].items():
            if max(abs(v) for v in vals) >= 0.005:
                lines.append(f"    {term:<26}" + "".join(_signed(v) for v in vals))
        lines.append(f"    {'= final position':<26}" + "".join(_signed(v) for v in c["final"]))
        st = []
        for measure, shares in c["stances"].items():
            top_stance = max(shares, key=shares.get)
            st.append(f"{measure} {top_stance} {100 * shares[top_stance]:.0f}%")
        lines.append(f"    {'stances':<26} " + "; ".join(st))
    pv = rep["pivotal"]
    lines += ["", "Pivotal members:"]
    if pv.get("note"):
        lines.append(f"  {pv['note']}")
    if pv["down"]:
        ranked = [(m, s) for m, s in pv["down"]["members"].items() if s > 0]
        lines.append(f"  objecting alone to {pv['down']['rung']} (the modal outcome) would bring it down: "
                     + (", ".join(f"{m} {100 * s:.0f}%" for m, s in ranked) or "nobody"))
    if pv["up"]:
        ranked = [(m, s) for m, s in pv["up"]["members"].items() if s > 0]
        lines.append(f"  supporting {pv['up']['rung']} (the next rung up) alone would lift the outcome: "
                     + (", ".join(f"{m} {100 * s:.0f}%" for m, s in ranked) or "nobody"))
    elif pv["requested"] == pv["modal"] and pv["channel"] == "organisation":
        lines.append(f"  (no rung above: {pv['modal']} is what was asked for)")
    if pv.get("position"):
        ranked = [(m, s) for m, s in pv["position"].items() if s > 0]
        lines.append("  a firm position alone (through deliberation, agenda and rule) would decide the outcome: "
                     + (", ".join(f"{m} {100 * s:.0f}%" for m, s in ranked) or "nobody"))
    if pv["agenda"] and all(a["kept_off"] == 0 for a in pv["agenda"]):
        lines.append(f"  agenda: {pv['agenda'][0]['lead_state']} supported every rung on its agenda that was asked for "
                     "in every replication (its agenda power did not act)")
    for a in pv["agenda"] if any(a["kept_off"] > 0 for a in pv["agenda"]) else []:
        lines.append(f"  agenda: {a['rung']} kept off the table because {a['lead_state']} did not support it in "
                     f"{100 * a['kept_off']:.1f}% of replications; it would have passed had it been tabled in "
                     f"{100 * a['would_have_passed']:.1f}%")
    cf = rep.get("counterfactuals")
    if cf:
        what = f"reach {cf['target']}" if cf["target"] else "change the modal outcome"
        lines += ["", f"Smallest changes that {what} ({cf['tried']} single changes tried"
                  + (f", {cf['pairs_tried']} pairs" if cf["pairs_tried"] else "") + "; distance in categorical steps):"]
        if not cf["flips"]:
            lines.append("  none found")
        shown, requests = [], {}
        for e in cf["flips"]:
            c = e["changes"]
            if len(c) == 1 and c[0]["kind"] == "request":  # collapse "a request by X" with the same result
                key = (e["distance"], e["modal"], round(e["probability"], 2))
                if key in requests:
                    requests[key].append(c[0]["name"])
                    continue
                requests[key] = [c[0]["name"]]
            shown.append(e)
        for e in shown[:top]:
            label = _label(e)
            c = e["changes"]
            if len(c) == 1 and c[0]["kind"] == "request":
                who = requests[(e["distance"], e["modal"], round(e["probability"], 2))]
                label = f"a request by {who[0]} to the organisation" if len(who) == 1 else \
                    f"a request by any one of {', '.join(who)} to the organisation"
            lines.append(f"  {e['distance']:5.2f}  {rep['scenario']}: with {label} -> {e['modal']} "
                         f"(P {e['probability']:.2f})")
        if cf.get("greedy_path"):
            g = cf["greedy_path"]
            got = "-" if g["modal"] is None else f"{g['modal']} (P {g['probability']:.2f})"
            status = "reached" if g["reached"] else "closest found"
            lines.append(f"  no single change or pair reaches {g['target']}; combined changes ({status}, "
                         f"distance {g['distance']:.2f}): {' and '.join(g['changes'])} -> {got}")
        for e in cf.get("movers", []):
            lines.append(f"  moves the odds without changing the modal outcome: {_label(e)} -> "
                         + ", ".join(f"{k} {v:.2f}" for k, v in e["outcome_probabilities"].items() if v > 0.005))
        for key, word in (("smallest_up", "up"), ("smallest_down", "down")):
            e = cf[key]
            if e is not None and e not in shown[:top]:
                lines.append(f"  smallest change {word}: {_label(e)} -> {e['modal']} (P {e['probability']:.2f}, "
                             f"distance {e['distance']:.2f})")
    return "\n".join(lines)


def _label(e: dict[str, Any]) -> str:
    return " and ".join(c["label"] for c in e["changes"])
