"""Where a case file is read: its schema, field by field (``docs/scenario-format.md``).

Every problem is raised as :class:`~model.errors.InputError` naming the file, the field, what is wrong
and what is allowed.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import quote
from ..files.fields import Reader, format_date
from ..files.fields import kind as kind_of
from ..files.formats import CASE_FORMAT
from ..files.manifest import sha256_file
from ..files.yamlsafe import read_yaml
from ..ladder import LEVELS, MEASURES, REASON_NAMES, STANCES
from .discovery import cached_organisation, find_organisation, resolve_scenario
from .types import Case, Fact, Observed, ObservedReason, Organisation

#: Allowed values of the categorical facts of a case (the rubric is in docs/scenario-format.md), each in
#: its natural order where it has one (analyses count steps along it).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "request.channel": ("organisation", "bilateral", "none"),
    "request.measure": MEASURES,
    "request.framing": ("external", "internal"),
    "threat.origin": ("internal", "external_state", "external_nonstate", "member_state"),
    "threat.territory": ("de_jure", "contested", "not_own"),
    "threat.scope": ("local", "regional", "nationwide"),
    "threat.regime_threat": ("none", "protests", "uprising", "overthrown"),
    "government.legitimacy": ("constitutional", "contested", "interim"),
    "adversary.lead_state_relation": ("ally", "partner", "neutral", "hostile"),
    "lead_state.competing_commitments": ("none", "moderate", "major"),
    "request.timing": ("before_peak", "at_peak", "after_peak"),
    "adversary.kind": ("state", "armed_group", "none"),
    "agenda.deciding_body": ("organisation", "treaty_states"),
}
#: Where a request may go (``request.channels``) and the lead state's other options (``lead_state.options``).
CHANNEL_TARGETS = ("organisation", "lead_state", "un", "other")
LEAD_OPTIONS = ("bilateral", "mediation", "own_peacekeepers")
#: Facts with a structure of their own: ``request.channels`` (a list of {to, date}), ``threat.massing``
#: (true or false), ``lead_state.options`` (a list of LEAD_OPTIONS).
STRUCTURED = ("request.channels", "threat.massing", "lead_state.options")
#: Numeric facts that may be given as a range: their admissible bounds.
NUMERIC: dict[str, tuple[float, float]] = {
    "threat.deaths": (0.0, 10_000_000.0),
    "lead_state.strategic_value": (0.0, 1.0),
}
#: Facts naming states (a name or null, or a list of names).
NAMES: dict[str, str] = {
    "request.by": "member-or-null",
    "adversary.name": "name-or-null",
    "adversary.patrons": "list",
    "threat.spillover_to": "list",
    "threat.parties": "list",
    "threat.allies": "members",
    "agenda.chair": "member-or-null",
}
REQUIRED_FACTS = (
    "request.by", "request.channel", "request.measure", "request.framing",
    "threat.origin", "threat.territory", "threat.deaths", "threat.scope", "threat.regime_threat",
    "government.legitimacy", "adversary.name", "adversary.lead_state_relation",
)
#: Defaults of the older optional facts (the newer ones are derived: :func:`derive_defaults`).
DEFAULT_FACTS: dict[str, Any] = {
    "threat.spillover_to": [], "threat.parties": [], "adversary.patrons": [],
    "lead_state.competing_commitments": "none",
}
WHATIF_ONLY_FACTS = ("lead_state.strategic_value",)
ALL_FACTS = tuple(CATEGORIES) + tuple(NUMERIC) + tuple(NAMES) + STRUCTURED
#: The facts newer than the first case format: optional, each with a default derived from the older facts or
#: from the organisation file (:func:`derive_defaults`; docs/scenario-format.md, "Newer facts").
NEWER_FACTS = ("request.channels", "request.timing", "threat.allies", "threat.massing", "adversary.kind",
               "agenda.chair", "agenda.deciding_body", "lead_state.options")
#: Who may have put a case on the organisation's agenda (``observed.convened_by``).
CONVENERS = ("request", "chair", "secretary_general", "permanent_council", "lead_state", "nobody")
#: Bounds of the observed days to decision and of a member's observed troops.
DAYS = (0.0, 10_000.0)
TROOPS = (0.0, 1e7)
#: Where a range is allowed (the hint of a range anywhere else).
RANGED = ", ".join(NUMERIC) + ", observed.days_to_decision, observed.contributions"

def load_scenario(path: str | os.PathLike[str]) -> Case:
    """Read and validate a case file (and the organisation file it names); see docs/scenario-format.md."""
    path = resolve_scenario(path)
    data = read_yaml(path)
    r = Reader(str(path))
    top = r.mapping(data, "", required=("format", "id", "title", "kind", "organisation", "date", "facts"),
                    optional=("summary", "observed", "disagreements", "overrides"))
    if top["format"] != CASE_FORMAT:
        raise r.fail("format", f"{quote(top['format'])} is not supported", CASE_FORMAT)
    case_id = r.string(top["id"], "id", r"[a-z0-9][a-z0-9-]*", "lowercase letters, digits and '-'")
    title = r.string(top["title"], "title")
    kind = r.choice(top["kind"], "kind", ("historical", "what-if"))
    org_name = r.string(top["organisation"], "organisation", r"[a-z][a-z0-9_-]*", "an organisation file's name")
    org_path = find_organisation(org_name, path)
    if org_path is None:
        raise r.fail("organisation", f"no organisation file {org_name}.yaml found",
                     "a file under scenarios/organisations/")
    org = cached_organisation(org_path)
    date = r.date(top["date"], "date")
    roster = org.roster(date)
    if not roster:
        raise r.fail("date", f"{format_date(date)}: no roster of {org.name} in that year",
                     f"dates from {format_date(org.first_date())} on")
    roster_names = sorted(m.name for m in roster)

    facts = read_facts(r, top["facts"], kind, roster_names, org, date)
    observed = _read_observed(r, top.get("observed"), kind, roster_names)
    disagreements = _read_disagreements(r, top.get("disagreements"))
    disputed = {d["field"] for d in disagreements}
    _check_sets(r, facts)
    for name, fact in facts.items():
        if fact.alternatives and f"facts.{name}" not in disputed:
            raise r.fail(f"facts.{name}.alternatives", "an alternative coding with no disagreements entry",
                         f"a disagreements item with field: facts.{name}")
    shifts = _read_overrides(r, top, kind, roster_names)
    summary = top.get("summary") or ""
    if not isinstance(summary, str):
        raise r.fail("summary", f"expected text, got {kind_of(summary)}", "text")
    return Case(id=case_id, title=title, kind=kind, path=str(path), organisation=org, date=date, facts=facts,
                observed=observed, stake_shifts=shifts, disagreements=disagreements, summary=summary.strip(),
                sha256=sha256_file(path), roster=tuple(roster))


def _read_overrides(r: Reader, top: dict[str, Any], kind: str, roster: list[str]) -> dict[str, float]:
    """A what-if's stake shifts by member (``overrides.perceptions``)."""
    shifts: dict[str, float] = {}
    if "overrides" not in top:
        return shifts
    if kind == "historical":
        raise r.fail("overrides", "a historical case holds facts only: overrides are not allowed",
                     "overrides in what-if files")
    ov = r.mapping(top["overrides"], "overrides", optional=("perceptions",))
    per = r.mapping(ov.get("perceptions", {}), "overrides.perceptions", optional=tuple(roster))
    for mname, node in per.items():
        p = f"overrides.perceptions.{mname}"
        node = r.mapping(node, p, required=("stake_shift", "source"), optional=("note",))
        r.source(node, p)
        shifts[mname] = r.number(node["stake_shift"], f"{p}.stake_shift", -5, 5)
    return shifts


