"""What the explorer page runs, without Solara: the model it re-creates from the page's fields, the fields
themselves, the baseline and what-if comparison, the case's editable facts and the case file the page
offers for download. Its figures are drawn by :mod:`model.plots.explorer`.

:class:`ExplorerModel` is a Mesa model built from every setting of the page as a keyword (as Mesa's
controller re-creates a model on Reset). When it is built it runs the council twice with
:func:`model.posterior.run_with` (the switch of every command), so that its numbers are those of ``csto-sim run``
for the same case, rule, parameters, posterior choice, replications and seed (alternative codings included):

- the **baseline**: the case as coded, the default parameters and the organisation's decision rule;
- the **what-if**: the case with the facts edited on the page, the page's rule and parameters.

Both use the same replications and seed, so that their difference is not sampling noise in the shared
draws. By default (as ``csto-sim run``) each replication draws its parameters from the shipped posterior
(``model/posterior.py``, ``run_with``), the what-if with the parameters changed on the page fixed on every
set (as ``--set``); ``posterior="none"`` runs at point parameters (the defaults, and the page's for the
what-if). Either way every outcome probability has its 90% interval (``intervals``), from the project's one
definition (``model/statistics.py``, ``outcome_intervals``) over each replication's epistemic draw: the
posterior's set and the codings of the case's facts (Monte Carlo only when there are neither).

``step()`` then replays the what-if's replication 0 round by round (Mesa's Step and Play). The approval map
of the what-if (P(approved) over the strategic value and the legal situation, the case placed on it) is
computed on demand by :meth:`ExplorerModel.approval_map` (``model/explorer/approval.py``). A bad value never
raises: the model keeps the message in ``error`` and the page shows it.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import mesa
import yaml

from ..errors import InputError
from ..ladder import LEVELS, STANCES
from ..params import SPECS, ParameterError, Parameters
from ..posterior import NONE, SHIPPED, Posterior, load_posterior, run_with
from ..results import SimulationResult
from ..rules import RULES
from ..scenario import CATEGORIES, NUMERIC, Case, list_case_files, load_scenario, read_yaml, with_facts
from ..simulate import check_replications, check_seed
from ..statistics import outcome_intervals
from ..tables import interval_note
from ..terms import REASONS

#: The case the page opens on: Kyrgyzstan, June 2010 (the Osh violence), a request for troops that the council
#: answered with equipment and advisers (assistance) and no troops. Its outcomes are spread over the ladder
#: (about 0.64 assistance and 0.35 none at the defaults, the none from the disputed coding of the request's
#: channel), the observed outcome is on the page, and a fact changed on the Facts tab moves it (an external
#: state as the threat's origin puts deployment at about 0.37): the question "when is an intervention
#: approved" in one case. (Kazakhstan 2022 is certain deployment at the defaults: one bar.)
OPENING_CASE = "kyrgyzstan-2010-06"
#: Sliders shown first: the parameters a user reaches for first (the rest follow in their usual order).
MAIN_PARAMETERS = ("influence", "threat_scale", "w_strategic", "w_legal", "framing_credit", "w_sovereignty", "noise")
#: The fields of the page that are not global parameters.
RUN_FIELDS = ("case", "rule", "posterior", "replications", "seed", "settings", "facts")
DEFAULT_REPLICATIONS = 2_000
DEFAULT_SEED = 1
SLIDER_REPLICATIONS = (100, 20_000, 100)  # min, max, step of the replications slider
SETTINGS_HELP = "set NAME=VALUE, ... (any parameter)"
#: The page's choice of parameters (the values of ``--posterior`` they stand for): as ``csto-sim run``, the
#: shipped posterior by default.
PARAMETER_CHOICES = {SHIPPED: "drawn from the shipped posterior", NONE: "point parameters (no posterior)"}
DEFAULT_POSTERIOR = SHIPPED
#: The facts the page lets an analyst edit: the categorical and the numeric facts of a case file.
EDITABLE_FACTS = tuple(CATEGORIES) + tuple(NUMERIC)
#: How many baselines the page keeps (a baseline depends only on the case, the replications and the seed).
_BASELINES: OrderedDict[tuple[Any, ...], SimulationResult] = OrderedDict()
_BASELINES_KEPT = 8
_SERIALS = itertools.count(1)
_BASELINES_LOCK = threading.Lock()  # one server, many browser sessions
_POSTERIORS: dict[str, Posterior | None] = {}


def case_ids() -> list[str]:
    """The ids of the case files under scenarios/ (historical first, then what-if), as ``csto-sim list``."""
    return [p.stem for p in list_case_files()]


def default_case(ids: list[str] | None = None) -> str:
    """The case the page opens on: :data:`OPENING_CASE` when it is there, else the first listed case."""
    ids = case_ids() if ids is None else ids
    return OPENING_CASE if OPENING_CASE in ids or not ids else ids[0]


def default_rule() -> str:
    """The organisation's default rule, read from the opening case (consensus for the CSTO)."""
    try:
        return load_scenario(default_case()).organisation.default_rule
    except InputError:
        return next(iter(RULES))


