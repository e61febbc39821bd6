"""Where an organisation file is read: its schema, field by field (``docs/scenario-format.md``).

Every problem is raised as :class:`~model.errors.InputError` naming the file, the field, what is wrong
and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import quote
from ..files.fields import Reader
from ..files.fields import kind as kind_of
from ..files.formats import ORGANISATION_FORMAT
from ..files.manifest import sha256_file
from ..files.yamlsafe import read_yaml
from ..ladder import LEVELS, MEASURES
from ..rules import RULES
from .types import DEFAULT_ORGANS, MEMBER_KEYS, ByYear, Capability, Measure, Organ, Organisation

#: Regional security complexes (S001: the CSTO's three); East Asia, South Asia and the Middle East for the
#: SCO's other members (S000: China's strategic threats lie in East Asia, India's and Pakistan's in South Asia).
REGIONS = ("Central Asia", "Eastern Europe", "South Caucasus", "East Asia", "South Asia", "Middle East")
REGIMES = ("consolidated_autocracy", "electoral_autocracy", "hybrid", "democratising")


def load_organisation(path: Path) -> Organisation:
    """Read and validate an organisation file (``docs/scenario-format.md``)."""
    path = Path(path)
    r = Reader(str(path))
    top = r.mapping(read_yaml(path), "", required=("format", "name", "full_name", "lead_state", "default_rule",
                                                   "agenda", "measures", "mandate", "capabilities", "members"),
                    optional=("chair", "organs", "extraordinary_session"))
    if top["format"] != ORGANISATION_FORMAT:
        raise r.fail("format", f"{quote(top['format'])} is not supported", ORGANISATION_FORMAT)
    name = r.string(top["name"], "name", r"[a-z][a-z0-9_-]*", "lowercase letters, digits, '-' and '_'")
    full_name = r.string(top["full_name"], "full_name")

    members_node = r.mapping(top["members"], "members")
    if not members_node:
        raise r.fail("members", "no members", "at least one member")
    members = {mname: _read_member(r, mnode, f"members.{mname}") for mname, mnode in members_node.items()}

    lead = _fact_value(r, top["lead_state"], "lead_state")
    if lead is not None and (not isinstance(lead, str) or lead not in members):
        raise r.fail("lead_state.value", f"{quote(lead)} is not a member", ", ".join(members) + " or null")
    rule = r.choice(_fact_value(r, top["default_rule"], "default_rule"), "default_rule.value", tuple(RULES))

    agenda = r.mapping(top["agenda"], "agenda", required=("levels",))
    agenda_names = _fact_value(r, agenda["levels"], "agenda.levels")
    if not isinstance(agenda_names, list):
        raise r.fail("agenda.levels.value", f"expected a list, got {kind_of(agenda_names)}", ", ".join(MEASURES))
    agenda_levels = tuple(LEVELS.index(r.choice(x, "agenda.levels.value", MEASURES)) for x in agenda_names)

    mandate_keys = ("external_de_jure", "external_contested", "external_not_own", "internal", "member_state")
    md = r.mapping(top["mandate"], "mandate", required=mandate_keys, optional=("clause",))
    mandate = {k: r.number(_fact_value(r, md[k], f"mandate.{k}"), f"mandate.{k}.value", 0, 1)
               for k in mandate_keys}
    return Organisation(name=name, full_name=full_name, path=str(path), lead_state=lead, default_rule=rule,
                        agenda_levels=agenda_levels, measures=_read_measures(r, top["measures"]), mandate=mandate,
                        capabilities=_read_capabilities(r, top["capabilities"]), members=members,
                        sha256=sha256_file(path), chair=_read_chair(r, top.get("chair"), tuple(members)),
                        organs=_read_organs(r, top.get("organs")),
                        extraordinary_callers=_read_callers(r, top.get("extraordinary_session")))


def _read_chair(r: Reader, node: Any, members: tuple[str, ...]) -> ByYear | None:
    """The chair of the council by date (``chair: {by_year: [[date, member], ...], source}``)."""
    if node is None:
        return None
    node = r.mapping(node, "chair", required=("by_year", "source"), optional=("note",))
    r.source(node, "chair")
    entries = node["by_year"]
    if not isinstance(entries, list) or not entries:
        raise r.fail("chair.by_year", f"expected a list, got {kind_of(entries)}", "[[date, member], ...]")
    parsed = []
    for i, e in enumerate(entries):
        if not isinstance(e, list) or len(e) != 2:
            raise r.fail(f"chair.by_year[{i}]", f"expected [date, member], got {kind_of(e)}", "[date, member]")
        parsed.append((r.date(e[0], f"chair.by_year[{i}][0]"), r.choice(e[1], f"chair.by_year[{i}][1]", members)))
    return ByYear(tuple(sorted(parsed, key=lambda x: x[0])))


def _read_organs(r: Reader, node: Any) -> tuple[Organ, ...]:
    """The organisation's bodies (``organs``): from when, their regular calendar, what they decide and convene."""
    if node is None:
        return DEFAULT_ORGANS
    if not isinstance(node, list) or not node:
        raise r.fail("organs", f"expected a list, got {kind_of(node)}", "a list of organs")
    organs = []
    for i, onode in enumerate(node):
        p = f"organs[{i}]"
        onode = r.mapping(onode, p, required=("name", "from", "source"),
                          optional=("meets_every_days", "decides", "convenes", "note"))
        r.source(onode, p)
        every = onode.get("meets_every_days")
        levels = {}
        for key in ("decides", "convenes"):
            names = onode.get(key) or []
            if not isinstance(names, list):
                raise r.fail(f"{p}.{key}", f"expected a list, got {kind_of(names)}", ", ".join(MEASURES))
            levels[key] = tuple(sorted(LEVELS.index(r.choice(x, f"{p}.{key}", MEASURES)) for x in names))
        organs.append(Organ(r.string(onode["name"], f"{p}.name"), r.date(onode["from"], f"{p}.from"),
                            None if every is None else r.number(every, f"{p}.meets_every_days", 1, 3650),
                            levels["decides"], levels["convenes"]))
    if not any(o.decides for o in organs):
        raise r.fail("organs", "no organ decides any measure", "at least one organ with decides: [...]")
    return tuple(organs)


