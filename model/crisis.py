"""The crisis: the case's facts turned into the mechanisms' inputs, uncertain facts drawn once per
replication, and each member's role in the case (requester, party, lead state or member).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import mechanisms as mech
from .ladder import LEVELS
from .params import Parameters
from .scenario import Case, MemberProfile

#: A member's role in a case (:func:`member_role`): an ``ally`` acts on the requester's side (threat.allies).
ROLES = ("member", "lead", "requester", "party", "ally")


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
    mandate: np.ndarray | float  # fit with the collective-defence clause ((R,) when the resolve is drawn)
    internality: np.ndarray | float
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
    to_organisation: bool = False  # the request went to the organisation (among its channels)
    lead_options: int = 0  # how many tracks of its own the lead state has (bilateral, mediation, own peacekeepers)
    resolve: np.ndarray | float = 0.0  # (R,) how hard the lead state pushes, in [0, 1)
    armed_clash: bool = False  # fighting involving a member, or a threat massing at its border
    convenable: tuple[int, ...] = ()  # Levels an organ may table without a request (on an armed clash)
    regular_days: tuple[float, ...] = ()  # per rung (index level - 1): the interval of the quickest regular body
    callers: tuple[str, ...] = ("chair", "lead_state")  # who may call an extraordinary session
    chair: str | None = None
    mandate_origin: str = "internal"  # threat.origin: where the threat comes from


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
    # The member the crisis is about: the requester, else (no request) the first member fighting in it.
    affected = requester or next(iter(case.value("threat.parties")), None)
    req_profile = roster.get(affected) if affected else None
    origin, framing = case.value("threat.origin"), case.value("request.framing")
    value = _strategic_value(case, req_profile, num)
    caps = org.capabilities_at(case.date)
    severity = mech.after_peak_severity(
        mech.crisis_severity(num("threat.deaths"), case.value("threat.scope"), params.severity_deaths_full,
                             params.severity_floor), case.value("request.timing"),
        after_peak_discount=params.after_peak_discount)
    regime_threat = mech.REGIME_THREAT[case.value("threat.regime_threat")]
    lead = roster.get(org.lead_state) if org.lead_state else None
    options = set(case.value("lead_state.options"))
    resolve = _lead_resolve(case, params, lead, value, severity, regime_threat)
    credit = params.framing_credit * resolve  # the framing works as far as the lead state wants it to (S001)
    return Crisis(
        replications=replications,
        requester=requester,
        requester_regions=req_profile.regions if req_profile else (),
        channel=case.value("request.channel"),
        requested=LEVELS.index(case.value("request.measure")),
        severity=severity,
        regime_threat=regime_threat,
        spillover_to=frozenset(case.value("threat.spillover_to")),
        mandate=mech.legal_mandate(origin, case.value("threat.territory"), framing, org.mandate, credit),
        internality=mech.internality(origin, framing, credit),
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
        mandate_origin=origin,
        **_agenda(case, options, resolve),
    )


def _strategic_value(case: Case, req_profile: MemberProfile | None, num) -> np.ndarray | float:
    """The affected member's value to the lead state: the case's own fact if it states one, else from the
    member's profile (border, installations, diaspora, economic weight), else none."""
    if "lead_state.strategic_value" in case.facts:
        return num("lead_state.strategic_value")
    if req_profile is not None:
        return mech.strategic_value(req_profile.border_with_lead_km, req_profile.lead_installations,
                                    req_profile.lead_diaspora_share, req_profile.economic_weight)
    return 0.0


def coded_strategic_value(case: Case) -> float:
    """The affected member's value to the lead state as the case codes it, without a draw: the central value of
    the case's own fact, else the value :func:`sample_crisis` derives from the member's profile (figures place a
    case at it)."""
    if "lead_state.strategic_value" in case.facts:
        return float(case.facts["lead_state.strategic_value"].central)
    affected = case.requester or next(iter(case.value("threat.parties")), None)
    profile = {m.name: m for m in case.roster}.get(affected) if affected else None
    return float(_strategic_value(case, profile, None))


def _lead_resolve(case: Case, params: Parameters, lead: MemberProfile | None, value, severity,
                  regime_threat) -> np.ndarray | float:
    """How hard the lead state pushes (0 without a lead state), from its net stake in the crisis."""
    if lead is None:
        return 0.0
    return mech.lead_resolve(mech.lead_net_stake(
        value, severity, regime_threat, mech.REGIME_INSECURITY[lead.regime], case.value("adversary.lead_state_relation"),
        case.value("adversary.name") is not None, case.value("lead_state.competing_commitments"),
        w_strategic=params.w_strategic, w_contagion=params.w_contagion, w_adversary=params.w_adversary,
        w_commitments=params.w_commitments), resolve_scale=params.resolve_scale)


def _agenda(case: Case, options: set[str], resolve: np.ndarray | float) -> dict:
    """The agenda's facts: where the request went, the organs in being, their calendar, who may call a session."""
    org = case.organisation
    organs = org.organs_at(case.date)
    if case.value("agenda.deciding_body") == "treaty_states":  # the Treaty's states: no standing organs
        organs = tuple(o for o in organs if not o.convenes) or organs
    clash = case.value("threat.origin") != "internal" and (case.facts["threat.deaths"].bounds[1] > 0
                                                          or bool(case.value("threat.massing")))
    regular = tuple(min((o.meets_every_days for o in organs if level in o.decides and o.meets_every_days),
                        default=365.0) for level in range(1, len(LEVELS)))
    return dict(to_organisation=any(c["to"] == "organisation" for c in case.value("request.channels")),
                lead_options=len(options), resolve=resolve, armed_clash=clash,
                convenable=tuple(sorted({lvl for o in organs for lvl in o.convenes})), regular_days=regular,
                callers=org.extraordinary_callers, chair=case.value("agenda.chair"))


def member_role(name: str, case: Case) -> str:
    """A member's role in the case: the requester, a party to the conflict, the lead state, or a member."""
    if name == case.requester:
        return "requester"
    if name in case.value("threat.allies"):
        return "ally"
    if name in case.value("threat.parties") or name == case.value("adversary.name"):
        return "party"
    if name == case.organisation.lead_state:
        return "lead"
    return "member"
