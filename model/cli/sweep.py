"""``csto-sim sweep EXPERIMENT [--workers N] [--out DIR] [--scheduler ADDRESS]``: run a parameter sweep.

Exit status: 0 done; 1 done, but some points or chunks failed (a summary says which); 2 bad input
(one line, nothing written); 130 interrupted (run the same command again to resume).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import options
from .common import HELP, print_json, report_stopped, stopped

if TYPE_CHECKING:
    from ..sweep.experiment import Experiment


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sweep", help=HELP["sweep"],
        description="Run every point of an experiment file and write DIR/results.parquet and DIR/manifest.json. "
                    "Running the same command again resumes an interrupted sweep.")
    options.add_experiment(p)
    options.add_workers(p, "worker processes on this machine")
    options.add_out(p, "results folder (default: results/<experiment name>)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on a Dask cluster: the scheduler's address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--csv", action="store_true", help="also write DIR/results.csv")
    options.add_quiet(p, "no progress and no summary (errors only)")
    p.add_argument("--retry-failed", action="store_true", help="when resuming, run again the chunks holding failed points")
    p.add_argument("--dry-run", action="store_true", help="check the experiment and print its size; run nothing")
    options.add_posterior(p, from_file=True)
    options.add_json(p, "no progress; print one JSON object: the summary, the results folder, the counts (with "
                        "--dry-run: the experiment's size)")
    options.bind(p, cli_action)


def _size(exp: Experiment, out: Path) -> str:
    factors = ", ".join(f"{f.name} ({len(f.values) if f.values is not None else 'continuous'})" for f in exp.factors)
    return (f"{exp.name}: {exp.design.method}, {len(exp.scenarios)} case(s) x {exp.design_points:,} design points = "
            f"{exp.points:,} points x {exp.replications:,} replications = {exp.runs:,} runs in {exp.chunks:,} chunks\n"
            f"factors: {factors or 'none'}\n{_posterior_line(exp)}\nresults would go to {out}")


def _size_data(exp: Experiment, out: Path) -> dict[str, Any]:
    """What ``--dry-run --json`` prints: the numbers of :func:`_size`."""
    return {"experiment": exp.name, "design": exp.design.method, "cases": len(exp.scenarios),
            "design_points": exp.design_points, "points": exp.points, "replications": exp.replications,
            "runs": exp.runs, "chunks": exp.chunks, "out": str(out), "posterior": _posterior_line(exp),
            "factors": [{"name": f.name, "values": None if f.values is None else len(f.values)} for f in exp.factors]}


def _outcome_data(exp: Experiment, outcome: Any, summary: list[str], csv: bool) -> dict[str, Any]:
    """What ``--json`` prints after a sweep: the summary line, the folder and its files, the counts."""
    files = ["results.parquet", *(["results.csv"] if csv else []), "manifest.json"]
    return {"experiment": exp.name, "summary": summary[0] if summary else None, "status": outcome.status,
            "out": str(outcome.out), "files": [str(Path(outcome.out) / f) for f in files] if not stopped(outcome) else [],
            "points": outcome.points, "failed_points": outcome.failed_points, "failures": outcome.failures,
            "chunks_done": outcome.chunks_done, "chunks_total": outcome.chunks_total, "chunk_errors": outcome.chunk_errors,
            "seconds": round(outcome.seconds, 3), "posterior": _posterior_line(exp)}


def _posterior_line(exp: Experiment) -> str:
    post = exp.posterior
    if post is None:
        return "parameters not varied: the defaults (no posterior)"
    return (f"parameters not varied: drawn per replication from the posterior in {post.path} ({len(post)} sets; made "
            f"by '{post.command}')")


def cli_action(args: argparse.Namespace) -> int:
    from ..sweep.experiment import FROM_FILE, load_experiment

    exp = load_experiment(args.experiment, FROM_FILE if args.posterior is None else args.posterior)
    out = args.out if args.out is not None else Path("results") / exp.name
    summary: list[str] = []
    say = summary.append if args.quiet or args.json else (lambda text: print(text, file=sys.stderr, flush=True))
    if args.dry_run:
        if args.json:
            print_json(_size_data(exp, out))
        else:
            print(_size(exp, out))
        return 0
    from ..sweep.runner import SweepOptions, run_sweep  # the engine, once the experiment is checked

    opts = SweepOptions(out=out, workers=options.workers(args), scheduler=args.scheduler, csv=args.csv,
                        quiet=args.quiet or args.json, retry_failed=args.retry_failed)
    outcome = run_sweep(exp, opts, sys.stderr, on_start=say)  # the engine stops on SIGTERM as on Ctrl-C
    if args.json:
        print_json(_outcome_data(exp, outcome, summary, args.csv))
    if stopped(outcome):
        return report_stopped(outcome)
    if outcome.failed_points:
        shown = "; ".join(f"point {f['point']}: {f['error']}" for f in outcome.failures[:3])
        more = ", ..." if outcome.failed_points > 3 else ""
        print(f"failed: {outcome.failed_points:,} of {outcome.points:,} points raised ({shown}{more}); their rows "
              f"hold the error in {out}/results.parquet and manifest.json lists them; "
              "--retry-failed runs them again", file=sys.stderr)
        return 1
    if not args.json:
        say(f"done in {outcome.seconds:.1f} s: wrote {out}/results.parquet ({outcome.points:,} rows)"
            + (", results.csv" if args.csv else "") + f", manifest.json\n{_posterior_line(exp)}")
    return 0
