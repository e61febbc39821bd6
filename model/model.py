"""The protocol: a request comes to the council, members assess it, deliberate in rounds with
simultaneous updating, and the council settles on the highest rung of the ladder that passes.

One :class:`CouncilModel` runs R replications at once: each agent's state is an array over them, so
R = 1 is a single traced world and R = 100,000 is one numpy pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from . import mechanisms as mech
from .agents import MemberState
from .council import Decision, decide
from .ladder import LEVELS
from .params import Parameters
from .rules import DecisionRule, get_rule
from .scenario import Case, load_scenario

DEFAULT_CASE = "kazakhstan-2022"


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


class CouncilModel(mesa.Model):
    """The council of the organisation deciding on one request, over ``replications`` worlds at once.

    ``CouncilModel()`` builds from defaults alone (Kazakhstan 2022, default parameters, one replication).
    """

    def __init__(self, case: Case | str | None = None, params: Parameters | None = None, replications: int = 1,
                 rule: str | None = None, rng: np.random.Generator | int | None = None, trace: bool = False):
        super().__init__(rng=rng)
        if not isinstance(case, Case):
            case = load_scenario(case or DEFAULT_CASE)
        self.case = case
        self.params = params or Parameters()
        self.replications = int(replications)
        self.rule: DecisionRule = get_rule(rule or case.organisation.default_rule)
        self.crisis = sample_crisis(case, self.params, self.replications, self.rng)

        # Members in an order that ignores names and file layout (renaming or reordering changes nothing).
        profiles = sorted(case.roster, key=lambda m: m.fingerprint())
        for profile in profiles:
            MemberState(self, profile, member_role(profile.name, case))
        self.members: list[MemberState] = list(self.agents)
        names = [m.name for m in self.members]
        lead = case.organisation.lead_state
        self.lead: MemberState | None = self.members[names.index(lead)] if lead in names else None
        noise = self.rng.normal(0.0, self.params.noise, size=(self.replications, len(self.members)))
        self.perception_noise = {m: noise[:, i] for i, m in enumerate(self.members)}
        largest = max(m.force_pledge for m in case.roster)
        self.burden = {m.name: mech.burden_share(m.force_pledge, largest) for m in case.roster}

        self.trace: list[dict[str, np.ndarray]] | None = [] if trace else None
        self.agents.do("assess")
        self.last_positions: dict[MemberState, np.ndarray] = {}
        self._snapshot()
        self.decision: Decision | None = None

    def step(self) -> None:
        """One deliberation round: every member revises from last round's positions, then all commit."""
        self.agents.do("revise_position")
        self.agents.do("commit_position")
        self._snapshot()

    def run_model(self) -> Decision:
        """Deliberate for the configured number of rounds, then let the council decide."""
        for _ in range(self.params.rounds):
            self.step()
        lead_index = self.members.index(self.lead) if self.lead is not None else None
        self.decision = decide(self.members, self.crisis, self.rule, self.params, self.rng, lead_index)
        self.running = False
        return self.decision

    # -- helpers used by the agents -------------------------------------------------------------

    def _snapshot(self) -> None:
        self.last_positions = {m: m.position for m in self.members}
        self._position_sum = sum(self.last_positions.values())
        if self.trace is not None:
            self.trace.append({m.name: m.position[0].copy() for m in self.members})

    def peer_mean(self, member: MemberState) -> np.ndarray:
        """The mean of the other members' positions in the last round."""
        n = len(self.members)
        if n < 2:
            return self.last_positions[member]
        return (self._position_sum - self.last_positions[member]) / (n - 1)
