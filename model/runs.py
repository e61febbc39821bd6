"""What ``csto-sim run``, ``replay`` and ``list`` do, as library functions: run one case (with its files
and figures), replay every historical case, list what is available; and the text they print.

Bad input raises :class:`~model.errors.InputError` before anything is written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .ladder import LEVELS
from .params import SPECS, Parameters
from .rules import RULES
from .scenario import Case, list_case_files, load_scenario, scenarios_root
from .statistics import MIN_DEPLOYED
from .tables import interval_note, text_table, with_interval

if TYPE_CHECKING:
    from .results import SimulationResult

# The model (model/posterior.py runs it, over a posterior or not), Parquet and matplotlib are imported by the
# functions that use them, so that ``csto-sim list`` and a bad case file do not pay for them.


@dataclass(frozen=True)
class CaseRun:
    """One case's run: its result, and the figures drawn from it (if asked)."""

    result: SimulationResult
    figures: list[Path]


def run_case(scenario: str, replications: int, seed: int, rule: str | None = None, params: Parameters | None = None,
             overrides: Mapping[str, str] | None = None, out: Path | None = None, plot: Path | None = None,
             fmt: str = "png", posterior: Any = None) -> CaseRun:
    """Run one case (a file or a case id) with a trace of replication 0; write its files into ``out`` and
    draw its figures into ``plot`` when given. With ``posterior`` (a calibration's folder, ``shipped``, or a
    read :class:`~model.posterior.Posterior`), each replication's parameters are drawn from that posterior,
    with ``overrides`` applied to every set (model/posterior.py)."""
    from .files.runfolder import check_run_out, write_run
    from .posterior import load_posterior, run_with

    case = load_scenario(scenario)
    post = load_posterior(posterior)
    if out is not None:
        check_run_out(out)
    if plot is not None:
        from .plots.draw import check_figure_dir

        check_figure_dir(plot)
    res = run_with(case, replications, seed, post, rule=rule, params=params, overrides=overrides, trace=True)
    if out is not None:
        write_run(res, out)
    figures: list[Path] = []
    if plot is not None:
        from .plots import data as plot_data
        from .plots.draw import draw_run

        with tempfile.TemporaryDirectory() as tmp:
            folder = write_run(res, Path(tmp) / "run") if out is None else out
            figures = draw_run(plot_data.load(folder), plot, fmt=fmt)
    return CaseRun(res, figures)


def check_scenarios_folder(root: Path | None) -> None:
    if root is not None and not root.is_dir():
        raise InputError("command line", "--scenarios", f"{root}: no such folder", "a folder of scenario files")


def historical_cases(root: Path | None) -> list[Case]:
    """The historical cases under ``root`` (default: ./scenarios), by date."""
    check_scenarios_folder(root)
    cases = [load_scenario(p) for p in list_case_files(root)]
    historical = [c for c in cases if c.kind == "historical"]
    if not historical:
        raise InputError(str(root or scenarios_root()), "--scenarios", "holds no historical case",
                         "a folder with case files of kind: historical")
    return sorted(historical, key=lambda c: (c.date, c.id))


def replay(root: Path | None, replications: int, seed: int, params: Parameters | None = None,
           plot: Path | None = None, fmt: str = "png", posterior: Any = None,
           overrides: Mapping[str, str] | None = None) -> tuple[list[SimulationResult], list[Path]]:
    """Run every historical case with the same replications, seed and parameters; draw them side by side
    into ``plot`` when given. With ``posterior`` (as :func:`run_case` takes it), each replication's
    parameters are drawn from it, ``overrides`` fixed on every set."""
    from .posterior import load_posterior, run_with

    cases = historical_cases(root)
    post = load_posterior(posterior)
    if plot is not None:
        from .plots.draw import check_figure_dir

        check_figure_dir(plot)
    from .plots.draw import draw_replay
    from .progress import steps

    results = [run_with(c, replications, seed, post, params=params, overrides=overrides)
               for c in steps(cases, "replay", len(cases), " cases")]
    figures = draw_replay([r.to_dict() for r in results], plot, fmt) if plot is not None else []
    return results, figures