def _read_fact(r: Reader, node: Any, path: str, bounds: tuple[float, float] | None = None) -> Fact:
    """A fact: a value, or (when ``bounds`` are given: a numeric fact) a range within ``bounds``; optionally
    with weighted ``alternatives`` (each a value or range with a weight and a source)."""
    node = r.mapping(node, path, required=("source",), optional=("value", "range", "note", "alternatives"))
    fact = _read_coding(r, node, path, bounds)
    alts = node.get("alternatives")
    if alts is None:
        return fact
    if not isinstance(alts, list) or not alts:
        raise r.fail(f"{path}.alternatives", f"expected a list, got {kind_of(alts)}",
                     "[{value: X, weight: w, source: ...}, ...]")
    pairs = []
    for i, anode in enumerate(alts):
        ap = f"{path}.alternatives[{i}]"
        anode = r.mapping(anode, ap, required=("weight", "source"), optional=("value", "range", "note", "set"))
        weight = r.number(anode["weight"], f"{ap}.weight", 0, 1)
        if not 0 < weight < 1:
            raise r.fail(f"{ap}.weight", f"{weight:g} is not allowed", "a weight strictly between 0 and 1")
        alt = _read_coding(r, anode, ap, bounds)
        label = r.string(anode["set"], f"{ap}.set") if "set" in anode else ""
        pairs.append((weight, Fact(alt.value, alt.low, alt.high, alt.source, alt.note, set_label=label)))
    if sum(w for w, _ in pairs) >= 1:
        raise r.fail(f"{path}.alternatives", f"weights sum to {sum(w for w, _ in pairs):g}",
                     "a sum below 1 (the main coding keeps the rest)")
    return Fact(fact.value, fact.low, fact.high, fact.source, fact.note, tuple(pairs))


