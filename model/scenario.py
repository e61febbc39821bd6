"""Where a scenario is read: organisation and case files, validated field by field.

Every problem is raised as :class:`~model.errors.InputError` naming the file, the field, what is wrong
and what is allowed. The format is documented in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .errors import InputError
from .ladder import LEVELS, MEASURES
from .reading import Reader as _Reader
from .reading import format_date
from .reading import kind as _kind

MAX_FILE_BYTES = 1_000_000
CASE_FORMAT = "csto-sim/case-1"
ORGANISATION_FORMAT = "csto-sim/organisation-1"

#: Regional security complexes (S001: the CSTO's three); East Asia, South Asia and the Middle East for the
#: SCO's other members (S000: China's strategic threats lie in East Asia, India's and Pakistan's in South Asia).
REGIONS = ("Central Asia", "Eastern Europe", "South Caucasus", "East Asia", "South Asia", "Middle East")
REGIMES = ("consolidated_autocracy", "electoral_autocracy", "hybrid", "democratising")

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
}
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
}
REQUIRED_FACTS = (
    "request.by", "request.channel", "request.measure", "request.framing",
    "threat.origin", "threat.territory", "threat.deaths", "threat.scope", "threat.regime_threat",
    "government.legitimacy", "adversary.name", "adversary.lead_state_relation",
)
DEFAULT_FACTS: dict[str, Any] = {
    "threat.spillover_to": [], "threat.parties": [], "adversary.patrons": [],
    "lead_state.competing_commitments": "none",
}
WHATIF_ONLY_FACTS = ("lead_state.strategic_value",)
ALL_FACTS = tuple(CATEGORIES) + tuple(NUMERIC) + tuple(NAMES)


# --------------------------------------------------------------------------------------------------
# Reading YAML safely
# --------------------------------------------------------------------------------------------------

class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys and aliases (no object construction either way)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. a date 2022-02-30, an integer of 5,000 digits
            value = node.value if isinstance(node.value, str) else node.tag
            raise yaml.constructor.ConstructorError(
                None, None, f"{value[:40]!r} cannot be read ({str(exc).split(';')[0]})", node.start_mark) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a {type(key).__name__} as a mapping key", key_node.start_mark) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Read a YAML file with the safe loader; every failure becomes an InputError naming the file."""
    where = str(path)
    try:
        if path.is_dir():
            raise InputError(where, "", "is a folder, not a file", "a .yaml file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(where, "", f"file is {size} bytes", f"at most {MAX_FILE_BYTES} bytes")
        with path.open("rb") as f:  # read at most the limit: a device or pipe may not know its size
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise InputError(where, "", f"file is over {MAX_FILE_BYTES} bytes", f"at most {MAX_FILE_BYTES} bytes")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise InputError(where, "", "no such file", "an existing .yaml file") from None
    except PermissionError:
        raise InputError(where, "", "cannot be read (permission denied)", "a readable file") from None
    except UnicodeDecodeError:
        raise InputError(where, "", "is not UTF-8 text", "a UTF-8 YAML file") from None
    except OSError as exc:
        raise InputError(where, "", f"cannot be read ({exc.strerror})", "a readable file") from None
    except ValueError as exc:  # e.g. a NUL character in the path
        raise InputError(where, "", f"is not a usable file name ({exc})", "a path to a .yaml file") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = f"line {mark.line + 1}" if mark else "YAML"
        problem = exc.problem or "cannot be constructed"
        if "could not determine a constructor" in problem:
            problem = f"YAML tag {problem.split('tag ', 1)[-1]} would construct an object"
            return_allowed = "plain YAML: mappings, lists, strings, numbers, booleans, null"
            raise InputError(where, line, problem, return_allowed) from None
        raise InputError(where, line, problem, "plain YAML with unique text keys") from None
    except yaml.reader.ReaderError as exc:
        raise InputError(where, f"character {exc.position + 1}", f"malformed YAML: {exc.reason}",
                         "printable UTF-8 text") from None
    except RecursionError:
        raise InputError(where, "YAML", "nested too deeply", "plain YAML nested a few levels deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise InputError(where, line, f"malformed YAML: {problem}", "valid YAML") from None


# --------------------------------------------------------------------------------------------------
# Small typed readers: each takes the node, its dotted path and the file name for errors
# --------------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------------
# Organisation
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """One rung of the ladder above `none`, with the properties that price it (all 0..1)."""

    name: str
    level: int
    benefit: float  # share of a member's stake that this measure answers
    intrusiveness: float  # how far it intrudes (troops on the ground = 1)
    legal_need: float  # how much it needs a collective-defence mandate
    sidetaking: float  # how openly it takes sides against an adversary


@dataclass(frozen=True)
class Capability:
    name: str
    start: tuple[int, int, int]
    force: float
    readiness: float
    legal_relief: float


@dataclass(frozen=True)
class MemberProfile:
    """A member's structural attributes in one year (resolved from the organisation file)."""

    name: str
    regions: tuple[str, ...]
    budget_share: float
    dependence: float
    regime: str
    force_pledge: float
    border_with_lead_km: float
    lead_installations: float
    lead_diaspora_share: float
    economic_weight: float
    neighbours: frozenset[str]
    ties: tuple[tuple[str, float], ...]

    def tie_to(self, state: str | None) -> float:
        return dict(self.ties).get(state, 0.0) if state else 0.0

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything but the name: used to order members independently of their names."""
        return (self.regions, self.budget_share, self.dependence, self.regime, self.force_pledge,
                self.border_with_lead_km, self.lead_installations, self.lead_diaspora_share,
                self.economic_weight, len(self.neighbours), tuple(sorted(v for _, v in self.ties)))


@dataclass(frozen=True)
class CapabilityState:
    """The organisation's forces and legal instruments in force at a date."""

    force: float  # troops of the largest collective force in being
    readiness: float  # 0 (no standing force) .. 1 (a rapid reaction force)
    legal_relief: float  # 0..1, a status-of-forces (jurisdiction) agreement
    names: tuple[str, ...]


MEMBER_KEYS = ("membership", "region", "budget_share", "dependence", "regime", "force_pledge",
               "border_with_lead_km", "lead_installations", "lead_diaspora_share", "economic_weight",
               "neighbours", "ties")


@dataclass(frozen=True)
class Organisation:
    name: str
    full_name: str
    path: str
    lead_state: str | None
    default_rule: str
    agenda_levels: tuple[int, ...]
    measures: tuple[Measure, ...]
    mandate: dict[str, float]
    capabilities: tuple[Capability, ...]
    members: dict[str, dict[str, Any]]  # name -> attribute -> value or [(date, value), ...]
    sha256: str

    def roster(self, date: tuple[int, int, int]) -> list[MemberProfile]:
        """The members on the council at ``date``, with attributes as they stood then."""
        out = []
        for name, attrs in self.members.items():
            if any(start <= date and (end is None or date < end) for start, end in attrs["membership"]):
                values = {k: _at(attrs[k], date) for k in MEMBER_KEYS if k != "membership"}
                regions = values.pop("region")
                out.append(MemberProfile(
                    name=name, regions=tuple(regions) if isinstance(regions, list) else (regions,),
                    neighbours=frozenset(values.pop("neighbours")),
                    ties=tuple(sorted(values.pop("ties").items())),
                    **{k: (v if k == "regime" else float(v)) for k, v in values.items()}))
        return out

    def first_date(self) -> tuple[int, int, int]:
        return min(start for attrs in self.members.values() for start, _ in attrs["membership"])

    def capabilities_at(self, date: tuple[int, int, int]) -> CapabilityState:
        active = [c for c in self.capabilities if c.start <= date]
        return CapabilityState(
            force=max((c.force for c in active), default=0.0),
            readiness=max((c.readiness for c in active), default=0.0),
            legal_relief=max((c.legal_relief for c in active), default=0.0),
            names=tuple(c.name for c in active))

    def measure(self, level: int) -> Measure:
        return self.measures[level - 1]


def _at(attr: Any, date: tuple[int, int, int]) -> Any:
    if isinstance(attr, _ByYear):
        current = attr.entries[0][1]
        for start, value in attr.entries:
            if start <= date:
                current = value
        return current
    return attr


@dataclass(frozen=True)
class _ByYear:
    entries: tuple[tuple[tuple[int, int, int], Any], ...]


def load_organisation(path: Path) -> Organisation:
    """Read and validate an organisation file (``docs/scenario-format.md``)."""
    path = Path(path)
    data = read_yaml(path)
    r = _Reader(str(path))
    top = r.mapping(data, "", required=("format", "name", "full_name", "lead_state", "default_rule",
                                        "agenda", "measures", "mandate", "capabilities", "members"))
    if top["format"] != ORGANISATION_FORMAT:
        raise r.fail("format", f"{top['format']!r} is not supported", ORGANISATION_FORMAT)
    name = r.string(top["name"], "name", r"[a-z][a-z0-9_-]*", "lowercase letters, digits, '-' and '_'")
    full_name = r.string(top["full_name"], "full_name")

    members_node = r.mapping(top["members"], "members")
    if not members_node:
        raise r.fail("members", "no members", "at least one member")
    members: dict[str, dict[str, Any]] = {}
    for mname, mnode in members_node.items():
        members[mname] = _read_member(r, mnode, f"members.{mname}")

    lead = _fact_value(r, top["lead_state"], "lead_state")
    if lead is not None and (not isinstance(lead, str) or lead not in members):
        raise r.fail("lead_state.value", f"{lead!r} is not a member", ", ".join(members) + " or null")

    rule = _fact_value(r, top["default_rule"], "default_rule")
    from .rules import RULES  # local import: rules do not depend on scenarios
    r.choice(rule, "default_rule.value", tuple(RULES))

    agenda = r.mapping(top["agenda"], "agenda", required=("levels",))
    agenda_names = _fact_value(r, agenda["levels"], "agenda.levels")
    if not isinstance(agenda_names, list):
        raise r.fail("agenda.levels.value", f"expected a list, got {_kind(agenda_names)}", ", ".join(MEASURES))
    agenda_levels = tuple(LEVELS.index(r.choice(x, "agenda.levels.value", MEASURES)) for x in agenda_names)

    mnode = r.mapping(top["measures"], "measures", required=MEASURES)
    measures = []
    for level, mname in enumerate(MEASURES, start=1):
        node = r.mapping(mnode[mname], f"measures.{mname}",
                         required=("benefit", "intrusiveness", "legal_need", "sidetaking", "source"),
                         optional=("note",))
        r.source(node, f"measures.{mname}")
        measures.append(Measure(mname, level, *(r.number(node[k], f"measures.{mname}.{k}", 0, 1) for k in
                                                ("benefit", "intrusiveness", "legal_need", "sidetaking"))))

    mandate_keys = ("external_de_jure", "external_contested", "external_not_own", "internal", "member_state")
    md = r.mapping(top["mandate"], "mandate", required=mandate_keys, optional=("clause",))
    mandate = {k: r.number(_fact_value(r, md[k], f"mandate.{k}"), f"mandate.{k}.value", 0, 1)
               for k in mandate_keys}

    if not isinstance(top["capabilities"], list):
        raise r.fail("capabilities", f"expected a list, got {_kind(top['capabilities'])}", "a list of capabilities")
    caps = []
    for i, node in enumerate(top["capabilities"]):
        p = f"capabilities[{i}]"
        node = r.mapping(node, p, required=("name", "from", "force", "readiness", "legal_relief", "source"),
                         optional=("note",))
        r.source(node, p)
        caps.append(Capability(r.string(node["name"], f"{p}.name"), r.date(node["from"], f"{p}.from"),
                               r.number(node["force"], f"{p}.force", 0, 1e7),
                               r.number(node["readiness"], f"{p}.readiness", 0, 1),
                               r.number(node["legal_relief"], f"{p}.legal_relief", 0, 1)))
    return Organisation(name=name, full_name=full_name, path=str(path), lead_state=lead, default_rule=rule,
                        agenda_levels=agenda_levels, measures=tuple(measures), mandate=mandate,
                        capabilities=tuple(caps), members=members, sha256=_sha256(path))


def _fact_value(r: _Reader, node: Any, path: str) -> Any:
    node = r.mapping(node, path, required=("value", "source"), optional=("note",))
    r.source(node, path)
    return node["value"]


def _read_member(r: _Reader, node: Any, path: str) -> dict[str, Any]:
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
                raise r.fail(f"{fpath}.by_year", f"expected a list, got {_kind(entries)}", "[[date, value], ...]")
            parsed = []
            for i, e in enumerate(entries):
                if not isinstance(e, list) or len(e) != 2:
                    raise r.fail(f"{fpath}.by_year[{i}]", f"expected [date, value], got {_kind(e)}", "[date, value]")
                parsed.append((r.date(e[0], f"{fpath}.by_year[{i}][0]"),
                               _member_value(r, key, e[1], f"{fpath}.by_year[{i}][1]")))
            out[key] = _ByYear(tuple(sorted(parsed, key=lambda x: x[0])))
        else:
            out[key] = _member_value(r, key, fnode["value"], f"{fpath}.value")
    return out


def _read_periods(r: _Reader, node: Any, path: str) -> tuple[tuple[Any, Any], ...]:
    if not isinstance(node, list) or not node:
        raise r.fail(path, f"expected a list of [from, to] periods, got {_kind(node)}", "[[from, to or null], ...]")
    periods = []
    for i, p in enumerate(node):
        if not isinstance(p, list) or len(p) != 2:
            raise r.fail(f"{path}[{i}]", f"expected [from, to], got {_kind(p)}", "[from, to or null]")
        start = r.date(p[0], f"{path}[{i}][0]")
        end = None if p[1] is None else r.date(p[1], f"{path}[{i}][1]")
        if end is not None and end <= start:
            raise r.fail(f"{path}[{i}]", "ends before it starts", "from < to")
        periods.append((start, end))
    return tuple(periods)


def _member_value(r: _Reader, key: str, node: Any, path: str) -> Any:
    if key == "region":
        items = node if isinstance(node, list) else [node]
        return [r.choice(x, path, REGIONS) for x in items] if isinstance(node, list) else r.choice(node, path, REGIONS)
    if key == "regime":
        return r.choice(node, path, REGIMES)
    if key == "neighbours":
        if not isinstance(node, list):
            raise r.fail(path, f"expected a list of state names, got {_kind(node)}", "[name, ...]")
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


# --------------------------------------------------------------------------------------------------
# Case
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    """One fact of a case: a value, or a numeric range sampled per replication; always with a source."""

    value: Any
    low: float | None
    high: float | None
    source: str
    note: str = ""

    @property
    def is_range(self) -> bool:
        return self.low is not None

    @property
    def central(self) -> Any:
        return (self.low + self.high) / 2 if self.is_range else self.value

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws: uniform over the range, or the value repeated."""
        if self.is_range:
            return rng.uniform(self.low, self.high, size=n)
        return np.full(n, float(self.value))


@dataclass(frozen=True)
class Observed:
    outcome: str
    days_to_decision: Fact | None
    contributions: dict[str, Fact]
    source: str


@dataclass(frozen=True)
class Case:
    """A crisis: facts with sources, the organisation it goes to, and (historical) what was observed."""

    id: str
    title: str
    kind: str
    path: str
    organisation: Organisation
    date: tuple[int, int, int]
    facts: dict[str, Fact]
    observed: Observed | None
    stake_shifts: dict[str, float]
    disagreements: tuple[dict[str, Any], ...]
    summary: str
    sha256: str
    roster: tuple[MemberProfile, ...] = field(default_factory=tuple)

    def value(self, name: str) -> Any:
        return self.facts[name].value

    @property
    def requester(self) -> str | None:
        return self.facts["request.by"].value

    @property
    def member_names(self) -> list[str]:
        return sorted(m.name for m in self.roster)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def scenarios_root() -> Path:
    """The scenarios folder: $CSTO_SIM_SCENARIOS, ./scenarios, or the one beside the package."""
    env = os.environ.get("CSTO_SIM_SCENARIOS")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if (here / "organisations").is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "scenarios"


def find_organisation(name: str, case_path: Path) -> Path | None:
    candidates = [case_path.parent / "organisations", case_path.parent.parent / "organisations",
                  scenarios_root() / "organisations"]
    for folder in candidates:
        p = folder / f"{name}.yaml"
        if p.is_file():
            return p
    return None


def resolve_scenario(ref: str | os.PathLike[str]) -> Path:
    """A path to a case file, or a case id looked up under the scenarios folder."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or os.sep in str(ref) or _exists(p):
        return p
    matches = sorted(scenarios_root().rglob(f"{ref}.yaml"))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(sorted(x.stem for x in list_case_files()))
        raise InputError(str(ref), "", "no such scenario file or case id", known)
    raise InputError(str(ref), "", "ambiguous case id", ", ".join(map(str, matches)))


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except (OSError, ValueError):  # e.g. a name too long: read_yaml reports it
        return True


def list_case_files(root: Path | None = None) -> list[Path]:
    root = root or scenarios_root()
    return sorted(p for p in root.rglob("*.yaml") if "organisations" not in p.parts)


_ORG_CACHE: dict[tuple[str, str], Organisation] = {}


def load_scenario(path: str | os.PathLike[str]) -> Case:
    """Read and validate a case file (and the organisation file it names); see docs/scenario-format.md."""
    path = resolve_scenario(path)
    data = read_yaml(path)
    r = _Reader(str(path))
    top = r.mapping(data, "", required=("format", "id", "title", "kind", "organisation", "date", "facts"),
                    optional=("summary", "observed", "disagreements", "overrides"))
    if top["format"] != CASE_FORMAT:
        raise r.fail("format", f"{top['format']!r} is not supported", CASE_FORMAT)
    case_id = r.string(top["id"], "id", r"[a-z0-9][a-z0-9-]*", "lowercase letters, digits and '-'")
    title = r.string(top["title"], "title")
    kind = r.choice(top["kind"], "kind", ("historical", "what-if"))
    org_name = r.string(top["organisation"], "organisation", r"[a-z][a-z0-9_-]*", "an organisation file's name")
    org_path = find_organisation(org_name, path)
    if org_path is None:
        raise r.fail("organisation", f"no organisation file {org_name}.yaml found",
                     "a file under scenarios/organisations/")
    try:
        key = (str(org_path.resolve()), _sha256(org_path)) if org_path.stat().st_size <= MAX_FILE_BYTES else None
    except OSError:
        key = None  # unreadable: load_organisation reports it
    org = _ORG_CACHE.get(key) if key else None
    if org is None:
        org = load_organisation(org_path)
        if key:
            _ORG_CACHE[key] = org
    date = r.date(top["date"], "date")
    roster = org.roster(date)
    if not roster:
        raise r.fail("date", f"{format_date(date)}: no roster of {org.name} in that year",
                     f"dates from {format_date(org.first_date())} on")
    roster_names = sorted(m.name for m in roster)

    facts = _read_facts(r, top["facts"], kind, roster_names, org)
    observed = _read_observed(r, top.get("observed"), kind, roster_names)
    disagreements = _read_disagreements(r, top.get("disagreements"))
    shifts: dict[str, float] = {}
    if "overrides" in top:
        if kind == "historical":
            raise r.fail("overrides", "a historical case holds facts only: overrides are not allowed",
                         "overrides in what-if files")
        ov = r.mapping(top["overrides"], "overrides", optional=("perceptions",))
        per = r.mapping(ov.get("perceptions", {}), "overrides.perceptions", optional=tuple(roster_names))
        for mname, node in per.items():
            p = f"overrides.perceptions.{mname}"
            node = r.mapping(node, p, required=("stake_shift", "source"), optional=("note",))
            r.source(node, p)
            shifts[mname] = r.number(node["stake_shift"], f"{p}.stake_shift", -5, 5)
    summary = top.get("summary") or ""
    if not isinstance(summary, str):
        raise r.fail("summary", f"expected text, got {_kind(summary)}", "text")
    return Case(id=case_id, title=title, kind=kind, path=str(path), organisation=org, date=date, facts=facts,
                observed=observed, stake_shifts=shifts, disagreements=disagreements, summary=summary.strip(),
                sha256=_sha256(path), roster=tuple(roster))


def _read_fact(r: _Reader, node: Any, path: str) -> Fact:
    node = r.mapping(node, path, required=("source",), optional=("value", "range", "note"))
    source = r.source(node, path)
    if ("value" in node) == ("range" in node):
        raise r.fail(path, "needs exactly one of value and range", "value: X or range: [low, high]")
    note = node.get("note") or ""
    if "range" in node:
        rg = node["range"]
        if not isinstance(rg, list) or len(rg) != 2:
            raise r.fail(f"{path}.range", f"expected [low, high], got {_kind(rg)}", "[low, high]")
        lo = r.number(rg[0], f"{path}.range[0]", -1e12, 1e12)
        hi = r.number(rg[1], f"{path}.range[1]", -1e12, 1e12)
        if lo > hi:
            raise r.fail(f"{path}.range", f"low {lo:g} is above high {hi:g}", "low <= high")
        return Fact(None, lo, hi, source, str(note))
    return Fact(node["value"], None, None, source, str(note))


def _read_facts(r: _Reader, node: Any, kind: str, roster: list[str], org: Organisation) -> dict[str, Fact]:
    groups = r.mapping(node, "facts", required=("request", "threat", "government", "adversary"),
                       optional=("lead_state",))
    facts: dict[str, Fact] = {}
    for group, gnode in groups.items():
        keys = tuple(f.split(".", 1)[1] for f in ALL_FACTS if f.startswith(group + "."))
        gnode = r.mapping(gnode, f"facts.{group}", optional=keys)
        for key, fnode in gnode.items():
            facts[f"{group}.{key}"] = _read_fact(r, fnode, f"facts.{group}.{key}")
    for name in REQUIRED_FACTS:
        if name not in facts:
            raise r.fail(f"facts.{name}", "missing", "see docs/scenario-format.md")
    for name, default in DEFAULT_FACTS.items():
        facts.setdefault(name, Fact(default, None, None, "default"))
    for name in WHATIF_ONLY_FACTS:
        if name in facts and kind == "historical":
            raise r.fail(f"facts.{name}", "is a what-if lever, not a fact: not allowed in a historical case",
                         "what-if files only")
    for name, fact in facts.items():
        p = f"facts.{name}"
        if name in NUMERIC:
            lo, hi = NUMERIC[name]
            if fact.is_range:
                r.number(fact.low, f"{p}.range[0]", lo, hi)
                r.number(fact.high, f"{p}.range[1]", lo, hi)
            else:
                r.number(fact.value, f"{p}.value", lo, hi)
        elif fact.is_range:
            raise r.fail(f"{p}.range", "only numeric facts take a range", ", ".join(NUMERIC))
        elif name in CATEGORIES:
            r.choice(fact.value, f"{p}.value", CATEGORIES[name])
        elif NAMES.get(name) == "list":
            if not isinstance(fact.value, list) or not all(isinstance(x, str) and x for x in fact.value):
                raise r.fail(f"{p}.value", f"expected a list of state names, got {_kind(fact.value)}", "[name, ...]")
            if name == "threat.parties":
                for x in fact.value:
                    r.choice(x, f"{p}.value", tuple(roster))
        elif NAMES.get(name) == "member-or-null":
            if fact.value is not None and (not isinstance(fact.value, str) or fact.value not in roster):
                raise r.fail(f"{p}.value", f"{fact.value!r} is not allowed", ", ".join(roster) + " or null")
        elif NAMES.get(name) == "name-or-null" and fact.value is not None:
            r.string(fact.value, f"{p}.value", allowed="a state's or group's name, or null")
    if facts["request.by"].value is None and facts["request.channel"].value != "none":
        raise r.fail("facts.request.channel.value", "a request channel without a requester", "none when request.by is null")
    if facts["request.by"].value is not None and facts["request.channel"].value == "none":
        raise r.fail("facts.request.channel.value", "a requester without a channel", "organisation, bilateral")
    return facts


def _read_observed(r: _Reader, node: Any, kind: str, roster: list[str]) -> Observed | None:
    if node is None:
        if kind == "historical":
            raise r.fail("observed", "missing: a historical case records its observed outcome", "observed: {outcome: ...}")
        return None
    if kind != "historical":
        raise r.fail("observed", "only historical cases record an observed outcome", "no observed: in what-if files")
    node = r.mapping(node, "observed", required=("outcome",), optional=("days_to_decision", "contributions"))
    outcome = _read_fact(r, node["outcome"], "observed.outcome")
    r.choice(outcome.value, "observed.outcome.value", LEVELS)
    days = None
    if node.get("days_to_decision") is not None:
        days = _read_fact(r, node["days_to_decision"], "observed.days_to_decision")
        for v, p in ((days.low, "range[0]"), (days.high, "range[1]")) if days.is_range else ((days.value, "value"),):
            r.number(v, f"observed.days_to_decision.{p}", 0, 10000)
    contributions = {}
    cnode = r.mapping(node.get("contributions") or {}, "observed.contributions", optional=tuple(roster))
    for mname, fnode in cnode.items():
        fact = _read_fact(r, fnode, f"observed.contributions.{mname}")
        for v, p in ((fact.low, "range[0]"), (fact.high, "range[1]")) if fact.is_range else ((fact.value, "value"),):
            r.number(v, f"observed.contributions.{mname}.{p}", 0, 1e7)
        contributions[mname] = fact
    return Observed(outcome=outcome.value, days_to_decision=days, contributions=contributions, source=outcome.source)


def _read_disagreements(r: _Reader, node: Any) -> tuple[dict[str, Any], ...]:
    if node is None:
        return ()
    if not isinstance(node, list):
        raise r.fail("disagreements", f"expected a list, got {_kind(node)}", "a list of {field, note, source}")
    out = []
    for i, d in enumerate(node):
        d = r.mapping(d, f"disagreements[{i}]", required=("field", "note", "source"))
        r.string(d["field"], f"disagreements[{i}].field")
        r.string(d["note"], f"disagreements[{i}].note")
        r.source(d, f"disagreements[{i}]")
        out.append(dict(d))
    return tuple(out)


def with_facts(case: Case, changes: dict[str, Any], source: str = "what-if") -> Case:
    """A copy of ``case`` with some facts replaced (``{"request.framing": "internal", ...}``), as a what-if.

    Values are checked like a file's; a numeric fact may be given as ``(low, high)``. Used by sweeps and
    by what-if analysis; the copy's kind is ``what-if`` and it keeps no observed outcome.
    """
    if not changes:
        return case
    r = _Reader(f"{case.path} (what-if)")
    node: dict[str, dict[str, Any]] = {}
    for name, fact in case.facts.items():
        if fact.source == "default" and name not in changes:
            continue
        group, key = name.split(".", 1)
        node.setdefault(group, {})[key] = (
            {"range": [fact.low, fact.high], "source": fact.source} if fact.is_range
            else {"value": fact.value, "source": fact.source})
    for name, value in changes.items():
        if name not in ALL_FACTS:
            raise r.fail(f"facts.{name}", "unknown fact", ", ".join(ALL_FACTS))
        group, key = name.split(".", 1)
        entry = ({"range": list(value), "source": source} if isinstance(value, tuple)
                 else {"value": value, "source": source})
        node.setdefault(group, {})[key] = entry
    roster = sorted(m.name for m in case.roster)
    facts = _read_facts(r, node, "what-if", roster, case.organisation)
    return dataclasses.replace(case, kind="what-if", facts=facts, observed=None)
