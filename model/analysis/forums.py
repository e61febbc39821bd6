"""The choice of forum: the same request put to every organisation the requester belongs to.

S000 asks why Kazakhstan turned to the CSTO in January 2022 and not to the Shanghai Cooperation
Organisation. Here the question is put to the model, from data alone: the case's facts stay as they are,
and only the organisation changes (``scenarios/organisations/*.yaml``): its members at the case's date
(and their attributes in that organisation), its lead state, rule, agenda, collective-defence clause and
forces. :func:`compare_forums` runs the case once per organisation whose roster holds the requester at
the date, with the same seed, and reports each organisation's outcome distribution, modal outcome,
expected rung, days to decision, and the reasons: the organisation's structure as it enters the
mechanisms (fit of the case with its collective-defence clause, ready force, lead state, members in the
requester's region, burden) and the members' stances and their largest costs and benefits on the
measure requested. Nothing in this module names an organisation or a member.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..ladder import LEVELS
from ..params import Parameters
from ..scenario import Case, Organisation, load_organisation
from ..simulate import simulate
from ..statistics import expected_level
from ..terms import BENEFIT_REASONS, COST_REASONS
from .internals import run_internals


def organisations(case: Case) -> list[Organisation]:
    """Every organisation file beside the case's own organisation file, read and validated."""
    folder = Path(case.organisation.path).parent
    return [load_organisation(p) for p in sorted(folder.glob("*.yaml"))]


def rebase(case: Case, org: Organisation) -> Case:
    """The same case put to another organisation: its roster and attributes come from that organisation."""
    if org.path == case.organisation.path:
        return case
    return dataclasses.replace(case, organisation=org, roster=tuple(org.roster(case.date)))