def _read_coding(r: Reader, node: dict[str, Any], path: str, bounds: tuple[float, float] | None) -> Fact:
    source = r.source(node, path)
    if ("value" in node) == ("range" in node):
        raise r.fail(path, "needs exactly one of value and range", "value: X or range: [low, high]")
    note = node.get("note") or ""
    if "range" in node:
        rg = node["range"]
        if bounds is None:
            raise r.fail(f"{path}.range", "only numeric facts take a range", RANGED)
        if not isinstance(rg, list) or len(rg) != 2:
            raise r.fail(f"{path}.range", f"expected [low, high], got {kind_of(rg)}", "[low, high]")
        lo = r.number(rg[0], f"{path}.range[0]", *bounds)
        hi = r.number(rg[1], f"{path}.range[1]", *bounds)
        if lo > hi:
            raise r.fail(f"{path}.range", f"low {lo:g} is above high {hi:g}", "low <= high")
        return Fact(None, lo, hi, source, str(note))
    return Fact(node["value"], None, None, source, str(note))


def read_facts(r: Reader, node: Any, kind: str, roster: list[str], org: Organisation,
               date: tuple[int, int, int] | None = None) -> dict[str, Fact]:
    groups = r.mapping(node, "facts", required=("request", "threat", "government", "adversary"),
                       optional=("lead_state", "agenda"))
    facts: dict[str, Fact] = {}
    for group, gnode in groups.items():
        keys = tuple(f.split(".", 1)[1] for f in ALL_FACTS if f.startswith(group + "."))
        gnode = r.mapping(gnode, f"facts.{group}", optional=keys)
        for key, fnode in gnode.items():
            facts[f"{group}.{key}"] = _read_fact(r, fnode, f"facts.{group}.{key}", NUMERIC.get(f"{group}.{key}"))
    for name in REQUIRED_FACTS:
        if name not in facts:
            raise r.fail(f"facts.{name}", "missing", "see docs/scenario-format.md")
    for name in WHATIF_ONLY_FACTS:
        if name in facts and kind == "historical":
            raise r.fail(f"facts.{name}", "is a what-if lever, not a fact: not allowed in a historical case",
                         "what-if files only")
    for name, fact in facts.items():
        _check_value(r, name, fact, f"facts.{name}", roster)
        for i, (_, alt) in enumerate(fact.alternatives):
            _check_value(r, name, alt, f"facts.{name}.alternatives[{i}]", roster)
    for combination in codings(facts):
        _check_request(r, combination)
    return derive_defaults(facts, org, date)


def codings(facts: dict[str, Fact]) -> list[dict[str, Fact]]:
    """Every combination of the facts' codings (main and alternatives), as facts without alternatives (a set of
    alternatives sharing a ``set`` label is one joint recoding)."""
    out = [{name: _main(f) for name, f in facts.items()}]
    labels: dict[str, list[tuple[str, Fact]]] = {}
    for name, fact in sorted(facts.items()):
        for _, alt in fact.alternatives:
            if alt.set_label:
                labels.setdefault(alt.set_label, []).append((name, alt))
            else:
                out += [{**c, name: alt} for c in out]
    for joint in labels.values():
        out += [{**c, **dict(joint)} for c in out]
    return out


