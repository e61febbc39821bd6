"""The terms of a member's utility: a registry of the benefit and cost terms the mechanisms compute, with
who bears each and its source, as the decision rules are registered in ``rules.py``.

A member's utility of a measure is ``benefit x (sum of the benefit terms + noise + what-if shift) - sum of
the cost terms`` (docs/ODD.md 7.13). Each term has

- ``name``: the reason shown for a stance when the term dominates it (``csto-sim run``, ``reason.*``
  columns of the results);
- ``kind``: ``benefit`` (a component of the stake), ``cost`` (of one measure) or ``role`` (a reason that
  comes from the member's role, not from a computed term);
- who bears it (``bearer`` in words, ``roles``: the roles in the case that bear it; the others get 0);
- ``source``: the sources behind it, as keys of ``docs/bibliography.yaml`` (as in the mechanisms' docstrings);
- ``compute``: a benefit term maps a :class:`Situation` to an array over replications, a cost term maps a
  situation and a measure to a number (an array over replications when a parameter it uses differs between
  replications, as when many points run side by side); role terms compute nothing.

The order of registration fixes the reason codes written in results: a new term goes at the end.
Sources are cited by key: ``docs/bibliography.yaml`` (S000-S004 are the five seed articles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import mechanisms as mech
from .crisis import ROLES, Crisis
from .ladder import REASON_NAMES, Level
from .params import Parameters

if TYPE_CHECKING:
    from .scenario import Measure, MemberProfile

KINDS = ("role", "benefit", "cost")
EVERY_MEMBER = frozenset(ROLES)
LEAD_STATE = frozenset({"lead"})


@dataclass(frozen=True)
class Situation:
    """What a member's terms are computed from: the crisis, the parameters and the member's attributes."""

    crisis: Crisis
    params: Parameters
    profile: MemberProfile
    interest: float  # in the requester's region (1 inside it)
    burden: float  # share of an operation's burden it expects to carry

    @property
    def insecurity(self) -> float:
        return mech.REGIME_INSECURITY[self.profile.regime]


@dataclass(frozen=True)
class Term:
    name: str
    kind: str
    bearer: str
    roles: frozenset[str]
    source: str
    compute: Callable[..., Any] | None


TERMS: dict[str, Term] = {}


def register(name: str, *, kind: str, source: str, bearer: str = "every member",
             roles: frozenset[str] = EVERY_MEMBER):
    """Decorator: add a term's function to the registry (benefit: ``Situation -> (R,) array``; cost:
    ``(Situation, Measure) -> float`` or an array over replications)."""
    def wrap(func: Callable[..., Any] | None) -> Callable[..., Any] | None:
        if name in TERMS:
            raise ValueError(f"term {name!r} registered twice")
        if kind not in KINDS or not roles <= EVERY_MEMBER:
            raise ValueError(f"term {name!r}: kind {kind!r} or roles {sorted(roles)} not allowed")
        TERMS[name] = Term(name, kind, bearer, roles, source, func)
        return func
    return wrap


# --- roles: reasons that come from a member's role ---------------------------------------------------

register("requester", kind="role", bearer="the requester", roles=frozenset({"requester"}),
         source="model assumption: the requester supports what it asked for")(None)
register("party to the conflict", kind="role", bearer="a party to the conflict", roles=frozenset({"party"}),
         source="S002: forces are not used between members; a party objects to taking sides")(None)
register("lead state's influence", kind="role", bearer="a member pulled by the lead state", roles=frozenset({"member"}),
         source="S001 (decisions largely influenced by Moscow); S003 (Russia's influence over Armenia and Belarus)")(None)


# --- benefits: the components of a member's stake --------------------------------------------------------

@register("regional threat", kind="benefit",
          source="S001 (regional security complexes); S002 (Belarus has no interest in Central Asia)")
def regional_threat(s: Situation) -> np.ndarray:
    p = s.params
    return mech.regional_threat(s.crisis.severity, s.interest, w_region=p.w_region, threat_scale=p.threat_scale)


@register("shared border", kind="benefit", source="S003 (a shared border, a chain reaction)")
def shared_border(s: Situation) -> np.ndarray:
    shares = s.crisis.requester is not None and s.crisis.requester in s.profile.neighbours
    return mech.border_threat(s.crisis.severity, shares, w_border=s.params.w_border, threat_scale=s.params.threat_scale)


@register("spillover", kind="benefit", source="S003 (a chain reaction onto the member's soil)")
def spillover(s: Situation) -> np.ndarray:
    receives = s.profile.name in s.crisis.spillover_to
    return mech.spillover_threat(s.crisis.severity, receives, w_spillover=s.params.w_spillover,
                                 threat_scale=s.params.threat_scale)


@register("regime contagion", kind="benefit", source="S001, S003 (fear of colour revolutions)")
def regime_contagion(s: Situation) -> np.ndarray:
    return mech.contagion_threat(s.crisis.severity, s.interest, s.crisis.regime_threat, s.insecurity,
                                 w_contagion=s.params.w_contagion, threat_scale=s.params.threat_scale)


@register("treaty obligation", kind="benefit",
          source="S003 (the CSTO a 'paper tiger'); S002 ('commitment issues')")
def treaty_obligation(s: Situation) -> np.ndarray:
    return np.full_like(s.crisis.severity, mech.treaty_obligation(s.crisis.mandate, w_obligation=s.params.w_obligation))


@register("strategic value", kind="benefit", bearer="the lead state", roles=LEAD_STATE,
          source="S001 ('senior partner'); S003 (preventing regime change in the neighbourhood)")
def strategic_value(s: Situation) -> np.ndarray:
    c = s.crisis
    return mech.strategic_stake(c.strategic_value, c.severity, c.regime_threat, w_strategic=s.params.w_strategic)


# --- costs of one measure ----------------------------------------------------------------------------------

def _deployment(measure: Measure) -> bool:
    return measure.level == Level.DEPLOYMENT


@register("cost of action", kind="cost", source="S000 (Charter Art. 3: political means preferred); S002 (burden sharing)")
def cost_of_action(s: Situation, measure: Measure) -> float:
    return mech.action_cost(measure.intrusiveness, s.burden, action_cost_weight=s.params.action_cost)


@register("no legal mandate", kind="cost", source="S002 (Art. 4 practice); S001 (the 2021 jurisdiction agreement)")
def no_legal_mandate(s: Situation, measure: Measure) -> float:
    c, p = s.crisis, s.params
    return mech.legal_cost(c.mandate, measure.legal_need, c.legal_relief * _deployment(measure), w_legal=p.w_legal,
                           jurisdiction_relief=p.jurisdiction_relief)


@register("sovereignty precedent", kind="cost", bearer="every member but the lead state and the requester",
          roles=frozenset({"member", "party"}),
          source="S001 (smaller states' fear of encroachment on their sovereignty); Karimov's objection (Uzbekistan, 2010)")
def sovereignty_precedent(s: Situation, measure: Measure) -> float:
    return mech.precedent_cost(s.profile.dependence, s.crisis.internality, measure.intrusiveness,
                               w_sovereignty=s.params.w_sovereignty)


@register("cross-pressure", kind="cost", source="S002 (Turkish-led formats; siding against Turkey-backed Azerbaijan)")
def cross_pressure(s: Situation, measure: Measure) -> float:
    prof, c = s.profile, s.crisis
    ties = (prof.tie_to(c.adversary), max((prof.tie_to(state) for state in c.patrons), default=0.0))
    return mech.cross_pressure(*ties, measure.sidetaking, w_cross_pressure=s.params.w_cross_pressure)


@register("doubtful legitimacy", kind="cost", source="[@udf-30670] (the May 2010 informal summit); S001")
def doubtful_legitimacy(s: Situation, measure: Measure) -> float:
    return mech.legitimacy_cost(s.crisis.legitimacy_deficit, s.insecurity, measure.intrusiveness,
                                w_legitimacy=s.params.w_legitimacy)


@register("no ready force", kind="cost", source="S000, S002 (the Collective Rapid Reaction Force, 2009)")
def no_ready_force(s: Situation, measure: Measure) -> float:
    return mech.capability_gap_cost(s.crisis.readiness, measure.intrusiveness * _deployment(measure),
                                    capability_cost=s.params.capability_cost)


@register("courted adversary", kind="cost", bearer="the lead state (when an adversary is named)", roles=LEAD_STATE,
          source="S002 (Russia's commitment to the alliance contradicted its broader political interests)")
def courted_adversary(s: Situation, measure: Measure) -> float:
    if s.crisis.adversary is None:
        return 0.0
    return mech.adversary_cost(s.crisis.lead_relation, measure.sidetaking, w_adversary=s.params.w_adversary)


@register("competing commitments", kind="cost", bearer="the lead state", roles=LEAD_STATE,
          source="S003 (Ukraine, 2022)")
def competing_commitments(s: Situation, measure: Measure) -> float:
    return mech.commitments_cost(s.crisis.commitments, measure.intrusiveness, w_commitments=s.params.w_commitments)


@register("own track", kind="cost", bearer="the lead state (with a track of its own)", roles=LEAD_STATE,
          source="S002 (Russia brokered between Armenia and Azerbaijan and sent its own peacekeepers, 2020); S001")
def own_track(s: Situation, measure: Measure) -> float:
    # Without a request to the organisation, taking the crisis there at all competes with its own track.
    weight = measure.sidetaking if s.crisis.to_organisation else 1.0
    return mech.own_track_cost(s.crisis.lead_options, weight, w_own_track=s.params.w_own_track)


register("ally of the requester", kind="role", bearer="a member acting on the requester's side",
         roles=frozenset({"ally"}), source="model assumption: a member fighting beside the requester supports "
         "what it asked for (threat.allies; docs/scenario-format.md)")(None)


# --- what derives from the registry -----------------------------------------------------------------------

def of_kind(kind: str) -> tuple[Term, ...]:
    """The registered terms of one kind, in the order of registration."""
    return tuple(t for t in TERMS.values() if t.kind == kind)


BENEFITS = of_kind("benefit")
COSTS = of_kind("cost")
#: Why a member took its stance (the dominant term of its utility, or its role); codes in this order.
REASONS: tuple[str, ...] = tuple(TERMS)
BENEFIT_REASONS: tuple[str, ...] = tuple(t.name for t in BENEFITS)
COST_REASONS: tuple[str, ...] = tuple(t.name for t in COSTS)
REASON_CODE: dict[str, int] = {name: i for i, name in enumerate(REASONS)}
if REASONS != REASON_NAMES:  # the vocabulary case files use (model/ladder.py) is this registry's
    raise ValueError(f"terms: the registry's reasons {REASONS} differ from ladder.REASON_NAMES")
