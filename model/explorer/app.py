"""The explorer page (``csto-sim explore``): Mesa's visualization on :class:`~model.explorer.explorer.ExplorerModel`.

The page is built from Mesa 3.5's SolaraViz parts: Mesa's ``ModelController`` (Reset, ▶ Play, Step) drives
the model, and every part that shows the model depends on Mesa's update counter
(``mesa.visualization.utils.update_counter``, the documented way for a ``@solara.component`` to re-render
when the model steps). The page keeps its fields in one reactive dict of its own, handed to Mesa's
controller as ``model_parameters`` (the fields Reset re-creates the model with), so that every field shows
its value and the Facts tab can edit the case.

The sidebar holds the controls, the case and rule, the parameters' source (the shipped posterior, the
default, or point parameters) and a slider for every global parameter (each label with its value). Above the
tabs: the case, P(deployment) of the what-if (class ``csto-p-deployment``) with its 90% interval and the
baseline's, the observed outcome, what the intervals are over, and a note when a field has changed since the
last run (class ``csto-pending``). The tabs: **Outcomes** (the what-if's outcome probabilities with their
intervals, its outcome distribution and days to decision), **Deliberation** (members' positions round by
round in replication 0, replayed by Step and Play, and its stances once the council decides), **Facts** (the
case's categorical and numeric facts, editable, and the what-if as a downloadable case file), **Compare**
(the baseline and the what-if side by side, with their intervals and the difference), **Approval map** (the
what-if's panel of the approval map with the case placed on it, computed when the tab is opened: see
:func:`ApprovalMap`) and **Parameters** (every parameter with its value, default, range and meaning).
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import solara
import solara.lab
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from model.errors import InputError
from model.explorer import approval as approval_map
from model.explorer.explorer import (
    EDITABLE_FACTS,
    ExplorerModel,
    change_text,
    fact_text,
    format_difference,
    format_probability,
    initial_fields,
    model_params,
    parse_number_fact,
    value_label,
)
from model.ladder import LEVELS
from model.plots.approval import CHANNEL_SHORT, LEGAL_SITUATIONS
from model.plots.explorer import approval_figure, compare_figure, days_figure, figure_png, outcome_figure, trace_figure
from model.scenario import CATEGORIES, load_scenario
from model.tables import with_interval

NAME = "csto-sim explorer: how the CSTO council answers a call for help"
TABS = ("Outcomes", "Deliberation", "Facts", "Compare", "Approval map", "Parameters")
PLAY_INTERVAL = 700  # milliseconds between rounds in Play
TABLE_CSS = ("<style>.csto-table{border-collapse:collapse;font-size:0.9em}"
             ".csto-table th,.csto-table td{padding:4px 12px;border-bottom:1px solid #ddd;text-align:left;"
             "vertical-align:top}.csto-table th{background:#f0f0f0;font-weight:600;white-space:nowrap}"
             ".csto-table td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
             ".csto-table tr.changed td{font-weight:bold;color:#8a5a00}</style>")


def _line(text: str, classes: list[str] | None = None, style: str = "") -> None:
    solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=classes or [], style=style or None)


def _table(header: list[str], rows: list[list[str]], classes: list[str], numeric: set[int] = frozenset(),
           bold: set[int] = frozenset()) -> None:
    """A table with one header row; the columns in ``numeric`` right-aligned and unbroken, the rows in ``bold``
    in bold."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(("<tr class=changed>" if k in bold else "<tr>") + "".join(
        f"<td class=num>{escape(c)}</td>" if i in numeric else f"<td>{escape(c)}</td>" for i, c in enumerate(row))
        + "</tr>" for k, row in enumerate(rows))
    solara.HTML(tag="div", classes=classes, style="overflow:auto; padding:4px 0",
                unsafe_innerHTML=f"{TABLE_CSS}<table class=csto-table><tr>{head}</tr>{body}</table>")


def _figure(make, model: ExplorerModel, *key, classes: list[str] | None = None) -> None:
    # Kept by the model's serial number and the plain values among ``key`` (the results belong to the model).
    plain = [k for k in key if isinstance(k, int | str)]
    png = solara.use_memo(lambda: figure_png(make(*key)), dependencies=[model.serial, *plain])
    with solara.Div(classes=classes or [], style={"max-width": "1100px"}):
        solara.Image(png, width="100%")


# -- the sidebar -------------------------------------------------------------------------------------

