"""What the explorer page runs, without Solara: the model it re-creates from the page's fields and the
fields themselves (Mesa's ``model_params``). Its figures are drawn by :mod:`model.plots.explorer`.

:class:`ExplorerModel` is a :class:`~model.model.CouncilModel` that takes every setting of the page as a
keyword (as SolaraViz re-creates a model), runs the council over R replications at once when it is built,
and keeps a :class:`~model.results.SimulationResult` with the same numbers as ``csto-sim run`` for the
same case, rule, parameters, replications and seed. A bad value never raises: the model keeps the message
in ``error`` and the page shows it.
"""

from __future__ import annotations

import math
import re
from typing import Any

import mesa
import numpy as np

from ..errors import InputError
from ..ladder import LEVELS
from ..model import DEFAULT_CASE, CouncilModel
from ..params import SPECS, ParameterError, Parameters
from ..results import SimulationResult
from ..rules import RULES
from ..scenario import list_case_files, load_scenario
from ..simulate import check_replications, check_seed, result_of

#: Sliders shown first: the parameters a user reaches for first (the rest follow in their usual order).
MAIN_PARAMETERS = ("influence", "threat_scale", "w_strategic", "w_legal", "framing_credit", "w_sovereignty", "noise")
DEFAULT_REPLICATIONS = 2_000
DEFAULT_SEED = 1
SLIDER_REPLICATIONS = (100, 20_000, 100)  # min, max, step of the replications slider
SETTINGS_HELP = "set NAME=VALUE, ... (any parameter)"


def case_ids() -> list[str]:
    """The ids of the case files under scenarios/ (historical first, then what-if), as ``csto-sim list``."""
    return [p.stem for p in list_case_files()]


def default_case(ids: list[str] | None = None) -> str:
    """The case the page opens with: the first listed case (so that choosing Kazakhstan 2022 is a change)."""
    ids = case_ids() if ids is None else ids
    return ids[0] if ids else DEFAULT_CASE


def default_rule() -> str:
    """The organisation's default rule, read from the default case (consensus for the CSTO)."""
    try:
        return load_scenario(DEFAULT_CASE).organisation.default_rule
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
    """A slider's label: the parameter's name (the meanings are in the page's Parameters tab)."""
    return "influence (the lead state's pull)" if name == "influence" else name


def model_params(cases: list[str] | None = None) -> dict[str, Any]:
    """The fields of the page, in Mesa's ``model_params`` format: selects, sliders and text inputs."""
    cases = case_ids() if cases is None else cases
    defaults = Parameters()
    out: dict[str, Any] = {
        "case": {"type": "Select", "value": default_case(cases), "values": cases, "label": "case"},
        "rule": {"type": "Select", "value": default_rule(), "values": list(RULES), "label": "decision rule"},
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


def _seed(text: Any) -> int:
    if isinstance(text, str):
        try:
            text = int(text.strip().replace("_", ""))
        except ValueError:
            raise ValueError(f"seed: {text!r} is not a whole number (allowed: 0 to 2**128 - 1)") from None
    return check_seed(text)


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)


class ExplorerModel(CouncilModel):
    """The council on one case over ``replications`` worlds, built from the explorer page's fields.

    Any global parameter can be given by name (``influence=0.0``); ``settings`` is free text
    ``NAME=VALUE, ...`` applied after them. ``step()`` after the decision replays the traced replication
    round by round (Mesa's Step and Play buttons).
    """

    def __init__(self, case: str = DEFAULT_CASE, rule: str | None = None, replications: int = DEFAULT_REPLICATIONS,
                 seed: int | str = DEFAULT_SEED, settings: str = "", scenario: Any = None, rng: Any = None,
                 **parameters: Any):
        # ``scenario`` (Mesa's, not a case) and ``rng`` are what SolaraViz adds on reset: the seed field decides.
        self.error: str | None = None
        self.result: SimulationResult | None = None
        self.shown_rounds = 0
        try:
            params = Parameters().replace(**parameters)
            params = params.replace(**parse_settings(settings or ""))
            seed = _seed(seed)
            replications = check_replications(replications)
            loaded = load_scenario(case)
            if rule is not None and rule not in RULES:
                raise KeyError(f"rule: unknown decision rule {rule!r} (allowed: {', '.join(RULES)})")
        except (InputError, ValueError, KeyError) as exc:
            self.error = _message(exc)
            self.seed = None
            mesa.Model.__init__(self)  # a bare Mesa model: the page shows the error
            self.running = False
            return
        self.seed = seed
        super().__init__(loaded, params, replications, rule=rule, rng=np.random.default_rng(np.random.SeedSequence(seed)),
                         trace=True)
        self.run_model()
        self.result = self._result()
        self.shown_rounds = len(self.result.trace or [])
        self.running = True  # Step / Play replay the traced replication

    def _result(self) -> SimulationResult:
        """The run as :func:`model.simulate.simulate` returns it (members in name order)."""
        return result_of(self, self.seed)

    def step(self) -> None:
        if self.error is not None:  # nothing was run: nothing to replay
            self.running = False
            return
        if self.decision is None:  # deliberating (inside run_model)
            super().step()
            return
        rounds = len(self.result.trace or []) if self.result else 0
        self.shown_rounds = 1 if self.shown_rounds >= rounds else self.shown_rounds + 1
        self.running = self.shown_rounds < rounds

    # -- what the page shows ------------------------------------------------------------------------

    @property
    def p_deployment(self) -> float | None:
        return None if self.result is None else self.result.outcome_probabilities["deployment"]

    def summary(self) -> dict[str, Any]:
        """The numbers in the page's text: probabilities, modal and observed outcome, days, changed parameters."""
        r = self.result
        if r is None:
            return {"error": self.error}
        defaults = Parameters()
        changed = {name: (getattr(r.params, name), getattr(defaults, name)) for name in SPECS
                   if getattr(r.params, name) != getattr(defaults, name)}
        return {
            "case": r.case.id, "title": r.case.title, "kind": r.case.kind, "rule": r.rule, "seed": r.seed,
            "replications": r.replications, "lead_state": r.lead_state, "probabilities": r.outcome_probabilities,
            "modal": r.modal_outcome, "observed": r.observed, "match": r.match, "days": r.days_to_decision,
            "outcome_0": LEVELS[int(r.outcome[0])], "changed": changed,
        }

    def parameter_rows(self) -> list[tuple[str, float | int, float | int, str, str]]:
        """(name, value used, default, range, meaning) of every global parameter."""
        defaults = Parameters()
        used = self.result.params if self.result is not None else defaults
        return [(name, getattr(used, name), getattr(defaults, name), f"{spec.low:g} to {spec.high:g}", spec.meaning)
                for name, spec in SPECS.items()]


def format_probability(p: float | None) -> str:
    return "-" if p is None or math.isnan(p) else f"{p:.3f}"