def slider_step(low: float, high: float) -> float:
    """A step that puts every default on the slider's grid and gives about 50 to 300 positions."""
    span = high - low
    for limit, step in ((1, 0.01), (6, 0.05), (10, 0.1), (30, 0.5)):
        if span <= limit:
            return step
    return 10.0


def parameter_label(name: str) -> str:
    """A slider's name (the meanings are in the page's Parameters tab)."""
    return "influence (the lead state's pull)" if name == "influence" else name


def value_label(label: str, value: Any) -> str:
    """A field's label with its value, as the page shows it: ``"noise = 0.2"``."""
    if isinstance(value, float):
        return f"{label} = {value:g}"
    if isinstance(value, int):
        return f"{label} = {value:,}"
    return f"{label} = {value}"


def model_params(cases: list[str] | None = None) -> dict[str, Any]:
    """The fields of the page in Mesa's ``model_params`` format (selects, sliders, text inputs); the page's
    own ``facts`` field (the edited facts, a dict) is not among them: the Facts tab holds it."""
    cases = case_ids() if cases is None else cases
    defaults = Parameters()
    out: dict[str, Any] = {
        "case": {"type": "Select", "value": default_case(cases), "values": cases, "label": "case"},
        "rule": {"type": "Select", "value": default_rule(), "values": list(RULES), "label": "decision rule"},
        "posterior": {"type": "Select", "value": DEFAULT_POSTERIOR, "values": list(PARAMETER_CHOICES),
                      "labels": dict(PARAMETER_CHOICES), "label": "parameters"},
        "replications": {"type": "SliderInt", "value": DEFAULT_REPLICATIONS, "min": SLIDER_REPLICATIONS[0],
                         "max": SLIDER_REPLICATIONS[1], "step": SLIDER_REPLICATIONS[2], "label": "replications"},
        "seed": {"type": "InputText", "value": str(DEFAULT_SEED), "label": "seed (a whole number)"},
        "settings": {"type": "InputText", "value": "", "label": SETTINGS_HELP},
    }
    order = list(MAIN_PARAMETERS) + [n for n in SPECS if n not in MAIN_PARAMETERS]
    for name in order:
        spec = SPECS[name]
        value = getattr(defaults, name)
        if spec.kind is int:
            out[name] = {"type": "SliderInt", "value": int(value), "min": int(spec.low), "max": int(spec.high),
                         "step": 1, "label": parameter_label(name)}
        else:
            out[name] = {"type": "SliderFloat", "value": float(value), "min": spec.low, "max": spec.high,
                         "step": slider_step(spec.low, spec.high), "label": parameter_label(name)}
    return out