@solara.component
def RunFields(fields: solara.Reactive[dict[str, Any]], params: dict[str, Any]):
    """The case, the rule, the replications, the seed and the free-text settings."""
    def set_field(name: str, value: Any) -> None:
        new = {**fields.value, name: value}
        if name == "case" and value != fields.value["case"]:
            new["facts"] = {}  # facts edited for one case do not carry over to another
        fields.set(new)

    f = fields.value
    solara.Select(params["case"]["label"], value=f["case"], values=params["case"]["values"],
                  on_value=lambda v: set_field("case", v))
    solara.Select(params["rule"]["label"], value=f["rule"], values=params["rule"]["values"],
                  on_value=lambda v: set_field("rule", v))
    post = params["posterior"]
    labels = post["labels"]
    solara.Select(post["label"], value=labels[f["posterior"]], values=list(labels.values()),
                  on_value=lambda v: set_field("posterior", next(k for k, text in labels.items() if text == v)))
    rep = params["replications"]
    solara.SliderInt(value_label(rep["label"], f["replications"]), value=f["replications"], min=rep["min"],
                     max=rep["max"], step=rep["step"], on_value=lambda v: set_field("replications", v))
    solara.InputText(params["seed"]["label"], value=f["seed"], on_value=lambda v: set_field("seed", v))
    solara.InputText(params["settings"]["label"], value=f["settings"], on_value=lambda v: set_field("settings", v))


@solara.component
def ParameterFields(fields: solara.Reactive[dict[str, Any]], params: dict[str, Any]):
    """A slider for every global parameter, each label with the slider's value."""
    for name, spec in params.items():
        if spec["type"] not in ("SliderInt", "SliderFloat") or name == "replications":
            continue
        slider = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
        slider(value_label(spec["label"], fields.value[name]), value=fields.value[name], min=spec["min"],
               max=spec["max"], step=spec["step"], on_value=lambda v, name=name: fields.set({**fields.value, name: v}))


@solara.component
def RoundInfo(model: ExplorerModel):
    """Where the replay of replication 0 stands (re-rendered at every Step)."""
    update_counter.get()
    if model.result is None:
        return
    text = (f"replay of replication 0: all {model.rounds} rounds, decided" if model.decided
            else f"replay of replication 0: round {model.shown_rounds - 1} of {model.rounds - 1}")
    _line(text, classes=["csto-round-info"], style="font-size:0.9em; margin-top:6px")


# -- above the tabs ----------------------------------------------------------------------------------

@solara.component
def Summary(model: ExplorerModel, pending: bool):
    """The case and the headline numbers, or the message of a bad value."""
    # The run's serial number as a class: a browser test waits for a new run to replace the old (csto-run-N).
    with solara.Column(classes=["csto-summary", f"csto-run-{model.serial}"], gap="2px", style={"padding": "4px 8px"}):
        if pending:
            _line("Fields changed since this run: press RESET to run the council with them.",
                  classes=["csto-pending"], style="color:#8a5a00; font-weight:bold")
        if model.error is not None:
            solara.Error(f"Not run: {model.error}", classes=["csto-error"])
            _line("Correct the field and press Reset.")
            return
        s = model.summary()
        solara.HTML(tag="h3", unsafe_innerHTML=escape(s["title"]), classes=["csto-title"])
        lead = f", lead state {s['lead_state']}" if s["lead_state"] else ""
        _line(f"{s['case']} ({s['kind']}): {s['replications']:,} replications, seed {s['seed']}, rule {s['rule']}{lead}",
              style="color:#555")
        w_int, b_int = model.intervals["what-if"], model.intervals["baseline"]
        with solara.Row(style={"align-items": "baseline", "gap": "24px"}):
            with solara.Row(style={"align-items": "baseline", "gap": "8px"}):
                solara.Text(f"P(deployment) = {format_probability(s['probabilities']['deployment'])}",
                            classes=["csto-p-deployment"], style={"font-size": "1.6em", "font-weight": "bold"})
                solara.Text("[{:.3f}-{:.3f}]".format(*w_int["deployment"]), classes=["csto-p-deployment-interval"],
                            style={"font-size": "1.1em"})
            base = model.baseline.outcome_probabilities
            solara.Text(f"baseline {format_probability(base['deployment'])} "
                        "[{:.3f}-{:.3f}]".format(*b_int["deployment"]), classes=["csto-p-baseline"],
                        style={"font-size": "1.1em", "color": "#555"})
            modal = s["modal"]
            solara.Text(f"modal outcome: {modal} {s['probabilities'][modal]:.3f} (baseline {base[modal]:.3f})",
                        classes=["csto-modal"], style={"font-size": "1.25em", "font-weight": "bold"})
        _line("what-if outcomes: " + ", ".join(f"{lvl} {_with(s['probabilities'][lvl], w_int[lvl])}" for lvl in LEVELS)
              + f"; modal: {s['modal']}", classes=["csto-outcomes"])
        _line(parameters_text(model), classes=["csto-interval-note"], style="color:#555; font-size:0.9em")
        if s["observed"] is None:
            _line("Observed outcome: none recorded (a what-if case)", classes=["csto-observed"])
        else:
            verdict = "matches" if s["modal"] == s["observed"] else "differs from"
            _line(f"Observed outcome: {s['observed']} (the what-if's modal outcome {verdict} it)",
                  classes=["csto-observed"], style="font-weight:bold")