def catalogue(root: Path | None) -> Iterator[str]:
    """The lines of ``csto-sim list``: the cases, the decision rules and the parameters (every case file read
    first: a broken one is an error, not a partial list)."""
    data = catalogue_data(root)
    yield "cases:"
    yield from text_table(["", "", ""], [[c["id"], c["kind"], c["title"]] for c in data["cases"]], indent=2)
    yield "\ndecision rules:"
    yield from text_table(["", ""], [[r["name"], r["description"]] for r in data["rules"]], indent=2)
    yield "\nparameters:"
    yield from text_table(["name", "default", "bounds", "meaning"],
                          [[p["name"], p["default"], f"[{p['low']:g}, {p['high']:g}]", p["meaning"]]
                           for p in data["parameters"]], "<><<", indent=2)


def catalogue_data(root: Path | None) -> dict[str, list[dict[str, Any]]]:
    """What ``csto-sim list --json`` prints: the cases, the decision rules and the parameters with their
    defaults, bounds and meaning (every case file read first: a broken one is an error, not a partial list)."""
    check_scenarios_folder(root)
    cases = []
    for p in list_case_files(root):
        c = load_scenario(p)
        cases.append({"id": c.id, "kind": c.kind, "title": c.title, "file": str(p)})
    rules = [{"name": r.name, "description": r.description, "source": r.source, "veto_players": r.veto_players,
              "threshold": r.threshold, "weights": r.weights} for r in RULES.values()]
    defaults = Parameters()
    parameters = [{"name": s.name, "kind": s.kind.__name__, "default": getattr(defaults, s.name), "low": s.low,
                   "high": s.high, "meaning": s.meaning, "source": s.source} for s in SPECS.values()]
    return {"cases": cases, "rules": rules, "parameters": parameters}


# -- the text printed -------------------------------------------------------------------------------

def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def troops_note(res: SimulationResult) -> tuple[bool, str]:
    """Whether the troop figures are shown (at least ``MIN_DEPLOYED`` replications deployed) and what they are
    read from, or why they are withheld."""
    n, reps = res.deployed_replications, res.replications
    if n >= MIN_DEPLOYED:
        return True, f"over the {n:,} of {reps:,} replications that deployed"
    return False, f"withheld: {n:,} of {reps:,} replications deployed, fewer than the {MIN_DEPLOYED} they need"


def format_run(res: SimulationResult) -> str:
    lines = [f"{res.case.title} [{res.case.id}, {res.case.kind}]",
             f"{res.replications:,} replications, seed {res.seed}, rule {res.rule}", ""]
    probs, intervals, unc = res.outcome_probabilities, res.outcome_intervals, res.uncertainty
    rows = []
    for lvl in LEVELS:
        marks = [m for m, on in (("modal", lvl == res.modal_outcome), ("observed", lvl == res.observed)) if on]
        rows.append([lvl, with_interval(probs[lvl], intervals[lvl]), " ".join(marks)])
    lines += text_table(["outcome", f"probability [{100 * unc['level']:.0f}% interval]", ""], rows, indent=2)
    lines.append(f"  {interval_note(unc)}")
    d = res.days_to_decision
    if d["p50"] is None:
        lines.append("\ndays to decision: no measure passed in any replication")
    else:
        lines.append(f"\ndays to decision: p10 {d['p10']:.2f}  p50 {d['p50']:.2f}  p90 {d['p90']:.2f}")
    shown, note = troops_note(res)
    if res.lead_state in res.members and res.deployed_replications:
        share = _pct(res.lead_state_share) if shown else "-"
        lines.append(f"{res.lead_state}'s share of the troops deployed: {share} ({note})")
    rates, reasons, troops = res.stance_rates, res.dominant_reason, res.mean_contribution
    rows = [[m, *(_pct(rates[m][s]) for s in ("support", "acquiesce", "delay", "object")), reasons[m] or "-",
             f"{troops[m]:,.0f}" if shown else "-"] for m in res.members]
    lines.append("")
    lines += text_table(["member", "support", "acquiesce", "delay", "object", "dominant reason", "mean troops"], rows,
                        "<>>>><>", indent=2)
    lines.append("(stances on the measure requested; mean troops " + (note if res.deployed_replications else
                                                                      "0: no replication deployed") + ")")
    return "\n".join(lines)