def _check_sets(r: Reader, facts: dict[str, Fact]) -> None:
    """A joint recoding (alternatives sharing a ``set`` label) has one weight. (A fact may also have independent
    alternatives: a joint recoding, when drawn, takes precedence over them, docs/scenario-format.md.)"""
    weights: dict[str, tuple[float, str]] = {}
    for name, fact in sorted(facts.items()):
        for w, alt in fact.alternatives:
            if alt.set_label:
                first = weights.setdefault(alt.set_label, (w, name))
                if first[0] != w:
                    raise r.fail(f"facts.{name}.alternatives", f"set {alt.set_label!r} has weight {w:g} here and "
                                 f"{first[0]:g} at facts.{first[1]}", "one weight for every alternative of a set")


def _main(fact: Fact) -> Fact:
    return Fact(fact.value, fact.low, fact.high, fact.source, fact.note) if fact.alternatives else fact


def _check_request(r: Reader, facts: dict[str, Fact]) -> None:
    by, channel = facts["request.by"].value, facts["request.channel"].value
    if by is None and channel != "none":
        raise r.fail("facts.request.channel.value", "a request channel without a requester", "none when request.by is null")
    if by is not None and channel == "none":
        raise r.fail("facts.request.channel.value", "a requester without a channel", "organisation, bilateral")
    if "request.channels" in facts:
        targets = {c["to"] for c in facts["request.channels"].value}
        if channel == "none" and targets or channel != "none" and not targets:
            raise r.fail("facts.request.channels.value", f"disagrees with request.channel ({channel})",
                         "no channel when request.channel is none, at least one otherwise")
        if (channel == "organisation") != ("organisation" in targets):
            raise r.fail("facts.request.channels.value", f"disagrees with request.channel ({channel})",
                         "organisation among the channels exactly when request.channel is organisation")


def derive_defaults(facts: dict[str, Fact], org: Organisation, date: tuple[int, int, int] | None) -> dict[str, Fact]:
    """The facts with every omitted optional fact set to its documented default (source ``default``), derived
    from the other facts and the organisation file (docs/scenario-format.md, "Newer facts")."""
    facts = {name: f for name, f in facts.items() if f.source != "default"}
    channel = facts["request.channel"].value
    origin, adversary = facts["threat.origin"].value, facts["adversary.name"].value
    derived: dict[str, Any] = {
        **DEFAULT_FACTS,
        "request.channels": [{"to": {"organisation": "organisation", "bilateral": "lead_state"}[channel]}]
        if channel != "none" else [],
        "request.timing": "at_peak", "threat.allies": [], "threat.massing": False, "lead_state.options": [],
        "adversary.kind": "none" if adversary is None else
        "state" if origin in ("external_state", "member_state") else "armed_group",
        "agenda.chair": org.chair_at(date) if date is not None else None,
        "agenda.deciding_body": "treaty_states" if date is not None and org.organs and not any(
            o.convenes for o in org.organs_at(date)) and org.chair is not None else "organisation",
    }
    for name, default in derived.items():
        facts.setdefault(name, Fact(default, None, None, "default"))
    return facts


def _check_value(r: Reader, name: str, fact: Fact, p: str, roster: list[str]) -> None:
    """One coding of a fact checked against what the fact allows."""
    if name in NUMERIC:
        if not fact.is_range:
            r.number(fact.value, f"{p}.value", *NUMERIC[name])
    elif name in CATEGORIES:
        r.choice(fact.value, f"{p}.value", CATEGORIES[name])
    elif NAMES.get(name) in ("list", "members"):
        if not isinstance(fact.value, list) or not all(isinstance(x, str) and x for x in fact.value):
            raise r.fail(f"{p}.value", f"expected a list of state names, got {kind_of(fact.value)}", "[name, ...]")
        if name in ("threat.parties", "threat.allies"):
            for x in fact.value:
                r.choice(x, f"{p}.value", tuple(roster))
    elif NAMES.get(name) == "member-or-null":
        if fact.value is not None and (not isinstance(fact.value, str) or fact.value not in roster):
            raise r.fail(f"{p}.value", f"{quote(fact.value)} is not allowed", ", ".join(roster) + " or null")
    elif NAMES.get(name) == "name-or-null" and fact.value is not None:
        r.string(fact.value, f"{p}.value", allowed="a state's or group's name, or null")
    elif name == "threat.massing" and not isinstance(fact.value, bool):
        raise r.fail(f"{p}.value", f"expected true or false, got {kind_of(fact.value)}", "true, false")
    elif name == "lead_state.options":
        if not isinstance(fact.value, list):
            raise r.fail(f"{p}.value", f"expected a list, got {kind_of(fact.value)}", ", ".join(LEAD_OPTIONS))
        for x in fact.value:
            r.choice(x, f"{p}.value", LEAD_OPTIONS)
    elif name == "request.channels":
        _check_channels(r, fact.value, f"{p}.value")


