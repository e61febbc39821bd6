"""The ``csto-sim calibrate`` and ``csto-sim validate`` commands.

Exit status: 0 done; 1 done without some draws (points of the prior sample raised; they are never
accepted, and the sweep's manifest lists them), or chunks that could not run; 2 bad input (one line, nothing
written); 130 interrupted (run the same command again to resume the prior sample).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..argtypes import whole
from ..sweep.backends import default_workers
from .abc import (
    DEFAULT_ACCEPT,
    DEFAULT_DRAWS,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    MAX_ABC_REPLICATIONS,
    MAX_DRAWS,
    MIN_DRAWS,
    Setup,
    SweepNotComplete,
    calibrate,
)


def _accept(text: str) -> float:
    try:
        q = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (allowed: above 0, at most 1)") from None
    if not 0.0 < q <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is out of range (allowed: above 0, at most 1)")
    return q


def _common(p: argparse.ArgumentParser, default_out: str) -> None:
    p.add_argument("--draws", type=whole(MIN_DRAWS, MAX_DRAWS), default=DEFAULT_DRAWS, metavar="N",
                   help=f"parameter sets drawn from the priors ({MIN_DRAWS} to {MAX_DRAWS:,}; default {DEFAULT_DRAWS:,})")
    p.add_argument("--replications", "-n", type=whole(1, MAX_ABC_REPLICATIONS), default=DEFAULT_REPLICATIONS,
                   metavar="R", help=f"replications per draw and case (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--accept", type=_accept, default=DEFAULT_ACCEPT, metavar="Q",
                   help=f"share of the draws accepted, the closest to the record (default {DEFAULT_ACCEPT:g})")
    p.add_argument("--seed", type=whole(0, 2**63 - 1), default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.add_argument("--workers", "-w", type=whole(1, 1024), default=None, metavar="N",
                   help=f"worker processes (default: the cores, here {default_workers()})")
    p.add_argument("--out", type=Path, default=Path(default_out), metavar="DIR",
                   help=f"folder of the prior sample and the results (default {default_out}); running the same "
                        "command again resumes it")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress (errors and the result only)")


def add_parser(subparsers: Any) -> None:
    """Add the ``calibrate`` and ``validate`` subcommands to the ``csto-sim`` parser."""
    p = subparsers.add_parser(
        "calibrate", help="approximate Bayesian computation of the global parameters against the training cases",
        description="Rejection ABC: draw parameter sets from the priors (model/params.py), run them on every "
                    "historical case on the sweep engine, accept those closest to the record. Writes "
                    "DIR/posterior.parquet, DIR/calibration.json, DIR/posterior.png and the sweep's files.")
    _common(p, "results/calibration")
    p.add_argument("--json", action="store_true", help="print calibration.json instead of a summary")
    v = subparsers.add_parser(
        "validate", help="leave-one-case-out validation against three baselines (RPS and Brier score)",
        description="For each historical case: calibrate on the others, predict it, score the prediction with the "
                    "ranked probability score and the Brier score of deployment, beside a base rate, a weighted "
                    "compromise and 'Russia decides alone' on the same folds. Writes DIR/validation.json.")
    _common(v, "results/validation")
    v.add_argument("--json", action="store_true", help="print the scores as JSON")


def _setup(args: argparse.Namespace) -> Setup:
    return Setup(draws=args.draws, replications=args.replications, seed=args.seed, accept=args.accept)


def _stopped(exc: SweepNotComplete) -> int:
    o = exc.outcome
    if o.status == "interrupted":
        print(f"interrupted: {o.chunks_done:,} of {o.chunks_total:,} chunks of the prior sample done; run the same "
              "command again to resume", file=sys.stderr)
        return 130
    first = o.chunk_errors[0] if o.chunk_errors else {"chunk": "?", "error": o.status}
    print(f"failed: {len(o.chunk_errors):,} of {o.chunks_total:,} chunks of the prior sample could not run (chunk "
          f"{first['chunk']}: {first['error']}); run the same command again to retry them", file=sys.stderr)
    return 1


def _failed(n: int, out: Path) -> int:
    if not n:
        return 0
    print(f"failed: {n:,} draws of the prior sample raised and were left out (their errors are in "
          f"{out}/manifest.json; 'csto-sim sweep {out}/experiment.yaml --out {out} --retry-failed' reruns them)",
          file=sys.stderr)
    return 1


def run_calibrate(args: argparse.Namespace) -> int:
    setup = _setup(args)
    try:
        cal = calibrate(setup, args.out, args.workers or default_workers(), args.quiet,
                        command=setup.command("calibrate"))  # the sweep engine stops on SIGTERM as on Ctrl-C
    except SweepNotComplete as exc:
        return _stopped(exc)
    rec = cal.record
    if args.json:
        print(json.dumps(rec, indent=2))
        return _failed(rec["failed_draws"], args.out)
    lines = [f"accepted {rec['accepted']:,} of {rec['draws']:,} draws ({100 * rec['acceptance_rate']:.1f}%), "
             f"epsilon {rec['epsilon']:.3f}, effective sample size {rec['effective_sample_size']:.0f}; "
             f"seed {rec['seed']}, {rec['replications']} replications per draw and case",
             f"distance: best {rec['distance']['best']:.3f}, prior median {rec['distance']['prior_median']:.3f}, "
             f"defaults {rec['defaults']['distance']:.3f}", "",
             f"{'parameter':<22} {'prior':>15} {'median':>9} {'90% interval':>21} {'contraction':>11} {'default':>8}"]
    order = sorted(rec["posterior"], key=lambda n: -(rec["posterior"][n]["contraction"] or 0))
    from ..params import Parameters

    defaults = Parameters()
    for name in order:
        s = rec["posterior"][name]
        inside = "" if rec["defaults"]["inside_posterior_90"][name] else " (outside)"
        lines.append(f"{name:<22} {s['prior'][0]:>7g}-{s['prior'][1]:<7g} {s['median']:9.3g} "
                     f"{s['q05']:>10.3g}-{s['q95']:<10.3g} {s['contraction']:11.2f} {getattr(defaults, name)!s:>8}{inside}")
    lines.append(f"\nwrote {args.out}/posterior.parquet, calibration.json, posterior.png (the sweep: manifest.json, "
                 "results.parquet, experiment.yaml)")
    print("\n".join(lines))
    return _failed(rec["failed_draws"], args.out)


def run_validate(args: argparse.Namespace) -> int:
    from .validate import format_table, validate

    setup = _setup(args)
    try:
        report = validate(setup, args.out, args.workers or default_workers(), args.quiet,
                          command=setup.command("validate"))
    except SweepNotComplete as exc:
        return _stopped(exc)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_table(report))
        print(f"wrote {args.out}/validation.json")
    return _failed(report["failed_draws"], args.out)


COMMANDS = {"calibrate": run_calibrate, "validate": run_validate}
