"""Where members decide: one Mesa agent per member state on the council.

Each agent holds its state as arrays over the replications a model runs at once: its own assessment
of each measure (consultations, assistance, deployment) and its current position, revised each round.
The agent methods only call the mechanisms of ``model/mechanisms.py``, the benefit and cost terms through
their registry (``model/terms.py``). An agent sees the model through the small :class:`Council` protocol
(it imports neither the model nor the council).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import mesa
import numpy as np

from . import kernels
from . import mechanisms as mech
from .crisis import Crisis
from .ladder import MEASURES, Stance
from .params import ParameterRows, Parameters
from .terms import BENEFIT_REASONS as BENEFIT_REASONS
from .terms import BENEFITS, COSTS, REASON_CODE, Situation
from .terms import COST_REASONS as COST_REASONS
from .terms import REASONS as REASONS

if TYPE_CHECKING:
    from .scenario import Case, Measure, MemberProfile

_BENEFIT_CODES = np.array([REASON_CODE[t.name] for t in BENEFITS])
_COST_CODES = np.array([REASON_CODE[t.name] for t in COSTS])


class Council(Protocol):
    """What a member sees of the council it sits on (``CouncilModel`` in ``model/model.py``)."""

    case: Case
    params: Parameters
    crisis: Crisis
    lead: MemberState | None
    burden: dict[str, float]
    perception_noise: dict[MemberState, np.ndarray]


class MemberState(mesa.Agent):
    """A member state on the council: assesses the crisis, revises its position, takes a stance."""

    model: Council

    def __init__(self, model: Council, profile: MemberProfile, role: str):
        super().__init__(model)  # a Mesa model that is a Council
        self.profile = profile
        self.name = profile.name
        self.role = role
        self.pull = 0.0  # how far the lead state's position pulls this member per round
        self.interest = 0.0  # interest in the requester's region (1 inside it)
        self.own: np.ndarray  # (replications, measures) own utility of each measure
        self.position: np.ndarray  # (replications, measures) current position, revised each round
        self.best_benefit: np.ndarray  # (replications,) int8 code of the largest benefit term (its reason)
        self.dominant_cost: np.ndarray  # () or (replications,) int8: the largest cost term of the measure asked for
        self._asked = 0  # the index of the measure asked for (that of dominant_cost)

    # -- the protocol --------------------------------------------------------------------------

    def assess(self, out: np.ndarray | None = None) -> None:
        """Form its own assessment of each measure from the crisis facts and its own attributes: every
        benefit and cost term of the registry (``model/terms.py``) that its role bears (written into ``out``,
        (measures, replications), when given: the council keeps all members' in one array)."""
        model, crisis, p = self.model, self.model.crisis, self.model.params
        measures = model.case.organisation.measures
        self.interest = mech.regional_interest(self.profile.regions, crisis.requester_regions, p.out_of_region_interest)
        situation = Situation(crisis, p, self.profile, self.interest, model.burden[self.name])
        terms = self._benefits(situation)  # not kept: reasons() needs only the largest (benefit_terms recomputes them)
        stake = sum(terms.values()) + model.perception_noise[self] + model.case.stake_shifts.get(self.name, 0.0)
        borne = [v if self.role in t.roles else 0.0 for t, v in zip(BENEFITS, terms.values(), strict=True)]
        self.best_benefit = _BENEFIT_CODES[np.broadcast_to(_first_argmax(borne), stake.shape)].astype(np.int8)
        del terms
        # Each measure's cost terms as numbers or arrays over replications (most terms are one number): their total
        # without an (R, terms) array, and the largest of the measure asked for, the one whose reasons the council
        # reads (another measure's: computed again when asked, as cost_terms recomputes them all).
        self._asked = int(_measure_index(crisis.requested))
        totals, self.dominant_cost = _costs(self.role, situation, measures, self._asked)
        self.own = np.stack([mech.measure_utility(stake, m.benefit, total)  # (R, measures): a view of (measures, R)
                             for total, m in zip(totals, measures, strict=True)], axis=0, out=out).T
        del totals
        unasked = np.arange(1, len(MEASURES) + 1) > crisis.requested
        if self.role in ("requester", "ally"):
            self.own[:, ~unasked] = np.maximum(self.own[:, ~unasked], 0.1)  # it supports what was asked for
        if self.role == "requester":
            self.own[:, unasked] = mech.per_row(-(p.objection_threshold + 1.0))  # and objects to what it did not
        elif self.role == "party":
            # Between members, a party objects to the organisation taking up the dispute at all (S002: the forces
            # "cannot be used to manage conflicts between its member states"); otherwise to taking sides.
            between = crisis.mandate_origin == "member_state"
            sides = np.array([between or m.sidetaking >= 0.5 for m in measures])
            self.own[:, sides] = mech.per_row(-(p.objection_threshold + 1.0))
        if self.role == "member" and model.lead is not None:
            self.pull = p.influence * self.profile.dependence
        self.position = self.own  # positions are replaced each round, never changed in place

    def _benefits(self, situation: Situation) -> dict[str, np.ndarray]:
        return {t.name: t.compute(situation) if self.role in t.roles else np.zeros_like(situation.crisis.severity)
                for t in BENEFITS}

    @property
    def cost_terms(self) -> np.ndarray:
        """Cost of each measure by term, (measures, len(COST_REASONS)): the mean over replications where a term
        differs between them (an uncertain fact, the lead state's resolve, or points run side by side); computed
        again when asked, from the same facts (the model does not keep them)."""
        model = self.model
        situation = Situation(model.crisis, model.params, self.profile, self.interest, model.burden[self.name])
        costs = [_terms_of(self.role, situation, m) for m in model.case.organisation.measures]
        return np.stack([t if t.ndim == 1 else t.mean(axis=0) for t in costs])

    @property
    def benefit_terms(self) -> dict[str, np.ndarray]:
        """name -> (replications,) stake component of each benefit term (computed again when asked, from the same
        facts: the model does not keep them)."""
        model = self.model
        return self._benefits(Situation(model.crisis, model.params, self.profile, self.interest, model.burden[self.name]))

    def _dominant_costs(self, idx: np.ndarray) -> np.ndarray:
        """The index of the largest cost term of measure ``idx[r]`` in each replication: kept for the measure asked
        for, computed again from the same facts for another."""
        if (idx == self._asked).all():
            return self.dominant_cost
        model = self.model
        situation = Situation(model.crisis, model.params, self.profile, self.interest, model.burden[self.name])
        out = np.empty(len(idx), dtype=np.int8)
        for k in np.unique(idx):
            dominant = self.dominant_cost if k == self._asked else _first_argmax(
                _term_values(self.role, situation, model.case.organisation.measures[k]))
            out[idx == k] = np.broadcast_to(dominant, idx.shape)[idx == k]
        return out

    @property
    def revises(self) -> bool:
        """Whether it revises its position in deliberation, from its own assessment, the lead state's and the
        others' positions of the last round (``CouncilModel.step``, ``mechanisms.revised_position``); the
        requester, parties and allies keep theirs."""
        return self.role not in ("requester", "party", "ally")

    # -- reading the result ----------------------------------------------------------------------

    def stances(self, level: int) -> np.ndarray:
        """Stance on the measure at ``level`` in every replication (int8 codes of Stance)."""
        p = self.model.params
        return kernels.stances(self.position[:, level - 1], p.objection_threshold, p.delay_threshold)

    def reasons(self, level: np.ndarray, stance: np.ndarray) -> np.ndarray:
        """The dominant reason (code in REASONS) for this member's stance on ``level`` per replication."""
        if self.role == "requester":
            return np.full(stance.shape, REASON_CODE["requester"], dtype=np.int8)
        if self.role == "party":
            return np.full(stance.shape, REASON_CODE["party to the conflict"], dtype=np.int8)
        if self.role == "ally":
            return np.full(stance.shape, REASON_CODE["ally of the requester"], dtype=np.int8)
        idx = _measure_index(level)
        best_cost = _COST_CODES[np.broadcast_to(self._dominant_costs(idx), idx.shape)]
        own_stance = kernels.stances(self.own[np.arange(len(idx)), idx], self.model.params.objection_threshold,
                                     self.model.params.delay_threshold)
        out = np.where(stance == Stance.SUPPORT, self.best_benefit, best_cost)
        out = np.where((stance > own_stance) & (self.pull > 0), REASON_CODE["lead state's influence"], out)
        return out.astype(np.int8)


#: The crisis facts that may differ between the replications of a run which the cost terms read: mandate and
#: internality (the others they read are the same in every replication; tests/test_terms.py checks that no cost
#: term reads the severity, the lead state's resolve or the requester's value). Where these two are the same in
#: every replication, points run side by side differ in their costs only through their parameters.
ROW_FACTS_OF_COSTS = ("mandate", "internality")


def _costs(role: str, situation: Situation, measures: Sequence[Measure], asked: int) -> tuple[list, np.ndarray]:
    """Each measure's total cost (a number or an array over the replications: the sum of its terms in numpy's order,
    :func:`_row_sum`) and the index of the largest cost term of the measure ``asked`` (int8, one or one a row).

    When points run side by side (``ParameterRows``) and the cost terms read no fact that differs between rows
    (:data:`ROW_FACTS_OF_COSTS`), the terms, their totals and the largest are computed once a point, from each
    point's parameters (``ParameterRows.at_points``), and repeated over its rows: the same numbers, computed
    hundreds of times fewer."""
    p, crisis = situation.params, situation.crisis
    rows = None
    if isinstance(p, ParameterRows) and not any(np.ndim(getattr(crisis, f)) for f in ROW_FACTS_OF_COSTS):
        pts = p.at_points
        interest = mech.regional_interest(situation.profile.regions, crisis.requester_regions,
                                          pts.out_of_region_interest)
        situation, rows = dataclasses.replace(situation, params=pts, interest=interest), p.rows
    costs = [_term_values(role, situation, m) for m in measures]
    totals = [_over_rows(_row_sum(t), rows) for t in costs]
    return totals, np.asarray(_over_rows(_first_argmax(costs[asked]), rows)).astype(np.int8)


def _over_rows(value, rows: np.ndarray | None):
    """A value of each point repeated over its rows (a number as it is)."""
    return np.repeat(value, rows) if rows is not None and np.ndim(value) else value


def _measure_index(level: np.ndarray | int) -> np.ndarray | int:
    """The index in ``MEASURES`` of a Level (of the lowest measure for none)."""
    if np.ndim(level) == 0:
        return min(max(int(level), 1), len(MEASURES)) - 1
    return np.clip(level, 1, len(MEASURES)) - 1


def _term_values(role: str, situation: Situation, measure: Measure) -> list:
    """A measure's cost terms in the registry's order: each a number, or an array over replications; a term
    the role does not bear is 0. (Float64 numbers, as :func:`_terms_of`'s array holds them.)"""
    return [_as_float(t.compute(situation, measure)) if role in t.roles else 0.0 for t in COSTS]


def _as_float(v) -> np.ndarray | float:
    if isinstance(v, np.ndarray) and v.ndim > 0:
        return v if v.dtype == np.float64 else v.astype(float)
    return float(v)


def _terms_of(role: str, situation: Situation, measure: Measure) -> np.ndarray:
    """A measure's cost terms as one array, terms last: (terms,), or (replications, terms) when any term is
    an array over replications; a term the role does not bear is 0."""
    values = _term_values(role, situation, measure)
    out = np.zeros((*np.broadcast_shapes(*(np.shape(v) for v in values)), len(COSTS)))
    for k, v in enumerate(values):
        out[..., k] = v
    return out


def _row_sum(values: list) -> np.ndarray | float:
    """The sum of ``values`` (numbers or arrays over replications) in numpy's own order of summation over the
    last axis (``kernels.row_sum``), so that it is the same, bit for bit, as summing the (R, terms) array they would
    form, without forming it (tests/test_batch.py checks the order against numpy's)."""
    return kernels.row_sum(values, len(values))


def _first_argmax(values: list) -> np.ndarray | int:
    """As ``np.argmax`` over the terms' axis of the array ``values`` would form (the first largest). Of the values
    that are one number only the first largest can be the first largest overall: the others are left out; the
    rest are compared in one compiled pass (``kernels.first_largest``)."""
    top = None  # the first largest of the numbers
    arrays = [isinstance(v, np.ndarray) and v.ndim > 0 for v in values]
    for k, v in enumerate(values):
        if not arrays[k] and (top is None or v > values[top]):
            top = k
    candidates = [k for k in range(len(values)) if k == top or arrays[k]]
    if not any(arrays):
        return candidates[0]
    return kernels.first_largest([values[k] for k in candidates], candidates)