def _round(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


def forum_report(case: Case, replications: int, seed: int, params: Parameters) -> dict[str, Any]:
    """One organisation's answer to the case, with the reasons."""
    org = case.organisation
    res = simulate(case, replications, seed, params=params)
    it = run_internals(case, replications, seed, params)
    crisis = it.crisis
    probs = res.outcome_probabilities
    expected = expected_level(probs)
    requested = crisis.requested
    others = [m for m in it.members if m.role != "requester"]
    in_region = sorted(m.name for m in others if m.interest >= 1.0)
    out_region = sorted(m.name for m in others if m.interest < 1.0)
    costs = {name: float(np.mean([m.cost_terms[requested - 1, k] for m in others])) if others else 0.0
             for k, name in enumerate(COST_REASONS)}
    benefits = {name: float(np.mean([m.benefit_terms[name].mean() for m in others])) if others else 0.0
                for name in BENEFIT_REASONS}
    pledged = sorted(m.name for m in it.members if m.profile.force_pledge > 0)
    rates = res.stance_rates
    stances = {m: {"support": rates[m]["support"], "acquiesce": rates[m]["acquiesce"], "delay": rates[m]["delay"],
                   "object": rates[m]["object"], "reason": res.dominant_reason[m]} for m in res.members}
    clause_max = max(org.mandate.values())
    n_members = len(it.members)
    it.release()
    structure = {
        "mandate": _round(np.mean(crisis.mandate)), "clause_max": _round(clause_max),
        "readiness": _round(crisis.readiness), "force": _round(crisis.force), "legal_relief": _round(crisis.legal_relief),
        "lead_state": org.lead_state, "agenda_levels": [LEVELS[lvl] for lvl in org.agenda_levels],
        "rule": res.rule, "members": n_members, "in_region": in_region, "out_of_region": out_region,
        "pledged": pledged,
    }
    return {
        "organisation": org.name, "full_name": org.full_name, "path": org.path,
        "members": res.members, "rule": res.rule,
        "outcome_probabilities": probs, "modal": res.modal_outcome,
        "expected_level": _round(expected), "p_deployment": probs["deployment"],
        "days_to_decision": res.days_to_decision, "stances": stances,
        "structure": structure,
        "mean_costs": {k: _round(v) for k, v in sorted(costs.items(), key=lambda kv: -kv[1])},
        "mean_benefits": {k: _round(v) for k, v in sorted(benefits.items(), key=lambda kv: -kv[1])},
        "reasons": reasons(structure, costs, benefits, stances, LEVELS[requested], params),
    }


def reasons(s: dict[str, Any], costs: dict[str, float], benefits: dict[str, float], stances: dict[str, Any],
            measure: str, p: Parameters) -> list[str]:
    """The reasons behind an organisation's answer, in words, from its data and the run."""
    out = []
    if s["clause_max"] == 0:
        clause = "no collective-defence clause (mandate 0 even for an armed attack on a member's own territory)"
        if s["mandate"] > 0:
            clause += f"; the request's framing alone gives M = {s['mandate']:.2f} (framing credit)"
    else:
        clause = f"fit of the case with the collective-defence clause M = {s['mandate']:.2f}"
    out.append(clause)
    if s["readiness"] <= 0:
        out.append(f"no ready force (readiness 0, collective force {s['force']:,.0f}): a deployment costs every member "
                   f"'no ready force' {p.capability_cost:g} and {p.delay_days:g} days of mobilisation")
    else:
        out.append(f"a ready force: readiness {s['readiness']:g}, {s['force']:,.0f} troops"
                   + (f", a status-of-forces agreement (legal relief {s['legal_relief']:g})" if s["legal_relief"] else ""))
    if s["lead_state"]:
        out.append(f"lead state {s['lead_state']}: its strategic stake in the requester, its support needed to table "
                   f"{', '.join(s['agenda_levels']) or 'nothing'}, its pull on dependent members")
    else:
        out.append("no lead state: every rung asked for is tabled, nobody pulls the others, nobody holds a strategic "
                   "stake in the requester")
    out.append(f"{len(s['in_region'])} of {s['members'] - 1} other members in the requester's region"
               + (f" (outside: {', '.join(s['out_of_region'])}, interest {p.out_of_region_interest:g})"
                  if s["out_of_region"] else ""))
    out.append("members pledged to a collective force: " + (", ".join(s["pledged"]) if s["pledged"] else
                                                             "none, so each expects to carry the whole burden"))
    top_costs = [f"{k} {v:.2f}" for k, v in sorted(costs.items(), key=lambda kv: -kv[1]) if v >= 0.005][:3]
    top_benefits = [f"{k} {v:.2f}" for k, v in sorted(benefits.items(), key=lambda kv: -kv[1]) if v >= 0.005][:3]
    out.append(f"largest costs of {measure}, mean over the other members: " + (", ".join(top_costs) or "none"))
    out.append("largest stake components, mean over the other members: " + (", ".join(top_benefits) or "none"))
    objectors = sorted(((m, v["object"], v["reason"]) for m, v in stances.items() if v["object"] >= 0.5),
                       key=lambda t: (-t[1], t[0]))
    if objectors:
        out.append(f"objecting to {measure}: " + ", ".join(f"{m} {100 * o:.0f}% ({r})" for m, o, r in objectors))
    return out


def compare_forums(case: Case, replications: int, seed: int, params: Parameters | None = None) -> dict[str, Any]:
    """Each organisation's answer to the same request (organisations whose roster holds the requester)."""
    params = params or Parameters()
    if case.requester is None:
        raise InputError(case.path, "facts.request.by", "nobody made a request in this case: there is no forum to compare",
                         "a case with a requester")
    forums, skipped = [], []
    for org in organisations(case):
        names = {m.name for m in org.roster(case.date)}
        if case.requester not in names:
            skipped.append(org.name)
            continue
        forums.append(forum_report(rebase(case, org), replications, seed, params))
    forums.sort(key=lambda f: (f["organisation"] != case.organisation.name, f["organisation"]))
    note = None
    if case.value("request.channel") != "organisation":
        note = (f"the request went through channel '{case.value('request.channel')}', not to an organisation: no "
                "organisation tables anything (try a what-if with request.channel: organisation)")
    return {
        "scenario": case.id, "title": case.title, "requester": case.requester, "replications": replications,
        "seed": seed, "measure_requested": case.value("request.measure"), "note": note,
        "forums": forums, "not_a_member": skipped, "ranking": ranking(forums),
    }


def ranking(forums: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Organisations ordered by the strength of their answer (expected rung), then its speed (median days)."""
    def key(f: dict[str, Any]) -> tuple[float, float]:
        days = f["days_to_decision"]["p50"]
        return (-f["expected_level"], days if days is not None else float("inf"))
    return [{"organisation": f["organisation"], "expected_level": f["expected_level"], "p_deployment": f["p_deployment"],
             "median_days": f["days_to_decision"]["p50"]} for f in sorted(forums, key=key)]


def format_forums(rep: dict[str, Any]) -> str:
    lines = [f"Choice of forum: {rep['title']} [{rep['scenario']}], request by {rep['requester']} for "
             f"{rep['measure_requested']}, {rep['replications']:,} replications, seed {rep['seed']}"]
    if rep["note"]:
        lines.append(f"note: {rep['note']}")
    for f in rep["forums"]:
        probs = ", ".join(f"{lvl} {100 * p:.1f}%" for lvl, p in f["outcome_probabilities"].items() if p > 0)
        d = f["days_to_decision"]
        days = "no measure passed" if d["p50"] is None else f"p10 {d['p10']:.2f}, p50 {d['p50']:.2f}, p90 {d['p90']:.2f}"
        lines += ["", f"{f['organisation']} ({f['full_name']}): {len(f['members'])} members at the date, rule {f['rule']}",
                  f"  outcome: {probs}; modal {f['modal']}; expected rung {f['expected_level']:.2f} (of 3)",
                  f"  days to decision: {days}", "  reasons:"]
        lines += [f"    - {r}" for r in f["reasons"]]
    if rep["not_a_member"]:
        lines.append(f"\nnot compared ({rep['requester']} not a member at the date): {', '.join(rep['not_a_member'])}")
    if len(rep["ranking"]) > 1:
        lines += ["", "stronger and faster first:"]
        for r in rep["ranking"]:
            days = "-" if r["median_days"] is None else f"{r['median_days']:.2f}"
            lines.append(f"  {r['organisation']:<8} expected rung {r['expected_level']:.2f}, P(deployment) "
                         f"{r['p_deployment']:.2f}, median days {days}")
    return "\n".join(lines)
