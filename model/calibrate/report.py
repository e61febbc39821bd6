"""What ``csto-sim validate`` prints (a compact table) and the page it writes with ``--report PATH.md``
(``docs/validation.md`` is that page): both from the report of :func:`model.calibrate.validate.validate`, with
nothing that changes from one run to the next (no time, no machine), so the same seed gives the same bytes."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..ladder import OLD_RUNG_OF
from ..params import SPECS
from .abc import DISTANCE_DEFINITION
from .baselines import DAYS_BANDWIDTH, FACTS
from .validate import LABELS, MODELS

Report = Mapping[str, Any]


def _f(x: float | None, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _g(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def verdict(report: Report, score: str = "rps") -> dict[str, Any]:
    """Which forecasters the model beats on a mean score, and the held-out cases where a baseline does better."""
    means = report["means"]
    model = means["model"][score]
    beaten = [n for n in MODELS[1:] if means[n][score] is not None and model is not None and model < means[n][score]]
    losses = [(r["case"], n) for r in report["cases"] for n in MODELS[1:]
              if r["models"][n][score] < r["models"]["model"][score] - 1e-12]
    return {"beats": beaten, "does_not_beat": [n for n in MODELS[1:] if n not in beaten], "losses": losses}


def format_table(report: Report) -> str:
    """The compact table: per held-out case the observed rung, the model's modal rung with its probability,
    the RPS of the model and of each baseline; then the means and one line per other score."""
    head = f"{'held-out case':<28} {'observed':<14} {'model says':<22}" + "".join(f" {LABELS[m]:>10}" for m in MODELS)
    lines = [head, f"{'':<28} {'':<14} {'(modal rung, its p)':<22}" + "".join(f" {'RPS':>10}" for _ in MODELS),
             "-" * len(head)]
    for r in report["cases"]:
        m = r["models"]["model"]
        says = f"{m['modal']} {m['p_modal']:.2f}"
        lines.append(f"{r['case']:<28} {r['observed']:<14} {says:<22}"
                     + "".join(f" {r['models'][n]['rps']:>10.4f}" for n in MODELS))
    means = report["means"]
    lines += ["-" * len(head), f"{'mean RPS':<66}" + "".join(f" {_f(means[n]['rps']):>10}" for n in MODELS),
              f"{'mean RPS, old four-level ladder':<66}" + "".join(f" {_f(means[n]['rps_old']):>10}" for n in MODELS)]
    if report["decided_cases"]:
        lines.append(f"{'mean CRPS of the days (' + str(report['decided_cases']) + ' cases), days':<66}"
                     + "".join(f" {_f(means[n]['crps'], 3):>10}" for n in MODELS))
        lines.append(f"{'10-90% interval overlaps the observed days':<66}"
                     + "".join(f" {_f(means[n]['coverage'], 2):>10}" for n in MODELS))
    if report["scored_stances"]:
        lines.append(f"{'mean Brier of stances (' + str(report['scored_stances']) + ' recorded)':<66}"
                     + "".join(f" {_f(means[n]['stance_brier']):>10}" for n in MODELS))
    label = "sources' reasons: share the model's dominant reason agrees"
    lines.append(f"{label:<66}"
                 + "".join(f" {_f(means[n].get('reason_agreement')):>10}" for n in MODELS))
    v = verdict(report)
    lines += ["", f"the model's mean RPS {_f(means['model']['rps'])} "
              + ("beats every baseline" if not v["does_not_beat"] else
                 f"does not beat: {', '.join(LABELS[n] for n in v['does_not_beat'])}")
              + f"; in sample (calibrated on every case) {_f(report['in_sample']['rps'])}",
              f"({report['draws']:,} parameter sets from the priors x {report['replications']} replications, "
              f"accept {100 * report['accept_quantile']:g}% per fold, seed {report['seed']})"]
    return "\n".join(lines)


# -- the page --------------------------------------------------------------------------------------------

def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |",
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def _intro(report: Report, command: str, figure: str) -> list[str]:
    n = len(report["cases"])
    return [
        "# Validation", "",
        "<!-- Generated: do not edit by hand. -->",
        f"This page is written, with its figure `{figure}`, by one command run from the repository's root:", "",
        "```sh", command, "```", "",
        f"It asks whether the model forecasts the {n} historical cases (`scenarios/historical/`) better than "
        "simple rules do, each case forecast by a model calibrated on the other cases only. The same command "
        "with the same seed writes the same bytes; `csto-sim validate --json` prints every number below.", "",
        "## Method", "",
        f"1. **One prior sample.** {report['draws']:,} parameter sets are drawn once from the priors (a Latin "
        "hypercube over each parameter's prior range, `ParamSpec.prior` in `model/params.py`; the table at the "
        "end), the same sets as `csto-sim calibrate` with the same seed and draws. Each set runs once on every "
        f"case, {report['replications']} replications, under the organisation's rule and under `lead_state_alone`, "
        "many sets side by side in one vectorised pass (`simulate_points`); set `i` has the seed "
        f"`SeedSequence({report['seed']}, spawn_key=(12, i))` on every case.",
        "2. **Leave one case out.** For each held-out case, each set's ABC distance to the record (the calibration's, "
        "below) is summed over the *other* cases only, and the closest "
        f"{100 * report['accept_quantile']:g}% of the sets are kept with Epanechnikov weights `1 - (d/h)^2` (Beaumont, "
        "Zhang & Balding 2002). The forecast of the held-out case is the weighted mixture of the kept sets' outcome "
        "distributions on it; its days to decision the weighted mixture of their days (over the replications where a "
        "measure passed); a member's stance the weighted mixture of its stance shares. The held-out case's record "
        "never enters its fold (a test changes it and checks that its forecast does not move).",
        "3. **Baselines on the same coded facts**, learned on the same folds (below).",
        "4. **Scores.** Ranked probability score (RPS; Epstein 1969), normalised to [0, 1], over the current ladder "
        f"({' < '.join(report['levels'])}) and over the old four-level ladder ({' < '.join(report['old_levels'])}; "
        f"{', '.join(f'`{new}` counts as `{old}`' for new, old in OLD_RUNG_OF.items())}: "
        "`model.ladder.to_old_ladder`). Days to decision, for the cases that record "
        "them: the continuous ranked probability score (CRPS, in days; Gneiting & Raftery 2007) of the recorded "
        "value (a range: its midpoint), and whether the recorded range overlaps the forecast's 10th-90th percentile "
        "interval. Members' stances, where a case records them (`observed.reasons`): the Brier score over the five "
        "stances (absent, object, delay, acquiesce, support), halved to lie in [0, 1]. Lower is better for all.", ""]


def _baselines_text() -> list[str]:
    return [
        "## The baselines", "",
        "- **base rate**: the training cases' outcome frequencies among the cases whose request went through the "
        "same channel (`request.channel`; all training cases if none did), add-one (Laplace) smoothed. Days: the "
        "recorded days of those cases.",
        f"- **lookup**: the best three-fact lookup rule. Over every triple of the {len(FACTS)} categorical facts "
        "(`model.scenario.CATEGORIES` and whether there is a requester), a table from the triple's values to the "
        "training cases' outcome frequencies in that cell, smoothed toward the base rate with one pseudo-case (an "
        "empty cell: the base rate); the triple kept is the one that scores best (mean RPS) on the training cases "
        "themselves, the first in the order of the facts on a tie. Days: the recorded days of the cell's training "
        "cases, else as the base rate.",
        "- **lead alone**: the model under the rule `lead_state_alone` (`model/rules.py`: a measure passes when the "
        "lead state supports it, every other stance ignored), calibrated on the same folds in the same way.",
        "",
        "Days baselines are the training cases' recorded days, each spread uniformly over its recorded range and "
        f"smoothed by a log-normal kernel of sd {DAYS_BANDWIDTH:g} in log days. The stance baseline (base rate) is the "
        "frequency of each stance among the stances the training cases record, every member pooled, add-one smoothed.",
        ""]


def _results(report: Report) -> list[str]:
    rows = []
    for r in report["cases"]:
        m = r["models"]["model"]
        rows.append([r["case"], r["observed"], f"{m['modal']} ({m['p_modal']:.2f})",
                     *(f"{r['models'][n]['p_observed']:.3f}" for n in MODELS),
                     *(f"{r['models'][n]['rps']:.4f}" for n in MODELS)])
    means = report["means"]
    rows.append(["**mean**", "", "", *(f"**{_f(means[n]['p_observed'], 3)}**" for n in MODELS),
                 *(f"**{_f(means[n]['rps'])}**" for n in MODELS)])
    head = ["held-out case", "observed", "model's modal rung (p)", *(f"P(observed): {LABELS[n]}" for n in MODELS),
            *(f"RPS: {LABELS[n]}" for n in MODELS)]
    old = [["RPS, current ladder", *(_f(means[n]["rps"]) for n in MODELS)],
           ["RPS, old four-level ladder", *(_f(means[n]["rps_old"]) for n in MODELS)],
           ["in sample (model calibrated on every case)", _f(report["in_sample"]["rps"]), "", "", ""]]
    return ["## Outcomes", "", *_table(head, rows), "Mean scores:", "",
            *_table(["mean", *(LABELS[n] for n in MODELS)], old)]


def _days(report: Report) -> list[str]:
    decided = [r for r in report["cases"] if r["days"]]
    if not decided:
        return ["## Days to decision", "", "No held-out case records its days to decision.", ""]
    rows = []
    for r in decided:
        lo, hi = r["days_observed"]
        d = r["days"]["model"]
        rows.append([r["case"], f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}",
                     f"{_g(d['p10'])} / {_g(d['p50'])} / {_g(d['p90'])}", "yes" if d["overlaps"] else "no",
                     *(_f(r["days"][n]["crps"], 3) for n in MODELS)])
    means = report["means"]
    rows.append(["**mean**", "", "", f"**{_f(means['model']['coverage'], 2)}**",
                 *(f"**{_f(means[n]['crps'], 3)}**" for n in MODELS)])
    head = ["held-out case", "observed days", "model: 10% / 50% / 90%", "overlaps", *(f"CRPS: {LABELS[n]}" for n in MODELS)]
    cover = ["share of cases whose recorded days overlap the 10-90% interval",
             *(_f(means[n]["coverage"], 2) for n in MODELS)]
    mid = ["share whose midpoint lies inside it", *(_f(means[n]["coverage_midpoint"], 2) for n in MODELS)]
    return ["## Days to decision", "", *_table(head, rows), *_table(["coverage", *(LABELS[n] for n in MODELS)],
                                                                       [cover, mid])]


def _stances(report: Report) -> list[str]:
    rows = [[r["case"], member, s["observed"], *(_f(s.get(n)) for n in ("model", "lead_state_alone", "base_rate"))]
            for r in report["cases"] for member, s in r["stances"].items()]
    if not rows:
        return ["## Members' stances", "", "No held-out case records its members' stances yet (`observed.reasons`): "
                "nothing to score.", ""]
    means = report["means"]
    rows.append(["**mean**", "", "", *(f"**{_f(means[n]['stance_brier'])}**"
                                        for n in ("model", "lead_state_alone", "base_rate"))])
    return ["## Members' stances", "", f"{report['recorded_stances']} stances recorded (`observed.reasons`), "
            f"{report['scored_stances']} of members the model has (the means are over those):", "",
            *_table(["held-out case", "member", "recorded stance", "Brier: model",
                                                "Brier: lead alone", "Brier: base rate"], rows)]


def _folds(report: Report) -> list[str]:
    rows = [[r["case"], r["channel"], str(r["fit"]["model"]["accepted"]), f"{r['fit']['model']['ess']:.1f}",
             str(r["fit"]["lead_state_alone"]["accepted"]), ", ".join(f"`{f}`" for f in r["lookup_facts"])]
            for r in report["cases"]]
    return ["## The folds", "", "Sets kept per fold (and their effective sample size), and the facts of the lookup "
            "rule each fold learned:", "",
            *_table(["held-out case", "channel", "model: sets kept", "model: ESS", "lead alone: sets kept",
                     "lookup rule's facts"], rows)]


def _verdict_text(report: Report) -> list[str]:
    means, v = report["means"], verdict(report)
    lines = []
    order = sorted(MODELS, key=lambda n: (means[n]["rps"], MODELS.index(n)))
    lines.append("Mean RPS, best first: " + ", ".join(f"{LABELS[n]} {_f(means[n]['rps'])}" for n in order) + ".")
    if v["does_not_beat"]:
        lines.append(f"The model does not beat {', '.join(LABELS[n] for n in v['does_not_beat'])} on the mean RPS.")
    else:
        lines.append("The model beats every baseline on the mean RPS.")
    if v["losses"]:
        lines.append("Held-out cases where a baseline scores a lower RPS than the model: "
                     + "; ".join(f"{case} ({LABELS[n]})" for case, n in v["losses"]) + ".")
    gap = report["in_sample"]["rps"]
    lines.append(f"Calibrated on every case and scored on them, the model's mean RPS is {_f(gap)}: the difference "
                 "from its out-of-sample score is what scoring on fitted cases would have flattered.")
    empty = sum(1 for r in report["cases"] if r["lookup_cell"] == 0)
    lines.append(f"The lookup rule found no training case in the held-out case's cell in {empty} of "
                 f"{len(report['cases'])} folds (it then forecasts the base rate).")
    if report["decided_cases"]:
        lines.append(f"Days to decision ({report['decided_cases']} cases record them): mean CRPS model "
                     f"{_f(means['model']['crps'], 3)} days, lead alone {_f(means['lead_state_alone']['crps'], 3)}, "
                     f"lookup {_f(means['lookup']['crps'], 3)}, base rate {_f(means['base_rate']['crps'], 3)}; the "
                     f"model's 10-90% interval overlaps the recorded days in {_f(means['model']['coverage'], 2)} of "
                     "them.")
    return ["## Verdict", "", " ".join(lines), ""]


def _priors() -> list[str]:
    rows = [[f"`{s.name}`", f"{s.default:g}", f"[{s.low:g}, {s.high:g}]", f"[{s.prior[0]:g}, {s.prior[1]:g}]",
             s.prior_reason.replace("|", "/")] for s in SPECS.values()]
    return ["## Calibration: the priors and the distance", "",
            "`csto-sim calibrate` runs rejection ABC on all the cases with the same prior sample and the same "
            "distance (it writes the posterior, `DIR/posterior.parquet`, `DIR/calibration.json` and a figure); "
            "`csto-sim run CASE --posterior DIR` carries the posterior into a forecast. The distance:", "",
            f"> {DISTANCE_DEFINITION}", "",
            "Each global parameter's prior is a uniform range, kept in `model/params.py` (`ParamSpec.prior`, the "
            "reason in `ParamSpec.prior_reason`):", "",
            *_table(["name", "default", "bounds", "prior", "why this range"], rows)]


def _posterior(report: Report) -> list[str]:
    cal = report["calibration"]
    order = sorted(cal["posterior"], key=lambda n: (-(cal["posterior"][n]["contraction"] or 0), n))
    rows = [[f"`{n}`", f"{cal['posterior'][n]['prior'][0]:g}-{cal['posterior'][n]['prior'][1]:g}",
             f"{cal['posterior'][n]['default']:g}", f"{cal['posterior'][n]['median']:.3g}",
             f"{cal['posterior'][n]['q05']:.3g}-{cal['posterior'][n]['q95']:.3g}",
             f"{cal['posterior'][n]['contraction']:.2f}", "yes" if cal["posterior"][n]["inside_90"] else "**no**"]
            for n in order]
    outside = [n for n in order if not cal["posterior"][n]["inside_90"]]
    return ["## Calibration on every case", "",
            f"The same sample calibrated on all {len(report['cases'])} cases (the closest "
            f"{100 * report['accept_quantile']:g}%: {cal['accepted']} sets, effective sample size {cal['ess']:.1f}): "
            f"best distance {_f(cal['best_distance'])}, median of the sample {_f(cal['prior_median_distance'])}. The "
            f"default parameters, run with the same replications and seed, are at distance "
            f"{_f(cal['defaults_distance'])}; {_f(100 * cal['sets_closer_than_defaults'], 1)}% of the sample is "
            "closer. " + ("Every default lies inside its parameter's central 90% posterior interval." if not outside
                          else f"Defaults outside their central 90% posterior interval: "
                               f"{', '.join(f'`{n}`' for n in outside)}.")
            + " Contraction is `1 - sd_post / sd_prior` (0: the record says nothing of the parameter).", "",
            *_table(["parameter", "prior", "default", "median", "90% interval", "contraction", "default inside"],
                    rows)]


def format_page(report: Report, command: str, figure: str) -> str:
    """The page ``--report`` writes (markdown), its figure named ``figure`` (a file next to it)."""
    parts = [*_intro(report, command, figure), *_verdict_text(report), *_results(report),
             f"![Per-case RPS of the model and the baselines; days to decision against the record]({figure})", "",
             *_days(report), *_stances(report), *_folds(report), *_baselines_text(), *_posterior(report), *_priors(),
             "## Settings", "",
             f"`{report['command']}`: {report['draws']:,} parameter sets, {report['replications']} replications per set "
             f"and case, {100 * report['accept_quantile']:g}% of the sets kept per fold, seed {report['seed']}.", ""]
    return "\n".join(parts)


def check_report_path(path: Path, option: str = "--report") -> None:
    """Refuse, before any work, a page that cannot be written: not ``.md``, a folder, or in a folder that does not
    exist or cannot be written (one line naming the file)."""
    from ..errors import InputError
    from ..files.outdir import can_create_in

    def fail(problem: str) -> InputError:
        return InputError("command line", option, f"{path}: {problem}", "a new or existing .md file in a writable folder")

    if path.suffix != ".md":
        raise fail("is not a .md file")
    try:
        if path.is_dir():
            raise fail("is a folder")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise fail(f"{parent} is not a folder")
        why = can_create_in(parent)
        if why is not None:
            raise fail(f"{parent} cannot be written ({why})")
        for target in (path, path.with_suffix(".png")):
            if target.exists() and not os.access(target, os.W_OK):
                raise fail(f"{target} cannot be written")
    except (OSError, ValueError) as exc:
        raise fail(f"cannot be used ({getattr(exc, 'strerror', None) or exc})") from None


def write_page(report: Report, path: Path, command: str) -> list[Path]:
    """Write the page to ``path`` and its figure next to it (``path`` with ``.png``); return both paths."""
    from ..files.atomic import write_text_atomic
    from ..plots.validation import draw_validation

    path = Path(path)
    figure = draw_validation(report, path.with_suffix(".png"), MODELS, LABELS)
    write_text_atomic(format_page(report, command, figure.name), path)
    return [path, figure]