def initial_fields(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page's fields as it opens: every field's value, and no edited facts."""
    params = model_params() if params is None else params
    return {**{name: spec["value"] for name, spec in params.items()}, "facts": {}}


def parse_settings(text: str) -> dict[str, str]:
    """``"noise=0.5, w_legal=2"`` as ``{"noise": "0.5", "w_legal": "2"}`` (commas, semicolons or spaces)."""
    out: dict[str, str] = {}
    for item in re.split(r"[,;\s]+", text.strip()):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise ParameterError(f"settings: {item!r} is not NAME=VALUE (allowed: NAME=VALUE with a NAME from: "
                                 f"{', '.join(SPECS)})")
        out[name] = value
    return out


_NUMBER = r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)\s*"


def parse_number_fact(name: str, text: str) -> float | tuple[float, float]:
    """A numeric fact as typed on the page: ``"150"`` (a value) or ``"20 to 230"`` / ``"20-230"`` (a range);
    ValueError naming the fact and what is allowed."""
    low, high = NUMERIC[name]
    allowed = f"a number from {low:g} to {high:g}, or a range such as '20 to 230'"
    if m := re.fullmatch(_NUMBER, text):
        return float(m.group(1))
    if m := re.fullmatch(_NUMBER + r"(?:to|-|–)" + _NUMBER, text):
        return float(m.group(1)), float(m.group(2))
    raise ValueError(f"{name}: {text.strip()!r} is not a number or a range (allowed: {allowed})")


def fact_text(case: Case, name: str) -> str:
    """A fact of ``case`` as the page shows it: a value, ``low to high`` for a range, ``not set`` if absent."""
    fact = case.facts.get(name)
    if fact is None:
        return "not set"
    if fact.is_range:
        return f"{fact.low:g} to {fact.high:g}"
    return f"{fact.value:g}" if isinstance(fact.value, int | float) and not isinstance(fact.value, bool) \
        else str(fact.value)


def change_text(value: Any) -> str:
    """An edited fact's value as text (the inverse of :func:`parse_number_fact` for numbers)."""
    if isinstance(value, tuple):
        return f"{value[0]:g} to {value[1]:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _seed(text: Any) -> int:
    if isinstance(text, str):
        try:
            text = int(text.strip().replace("_", ""))
        except ValueError:
            raise ValueError(f"seed: {text!r} is not a whole number (allowed: 0 to 2**128 - 1)") from None
    return check_seed(text)


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)


def posterior_of(choice: str) -> Posterior | None:
    """The posterior a choice of the page stands for (``shipped``, ``none``, or a calibration's folder), read once
    per server; InputError when it cannot be read."""
    key = str(choice)
    with _BASELINES_LOCK:
        if key in _POSTERIORS:
            return _POSTERIORS[key]
    post = load_posterior(key)
    with _BASELINES_LOCK:
        _POSTERIORS[key] = post
    return post


def changed_parameters(params: Parameters) -> dict[str, Any]:
    """The parameters whose value differs from the default: over a posterior, those fixed on every set."""
    defaults = Parameters()
    return {name: getattr(params, name) for name in SPECS if getattr(params, name) != getattr(defaults, name)}


def intervals_of(result: SimulationResult) -> dict[str, tuple[float, float]]:
    """Each outcome's 90% interval, level -> (low, high): ``outcome_intervals`` over the result's draws."""
    return {level: (b["lo"], b["hi"]) for level, b in outcome_intervals(result.outcome, result.draw).items()}


def baseline_of(case: Case, replications: int, seed: int, posterior: Posterior | None = None) -> SimulationResult:
    """The case as coded, the default parameters (or the posterior's, nothing fixed) and the organisation's rule
    (kept for a few cases)."""
    key = (case.path, case.sha256, replications, seed, posterior.sha256 if posterior is not None else None)
    with _BASELINES_LOCK:
        if key in _BASELINES:
            _BASELINES.move_to_end(key)
            return _BASELINES[key]
    result = run_with(case, replications, seed, posterior, params=Parameters())
    with _BASELINES_LOCK:
        _BASELINES[key] = result
        while len(_BASELINES) > _BASELINES_KEPT:
            _BASELINES.popitem(last=False)
    return result


