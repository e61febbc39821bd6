"""The ``csto-sim`` command: run a case, replay the historical cases, list what is available.

Bad input of any kind ends with one line ``error: WHERE: field: what is wrong (allowed: ...)`` on
standard error and exit status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .analysis import cli as analysis_cli
from .calibrate import cli as calibrate_cli
from .errors import InputError
from .explorer import cli as explore_cli
from .files.runfolder import check_run_out, write_run
from .ladder import LEVELS
from .params import SPECS, ParameterError, Parameters
from .plots import data as plot_data
from .plots.draw import KINDS, draw_replay, draw_run, draw_sweep
from .plots.style import FORMATS
from .results import SimulationResult
from .rules import RULES
from .scenario import list_case_files, load_scenario, scenarios_root
from .simulate import MAX_REPLICATIONS, check_replications, check_seed, simulate
from .sweep import cli as sweep_cli

DEFAULT_REPLICATIONS = 10_000
DEFAULT_SEED = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line ``command line: --option: problem (allowed: ...)``, status 2."""

    def error(self, message: str) -> NoReturn:
        field, allowed = "", f"see '{self.prog} --help'"
        if m := re.fullmatch(r"argument ([^:]+): (.*)", message, re.S):  # argument --seed/-s: problem
            field, message = m.group(1).split("/")[0], m.group(2)
        elif m := re.fullmatch(r"the following arguments are required: (.*)", message, re.S):
            field, message = m.group(1), "missing"
        elif m := re.fullmatch(r"unrecognized arguments: (.*)", message, re.S):
            field, message = m.group(1), "unrecognized argument"
        if m := re.fullmatch(r"(.*) \((?:allowed:|choose from) (.*)\)", message, re.S):
            message, allowed = m.group(1), m.group(2)
        raise InputError("command line", field, message, allowed)