#: Who may call an extraordinary session of the council.
CALLERS = ("chair", "lead_state", "member")


def _read_callers(r: Reader, node: Any) -> tuple[str, ...]:
    if node is None:
        return ("chair", "lead_state")
    node = r.mapping(node, "extraordinary_session", required=("who_may_call", "source"), optional=("note",))
    r.source(node, "extraordinary_session")
    callers = node["who_may_call"]
    if not isinstance(callers, list) or not callers:
        raise r.fail("extraordinary_session.who_may_call", f"expected a list, got {kind_of(callers)}", ", ".join(CALLERS))
    return tuple(r.choice(c, "extraordinary_session.who_may_call", CALLERS) for c in callers)


#: A rung an older organisation file may leave out, with the properties it then takes (model assumption: a
#: neutral mission, between consultations and military-technical aid; docs/scenario-format.md).
DEFAULT_MEASURES = {"mission": {"benefit": 0.45, "intrusiveness": 0.1, "legal_need": 0.0, "sidetaking": 0.2,
                                "source": "model assumption; see docs/ODD.md"}}


def _read_measures(r: Reader, node: Any) -> tuple[Measure, ...]:
    """The properties of each rung above ``none`` (``measures``)."""
    mnode = r.mapping(node, "measures", required=tuple(m for m in MEASURES if m not in DEFAULT_MEASURES),
                      optional=tuple(DEFAULT_MEASURES))
    measures = []
    for level, mname in enumerate(MEASURES, start=1):
        node = r.mapping(mnode.get(mname, DEFAULT_MEASURES.get(mname)), f"measures.{mname}",
                         required=("benefit", "intrusiveness", "legal_need", "sidetaking", "source"),
                         optional=("note",))
        r.source(node, f"measures.{mname}")
        measures.append(Measure(mname, level, *(r.number(node[k], f"measures.{mname}.{k}", 0, 1) for k in
                                                ("benefit", "intrusiveness", "legal_need", "sidetaking"))))
    return tuple(measures)