def _with(p: float, interval: tuple[float, float]) -> str:
    """A probability and its 90% interval as every table prints it (``tables.with_interval``): 0.641 [0.006-0.997]."""
    return with_interval(p, {"lo": interval[0], "hi": interval[1]}, digits=3)


def parameters_text(model: ExplorerModel) -> str:
    """Where the parameters came from and what the intervals are over (``tables.interval_note`` after it)."""
    notes = model.interval_notes()
    codings = model.result.uncertainty["codings"] > 1
    if model.over_posterior:
        fixed = ", ".join(f"{k} = {v:g}" for k, v in model.fixed.items())
        head = (f"Parameters drawn from the shipped posterior ({len(model.posterior)} sets) for every replication"
                + (f"; fixed on every set (changed on the page): {fixed}" if fixed else
                   " (a slider moved from its default fixes that parameter on every set)")
                + ". 90% interval over the posterior" + (" and codings" if codings else ""))
    else:
        head = "Point parameters (no posterior): the defaults and the page's. 90% interval: " + (
            "over the codings of the facts" if codings else "Monte Carlo only")
    same = notes["baseline"] == notes["what-if"]
    return f"{head}. What-if {notes['what-if']}" + ("" if same else f"; baseline {notes['baseline']}")


# -- the tabs ----------------------------------------------------------------------------------------

@solara.component
def Outcomes(model: ExplorerModel):
    """The what-if's outcome distribution and days to decision."""
    r = model.result
    d = r.days_to_decision
    _line("days to decision: no measure passed" if d["p50"] is None else
          f"days to decision: median {d['p50']:.2f} (10th percentile {d['p10']:.2f}, 90th {d['p90']:.2f})")
    changed = ", ".join(f"{k} = {v:g} (default {dv:g})" for k, (v, dv) in model.summary()["changed"].items())
    _line(f"parameters changed from the defaults: {changed or 'none'}", classes=["csto-changed"])
    probs, intervals = r.outcome_probabilities, model.intervals["what-if"]
    _table(["outcome", "probability", "90% interval"],
           [[lvl, f"{probs[lvl]:.3f}", "{:.3f} to {:.3f}".format(*intervals[lvl])] for lvl in LEVELS],
           classes=["csto-outcome-table"], numeric={1, 2})
    _figure(outcome_figure, model, r, classes=["csto-outcome-figure"])
    _figure(days_figure, model, r, classes=["csto-days-figure"])


@solara.component
def Deliberation(model: ExplorerModel):
    """Replication 0 of the what-if, round by round up to the step shown; its stances once decided."""
    update_counter.get()  # Step and Play change model.shown_rounds: re-render with Mesa's update counter
    _line("STEP shows the next round of replication 0 (the first STEP starts again at round 0); ▶ plays the "
          "rounds to the decision. Round 0 is each member's own assessment.", style="color:#555; font-size:0.9em")
    shown = model.shown_rounds
    drew = "" if model.trace_set is None else f" (posterior set {model.trace_set})"
    _figure(trace_figure, model, model.result, shown, model.trace_params, drew, classes=["csto-trace"])
    if not model.decided:
        _line(f"round {shown - 1} of {model.rounds - 1}: deliberating", classes=["csto-stage"])
        return
    _line(f"decided after {model.rounds - 1} rounds: outcome {model.summary()['outcome_0']} in replication 0",
          classes=["csto-stage"], style="font-weight:bold")
    _table(["member", "stance on the measure requested", "main reason"], [list(row) for row in model.stances()],
           classes=["csto-stances"])


