"""Global parameters: the one typed place with each parameter's default, bounds, meaning and source.

Parameters are shared by every case; a case file never sets them. ``--set NAME=VALUE`` on the command
line and the sweep engine change them through :meth:`Parameters.replace`, which checks the bounds.

Sources are cited by key: ``docs/bibliography.yaml`` (S000-S004 are the five seed articles).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any


@dataclass(frozen=True)
class ParamSpec:
    """Metadata of one global parameter: inclusive bounds, meaning, source and calibration prior."""

    name: str
    kind: type
    default: float
    low: float
    high: float
    meaning: str
    source: str
    prior: tuple[float, float]
    prior_reason: str
    #: Where a parameter that moves no training case's outcome, days or troops does act: a named kind of case,
    #: shown by a what-if (docs/parameters.md; tests/test_parameters_work.py). Empty for the others.
    acts_on: str = ""


class ParameterError(ValueError):
    """A parameter name or value that is not allowed; the message says what is allowed."""


def param(default: float, low: float, high: float, meaning: str, source: str,
          prior: tuple[float, float] | None = None, prior_reason: str = "", acts_on: str = "") -> Any:
    """Declare a parameter field with its default, bounds, meaning and source."""
    return field(default=default, metadata={
        "acts_on": acts_on,
        "low": low, "high": high, "meaning": meaning, "source": source,
        "prior": prior if prior is not None else (low, high),
        "prior_reason": prior_reason or "the parameter's full admissible range",
    })


@dataclass(frozen=True)
class Parameters:
    """The global parameters of the model. ``Parameters()`` gives the defaults."""

    # --- threat perception (regional security complexes, S001; S002) -------------------------------
    threat_scale: float = param(
        1.0, 0.0, 3.0,
        "Multiplier of every member's perceived threat from the crisis (not of the lead state's strategic stake).",
        'S001: differing threat perceptions are the second institutional barrier.',
        prior=(0.5, 2.0),
        prior_reason=('A multiplier of about 1: from half to twice the threat the mechanisms compute (S001 gives no '
                      'figure).'),
    )
    w_region: float = param(
        1.0, 0.0, 3.0,
        "Weight of the crisis's severity for a member in the requester's regional security complex.",
        'S001: three regional security complexes (Central Asia, Eastern Europe, South Caucasus).',
        prior=(0.3, 2.0),
        prior_reason='Weight relative to action_cost = 1: a third to twice; S001 names the complexes, not a weight.',
    )
    out_of_region_interest: float = param(
        0.3, 0.0, 1.0,
        "Share of that interest kept by a member outside the requester's region.",
        'S002: Belarus has no political interests in Central Asia and vice versa.',
        prior=(0.0, 0.6),
        prior_reason=("S002: Belarus has no political interests in Central Asia, so well under half of an insider's "
                      'interest.'),
        acts_on=(
            "members outside the requester's region when the outcome is at the margin: Kazakhstan 2022 framed as "
            "internal (what-if kazakhstan-2022-internal-framing), where the outside members' support decides a "
            'deployment'),
    )
    w_border: float = param(
        0.3, 0.0, 2.0,
        'Added threat for a member sharing a land border with the requester.',
        'S003: the 7,644 km largely unprotected border; unrest could spread to Russia.',
        prior=(0.0, 1.0),
        prior_reason=('An added threat, at most that of the region itself (w_region about 1); S003 gives the direction '
                      'only.'),
        acts_on=(
            "a requester's neighbours when the outcome is at the margin: Kazakhstan 2022 framed as internal "
            '(what-if kazakhstan-2022-internal-framing)'),
    )
    w_spillover: float = param(
        0.5, 0.0, 2.0,
        'Added threat for a member receiving refugees or fighters from the crisis.',
        "S003: unrest 'could easily spread'; a 'chain reaction' in the region (model assumption for the weight).",
        prior=(0.0, 1.5),
        prior_reason='Weight relative to action_cost = 1: none to one and a half; S003 gives the direction only.',
        acts_on=(
            'members receiving refugees or fighters when the outcome is at the margin: Kazakhstan 2022 framed as '
            'internal with the unrest spilling over (what-if: request.framing internal, threat.spillover_to its '
            'neighbours)'),
    )
    w_contagion: float = param(
        1.0, 0.0, 3.0,
        "Weight of the fear of regime contagion ('colour revolution') for insecure regimes.",
        'S001, S003: leaders fear colour revolutions spreading; Putin, 10 Jan 2022 (S000).',
        prior=(0.3, 2.0),
        prior_reason='Weight relative to action_cost = 1: a third to twice; S001, S003, S000 give the direction only.',
        acts_on=(
            "an uprising in a member of little strategic value to the lead state, where the lead state's own fear"
            ' of regime contagion sets its resolve (S001): Kazakhstan 2022 with lead_state.strategic_value 0'),
    )
    severity_deaths_full: float = param(
        1000.0, 10.0, 100000.0,
        'Deaths at the time of the request at which severity saturates (log scale).',
        'Model assumption: severity grows with the log of the death toll.',
        prior=(200.0, 5000.0),
        prior_reason=('Saturation between the hundreds killed in Osh 2010 and Kazakhstan 2022 and the thousands in '
                      'Karabakh 2020 (case files).'),
    )
    w_obligation: float = param(
        0.5, 0.0, 3.0,
        "Stake of every member in honouring a clear Art. 4 obligation (the alliance's credibility), per unit of mandate.",
        "S003: the 'paper tiger' reputation; S002: commitment issues cast doubt on the organization's utility.",
        prior=(0.0, 1.5),
        prior_reason=('Weight relative to action_cost = 1: none to one and a half (S003, S002 give the direction '
                      'only).'),
    )
    severity_floor: float = param(
        0.2, 0.0, 1.0,
        "Severity of a crisis that has killed nobody yet (a force massing at the border), before its scope.",
        "Model assumption; the armenia-2021-05 case file: no shots exchanged by the request (13 May 2021).",
        prior=(0.0, 0.5),
        prior_reason=('A crisis that has killed nobody is at most half as severe as one at saturation (model '
                      'assumption).'),
    )
    # --- the lead state (Russia's weight: S001, S002) ----------------------------------------------
    w_strategic: float = param(
        1.0, 0.0, 5.0,
        "Weight of the requester's strategic value in the lead state's stake, per unit of crisis.",
        "S001: Kazakhstan a 'senior partner'; S003: border, ethnic Russians, Baikonur.",
        prior=(0.3, 3.0),
        prior_reason=('Weight relative to action_cost = 1: a third to three times (S001, S003 give the direction '
                      'only).'),
    )
    resolve_scale: float = param(
        0.5, 0.05, 3.0,
        "Net stake at which the lead state's resolve reaches 63% (1 - 1/e): how much stake makes it push hard.",
        "S001: 'flexibility in interpreting the charter' when Moscow wants to act; S000 (Kazakhstan 2022); model "
        "assumption for the scale.",
        prior=(0.1, 1.5),
        prior_reason=('Stakes are of order 1 against action_cost = 1: a tenth to one and a half (model assumption).'),
    )
    w_own_track: float = param(
        0.8, 0.0, 3.0,
        "Lead state's cost of a side-taking measure through the organisation when it has a track of its own "
        "(bilateral action, mediation, its own peacekeepers).",
        "S002: Russia preferred to broker between Armenia and Azerbaijan and sent its own peacekeepers (2020); S001.",
        prior=(0.0, 2.0),
        prior_reason='Weight relative to action_cost = 1: none to twice (S002, S001 give the direction only).',
    )
    after_peak_discount: float = param(
        0.5, 0.0, 1.0,
        "Share of a crisis's severity the council discounts when the request came after the peak.",
        "[@kremlin-8043]: the council met in June 2010 as the violence in Osh subsided; model assumption for the size.",
        prior=(0.0, 0.8),
        prior_reason='From none to most of the severity (model assumption).',
        acts_on=(
            "a request made after the crisis's peak (request.timing after_peak): Kyrgyzstan June 2010 coded after"
            ' the peak; no training case is'),
    )
    influence: float = param(
        0.6, 0.0, 1.0,
        "Pull of the lead state's position on each member per round, times the member's dependence.",
        "S001: decisions 'largely influenced by Moscow's interests'; S003: Russia's influence over Armenia and Belarus.",
        prior=(0.2, 1.0),
        prior_reason=("S001: decisions 'largely influenced by Moscow's interests': a pull of at least a fifth, up to "
                      'the bound.'),
    )
    w_adversary: float = param(
        1.0, 0.0, 3.0,
        "Lead state's cost of taking sides against an adversary it courts or brokers with.",
        'S002: Russia preferred to broker between Armenia and Azerbaijan (2020).',
        prior=(0.3, 2.0),
        prior_reason='Weight relative to action_cost = 1: a third to twice (S002 gives the direction only).',
    )
    w_commitments: float = param(
        0.5, 0.0, 3.0,
        "Lead state's cost of a measure when it has competing commitments elsewhere.",
        'S003: Kazakhstan could draw attention and resources from Ukraine.',
        prior=(0.0, 1.5),
        prior_reason='Weight relative to action_cost = 1: none to one and a half (S003 gives the direction only).',
    )
    # --- costs of collective action ----------------------------------------------------------------
    action_cost: float = param(
        1.0, 0.0, 3.0,
        'Cost of a measure per unit of intrusiveness (troops abroad cost more than a statement).',
        'S000: Charter Art. 3, political means preferred.',
        prior=(0.5, 1.5),
        prior_reason=("The numeraire of the other weights' priors; varied by half either way to show how far the "
                      'thresholds and the noise pin the scale of utility.'),
    )
    w_legal: float = param(
        3.0, 0.0, 6.0,
        'Cost of a measure that lacks a mandate under the collective-defence clause.',
        'S002: the CSTO held that Art. 4 needs an external armed attack; S003 (Kyrgyzstan 2010).',
        prior=(1.0, 5.0),
        prior_reason=('S002: the CSTO held that Art. 4 needs an external armed attack, a strong objection: one to five '
                      'times action_cost.'),
    )
    framing_credit: float = param(
        0.65, 0.0, 1.0,
        'Share of the gap to the mandate of an external attack restored when internal unrest is framed as external.',
        "S002: 'false externalization' of domestic tensions; S004: 'international terrorist groups'.",
        prior=(0.3, 0.9),
        prior_reason=("S002: 'false externalization' restores much but not all of a mandate: between about a third and "
                      'nine tenths.'),
    )
    w_sovereignty: float = param(
        1.0, 0.0, 3.0,
        "Precedent cost to a member of intruding in another member's internal affairs, times its independence.",
        "S001: Charter Art. 5; Karimov's sovereignty concerns (2010).",
        prior=(0.3, 2.0),
        prior_reason='Weight relative to action_cost = 1: a third to twice (S001 gives the direction only).',
        acts_on=(
            "internal unrest in a member of little value to the lead state, where the lead state's pull on the "
            'others is weak: Kazakhstan 2022 with lead_state.strategic_value 0'),
    )
    w_cross_pressure: float = param(
        1.0, 0.0, 3.0,
        "Cost to a member of taking sides against a state it has ties with (or that state's patron).",
        'S002: Turkic formats make siding with Armenia against Azerbaijan awkward.',
        prior=(0.3, 2.0),
        prior_reason='Weight relative to action_cost = 1: a third to twice (S002 gives the direction only).',
        acts_on=(
            'a request for side-taking measures against a state other members have ties with: Armenia 2020 put to'
            ' the organisation (what-if armenia-2020-csto-request)'),
    )
    w_legitimacy: float = param(
        0.6, 0.0, 3.0,
        'Cost of backing a government of doubtful legitimacy, for regimes that fear revolutions.',
        "S001: Kyrgyzstan 2010 'political unrest and regime change'; [@udf-30670]: interim government.",
        prior=(0.0, 1.5),
        prior_reason='Weight relative to action_cost = 1: none to one and a half (S001 gives the direction only).',
    )
    capability_cost: float = param(
        0.8, 0.0, 3.0,
        'Cost of a deployment without a ready collective force (falls with readiness).',
        'S000, S002: the rapid reaction force allows quick intervention.',
        prior=(0.2, 2.0),
        prior_reason=('Weight relative to action_cost = 1: a fifth to twice; it never acts in the training cases '
                      '(readiness 1), so the posterior stays at the prior.'),
        acts_on=(
            'a deployment asked for where no ready collective force exists: the same request before the rapid '
            'reaction force (Kazakhstan 2022 dated 2008) or put to an organisation without one (csto-sim compare-'
            'forums)'),
    )
    jurisdiction_relief: float = param(
        0.3, 0.0, 1.0,
        'Share of the legal cost of a deployment removed by a status-of-forces agreement.',
        "S001: the 2021 jurisdiction agreement is 'crucial' for the 2022 intervention.",
        prior=(0.0, 0.6),
        prior_reason=("S001 calls the 2021 agreement 'crucial', but a status-of-forces agreement removes part of the "
                      'legal cost, not most of it (model assumption).'),
        acts_on=(
            'a deployment after the 2021 jurisdiction agreement whose mandate is in doubt: Kazakhstan 2022 framed'
            ' as internal (what-if kazakhstan-2022-internal-framing)'),
    )
    # --- deliberation ------------------------------------------------------------------------------
    peer_weight: float = param(
        0.1, 0.0, 0.5,
        "Weight of the other members' mean position in each member's revision per round.",
        'Friedkin & Johnsen (1990) [@friedkin-johnsen-1990] opinion dynamics with stubbornness; model assumption.',
        prior=(0.0, 0.3),
        prior_reason=('Friedkin & Johnsen (1990) [@friedkin-johnsen-1990]: stubborn actors keep most weight on their own '
                      'view; at most 0.3 on '
                      'peers.'),
    )
    rounds: int = param(
        4, 1, 20,
        'Deliberation rounds before the council settles (positions are near their fixed point after four).',
        'Model assumption: rounds have no calendar meaning; days come from base_days and delays.',
        prior=(2, 8),
        prior_reason=('Positions are near their fixed point after about four rounds; two to eight (whole numbers) '
                      'brackets it.'),
        acts_on=(
            "a member whose own assessment and the lead state's pull straddle a stance threshold: the "
            'hypothetical request (what-if hypothetical-request)'),
    )
    noise: float = param(
        0.2, 0.0, 2.0,
        "Standard deviation of each member's perception noise on its stake, per replication.",
        'Model assumption: unobserved idiosyncrasies of leaders.',
        prior=(0.05, 0.6),
        prior_reason='Idiosyncrasies small against a stake of order 1: a twentieth to 0.6 (model assumption).',
    )
    objection_threshold: float = param(
        0.45, 0.0, 3.0,
        'A member formally objects to a measure whose utility is below minus this value.',
        "[@asbarez-2010-csto-not-to-send-peacekeepers], [@armenianclub-2009-crrf-without-belarus], [@rferl-32697282]: "
        "consensus means 'no formal objection'.",
        prior=(0.1, 1.5),
        prior_reason=('[@asbarez-2010-csto-not-to-send-peacekeepers], [@armenianclub-2009-crrf-without-belarus], '
                      '[@rferl-32697282]: a formal objection is rare and costly; a tenth to one and a half times '
                      'action_cost.'),
    )
    delay_threshold: float = param(
        0.1, 0.0, 3.0,
        'A member that does not object delays its consent when utility is below minus this value.',
        '[@asbarez-2010-csto-not-to-send-peacekeepers]: Belarus delayed its consent by days (June 2010).',
        prior=(0.0, 0.5),
        prior_reason=('[@asbarez-2010-csto-not-to-send-peacekeepers]: delays (Belarus 2010) come from members only mildly '
                      'opposed: up to half of action_cost.'),
    )
    # --- timing and forces -------------------------------------------------------------------------
    base_days: float = param(
        4.0, 0.0, 30.0,
        'Days from request to decision when the lead state is indifferent and nobody delays.',
        '[@eurasianet-2010-russia-turns-down], [@kremlin-8043]: about three days in June 2010 (request 11-12 June, '
        'decision 14 June), when Russia was lukewarm; with its keenness then (urgency) this gives about two days.',
        prior=(1.0, 8.0),
        prior_reason=('[@eurasianet-2010-russia-turns-down], [@kremlin-8043], [@aboutlyrics-2022-csto-consultations]: '
                      'about three days in June 2010, under a day in 2022: one to eight days when Russia is '
                      'indifferent.'),
    )
    instruction_days: float = param(
        1.0, 0.0, 10.0,
        'Days for a standing organ (the secretary general, the chair) to open, on a member\'s appeal, a measure it '
        'may open by itself (emergency consultations), without a session.',
        '[@hyetert-2021-csc-chair-emergency-consultations]: the chair instructed that emergency consultations be '
        'activated the day after Armenia\'s appeal (13-14 May 2021).',
        prior=(0.25, 3.0),
        prior_reason='From hours to three days: an instruction, not a session (model assumption around the one record).',
    )
    urgency: float = param(
        2.0, 0.0, 10.0,
        "How fast the lead state's keenness for the measure shortens the deliberation (per unit of utility).",
        '[@aboutlyrics-2022-csto-consultations], [@urdupoint-2022-1442241]: Kazakhstan 2022, agreement within hours of '
        'the request.',
        prior=(0.5, 5.0),
        prior_reason=('[@aboutlyrics-2022-csto-consultations], [@kremlin-8043]: agreement within hours in 2022 and in days '
                      'in 2010: keenness shortens the time by e^-0.5 to e^-5 per unit of utility.'),
    )
    delay_days: float = param(
        1.5, 0.0, 10.0,
        'Mean days added by each delaying member (exponentially distributed); half of it per rung that failed, '
        'and (1 - readiness) of it for mobilising a deployment.',
        '[@asbarez-2010-csto-not-to-send-peacekeepers]: Belarus delayed by days (June 2010).',
        prior=(0.5, 4.0),
        prior_reason=("[@asbarez-2010-csto-not-to-send-peacekeepers]: Belarus delayed its consent 'by days' in 2010: "
                      "half a day to four days."),
        acts_on=(
            'the days of a decision that members delay, or that needs a force mobilised where none is ready: '
            'Kazakhstan 2022 dated 2008, before the rapid reaction force'),
    )
    force_fraction: float = param(
        0.2, 0.0, 1.0,
        'Share of the collective force committed per unit of crisis severity.',
        'S002, S004: about 2,500 of the 18,000-strong force went to Kazakhstan.',
        prior=(0.05, 0.5),
        prior_reason=('S002, S004: about 2,500 of the 18,000-strong force went to Kazakhstan (a seventh) at a severity '
                      'below 1: a twentieth to a half.'),
    )
    symbolic_share: float = param(
        0.3, 0.0, 1.0,
        'Relative contribution of a member that acquiesces rather than supports.',
        "S002: 'even in symbolic numbers'.",
        prior=(0.05, 0.6),
        prior_reason=("S002: 'even in symbolic numbers': an acquiescing member sends a small fraction of a supporter's "
                      'share.'),
        acts_on=(
            'the troops of members that acquiesce in a deployment rather than support it: Kazakhstan 2022 with '
            'protests rather than an uprising (what-if threat.regime_threat protests)'),
    )
    def __post_init__(self) -> None:
        for spec in SPECS.values():
            coerce(spec.name, getattr(self, spec.name))

    def replace(self, **changes: Any) -> Parameters:
        """A copy with checked changes (values may be strings from the command line). Only the changes are
        checked (the other values were checked when this one was made): a sweep makes one per point."""
        checked = {k: coerce(k, v) for k, v in changes.items()}
        new = copy.copy(self)
        for name, value in checked.items():
            object.__setattr__(new, name, value)
        return new

    def as_dict(self) -> dict[str, float | int]:
        """The parameters as a plain dictionary (for manifests and JSON)."""
        return dataclasses.asdict(self)


SPECS: dict[str, ParamSpec] = {
    f.name: ParamSpec(
        name=f.name, kind=int if f.type in ("int", int) else float, default=f.default,
        low=f.metadata["low"], high=f.metadata["high"], meaning=f.metadata["meaning"],
        source=f.metadata["source"], prior=f.metadata["prior"], prior_reason=f.metadata["prior_reason"],
        acts_on=f.metadata["acts_on"],
    )
    for f in dataclasses.fields(Parameters)
}


def coerce(name: str, value: Any) -> float | int:
    """Check one parameter value against its spec and return it in the parameter's type."""
    spec = SPECS.get(name)
    if spec is None:
        raise ParameterError(f"unknown parameter {name!r} (allowed: {', '.join(SPECS)})")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ParameterError(f"{name}: expected a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(f"{name}: expected a finite number, got {value!r}")
    if spec.kind is int:
        if float(value) != int(value):
            raise ParameterError(f"{name}: expected a whole number, got {value!r}")
        value = int(value)
    else:
        value = float(value)
    if not spec.low <= value <= spec.high:
        raise ParameterError(f"{name}: {value:g} is out of range (allowed: {spec.low:g} to {spec.high:g})")
    return value


# -- the bounds of a run's settings (here, without numpy, so that the command line checks them at once) ---------

MAX_REPLICATIONS = 2_000_000


def check_replications(replications: Any) -> int:
    """Replications: a whole number (numpy's too) from 1 to :data:`MAX_REPLICATIONS`."""
    if isinstance(replications, bool) or not isinstance(replications, numbers.Integral):
        raise ValueError(f"replications: expected a whole number, got {replications!r}")
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"replications: {replications} is out of range (allowed: 1 to {MAX_REPLICATIONS:,})")
    return int(replications)