def format_trace(res: SimulationResult) -> str:
    from .agents import REASONS
    from .ladder import MEASURES, STANCES

    lines = ["", "trace of replication 0: each member's position (utility) on " + " / ".join(MEASURES)]
    for rnd, positions in enumerate(res.trace or []):
        lines.append(f"  round {rnd}" + (" (own assessment)" if rnd == 0 else ""))
        for m in res.members:
            lines.append(f"    {m:<11} " + " ".join(f"{u:+7.3f}" for u in positions[m]))
    lines.append(f"  outcome: {LEVELS[int(res.outcome[0])]}")
    for i, m in enumerate(res.members):
        s = int(res.stance[0, i])
        stance = "absent" if s < 0 else STANCES[s]
        lines.append(f"    {m:<11} {stance:<10} {REASONS[int(res.reason[0, i])] if s >= 0 else ''}")
    return "\n".join(lines)


def format_replay(results: list[SimulationResult]) -> str:
    """The replay table: each case's outcome probabilities with their intervals, the modal outcome against the
    observed one, the observed days against the model's 10th-90th percentile, and the agreement with the sources'
    reasons."""
    rows = []
    for r in results:
        p, iv, q, obs = r.outcome_probabilities, r.outcome_intervals, r.days_to_decision, r.observed_days
        days = "-" if q["p10"] is None else f"{q['p10']:.1f}-{q['p90']:.1f}"
        seen = "-" if obs is None else (f"{obs[0]:g}" if obs[0] == obs[1] else f"{obs[0]:g}-{obs[1]:g}")
        mark = {True: " in", False: " OUT", None: ""}[r.days_covered]
        agree = r.reason_agreement
        rows.append([r.case.id, r.observed or "-", *(with_interval(p[lvl], iv[lvl]) for lvl in LEVELS),
                     r.modal_outcome, "yes" if r.match else "NO", days, seen + mark,
                     "-" if agree is None else f"{agree:.2f}"])
    heads = ["case", "observed", *LEVELS, "modal", "match", "days 10-90%", "observed days", "reasons"]
    lines = text_table(heads, rows, "<<" + "<" * len(LEVELS) + "<<<<>", rule=True)
    matched = sum(bool(r.match) for r in results)
    decided = [r for r in results if r.days_covered is not None or (r.observed_days is not None)]
    covered = sum(bool(r.days_covered) for r in decided)
    agreements = [r.reason_agreement for r in results if r.reason_agreement is not None]
    lines.append(_replay_note(results))
    lines.append(f"\n{matched} of {len(results)} modal outcomes match the observed ones "
                 f"({results[0].replications:,} replications each, seed {results[0].seed}).")
    lines.append(f"{covered} of {len(decided)} observed days to decision inside the model's 10th-90th percentile.")
    if agreements:
        share = 100 * float(sum(agreements)) / len(agreements)
        lines.append(f"Reasons: the model's dominant reason is the sources' for {share:.0f}% of the members they "
                     f"report (mean over {len(agreements)} cases).")
    return "\n".join(lines)


def _replay_note(results: list[SimulationResult]) -> str:
    """The line under the replay table that says what its intervals are over (each case's own: ``--json``)."""
    uncs = [r.uncertainty for r in results]
    if all(u["draws"] <= 1 for u in uncs):
        return interval_note(uncs[0])
    sets, codings = max(u["posterior_sets"] for u in uncs), max(u["codings"] for u in uncs)
    over = ([f"posterior sets (up to {sets})"] if sets else []) + \
        ([f"codings of its facts (up to {codings})"] if codings > 1 else [])
    alone = "; Monte Carlo only (Wilson) for a case with neither" if any(u["draws"] <= 1 for u in uncs) else ""
    return (f"[{100 * uncs[0]['level']:.0f}% intervals over each case's {' and '.join(over)}, Monte Carlo noise "
            f"accounted for{alone}]")


def run_record(run: CaseRun, trace: bool) -> dict[str, Any]:
    """``csto-sim run --json``: the result's dictionary, with the trace when asked."""
    record: dict[str, Any] = run.result.to_dict()
    if trace:
        record["trace"] = run.result.trace
    return record