def _replications(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number (allowed: 1 to {MAX_REPLICATIONS:,})") from None
    try:
        return check_replications(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None


def _seed(text: str) -> int:
    try:
        return check_seed(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (allowed: a whole number from 0 to 2**128 - 1)") from None


def _rule(text: str) -> str:
    if text not in RULES:
        raise argparse.ArgumentTypeError(f"unknown decision rule {text!r} (allowed: {', '.join(RULES)})")
    return text


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME=VALUE (allowed: NAME=VALUE with a NAME listed by 'csto-sim list')")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="csto-sim", description="How the CSTO council answers a member's call for help.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("--replications", "-n", type=_replications, default=DEFAULT_REPLICATIONS,
                        help=f"replications per case (1 to {MAX_REPLICATIONS:,}; default {DEFAULT_REPLICATIONS:,})")
    common.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    common.add_argument("--set", dest="settings", type=_setting, action="append", default=[], metavar="NAME=VALUE",
                        help="set a global parameter (see 'csto-sim list')")
    common.add_argument("--json", action="store_true", help="print JSON instead of tables")

    run = sub.add_parser("run", parents=[common], help="run one case (a file or a case id)")
    run.add_argument("scenario", help="a case file, or the id of a case under scenarios/")
    run.add_argument("--rule", type=_rule, default=None, help="decision rule (default: the organisation's)")
    run.add_argument("--out", type=Path, default=None, help="write per-replication results and a manifest here")
    run.add_argument("--trace", action="store_true", help="print the first replication round by round")
    run.add_argument("--plot", type=Path, default=None, metavar="DIR", help="draw this run's figures into DIR")
    run.add_argument("--format", choices=FORMATS, default="png", help="figure format for --plot (default png)")
    run.add_argument("--posterior", type=Path, default=None, metavar="DIR",
                     help="draw each replication's parameters from this calibration's posterior (csto-sim calibrate)")

    replay = sub.add_parser("replay", parents=[common], help="run every historical case and compare")
    replay.add_argument("--scenarios", type=Path, default=None, help="folder of scenarios (default: ./scenarios)")
    replay.add_argument("--plot", type=Path, default=None, metavar="DIR", help="draw all cases side by side into DIR")
    replay.add_argument("--format", choices=FORMATS, default="png", help="figure format for --plot (default png)")

    plot = sub.add_parser("plot", help="draw figures from a saved results folder (never reruns the model)")
    plot.add_argument("results", type=Path, help="a folder written by 'run --out' or by 'sweep'")
    plot.add_argument("--kind", action="append", choices=KINDS, default=None,
                      help="figure to draw (repeatable; default: every figure the folder supports)")
    plot.add_argument("--out", type=Path, default=None, help="folder for the figures (default: RESULTS/figures)")
    plot.add_argument("--format", choices=FORMATS, default="png", help="png, svg or pdf (default png)")

    lst = sub.add_parser("list", help="list cases, decision rules and parameters")
    lst.add_argument("--scenarios", type=Path, default=None, help="folder of scenarios (default: ./scenarios)")
    sweep_cli.add_parser(sub)
    explore_cli.add_parser(sub)
    calibrate_cli.add_parser(sub)
    analysis_cli.add_parser(sub)
    return parser


def _params(settings: Sequence[tuple[str, str]]) -> Parameters:
    params = Parameters()
    for name, value in settings:
        try:
            params = params.replace(**{name: value})
        except ParameterError as exc:
            spec = SPECS.get(name)
            allowed = (", ".join(SPECS) if spec is None else
                       f"{'a whole number' if spec.kind is int else 'a number'} from {spec.low:g} to {spec.high:g}")
            problem = re.sub(r" \(allowed: .*\)$", "", str(exc).removeprefix(f"{name}: "), flags=re.S)
            raise InputError("command line", f"--set {name}", problem, allowed) from None
    return params


def _check_folder(root: Path | None) -> None:
    if root is not None and not root.is_dir():
        raise InputError("command line", "--scenarios", f"{root}: no such folder", "a folder of scenario files")


# -- printing ---------------------------------------------------------------------------------------

def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{100 * x:5.1f}%"


def format_run(res: SimulationResult) -> str:
    lines = [f"{res.case.title} [{res.case.id}, {res.case.kind}]",
             f"{res.replications:,} replications, seed {res.seed}, rule {res.rule}", ""]
    probs = res.outcome_probabilities
    lines.append("outcome          probability")
    for lvl in LEVELS:
        marks = [m for m, on in (("modal", lvl == res.modal_outcome), ("observed", lvl == res.observed)) if on]
        lines.append(f"  {lvl:<14} {_pct(probs[lvl])}  {' '.join(marks)}")
    d = res.days_to_decision
    if d["p50"] is None:
        lines.append("\ndays to decision: no measure passed in any replication")
    else:
        lines.append(f"\ndays to decision: p10 {d['p10']:.2f}  p50 {d['p50']:.2f}  p90 {d['p90']:.2f}")
    if res.lead_state_share is not None:
        lines.append(f"{res.lead_state}'s share of the troops deployed: {_pct(res.lead_state_share).strip()}")
    lines.append("\nmember        support  acquiesce  delay   object  dominant reason           mean troops")
    rates, reasons, troops = res.stance_rates, res.dominant_reason, res.mean_contribution
    for m in res.members:
        r = rates[m]
        lines.append(f"  {m:<11} {_pct(r['support'])}  {_pct(r['acquiesce'])}  {_pct(r['delay'])}  "
                     f"{_pct(r['object'])}  {reasons[m] or '-':<25} {troops[m]:>8,.0f}")
    lines.append("(stances on the measure requested; troops averaged over replications that deployed)")
    return "\n".join(lines)


def format_trace(res: SimulationResult) -> str:
    from .agents import REASONS
    from .ladder import STANCES

    lines = ["", "trace of replication 0: each member's position (utility) on consultations / assistance / "
             "deployment"]
    for rnd, positions in enumerate(res.trace or []):
        lines.append(f"  round {rnd}" + (" (own assessment)" if rnd == 0 else ""))
        for m in res.members:
            c, a, dpl = positions[m]
            lines.append(f"    {m:<11} {c:+7.3f} {a:+7.3f} {dpl:+7.3f}")
    lines.append(f"  outcome: {LEVELS[int(res.outcome[0])]}")
    for i, m in enumerate(res.members):
        s = int(res.stance[0, i])
        stance = "absent" if s < 0 else STANCES[s]
        lines.append(f"    {m:<11} {stance:<10} {REASONS[int(res.reason[0, i])] if s >= 0 else ''}")
    return "\n".join(lines)


def format_replay(results: list[SimulationResult]) -> str:
    head = f"{'case':<30} {'observed':<14} {'none':>6} {'cons.':>6} {'assist':>6} {'deploy':>6}  {'modal':<14} match"
    lines = [head, "-" * len(head)]
    for r in results:
        p = r.outcome_probabilities
        lines.append(f"{r.case.id:<30} {r.observed or '-':<14} " + " ".join(f"{p[lvl]:6.3f}" for lvl in LEVELS)
                     + f"  {r.modal_outcome:<14} {'yes' if r.match else 'NO'}")
    matched = sum(bool(r.match) for r in results)
    lines.append(f"\n{matched} of {len(results)} modal outcomes match the observed ones "
                 f"({results[0].replications:,} replications each, seed {results[0].seed}).")
    return "\n".join(lines)


# -- commands ---------------------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace) -> int:
    params = _params(args.settings)
    case = load_scenario(args.scenario)
    if args.out is not None:
        check_run_out(args.out)
    if args.plot is not None:
        _check_plot_dir(args.plot)
    if args.posterior is not None:
        from .calibrate.posterior import simulate_posterior

        res = simulate_posterior(case, args.posterior, args.replications, args.seed, rule=args.rule,
                                 overrides=dict(args.settings), trace=True)
    else:
        res = simulate(case, args.replications, args.seed, rule=args.rule, params=params, trace=True)
    if args.out is not None:
        write_run(res, args.out)
    if args.plot is not None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_run(res, Path(tmp) / "run") if args.out is None else args.out
            figures = draw_run(plot_data.load(folder), args.plot, fmt=args.format)
    if args.json:
        out: dict[str, Any] = res.to_dict()
        if args.trace:
            out["trace"] = res.trace
        print(json.dumps(out, indent=2))
    else:
        print(format_run(res))
        if args.posterior is not None:
            print(f"(parameters drawn per replication from the posterior in {args.posterior}: "
                  f"{res.posterior['sets_drawn']} of its {res.posterior['sets']} sets)")
        if args.trace:
            print(format_trace(res))
        if args.out is not None:
            print(f"\nwrote {args.out}/replications.parquet, summary.json, trace.json, manifest.json")
        if args.plot is not None:
            print(f"drew {', '.join(str(p) for p in figures)}")
    return 0


def _check_plot_dir(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError("command line", "--plot", f"{folder}: exists and is not a folder", "a folder for figures")
    existing = folder.parent if str(folder.parent) else Path(".")
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError("command line", "--plot", f"{folder}: {existing} is not a folder", "a path under a folder")


def cmd_plot(args: argparse.Namespace) -> int:
    data = plot_data.load(args.results)
    out = args.out if args.out is not None else args.results / "figures"
    _check_plot_dir(out)
    if isinstance(data, plot_data.RunData):
        paths = draw_run(data, out, args.kind, args.format)
    else:
        paths = draw_sweep(data, out, args.kind, args.format)
    for p in paths:
        print(p)
    return 0


def historical_cases(root: Path | None) -> list[Any]:
    _check_folder(root)
    cases = [load_scenario(p) for p in list_case_files(root)]
    historical = [c for c in cases if c.kind == "historical"]
    if not historical:
        raise InputError(str(root or scenarios_root()), "--scenarios", "holds no historical case",
                         "a folder with case files of kind: historical")
    return sorted(historical, key=lambda c: (c.date, c.id))


def cmd_replay(args: argparse.Namespace) -> int:
    params = _params(args.settings)
    cases = historical_cases(args.scenarios)
    if args.plot is not None:
        _check_plot_dir(args.plot)
    results = [simulate(c, args.replications, args.seed, params=params) for c in cases]
    figures = draw_replay([r.to_dict() for r in results], args.plot, args.format) if args.plot is not None else []
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        print(format_replay(results))
        for p in figures:
            print(f"drew {p}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    root = args.scenarios
    _check_folder(root)
    print("cases:")
    for p in list_case_files(root):
        c = load_scenario(p)
        print(f"  {c.id:<36} {c.kind:<11} {c.title}")
    print("\ndecision rules:")
    for rule in RULES.values():
        print(f"  {rule.name:<28} {rule.description}")
    print("\nparameters (default, bounds):")
    defaults = Parameters()
    for spec in SPECS.values():
        print(f"  {spec.name:<22} {getattr(defaults, spec.name)!s:>8}  [{spec.low:g}, {spec.high:g}]  {spec.meaning}")
    return 0


COMMANDS = {"run": cmd_run, "replay": cmd_replay, "list": cmd_list, "sweep": sweep_cli.run, "plot": cmd_plot,
            "explore": explore_cli.run, **calibrate_cli.COMMANDS, **analysis_cli.COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