def _put_fact(fields: solara.Reactive[dict[str, Any]], case, name: str, value: Any) -> None:
    """Set the what-if's value of a fact (None, or the value as coded: the fact as coded)."""
    new = dict(fields.value["facts"])
    if value is None or change_text(value) == fact_text(case, name):
        new.pop(name, None)
    else:
        new[name] = value
    fields.set({**fields.value, "facts": new})


@solara.component
def FactField(fields: solara.Reactive[dict[str, Any]], case, name: str):
    """One fact: a select of the allowed values (categorical) or a text field (numeric), the value as coded under
    it, and the message of a number that cannot be read."""
    error, set_error = solara.use_state("")
    changes = fields.value["facts"]
    coded = fact_text(case, name)

    def put_number(text: str) -> None:
        try:
            value = parse_number_fact(name, text) if text.strip() else None
        except ValueError as exc:
            set_error(str(exc))
            return
        set_error("")
        _put_fact(fields, case, name, value)

    with solara.Column(style={"width": "260px"}, gap="0px"):
        if name in CATEGORIES:
            solara.Select(name, value=change_text(changes[name]) if name in changes else coded,
                          values=list(CATEGORIES[name]), on_value=lambda v: _put_fact(fields, case, name, v))
        else:
            shown = change_text(changes[name]) if name in changes else ("" if coded == "not set" else coded)
            solara.InputText(name, value=shown, continuous_update=False, on_value=put_number)
            if error:
                _line(error, classes=["csto-fact-error"], style="color:#b00020; font-size:0.8em")
        _line(("changed; " if name in changes else "") + f"as coded: {coded}", style="font-size:0.8em; color:"
              + ("#8a5a00; font-weight:bold" if name in changes else "#777"))


@solara.component
def Facts(model: ExplorerModel, fields: solara.Reactive[dict[str, Any]]):
    """The facts of the chosen case, editable (they make the what-if), and the what-if as a case file."""
    case_id = fields.value["case"]
    case, problem = solara.use_memo(lambda: _load(case_id), dependencies=[case_id])
    if case is None:
        solara.Error(problem)
        return
    _line(f"The facts of {case.id} as coded, and the what-if: change a fact here and press RESET to run it "
          "(the baseline stays the case as coded). Categorical facts are chosen from their allowed values; a "
          "numeric fact is a number or a range such as '20 to 230'.", style="color:#555; font-size:0.9em")
    with solara.Row(style={"flex-wrap": "wrap", "gap": "4px 16px"}, classes=["csto-facts"]):
        for name in EDITABLE_FACTS:
            FactField(fields, case, name).key(f"{case_id}/{name}")
    with solara.Row(style={"margin-top": "12px", "align-items": "center"}):
        solara.Button("Back to the facts as coded", on_click=lambda: fields.set({**fields.value, "facts": {}}),
                      outlined=True, disabled=not fields.value["facts"])
        if model.result is not None:
            solara.FileDownload(model.case_file, filename=f"{model.base_case.id}-explorer.yaml",
                                label="Download the what-if as a case file (YAML)", mime_type="application/x-yaml")
    if model.result is not None:
        ran = model.summary()["facts"]
        _line("The file holds the facts of the last run" + (": " + "; ".join(
            f"{n} = {new} (coded: {old})" for n, (new, old) in ran.items()) if ran else " (the case as coded)")
              + f". Run it with: csto-sim run {model.base_case.id}-explorer.yaml (the command that gives this page's "
              "numbers is in the file's first lines).", classes=["csto-download-note"],
              style="font-size:0.85em; color:#555; margin-top:6px")


def _load(case_id: str):
    try:
        return load_scenario(case_id), None
    except InputError as exc:
        return None, str(exc)