def check_seed(seed: Any) -> int:
    """A seed: a whole number from 0 to 2**128 - 1 (what ``numpy.random.SeedSequence`` takes in full)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**128:
        raise ValueError(f"seed: expected a whole number from 0 to 2**128 - 1, got {seed!r}")
    return int(seed)


class ParameterRows:
    """The global parameters of several points run side by side in one model (``simulate_points``).

    Rows come in consecutive blocks, ``rows[i]`` for point ``i`` (its replications). A parameter the points
    share stays one number; a parameter that differs is an array over the rows, each point's value repeated
    over its block, so every mechanism computes each row with its own point's value. ``rounds`` may differ
    too: the deliberation runs each row's own rounds (``kernels.deliberate``); only a model that keeps its rounds
    (a trace or a record) needs them shared. ``points`` keeps each point's :class:`Parameters`.
    """

    def __init__(self, points: Sequence[Parameters], rows: Sequence[int]):
        if len(points) != len(rows) or not points:
            raise ValueError("ParameterRows: one block of rows per point, at least one point")
        import numpy as np  # here, not at the top: the command line reads this module without numpy

        self.points = tuple(points)
        self.rows = np.asarray(rows, dtype=np.int64)
        #: The same parameters one value a point (not a row): what a mechanism that reads nothing else that differs
        #: between rows computes once a point (``MemberState.assess``: the cost terms).
        self.at_points = SimpleNamespace()
        every = operator.attrgetter(*SPECS)  # one call a point for all its values (a pass has many points)
        table = np.array([every(p) for p in points], dtype=float).reshape(len(points), len(SPECS))
        for k, spec in enumerate(SPECS.values()):
            values = table[:, k]
            if (values.view(np.int64) == values.view(np.int64)[0]).all():  # bit for bit the same: one number
                setattr(self, spec.name, getattr(points[0], spec.name))
                setattr(self.at_points, spec.name, getattr(points[0], spec.name))
            else:
                values = values.astype(np.int64) if spec.kind is int else values
                setattr(self, spec.name, np.repeat(values, rows))
                setattr(self.at_points, spec.name, values)
