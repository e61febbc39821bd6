"""The protocol: a request comes to the council, members assess it, deliberate in rounds with
simultaneous updating, and the council settles on the highest rung of the ladder that passes.

One :class:`CouncilModel` runs R replications at once: each agent's state is an array over them, so
R = 1 is a single traced world and R = 100,000 is one numpy pass.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import mechanisms as mech
from .agents import MemberState
from .council import Decision, decide
from .crisis import member_role, sample_crisis
from .params import Parameters
from .rules import DecisionRule, get_rule
from .scenario import Case, load_scenario

DEFAULT_CASE = "kazakhstan-2022"


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