@solara.component
def Compare(model: ExplorerModel):
    """The baseline (the case as coded, default parameters or the posterior's, and the organisation's rule) against
    the what-if (the page's facts, parameters and rule): the outcome probabilities of both with their 90% intervals,
    and the difference."""
    s = model.summary()
    what = [f"facts: {'; '.join(f'{n} = {new} (coded: {old})' for n, (new, old) in s['facts'].items())}"
            if s["facts"] else "facts as coded"]
    changed = ", ".join(f"{k} = {v:g}" for k, (v, _) in s["changed"].items())
    if model.over_posterior:
        what.append("parameters: the posterior's" + (f", fixed on every set: {changed}" if changed else ""))
        base_params = "parameters drawn from the shipped posterior"
    else:
        what.append(f"parameters: {changed or 'the defaults'}")
        base_params = "default parameters"
    what.append(f"rule: {s['rule']}" + ("" if s["rule"] == s["baseline_rule"] else f" (baseline: {s['baseline_rule']})"))
    _line(f"baseline: {s['case']} as coded, {base_params}, rule {s['baseline_rule']}", classes=["csto-baseline"])
    _line("what-if: " + "; ".join(what), classes=["csto-whatif"])
    rows = model.outcome_rows()
    header = ["outcome", "baseline", "what-if", "difference"]
    intervals = model.intervals is not None  # set by every run (ExplorerModel.intervals)
    if intervals:
        header[2:2] = ["baseline interval"]
        header.insert(4, "what-if interval")
    table = []
    for r in rows:
        line = [r["outcome"], f"{r['baseline']:.3f}", f"{r['what-if']:.3f}", format_difference(r["difference"])]
        if intervals:
            line[2:2] = ["{:.3f} to {:.3f}".format(*r["baseline interval"])]
            line.insert(4, "{:.3f} to {:.3f}".format(*r["what-if interval"]))
        table.append(line)
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start", "gap": "16px"}):
        with solara.Column(gap="4px"):
            _table(header, table, classes=["csto-compare"], numeric=set(range(1, len(header))))
            if intervals:
                _line(parameters_text(model), classes=["csto-compare-note"],
                      style="color:#555; font-size:0.85em; max-width:560px")
        with solara.Div(style={"flex": "1 1 600px", "max-width": "900px"}):
            _figure(compare_figure, model, model.baseline, model.result, classes=["csto-compare-figure"])


def _row_label(row: str) -> str:
    return LEGAL_SITUATIONS[row].replace("\n", " ")


def placement_text(view: approval_map.ApprovalView, mark) -> str:
    """Where a case sits on the map, as the page says it (class ``csto-approval-case``)."""
    name = f"{mark.label} ({mark.case_id})" if mark.label != mark.case_id else mark.case_id
    at = view.at(mark)
    if at is None:
        return (f"{name} is not on this panel: its request goes {CHANNEL_SHORT[mark.channel]} asking for "
                f"{mark.measure}.")
    interval = " [{:.2f}-{:.2f}]".format(*at["interval"]) if "interval" in at and view.posterior else ""
    if at["boundary"]:
        where = "P(approved) = 0.5 in this row at strategic value " + ", ".join(f"{b:.2f}" for b in at["boundary"])
    else:
        row = view.panel.p[view.panel.rows.index(mark.row)]
        where = f"P(approved) stays {'below' if np.nanmax(row) < 0.5 else 'above'} 0.5 in this row"
    return (f"{name}: strategic value {at['x']:.2f}, {_row_label(at['row'])}: P(approved) {at['p']:.2f}{interval} "
            f"there; {where}.")


def approval_rows(view: approval_map.ApprovalView) -> tuple[list[str], list[list[str]]]:
    """The panel's numbers as the page's table shows them: P(approved) per legal situation and strategic value,
    and where it crosses 0.5."""
    panel = view.panel
    header = ["legal situation", *(f"{x:g}" for x in panel.x), "0.5 at"]
    rows = [[_row_label(row), *(f"{p:.2f}" for p in panel.p[i]),
             ", ".join(f"{b:.2f}" for b in panel.boundary.get(row, [])) or "-"] for i, row in enumerate(panel.rows)]
    return header, rows


@solara.component
def ApprovalFigure(model: ExplorerModel, view: approval_map.ApprovalView):
    """The map's figure and the numbers behind it."""
    case = model.base_case
    title = f"When is the measure requested approved? {case.title}: {view.key[1]}, request {CHANNEL_SHORT[view.key[0]]}"
    png = solara.use_memo(lambda: figure_png(approval_figure(view, title)), dependencies=[model.serial, id(view)])
    with solara.Div(classes=["csto-approval-figure"], style={"max-width": "1100px"}):
        solara.Image(png, width="100%")
    for mark in view.data.marks:
        _line(placement_text(view, mark), classes=["csto-approval-case"], style="font-weight:bold")
    header, rows = approval_rows(view)
    _line(f"P(approved) ({view.replications:,} replications a point, computed in {view.seconds:.1f} s):",
          style="color:#555; font-size:0.9em; margin-top:8px")
    _table(header, rows, classes=["csto-approval-table"], numeric=set(range(1, len(header))))