def _check_channels(r: Reader, value: Any, p: str) -> None:
    if not isinstance(value, list):
        raise r.fail(p, f"expected a list, got {kind_of(value)}", "[{to: organisation, date: YYYY-MM-DD}, ...]")
    for i, c in enumerate(value):
        c = r.mapping(c, f"{p}[{i}]", required=("to",), optional=("date", "note"))
        r.choice(c["to"], f"{p}[{i}].to", CHANNEL_TARGETS)
        if "date" in c:
            r.date(c["date"], f"{p}[{i}].date")


def _read_observed(r: Reader, node: Any, kind: str, roster: list[str]) -> Observed | None:
    if node is None:
        if kind == "historical":
            raise r.fail("observed", "missing: a historical case records its observed outcome", "observed: {outcome: ...}")
        return None
    if kind != "historical":
        raise r.fail("observed", "only historical cases record an observed outcome", "no observed: in what-if files")
    node = r.mapping(node, "observed", required=("outcome",),
                     optional=("days_to_decision", "contributions", "decided", "convened_by", "reasons"))
    outcome = _read_fact(r, node["outcome"], "observed.outcome")
    r.choice(outcome.value, "observed.outcome.value", LEVELS)
    days = None
    if node.get("days_to_decision") is not None:
        days = _read_fact(r, node["days_to_decision"], "observed.days_to_decision", DAYS)
        if not days.is_range:
            r.number(days.value, "observed.days_to_decision.value", *DAYS)
    contributions = {}
    cnode = r.mapping(node.get("contributions") or {}, "observed.contributions", optional=tuple(roster))
    for mname, fnode in cnode.items():
        fact = _read_fact(r, fnode, f"observed.contributions.{mname}", TROOPS)
        if not fact.is_range:
            r.number(fact.value, f"observed.contributions.{mname}.value", *TROOPS)
        contributions[mname] = fact
    decided = True
    if "decided" in node:
        dnode = _read_fact(r, node["decided"], "observed.decided")
        if not isinstance(dnode.value, bool):
            raise r.fail("observed.decided.value", f"expected true or false, got {kind_of(dnode.value)}", "true, false")
        decided = dnode.value
        if not decided and (outcome.value != "none" or days is not None):
            raise r.fail("observed.decided.value", "false with an outcome above none or days to decision",
                         "false only for a request that got no decision (outcome none, no days)")
    convened = None
    if "convened_by" in node:
        convened = r.choice(_read_fact(r, node["convened_by"], "observed.convened_by").value,
                            "observed.convened_by.value", CONVENERS)
    return Observed(outcome=outcome.value, days_to_decision=days, contributions=contributions, source=outcome.source,
                    decided=decided, convened_by=convened, reasons=_read_reasons(r, node.get("reasons"), roster))


def _read_reasons(r: Reader, node: Any, roster: list[str]) -> dict[str, ObservedReason]:
    """The sources' reasons for members' positions (``observed.reasons``)."""
    out = {}
    for mname, rnode in r.mapping(node or {}, "observed.reasons", optional=tuple(roster)).items():
        p = f"observed.reasons.{mname}"
        rnode = r.mapping(rnode, p, required=("stance", "source"), optional=("reason", "note"))
        reason = rnode.get("reason")
        out[mname] = ObservedReason(r.choice(rnode["stance"], f"{p}.stance", STANCES + ("absent",)),
                                    None if reason is None else r.choice(reason, f"{p}.reason", REASON_NAMES),
                                    r.source(rnode, p), str(rnode.get("note") or ""))
    return out


def _read_disagreements(r: Reader, node: Any) -> tuple[dict[str, Any], ...]:
    if node is None:
        return ()
    if not isinstance(node, list):
        raise r.fail("disagreements", f"expected a list, got {kind_of(node)}", "a list of {field, note, source}")
    out = []
    for i, d in enumerate(node):
        d = r.mapping(d, f"disagreements[{i}]", required=("field", "note", "source"))
        r.string(d["field"], f"disagreements[{i}].field")
        r.string(d["note"], f"disagreements[{i}].note")
        r.source(d, f"disagreements[{i}]")
        out.append(dict(d))
    return tuple(out)

