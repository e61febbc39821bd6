"""The explorer page: Mesa's SolaraViz on :class:`~model.explorer.explorer.ExplorerModel`.

Started by ``csto-sim explore``. The sidebar holds the case, the decision rule, the replications, the
seed, a free-text field for any parameter and a slider for every global parameter; Reset runs the council
with them. Page 0 shows the numbers (P(deployment) in an element of class ``csto-p-deployment``, the
observed outcome, or the message of a bad value in one of class ``csto-error``), the outcome distribution
with the observed outcome, the members' positions round by round in replication 0 and the days to decision;
Step and Play replay those rounds one at a time. Page 1 lists the parameters with their meanings.
"""

from __future__ import annotations

from html import escape

import solara
from mesa.visualization import SolaraViz

from model.explorer.explorer import ExplorerModel, format_probability, model_params
from model.ladder import LEVELS
from model.plots.explorer import days_figure, figure_png, outcome_figure, trace_figure

PARAMS = model_params()


def initial_model() -> ExplorerModel:
    return ExplorerModel(**{name: spec["value"] for name, spec in PARAMS.items()})


def _line(text: str, classes: list[str] | None = None, style: str = "") -> None:
    solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=classes or [], style=style or None)


@solara.component
def Summary(model: ExplorerModel):
    """The numbers of the run, or the message of a bad value."""
    with solara.Column(classes=["csto-summary"], gap="4px", style={"padding": "8px"}):
        if model.error is not None:
            solara.Error(f"Not run: {model.error}", classes=["csto-error"])
            _line("Correct the field in the sidebar and press Reset.")
            return
        s = model.summary()
        solara.HTML(tag="h3", unsafe_innerHTML=escape(s["title"]), classes=["csto-title"])
        lead = f", lead state {s['lead_state']}" if s["lead_state"] else ""
        _line(f"{s['case']} ({s['kind']}): {s['replications']:,} replications, seed {s['seed']}, rule {s['rule']}{lead}",
              style="color: #555")
        solara.Text(f"P(deployment) = {format_probability(s['probabilities']['deployment'])}",
                    classes=["csto-p-deployment"], style={"font-size": "1.7em", "font-weight": "bold", "margin": "6px 0"})
        _line("outcomes: " + ", ".join(f"{lvl} {s['probabilities'][lvl]:.3f}" for lvl in LEVELS)
              + f"; modal: {s['modal']}")
        if s["observed"] is None:
            _line("Observed outcome: none (a what-if case)", classes=["csto-observed"])
        else:
            verdict = "matches" if s["match"] else "differs from"
            _line(f"Observed outcome: {s['observed']} (the modal outcome {verdict} it)", classes=["csto-observed"],
                  style="font-weight: bold")
        d = s["days"]
        _line("days to decision: no measure passed" if d["p50"] is None else
              f"days to decision: median {d['p50']:.2f} (10th percentile {d['p10']:.2f}, 90th {d['p90']:.2f})")
        changed = ", ".join(f"{k} = {v:g} (default {dv:g})" for k, (v, dv) in s["changed"].items())
        _line(f"parameters changed from the defaults: {changed or 'none'}", classes=["csto-changed"])
        _line("Change the fields in the sidebar and press RESET to run the council again; STEP or ▶ replays "
              "replication 0 round by round.", style="color: #555; font-size: 0.85em; margin-top: 6px")


def _figure(make, model: ExplorerModel, *key):
    png = solara.use_memo(lambda: figure_png(make(model.result, *key)) if model.result is not None else None,
                          dependencies=[id(model), *key])
    if png is not None:
        solara.Image(png, width="100%")


@solara.component
def Outcomes(model: ExplorerModel):
    _figure(outcome_figure, model)


@solara.component
def Days(model: ExplorerModel):
    _figure(days_figure, model)


@solara.component
def Trace(model: ExplorerModel):
    _figure(trace_figure, model, model.shown_rounds)


@solara.component
def ParameterTable(model: ExplorerModel):
    """Every global parameter: the value used, the default, the range and the meaning."""
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{value:g}</td><td>{default:g}</td><td>{escape(bounds)}</td>"
        f"<td>{escape(meaning)}</td></tr>" for name, value, default, bounds, meaning in model.parameter_rows())
    solara.HTML(tag="div", classes=["csto-parameters"], style="overflow: auto; height: 100%; padding: 8px",
                unsafe_innerHTML="<table style='font-size: 0.85em; border-collapse: collapse'><tr><th align=left>"
                "parameter</th><th>used</th><th>default</th><th>range</th><th align=left>meaning</th></tr>"
                + rows + "</table>")


COMPONENTS = [(Summary, 0), (Outcomes, 0), (Trace, 0), (Days, 0), (ParameterTable, 1)]
NAME = "csto-sim explorer: how the CSTO council answers a call for help"


@solara.component
def Page():
    """One model per browser session (Reset in one tab leaves the others as they are)."""
    model = solara.use_memo(initial_model, dependencies=[])
    return SolaraViz(model, components=COMPONENTS, model_params=PARAMS, name=NAME)