@solara.component
def ApprovalMap(model: ExplorerModel):
    """The approval map of the what-if (its channel and measure requested): P(approved) over the requester's
    strategic value and the legal situation, the 0.5 boundary, the band over the posterior, and the case placed
    on it. Computed when the tab is opened (a small sweep, :mod:`model.explorer.approval`), in a thread, and kept
    per settings."""
    result = solara.use_thread(model.approval_map, dependencies=[model.serial], intrusive_cancel=False)
    points = len(approval_map.LEGAL_SITUATIONS) * approval_map.X_LEVELS
    over = ("over the posterior (the band: where the 90% interval of P(approved) holds 0.5)" if model.over_posterior
            else "at point parameters (no band: the band is the posterior's)")
    with solara.Column(classes=["csto-approval-map"], gap="4px"):
        _line("P(approved), the share of replications in which the council settles on the measure requested or a "
              "higher rung, for this what-if with its requester's strategic value to the lead state (x) and the legal "
              f"situation (rows) replaced: {points} points, {approval_map.REPLICATIONS} replications each, {over}. "
              "Every other fact, the rule and the parameters are the what-if's; the case is placed at its coded "
              "strategic value and legal situation (docs/explorer.md).", style="color:#555; font-size:0.9em")
        if result.state == solara.ResultState.ERROR:
            solara.Error(f"The approval map could not be computed: {result.error}", classes=["csto-error"])
        elif result.state != solara.ResultState.FINISHED or result.value is None:
            _line(f"Computing the approval map ({points} points x {approval_map.REPLICATIONS} replications; a few "
                  "seconds, longer over the posterior for a case with alternative codings)...",
                  classes=["csto-approval-computing"], style="font-weight:bold; color:#8a5a00")
            solara.ProgressLinear(True)
        else:
            ApprovalFigure(model, result.value)


@solara.component
def ParameterTable(model: ExplorerModel):
    """Every global parameter: the value used, the default, the range and the meaning."""
    table = model.parameter_rows()
    rows = [[name, f"{value:g}", f"{default:g}", bounds, meaning] for name, value, default, bounds, meaning in table]
    _line("Every global parameter of the what-if; those changed from the defaults are in bold.",
          style="color:#555; font-size:0.9em")
    _table(["parameter", "used", "default", "range", "meaning"], rows, classes=["csto-parameters"], numeric={1, 2, 3},
           bold={k for k, (_, value, default, _, _) in enumerate(table) if value != default})


@solara.component
def Workspace(model: ExplorerModel, fields: solara.Reactive[dict[str, Any]]):
    """The headline numbers and the named tabs."""
    tab, set_tab = solara.use_state(0)
    Summary(model, pending=fields.value != model.fields)
    if model.error is not None:
        return
    with solara.lab.Tabs(value=tab, on_value=set_tab, lazy=True):
        with solara.lab.Tab(TABS[0]):
            Outcomes(model)
        with solara.lab.Tab(TABS[1]):
            Deliberation(model)
        with solara.lab.Tab(TABS[2]):
            Facts(model, fields)
        with solara.lab.Tab(TABS[3]):
            Compare(model)
        with solara.lab.Tab(TABS[4]):
            ApprovalMap(model)
        with solara.lab.Tab(TABS[5]):
            ParameterTable(model)


@solara.component
def Page():
    """One model and one set of fields per browser session (Reset in one tab leaves the others as they are)."""
    params = solara.use_memo(model_params, dependencies=[])
    fields = solara.use_reactive(solara.use_memo(lambda: initial_fields(params), dependencies=[]))
    model = solara.use_reactive(solara.use_memo(lambda: ExplorerModel(**fields.value), dependencies=[]))
    play_interval = solara.use_reactive(PLAY_INTERVAL)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    solara.Title("csto-sim explorer")
    with solara.AppBar():
        solara.AppBarTitle(NAME)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            ModelController(model, model_parameters=fields, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            RoundInfo(model.value)
            solara.SliderInt(value_label("play interval (ms)", play_interval.value), value=play_interval, min=100,
                             max=2000, step=100)
        with solara.Card("Case and run"):
            RunFields(fields, params)
        with solara.Card("Parameters"):
            ParameterFields(fields, params)
    Workspace(model.value, fields)
