"""The protocol: a request comes to the council, members assess it, deliberate in rounds with
simultaneous updating, and the council settles on the highest rung of the ladder that passes.

One :class:`CouncilModel` runs R replications at once: each agent's state is an array over them, so
R = 1 is a single traced world and R = 100,000 is one numpy pass.
"""

from __future__ import annotations

from collections.abc import Mapping

import mesa
import numpy as np

from . import kernels
from . import mechanisms as mech
from .agents import MemberState
from .council import Decision, decide
from .crisis import member_role, sample_crisis
from .ladder import MEASURES
from .params import ParameterRows, Parameters
from .rules import DecisionRule, get_rule
from .scenario import Case, load_scenario

DEFAULT_CASE = "kazakhstan-2022"


class CouncilModel(mesa.Model):
    """The council of the organisation deciding on one request, over ``replications`` worlds at once.

    ``CouncilModel()`` builds from defaults alone (Kazakhstan 2022, default parameters, one replication).
    With ``record=True`` the model keeps every member's position in every round for all replications
    (``record``: round 0 is the own assessment); with ``trace=True`` it keeps replication 0 of that record
    (``trace``). Many points of one case run side by side as one model (``simulate_points``): ``params`` a
    :class:`ParameterRows` and ``rng`` a ``PointGenerators`` (``model/seeds.py``) over the same blocks of rows.
    """

    def __init__(self, case: Case | str | None = None, params: Parameters | ParameterRows | None = None,
                 replications: int = 1, rule: str | None = None, rng: np.random.Generator | int | None = None,
                 trace: bool = False, record: bool = False):
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

        #: Every round's positions, name -> (R, len(MEASURES)) (all replications with ``record``, else replication
        #: 0 as (1, len(MEASURES)) with ``trace``; None with neither).
        self.record: list[dict[str, np.ndarray]] | None = [] if record or trace else None
        self._record_all, self._trace = record, trace
        # Every member's own assessment, in one (members, rungs, R) array that the deliberation reads as it is (each
        # member's ``own`` is its (R, rungs) view).
        self._own = np.empty((len(self.members), len(MEASURES), self.replications))
        for m, row in zip(self.members, self._own, strict=True):
            m.assess(out=row)
        if not record:  # only the analyses (record=True) read the noise again
            self.perception_noise = {}
        self.last_positions: dict[MemberState, np.ndarray] = {}
        #: The deliberation's inputs (``_deliberation_inputs``, made at the first round) and the positions of the
        #: last round as one (members, rungs, R) array (None: take them from the members).
        self._stacks: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._positions: np.ndarray | None = None
        self._close_round()
        self.decision: Decision | None = None

    @property
    def lead_index(self) -> int | None:
        """The lead state's place in ``members`` (None without a lead state on the council)."""
        return self.members.index(self.lead) if self.lead is not None else None

    @property
    def trace(self) -> list[dict[str, np.ndarray]] | None:
        """Replication 0 of the record, round by round: name -> (len(MEASURES),) position (with ``trace=True``,
        else None)."""
        if not self._trace or self.record is None:
            return None
        return [{name: pos[0] for name, pos in rnd.items()} for rnd in self.record]

    def set_own_assessments(self, own: Mapping[str, float]) -> None:
        """Before the model runs: replace named members' own assessments of every rung by a value (what if
        this member's position alone were different); the random draws stay the same."""
        for m in self.members:
            if m.name in own:
                m.own = np.full((self.replications, len(MEASURES)), float(own[m.name]))
                m.position = m.own.copy()
        self._stacks = self._positions = None
        if self.record is not None:
            self.record.clear()
        self._close_round()  # round 0 again, with the replaced assessments

    def step(self) -> None:
        """One deliberation round: every member revises from last round's positions, all at once (simultaneous
        updating; ``model/kernels.py``: the revision of ``mechanisms.revised_position``)."""
        self._deliberate(1)

    def _deliberate(self, rounds: int) -> None:
        """``rounds`` rounds of revision in one compiled pass over members, replications and rungs."""
        if self._stacks is None:
            self._stacks = self._deliberation_inputs()
        own, pull, peer, moves = self._stacks
        positions = self._positions
        if positions is None:  # round 0: the own assessments, unless replaced
            same = all(m.position is m.own for m in self.members)
            positions = own if same else np.stack([m.position.T for m in self.members])
        lead = self.lead_index
        nxt = kernels.deliberate(own, positions, pull, peer, -1 if lead is None else lead, moves, rounds)
        for i, m in enumerate(self.members):
            m.position = nxt[i].T  # (R, rungs), a view
        self._positions = nxt
        self._close_round()

    def _deliberation_inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The deliberation's fixed inputs: own assessments (members, rungs, R), the revision's scaled weights of
        the lead state and the peers (members, R), or (members, 1) where every replication has the same, and
        whether each member revises (members,)."""
        p = self.params
        own = self._own
        if not all(m.own.base is own for m in self.members):  # replaced (set_own_assessments)
            own = np.stack([m.own.T for m in self.members])
        weights = [mech.revision_weights(m.pull, p.peer_weight) for m in self.members]
        pull, peer = (_per_member([w[k] for w in weights]) for k in (0, 1))
        return own, pull, peer, np.array([m.revises for m in self.members])

    def run_model(self) -> Decision:
        """Deliberate for the configured number of rounds, then let the council decide."""
        rounds = self.params.rounds
        if self.record is None:  # every round in one pass (each row's own rounds): no round is kept
            self._deliberate(rounds)
        else:
            if np.ndim(rounds):
                raise ValueError("CouncilModel: a trace or a record needs the same rounds in every row")
            for _ in range(rounds):
                self.step()
        self.decision = decide(self.members, self.crisis, self.rule, self.params, self.rng, self.lead_index,
                               self._positions)
        self.running = False
        return self.decision

    # -- the positions of a round ---------------------------------------------------------------

    def _close_round(self) -> None:
        """Keep this round's positions for the next (and in the record when asked)."""
        self.last_positions = {m: m.position for m in self.members}
        if self.record is not None:  # steps replace the position arrays, never mutate them
            self.record.append({m.name: m.position if self._record_all else m.position[:1].copy()
                                for m in self.members})

    def peer_mean(self, member: MemberState, round_: int | None = None) -> np.ndarray:
        """The mean of the other members' positions in the last round (or in round ``round_`` of the record)."""
        positions = self.last_positions if round_ is None else self.record[round_]
        own = positions[member if round_ is None else member.name]
        return mech.others_mean(sum(positions.values()), own, len(self.members))

    def lead_position(self, member: MemberState, round_: int | None = None) -> np.ndarray | float:
        """The lead state's position that pulls ``member``: in the last round (or in round ``round_`` of the
        record); 0 for the lead state itself or without a lead state."""
        if self.lead is None or member is self.lead:
            return 0.0
        return self.last_positions[self.lead] if round_ is None else self.record[round_][self.lead.name]


def _per_member(values: list) -> np.ndarray:
    """Each member's weight, a number or an array over the replications, as one (members, R) array, or (members,
    1) when every weight is one number."""
    width = max((np.size(v) for v in values), default=1)
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (width,)) for v in values])