class ExplorerModel(mesa.Model):
    """The council on one case over ``replications`` worlds, built from the explorer page's fields.

    Any global parameter can be given by name (``influence=0.0``); ``settings`` is free text
    ``NAME=VALUE, ...`` applied after them; ``facts`` maps fact names to the values of the what-if
    (``{"request.framing": "internal", "threat.deaths": (20.0, 230.0)}``); ``posterior`` is ``shipped`` (the
    default: each replication's parameters drawn from the shipped posterior, those changed from the defaults
    fixed on every set) or ``none`` (point parameters). ``step()`` replays the what-if's replication 0 round by
    round (Mesa's Step and Play buttons).
    """

    def __init__(self, case: str = OPENING_CASE, rule: str | None = None, replications: int = DEFAULT_REPLICATIONS,
                 seed: int | str = DEFAULT_SEED, settings: str = "", facts: dict[str, Any] | None = None,
                 posterior: str = DEFAULT_POSTERIOR, scenario: Any = None, rng: Any = None, **parameters: Any):
        # ``scenario`` (Mesa's, not a case) and ``rng`` are what Mesa's controller may add: the seed field decides.
        #: The fields this model was built with (the page compares them with its own to say a run is due).
        self.fields: dict[str, Any] = {"case": case, "rule": rule, "posterior": posterior, "replications": replications,
                                       "seed": seed, "settings": settings, "facts": dict(facts or {}), **parameters}
        #: A number of its own for every model built (the page's figures are kept by it).
        self.serial = next(_SERIALS)
        self.error: str | None = None
        self.result: SimulationResult | None = None
        self.baseline: SimulationResult | None = None
        self.base_case: Case | None = None
        self.facts: dict[str, Any] = dict(facts or {})
        #: The outcome probabilities' 90% intervals (level -> (low, high)) of the baseline and the what-if, over
        #: each replication's epistemic draw (posterior set and codings; see :func:`intervals_of`); None when
        #: nothing was run.
        self.intervals: dict[str, dict[str, tuple[float, float]]] | None = None
        #: The posterior the replications drew their parameters from (None: point parameters).
        self.posterior: Posterior | None = None
        #: The what-if as run (the case with the page's facts) and the parameters it fixed (changed on the page).
        self.whatif: Case | None = None
        self.fixed: dict[str, Any] = {}
        self.shown_rounds = 0
        try:
            if posterior not in PARAMETER_CHOICES:
                raise KeyError(f"posterior: {posterior!r} is not a choice (allowed: {', '.join(PARAMETER_CHOICES)})")
            params = Parameters().replace(**parameters)
            params = params.replace(**parse_settings(settings or ""))
            seed = _seed(seed)
            replications = check_replications(replications)
            if rule is not None and rule not in RULES:
                raise KeyError(f"rule: unknown decision rule {rule!r} (allowed: {', '.join(RULES)})")
            post = posterior_of(posterior)
            base = load_scenario(case)
            unknown = sorted(set(self.facts) - set(EDITABLE_FACTS))
            if unknown:
                raise KeyError(f"facts: {unknown[0]!r} cannot be edited on the page (allowed: "
                               f"{', '.join(EDITABLE_FACTS)})")
            whatif = with_facts(base, self.facts, source="explorer") if self.facts else base
        except (InputError, ValueError, KeyError) as exc:
            self.error = _message(exc)
            self.seed = None
            super().__init__()  # a bare Mesa model: the page shows the error
            self.running = False
            return
        super().__init__(rng=seed)
        self.seed = seed
        self.base_case = base
        self.whatif = whatif
        self.posterior = post
        self.fixed = changed_parameters(params)
        self.baseline = baseline_of(base, replications, seed, post)
        # As ``csto-sim run``: over the posterior with the parameters set on the page fixed on every set (--set),
        # else at the page's parameters.
        self.result = run_with(whatif, replications, seed, post, rule=rule, params=params, overrides=self.fixed,
                               trace=True)
        self.intervals = {"baseline": intervals_of(self.baseline), "what-if": intervals_of(self.result)}
        self.shown_rounds = self.rounds
        self.running = True  # Step / Play replay the traced replication

    @property
    def over_posterior(self) -> bool:
        return self.posterior is not None

    def interval_notes(self) -> dict[str, str]:
        """What the intervals of the baseline and of the what-if are over (``tables.interval_note``)."""
        if self.result is None:
            return {}
        return {"baseline": interval_note(self.baseline.uncertainty), "what-if": interval_note(self.result.uncertainty)}

    @property
    def trace_params(self) -> Parameters | None:
        """The parameters the traced replication (the what-if's replication 0) ran with: over a posterior, the set
        it drew with the page's parameters fixed on it; else the page's."""
        r = self.result
        if r is None:
            return None
        blocks = getattr(r, "blocks", None)
        if self.posterior is None or not blocks:
            return r.params
        set_id = blocks[0][0]
        post = self.posterior
        index = post.ids.index(set_id) if post.ids else set_id
        return post.sets[index].replace(**self.fixed) if self.fixed else post.sets[index]

    @property
    def trace_set(self) -> int | None:
        """The posterior set (its id) the traced replication drew; None at point parameters."""
        blocks = getattr(self.result, "blocks", None)
        return blocks[0][0] if self.posterior is not None and blocks else None

    def approval_map(self) -> Any:
        """The approval map of the what-if with the case placed on it (computed once per settings; a few
        seconds): see :func:`model.explorer.approval.approval_view`."""
        from .approval import approval_view

        if self.result is None:
            raise ValueError(f"nothing to map: {self.error}")
        return approval_view(self)

    @property
    def rounds(self) -> int:
        """The rounds of the traced replication (round 0 is each member's own assessment)."""
        return len(self.result.trace or []) if self.result is not None else 0

    @property
    def decided(self) -> bool:
        """Whether the replay has reached the council's decision (every round shown)."""
        return self.result is not None and self.shown_rounds >= self.rounds

    def step(self) -> None:
        """Show the next round of replication 0: the first Step after a run starts again at round 0."""
        if self.result is None:  # nothing was run: nothing to replay
            self.running = False
            return
        self.shown_rounds = 1 if self.shown_rounds >= self.rounds else self.shown_rounds + 1
        self.running = self.shown_rounds < self.rounds

    # -- what the page shows ------------------------------------------------------------------------

    @property
    def p_deployment(self) -> float | None:
        return None if self.result is None else self.result.outcome_probabilities["deployment"]

    def summary(self) -> dict[str, Any]:
        """The numbers in the page's text: probabilities, modal and observed outcome, days, changes."""
        r = self.result
        if r is None:
            return {"error": self.error}
        defaults = Parameters()
        changed = {name: (getattr(r.params, name), getattr(defaults, name)) for name in SPECS
                   if getattr(r.params, name) != getattr(defaults, name)}
        base = self.base_case
        return {
            "case": base.id, "title": base.title, "kind": base.kind, "rule": r.rule, "seed": r.seed,
            "posterior": self.posterior.describe() if self.posterior is not None else None,
            "replications": r.replications, "lead_state": r.lead_state, "probabilities": r.outcome_probabilities,
            "modal": r.modal_outcome, "observed": self.baseline.observed, "days": r.days_to_decision,
            "outcome_0": LEVELS[int(r.outcome[0])], "changed": changed, "baseline_rule": self.baseline.rule,
            "facts": {name: (change_text(v), fact_text(base, name)) for name, v in self.facts.items()},
        }

    def outcome_rows(self) -> list[dict[str, Any]]:
        """The Compare table: per outcome, its probability in the baseline and in the what-if, and the
        difference; with the ``baseline interval`` and ``what-if interval`` ((low, high)) when :attr:`intervals`
        is set (always, after a run)."""
        if self.result is None:
            return []
        b, w = self.baseline.outcome_probabilities, self.result.outcome_probabilities
        rows = []
        for level in LEVELS:
            row = {"outcome": level, "baseline": b[level], "what-if": w[level], "difference": w[level] - b[level]}
            if self.intervals is not None:
                for side in ("baseline", "what-if"):
                    row[f"{side} interval"] = self.intervals[side][level]
            rows.append(row)
        return rows

    def stances(self) -> list[tuple[str, str, str]]:
        """Replication 0's (member, stance on the measure requested, reason) once the council has decided."""
        r = self.result
        if r is None:
            return []
        out = []
        for i, member in enumerate(r.members):
            code = int(r.stance[0, i])
            stance = STANCES[code] if code >= 0 else "none: the measure requested was not tabled"
            out.append((member, stance, REASONS[int(r.reason[0, i])]))
        return out

    def parameter_rows(self) -> list[tuple[str, float | int, float | int, str, str]]:
        """(name, value used, default, range, meaning) of every global parameter."""
        defaults = Parameters()
        used = self.result.params if self.result is not None else defaults
        return [(name, getattr(used, name), getattr(defaults, name), f"{spec.low:g} to {spec.high:g}", spec.meaning)
                for name, spec in SPECS.items()]

    def case_file(self) -> str:
        """The what-if as a case file (YAML) that ``csto-sim run FILE`` accepts: see :func:`case_file_text`."""
        if self.result is None:
            raise ValueError(f"nothing to download: {self.error}")
        return case_file_text(self.base_case, self.facts, self.result, posterior=self.posterior is not None)


