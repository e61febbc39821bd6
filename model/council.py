"""Where the council applies its rule: the agenda, the vote on each rung, the fall back down the ladder,
the days to decision and, on a deployment, each member's troops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from . import kernels
from . import mechanisms as mech
from .crisis import Crisis
from .ladder import RUNGS, Level, Stance
from .params import Parameters
from .rules import Ballot, DecisionRule

if TYPE_CHECKING:
    from .scenario import MemberProfile



class Voter(Protocol):
    """A member as the council sees it (``MemberState`` in ``model/agents.py``)."""

    role: str
    profile: MemberProfile
    interest: float
    position: np.ndarray

    def stances(self, level: int) -> np.ndarray: ...

    def reasons(self, level: np.ndarray, stance: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Decision:
    """What the council settled on in each replication (members in the model's member order)."""

    outcome: np.ndarray  # (R,) int8: the Level reached
    tabled: np.ndarray  # (R,) int8: the highest Level tabled (0: nothing tabled)
    days: np.ndarray  # (R,) float: days from request to decision; NaN when no measure passed
    stance: np.ndarray  # (R, n) int8: stance on the measure requested (Stance.ABSENT: no request)
    reason: np.ndarray  # (R, n) int8: dominant reason for that stance (code in terms.REASONS)
    objected: np.ndarray  # (R, n) bool: objected to the measure requested (tabled or not)
    vetoed: np.ndarray  # (R, n) bool: formally objected to a measure on the table
    contribution: np.ndarray  # (R, n) float32: troops sent (deployment only)
    pending: np.ndarray | None = None  # (R,) bool: a measure tabled but no decision within HORIZON_DAYS


def is_tabled(level: int, crisis: Crisis, lead_stance: np.ndarray | None) -> np.ndarray:
    """Whether a measure reaches the table. A member's request to the organisation puts up to what it asked
    for on the agenda; without one, an organ that may convene (the secretary general, the permanent council:
    ``organs`` in the organisation file) puts what it may on the table on an armed clash involving a member,
    with the lead state's support ([@csto-charter-2002]; S002). Measures on the lead state's agenda need its
    support (S002: Russia supplies most of the troops; a deployment is tabled only with its support)."""
    asked = crisis.to_organisation and level <= crisis.requested
    convened = not crisis.to_organisation and crisis.armed_clash and level in crisis.convenable
    if not (asked or convened):
        return np.zeros(crisis.replications, dtype=bool)
    if lead_stance is not None and (convened or level in crisis.agenda_levels):
        return lead_stance == Stance.SUPPORT
    return np.ones(crisis.replications, dtype=bool)


#: The horizon of a decision: a measure tabled and not decided within it counts as "no decision yet"
#: (``pending``; its outcome none). Stated, not calibrated: half a year, the longest interval between the
#: Collective Security Council's regular sessions (docs/ODD.md, "Time to decision").
HORIZON_DAYS = 180.0


def session_days(keen: np.ndarray, called: np.ndarray, wait: np.ndarray, regular_days: np.ndarray,
                 p: Parameters, opened: np.ndarray | bool = False) -> np.ndarray:
    """Days from the request to the session that decides: an extraordinary session when someone who may call
    one wants it (``called``), sooner the keener the lead state or the chair is (``keen``: the larger of their
    positions on the measure; hours in 2022, [@aboutlyrics-2022-csto-consultations]; about three days in 2010,
    [@kremlin-8043]); otherwise the next regular session of the quickest body that may decide the measure,
    ``wait`` (uniform in [0, 1)) of its interval away ([@csto-charter-2002]: the councils' regular sessions).
    A measure a standing organ may open by itself (``opened``: consultations the secretary general or the chair
    activates on a member's appeal) needs no session: ``instruction_days``
    ([@hyetert-2021-csc-chair-emergency-consultations]: the chair's instruction to activate the mechanism of
    emergency consultations the day after Armenia's appeal)."""
    extraordinary = p.base_days * np.exp(-p.urgency * np.clip(keen, 0.0, None))
    session = np.where(called, extraordinary, p.base_days + wait * regular_days)
    return np.where(opened, np.minimum(p.instruction_days, session), session)


def _push(members: Sequence[Voter], crisis: Crisis, lead_index: int | None,
          rung: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The push for an extraordinary session on the rung adopted: the larger of the lead state's and the chair's
    positions (-1 when neither may call), and whether anyone who may call one wants it (the lead state, the
    chair, or, where members may call, the requester: ``extraordinary_session.who_may_call``)."""
    R = len(rung)
    names = [m.profile.name for m in members]
    keen = np.full(R, -1.0)
    leaders = ([lead_index] if lead_index is not None and "lead_state" in crisis.callers else []) + (
        [names.index(crisis.chair)] if crisis.chair in names and "chair" in crisis.callers else [])
    for i in leaders:
        keen = np.maximum(keen, members[i].position[np.arange(R), rung])
    called = keen > 0
    if "member" in crisis.callers and crisis.requester in names and crisis.to_organisation:
        called |= members[names.index(crisis.requester)].position[np.arange(R), rung] > 0
    return keen, called


def days_to_decision(outcome: np.ndarray, session: np.ndarray, delays: np.ndarray, failed_rungs: np.ndarray,
                     readiness: float, p: Parameters) -> np.ndarray:
    """Days from the request to the decision: the days to the deciding session, plus the days each delaying
    member withholds consent, plus time lost on rungs that failed, plus mobilisation time without a ready
    force. Belarus delaying in 2010 ([@asbarez-2010-csto-not-to-send-peacekeepers])."""
    mobilise = (outcome == Level.DEPLOYMENT) * (1.0 - readiness) * p.delay_days
    days = session + delays + failed_rungs * p.delay_days / 2.0 + mobilise
    return np.where(outcome > Level.NONE, days, np.nan)


def troop_contributions(severity: np.ndarray, force: float, pledges: np.ndarray, interest: np.ndarray,
                        stance: np.ndarray, is_requester: np.ndarray, p: Parameters) -> np.ndarray:
    """Troops per member on a deployment: the force sent grows with severity; each member's share follows its
    weight (:func:`model.mechanisms.troop_weight`: its pledge to the collective force, its interest in the region
    and its stance; the requester sends none to itself): :func:`model.mechanisms.troop_share`, every replication and
    member in one compiled pass (``kernels.troops``). ``interest`` is (n,) or (R, n). S002: Russia about 75% of
    the troops in 2022; [@data-minsk-2009-11-11]: the planned shares of the rapid reaction force."""
    total = force * p.force_fraction * severity
    return kernels.troops(total, pledges, interest, stance, is_requester, p.symbolic_share)


@dataclass(frozen=True)
class Vote:
    """The votes on the rungs, from the top down: where the council settled in each replication."""

    outcome: np.ndarray  # (R,) int8: the Level reached
    tabled: np.ndarray  # (R,) int8: the highest Level tabled (0: nothing tabled)
    failed: np.ndarray  # (R,) int8: rungs tabled that did not pass
    delays: np.ndarray  # (R,) float: days of consent withheld on the rung that passed (0 without delay draws)
    vetoed: np.ndarray  # (R, n) bool: formally objected to a measure on the table


def vote_on_rungs(stances: dict[int, np.ndarray], crisis: Crisis, rule: DecisionRule, budget: np.ndarray,
                  is_lead: np.ndarray, is_party: np.ndarray, ignore_agenda: bool = False,
                  delay_draws: np.ndarray | None = None) -> Vote:
    """Table the measures and vote on each rung from the top down under ``rule``; the council settles on
    the highest rung that passes (falling back down the ladder). ``stances`` maps each rung to the (R, n)
    stances on it; ``delay_draws`` (R, n) are the days each member would withhold consent. With
    ``ignore_agenda`` every measure asked for is tabled whatever the lead state's stance (its agenda veto
    removed, its vote kept)."""
    R, n = next(iter(stances.values())).shape
    lead = np.flatnonzero(is_lead)
    codes = np.stack([stances[lvl] for lvl in range(1, len(RUNGS) + 1)])  # (rungs, R, n)
    table = np.stack([is_tabled(lvl, crisis, None if ignore_agenda or lead.size == 0 else codes[lvl - 1][:, lead[0]])
                      for lvl in range(1, len(RUNGS) + 1)])
    passes = np.stack([rule.decide(Ballot(codes[lvl - 1], budget, is_lead, is_party)) for lvl in range(1, len(RUNGS) + 1)])
    # From the top rung down (kernels.tally): a rung is on the table while nothing has passed; the first that
    # passes is the outcome; objections to a rung on the table are vetoes; the delay is that of the rung that passed.
    return Vote(*kernels.tally(codes, table, passes, delay_draws))


def rung_stances(members: Sequence[Voter], p: Parameters | None = None,
                 positions: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Every member's stance on every rung: level -> (R, n) Stance codes (members in the given order). Given the
    parameters, in one compiled pass over the members' positions (``positions``: them stacked, (n, rungs, R), when
    the caller has them so), else member by member (``Voter.stances``); the same ``mechanisms.stance`` either way."""
    if p is None:
        return {lvl: np.stack([m.stances(lvl) for m in members], axis=1) for lvl in RUNGS}
    if positions is None:
        positions = np.stack([m.position.T for m in members])
    codes = kernels.rung_stances(positions, p.objection_threshold, p.delay_threshold)  # (rungs, R, n)
    return {lvl: codes[lvl - 1] for lvl in RUNGS}


def seats(members: Sequence[Voter], lead_index: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a rule sees of each member besides its stance: budget share, lead state or not, party or not."""
    budget = np.array([m.profile.budget_share for m in members])
    is_lead = np.array([i == lead_index for i in range(len(members))])
    is_party = np.array([m.role in ("requester", "party") for m in members])
    return budget, is_lead, is_party


def decide(members: Sequence[Voter], crisis: Crisis, rule: DecisionRule, p: Parameters,
           rng: np.random.Generator, lead_index: int | None, positions: np.ndarray | None = None) -> Decision:
    """Table the measures, vote from the top rung down under ``rule`` (:func:`vote_on_rungs`), and settle on
    the highest that passes; then the days to decision, and the troops on a deployment. ``positions``: the
    members' positions stacked (n, rungs, R), when the caller has them so."""
    R, n = crisis.replications, len(members)
    delay_draws = rng.exponential(1.0, size=(R, n))
    delay_draws *= mech.per_row(p.delay_days)
    stances = rung_stances(members, p, positions)
    vote = vote_on_rungs(stances, crisis, rule, *seats(members, lead_index), delay_draws=delay_draws)
    del delay_draws  # (R, n) floats no longer needed
    outcome = vote.outcome

    # Who objected and why: each member's stance on the measure the requester asked for.
    asked = crisis.to_organisation
    stance = (stances[crisis.requested] if asked else np.full((R, n), Stance.ABSENT)).astype(np.int8)
    requested = np.full(R, crisis.requested)
    # The reason is that of the stance each member takes on it, asked or not (what it would say).
    would = stances[crisis.requested]
    reason = np.stack([m.reasons(requested, would[:, i]) for i, m in enumerate(members)], axis=1)
    del requested

    rung = np.clip(outcome, 1, len(RUNGS)) - 1
    keen, called = _push(members, crisis, lead_index, rung)
    wait = rng.uniform(size=R)
    opened = crisis.to_organisation & np.isin(outcome, crisis.convenable)  # an organ opens it on the appeal
    session = session_days(keen, called, wait, np.asarray(crisis.regular_days)[rung], p, opened)
    days = days_to_decision(outcome, session, vote.delays, vote.failed, crisis.readiness, p)
    pending = days > HORIZON_DAYS  # NaN (nothing passed) compares False
    outcome = np.where(pending, Level.NONE, outcome).astype(np.int8)
    days = np.where(pending, np.nan, days)
    del keen, called, wait, session

    contribution = np.zeros((R, n), dtype=np.float32)
    deployed = outcome == Level.DEPLOYMENT
    if deployed.any():  # computed in every replication (parameters may differ by row), kept where deployed
        interest = np.stack(np.broadcast_arrays(*(m.interest for m in members)), axis=-1)
        pledges = np.array([m.profile.force_pledge for m in members])
        is_requester = np.array([m.role == "requester" for m in members])
        troops = troop_contributions(crisis.severity, crisis.force, pledges, interest,
                                     stances[int(Level.DEPLOYMENT)], is_requester, p)
        np.copyto(contribution, troops, where=deployed[:, None])  # float32, as an assignment casts
    return Decision(outcome, vote.tabled, days, stance, reason, stance == Stance.OBJECT, vote.vetoed, contribution,
                    pending)
