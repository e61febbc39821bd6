"""The crisis: the case's facts turned into the mechanisms' inputs, uncertain facts drawn once per
replication, and each member's role in the case (requester, party, lead state or member).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import mechanisms as mech
from .ladder import LEVELS
from .params import Parameters
from .scenario import Case

#: A member's role in a case (:func:`member_role`).
ROLES = ("member", "lead", "requester", "party")


@dataclass(frozen=True)
class Crisis:
    """The case's facts as the mechanisms use them; uncertain facts sampled per replication."""

    replications: int
    requester: str | None
    requester_regions: tuple[str, ...]
    channel: str
    requested: int  # the Level asked for at most
    severity: np.ndarray  # (R,)
    regime_threat: float
    spillover_to: frozenset[str]
    mandate: float  # fit with the collective-defence clause
    internality: float
    legitimacy_deficit: float
    adversary: str | None
    patrons: tuple[str, ...]
    lead_relation: str
    commitments: str
    strategic_value: np.ndarray | float  # the requester's value to the lead state
    readiness: float
    legal_relief: float
    force: float
    agenda_levels: tuple[int, ...]


def sample_crisis(case: Case, params: Parameters, replications: int, rng: np.random.Generator) -> Crisis:
    """Turn the case's facts into mechanism inputs, drawing each uncertain fact once per replication
    (in the sorted order of the facts' names, so that the draws do not depend on the file's layout)."""
    draws = {name: case.facts[name].sample(rng, replications)
             for name in sorted(case.facts) if case.facts[name].is_range}

    def num(name: str) -> np.ndarray:
        return draws[name] if name in draws else case.facts[name].sample(rng, replications)

    org = case.organisation
    roster = {m.name: m for m in case.roster}
    requester = case.value("request.by")
    req_profile = roster.get(requester) if requester else None
    origin, framing = case.value("threat.origin"), case.value("request.framing")
    if "lead_state.strategic_value" in case.facts:
        value: np.ndarray | float = num("lead_state.strategic_value")
    elif req_profile is not None:
        value = mech.strategic_value(req_profile.border_with_lead_km, req_profile.lead_installations,
                                     req_profile.lead_diaspora_share, req_profile.economic_weight)
    else:
        value = 0.0
    caps = org.capabilities_at(case.date)
    return Crisis(
        replications=replications,
        requester=requester,
        requester_regions=req_profile.regions if req_profile else (),
        channel=case.value("request.channel"),
        requested=LEVELS.index(case.value("request.measure")),
        severity=mech.crisis_severity(num("threat.deaths"), case.value("threat.scope"), params.severity_deaths_full,
                                      params.severity_floor),
        regime_threat=mech.REGIME_THREAT[case.value("threat.regime_threat")],
        spillover_to=frozenset(case.value("threat.spillover_to")),
        mandate=mech.legal_mandate(origin, case.value("threat.territory"), framing, org.mandate,
                                   params.framing_credit),
        internality=mech.internality(origin, framing, params.framing_credit),
        legitimacy_deficit=mech.LEGITIMACY_DEFICIT[case.value("government.legitimacy")],
        adversary=case.value("adversary.name"),
        patrons=tuple(case.value("adversary.patrons")),
        lead_relation=case.value("adversary.lead_state_relation"),
        commitments=case.value("lead_state.competing_commitments"),
        strategic_value=value,
        readiness=caps.readiness,
        legal_relief=caps.legal_relief,
        # Before a standing force exists, an ad hoc coalition is sized like the organisation's later force.
        force=caps.force if caps.force > 0 else max((c.force for c in org.capabilities), default=0.0),
        agenda_levels=org.agenda_levels,
    )


def member_role(name: str, case: Case) -> str:
    """A member's role in the case: the requester, a party to the conflict, the lead state, or a member."""
    if name == case.requester:
        return "requester"
    if name in case.value("threat.parties") or name == case.value("adversary.name"):
        return "party"
    if name == case.organisation.lead_state:
        return "lead"
    return "member"