def _read_capabilities(r: Reader, node: Any) -> tuple[Capability, ...]:
    """The organisation's forces and legal instruments, each from a date (``capabilities``)."""
    if not isinstance(node, list):
        raise r.fail("capabilities", f"expected a list, got {kind_of(node)}", "a list of capabilities")
    caps = []
    for i, cnode in enumerate(node):
        p = f"capabilities[{i}]"
        cnode = r.mapping(cnode, p, required=("name", "from", "force", "readiness", "legal_relief", "source"),
                          optional=("note",))
        r.source(cnode, p)
        caps.append(Capability(r.string(cnode["name"], f"{p}.name"), r.date(cnode["from"], f"{p}.from"),
                               r.number(cnode["force"], f"{p}.force", 0, 1e7),
                               r.number(cnode["readiness"], f"{p}.readiness", 0, 1),
                               r.number(cnode["legal_relief"], f"{p}.legal_relief", 0, 1)))
    return tuple(caps)


def _fact_value(r: Reader, node: Any, path: str) -> Any:
    node = r.mapping(node, path, required=("value", "source"), optional=("note",))
    r.source(node, path)
    return node["value"]


def _read_member(r: Reader, node: Any, path: str) -> dict[str, Any]:
    node = r.mapping(node, path, required=MEMBER_KEYS)
    out: dict[str, Any] = {}
    for key in MEMBER_KEYS:
        fpath = f"{path}.{key}"
        fnode = r.mapping(node[key], fpath, required=("source",), optional=("value", "by_year", "note"))
        r.source(fnode, fpath)
        if ("value" in fnode) == ("by_year" in fnode):
            raise r.fail(fpath, "needs exactly one of value and by_year", "value: X or by_year: [[date, X], ...]")
        if key == "membership":
            out[key] = _read_periods(r, fnode.get("value"), f"{fpath}.value")
            continue
        if "by_year" in fnode:
            entries = fnode["by_year"]
            if not isinstance(entries, list) or not entries:
                raise r.fail(f"{fpath}.by_year", f"expected a list, got {kind_of(entries)}", "[[date, value], ...]")
            parsed = []
            for i, e in enumerate(entries):
                if not isinstance(e, list) or len(e) != 2:
                    raise r.fail(f"{fpath}.by_year[{i}]", f"expected [date, value], got {kind_of(e)}", "[date, value]")
                parsed.append((r.date(e[0], f"{fpath}.by_year[{i}][0]"),
                               _member_value(r, key, e[1], f"{fpath}.by_year[{i}][1]")))
            out[key] = ByYear(tuple(sorted(parsed, key=lambda x: x[0])))
        else:
            out[key] = _member_value(r, key, fnode["value"], f"{fpath}.value")
    return out


def _read_periods(r: Reader, node: Any, path: str) -> tuple[tuple[Any, Any], ...]:
    if not isinstance(node, list) or not node:
        raise r.fail(path, f"expected a list of [from, to] periods, got {kind_of(node)}", "[[from, to or null], ...]")
    periods = []
    for i, p in enumerate(node):
        if not isinstance(p, list) or len(p) != 2:
            raise r.fail(f"{path}[{i}]", f"expected [from, to], got {kind_of(p)}", "[from, to or null]")
        start = r.date(p[0], f"{path}[{i}][0]")
        end = None if p[1] is None else r.date(p[1], f"{path}[{i}][1]")
        if end is not None and end <= start:
            raise r.fail(f"{path}[{i}]", "ends before it starts", "from < to")
        periods.append((start, end))
    return tuple(periods)


def _member_value(r: Reader, key: str, node: Any, path: str) -> Any:
    if key == "region":
        items = node if isinstance(node, list) else [node]
        return [r.choice(x, path, REGIONS) for x in items] if isinstance(node, list) else r.choice(node, path, REGIONS)
    if key == "regime":
        return r.choice(node, path, REGIMES)
    if key == "neighbours":
        if not isinstance(node, list):
            raise r.fail(path, f"expected a list of state names, got {kind_of(node)}", "[name, ...]")
        return [r.string(x, path) for x in node]
    if key == "ties":
        if node is None:
            return {}
        node = r.mapping(node, path)
        return {k: r.number(v, f"{path}.{k}", 0, 1) for k, v in node.items()}
    bounds = {"budget_share": (0, 1), "dependence": (0, 1), "force_pledge": (0, 1e7),
              "border_with_lead_km": (0, 1e5), "lead_installations": (0, 1000),
              "lead_diaspora_share": (0, 1), "economic_weight": (0, 1)}[key]
    return r.number(node, path, *bounds)

