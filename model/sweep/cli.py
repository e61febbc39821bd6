"""The ``csto-sim sweep`` command: ``csto-sim sweep EXPERIMENT [--workers N] [--out DIR] [--scheduler ADDRESS]``.

Exit status: 0 done; 1 done, but some points or chunks failed (a summary says which); 2 bad input
(one line, nothing written); 130 interrupted (run the same command again to resume).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..argtypes import whole
from .backends import default_workers
from .experiment import load_experiment
from .runner import SweepOptions, run_sweep

__all__ = ["add_parser", "default_workers", "run"]  # default_workers: from .backends (the engine)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``sweep`` subcommand to the ``csto-sim`` parser."""
    p = subparsers.add_parser(
        "sweep", help="run a parameter sweep from an experiment file (experiments/*.yaml)",
        description="Run every point of an experiment file and write DIR/results.parquet and DIR/manifest.json. "
                    "Running the same command again resumes an interrupted sweep.")
    p.add_argument("experiment", help="an experiment file, or the name of one under experiments/")
    p.add_argument("--workers", "-w", type=whole(1, 1024, thousands=False), default=None, metavar="N",
                   help=f"worker processes on this machine (default: the cores, here {default_workers()})")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="results folder (default: results/<experiment name>)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on a Dask cluster: the scheduler's address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--csv", action="store_true", help="also write DIR/results.csv")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary (errors only)")
    p.add_argument("--retry-failed", action="store_true", help="when resuming, run again the chunks holding failed points")
    p.add_argument("--dry-run", action="store_true", help="check the experiment and print its size; run nothing")
    return p


def run(args: argparse.Namespace) -> int:
    exp = load_experiment(args.experiment)
    out = args.out if args.out is not None else Path("results") / exp.name
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    if args.dry_run:
        factors = ", ".join(f"{f.name} ({len(f.values) if f.values is not None else 'continuous'})" for f in exp.factors)
        print(f"{exp.name}: {exp.design.method}, {len(exp.scenarios)} case(s) x {exp.design_points:,} design points = "
              f"{exp.points:,} points x {exp.replications:,} replications = {exp.runs:,} runs in {exp.chunks:,} chunks\n"
              f"factors: {factors or 'none'}\nresults would go to {out}")
        return 0
    opts = SweepOptions(out=out, workers=args.workers or default_workers(), scheduler=args.scheduler, csv=args.csv,
                        quiet=args.quiet, retry_failed=args.retry_failed)
    outcome = run_sweep(exp, opts, sys.stderr, on_start=say)  # SIGTERM stops it as Ctrl-C does
    if outcome.status == "interrupted":
        print(f"interrupted: {outcome.chunks_done:,} of {outcome.chunks_total:,} chunks done; "
              "run the same command again to resume", file=sys.stderr)
        return 130
    if outcome.chunk_errors:
        first = outcome.chunk_errors[0]
        print(f"failed: {len(outcome.chunk_errors):,} of {outcome.chunks_total:,} chunks could not run "
              f"(chunk {first['chunk']}: {first['error']}); {outcome.chunks_done:,} done; "
              "run the same command again to retry them", file=sys.stderr)
        return 1
    if outcome.failed_points:
        shown = "; ".join(f"point {f['point']}: {f['error']}" for f in outcome.failures[:3])
        more = ", ..." if outcome.failed_points > 3 else ""
        print(f"failed: {outcome.failed_points:,} of {outcome.points:,} points raised ({shown}{more}); their rows "
              f"hold the error in {out}/results.parquet and manifest.json lists them; "
              "--retry-failed runs them again", file=sys.stderr)
        return 1
    say(f"done in {outcome.seconds:.1f} s: wrote {out}/results.parquet ({outcome.points:,} rows)"
        + (", results.csv" if args.csv else "") + ", manifest.json")
    return 0