def case_file_text(case: Case, changes: dict[str, Any], run: SimulationResult | None = None,
                   posterior: bool = False) -> str:
    """``case``'s file with the facts in ``changes`` replaced, as a what-if case file (YAML).

    The file keeps every other fact with its sources and notes, its alternative codings and disagreements,
    and drops the observed outcome (a what-if records none); each changed fact has the source ``explorer``
    and a note with the value as coded. Its id is the case's with ``-explorer`` appended. When ``run`` is
    given, a comment at the top gives the command that reproduces the page's what-if numbers (over the shipped
    posterior, ``csto-sim run``'s default, when ``posterior``; else with ``--posterior none``).
    """
    data = read_yaml(Path(case.path))
    for name, value in changes.items():
        group, key = name.split(".", 1)
        node = {"range": [float(value[0]), float(value[1])]} if isinstance(value, tuple) else {"value": value}
        node["source"] = "explorer"
        node["note"] = f"changed on the explorer page; as coded in {case.id}: {fact_text(case, name)}"
        data["facts"].setdefault(group, {})[key] = node
    data["id"] = f"{case.id}-explorer"
    title = re.sub(r"^What if: ", "", str(data["title"]))
    data["title"] = f"What if: {title} (edited in the explorer)"
    data["kind"] = "what-if"
    data.pop("observed", None)
    summary = str(data.get("summary") or "").strip()
    changed = "; ".join(f"{n} = {change_text(v)} (coded: {fact_text(case, n)})" for n, v in changes.items())
    data["summary"] = (f"Made in csto-sim explore from {case.id}. Changed: {changed or 'nothing'}. "
                       + summary).strip()
    head = ["# A what-if case file made by csto-sim explore (docs/explorer.md)."]
    if run is not None:
        defaults = Parameters()
        sets = " ".join(f"--set {n}={getattr(run.params, n)!r}" for n in SPECS
                        if getattr(run.params, n) != getattr(defaults, n))
        command = f"csto-sim run FILE --rule {run.rule} -n {run.replications} --seed {run.seed}" + (
            "" if posterior else " --posterior none")
        head.append("# The page's what-if numbers: " + (f"{command} {sets}" if sets else command))
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(head) + "\n" + body


def format_probability(p: float | None) -> str:
    return "-" if p is None or math.isnan(p) else f"{p:.3f}"


def format_difference(d: float) -> str:
    """A difference of probabilities with its sign (``+0.250``, ``-0.013``, ``0.000``)."""
    return "0.000" if abs(d) < 0.0005 else f"{d:+.3f}"

