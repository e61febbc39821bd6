"""The domain types of a scenario: an organisation (its measures, capabilities and members year by year)
and a case (its facts with their sources, and for a historical case what was observed).

These types import no other module of the package: the model's core reads them without reading files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
class Organ:
    """A body of the organisation (``organs`` in the organisation file): from when it exists, its regular
    calendar, the measures it may decide, and what it may put on the table itself, without a member's
    formal request, on an armed clash involving a member."""

    name: str
    start: tuple[int, int, int]
    meets_every_days: float | None  # the mean interval between its regular sessions (None: no calendar)
    decides: tuple[int, ...]  # Levels it may decide
    convenes: tuple[int, ...]  # Levels it may table on its own initiative


#: The organs of an organisation file that names none: one council deciding everything, meeting once a year,
#: tabling nothing on its own (docs/scenario-format.md, "Organisation file").
DEFAULT_ORGANS = (Organ("council", (1, 1, 1), 365.0, (1, 2, 3, 4), ()),)


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
    chair: ByYear | None = None  # the chair of the council by date
    organs: tuple[Organ, ...] = DEFAULT_ORGANS
    extraordinary_callers: tuple[str, ...] = ("chair", "lead_state")  # who may call an extraordinary session

    def chair_at(self, date: tuple[int, int, int]) -> str | None:
        """The member chairing the council at ``date`` (None when the file gives no rotation or it starts later)."""
        if self.chair is None or self.chair.entries[0][0] > date:
            return None
        return _at(self.chair, date)

    def organs_at(self, date: tuple[int, int, int]) -> tuple[Organ, ...]:
        """The organs in being at ``date``."""
        return tuple(o for o in self.organs if o.start <= date)

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
    if isinstance(attr, ByYear):
        current = attr.entries[0][1]
        for start, value in attr.entries:
            if start <= date:
                current = value
        return current
    return attr


@dataclass(frozen=True)
class ByYear:
    entries: tuple[tuple[tuple[int, int, int], Any], ...]




@dataclass(frozen=True)
class Fact:
    """One fact of a case: a value, or a numeric range sampled per replication; always with a source."""

    value: Any
    low: float | None
    high: float | None
    source: str
    note: str = ""
    #: Weighted alternative codings (docs/scenario-format.md, "Alternative codings"): (weight, Fact) pairs; the
    #: fact itself keeps the remaining weight. Each replication draws one coding (``model/codings.py``).
    alternatives: tuple[tuple[float, Fact], ...] = ()
    set_label: str = ""  # an alternative's joint recoding: alternatives with the same label are drawn together

    @property
    def is_range(self) -> bool:
        return self.low is not None

    @property
    def central(self) -> Any:
        return (self.low + self.high) / 2 if self.is_range else self.value

    @property
    def bounds(self) -> list[float]:
        """``[low, high]``; a value gives ``[value, value]``."""
        return [self.low, self.high] if self.is_range else [float(self.value), float(self.value)]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws: uniform over the range, or the value repeated."""
        if self.is_range:
            return rng.uniform(self.low, self.high, size=n)
        return np.full(n, float(self.value))


@dataclass(frozen=True)
class ObservedReason:
    """A member's position as the sources report it, and the reason they give (``observed.reasons``)."""

    stance: str  # support | acquiesce | delay | object | absent
    reason: str | None  # a reason name of model/terms.py, or None when the sources give none
    source: str
    note: str = ""


@dataclass(frozen=True)
class Observed:
    outcome: str
    days_to_decision: Fact | None
    contributions: dict[str, Fact]
    source: str
    decided: bool = True  # False: a request that got no decision (observed.decided)
    convened_by: str | None = None  # who put it on the agenda (observed.convened_by)
    reasons: dict[str, ObservedReason] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The observed values as a results folder records them (days and troops as [low, high])."""
        out = {"outcome": self.outcome, "source": self.source,
               "days": self.days_to_decision.bounds if self.days_to_decision is not None else None,
               "troops": {m: f.bounds for m, f in self.contributions.items()}}
        if not self.decided:
            out["decided"] = False
        if self.reasons:
            out["reasons"] = {m: {"stance": r.stance, "reason": r.reason} for m, r in sorted(self.reasons.items())}
        return out


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
    def alternatives(self) -> dict[str, tuple[tuple[float, Fact], ...]]:
        """The facts coded with weighted alternatives: name -> (weight, alternative Fact) pairs."""
        return {name: f.alternatives for name, f in sorted(self.facts.items()) if f.alternatives}

    @property
    def requester(self) -> str | None:
        return self.facts["request.by"].value

    @property
    def member_names(self) -> list[str]:
        return sorted(m.name for m in self.roster)

    def record(self) -> dict[str, Any]:
        """What a results folder records of the case: its files (with their SHA-256), what was observed, and
        each numeric fact's coded (central) value; so that its figures never re-open the case file."""
        return {"id": self.id, "path": self.path, "sha256": self.sha256, "organisation": self.organisation.path,
                "organisation_sha256": self.organisation.sha256,
                "observed": self.observed.as_dict() if self.observed is not None else None,
                "coded": {name: float(f.central) for name, f in self.facts.items() if f.is_range or _is_number(f.value)}}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
