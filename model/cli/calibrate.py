"""``csto-sim calibrate``: rejection ABC of the global parameters against the historical cases (its
leave-one-case-out validation is ``csto-sim validate``, ``validate.py``).

Exit status: 0 done; 1 done without some draws (points of the prior sample raised; they are never
accepted, and the sweep's manifest lists them), or chunks that could not run; 2 bad input (one line, nothing
written); 130 interrupted (run the same command again to resume the prior sample).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..calibrate import DEFAULT_ACCEPT, DEFAULT_DRAWS, DEFAULT_REPLICATIONS, DEFAULT_SEED, MAX_DRAWS, MIN_DRAWS
from . import options
from .common import HELP, report_stopped

if TYPE_CHECKING:
    from ..calibrate.abc import Setup

STOPPED = "chunks of the prior sample"


def _abc_options(p: argparse.ArgumentParser, default_out: str, json_help: str) -> None:
    p.add_argument("--draws", type=options.whole(MIN_DRAWS, MAX_DRAWS), default=DEFAULT_DRAWS, metavar="N",
                   help=f"parameter sets drawn from the priors ({MIN_DRAWS} to {MAX_DRAWS:,}; default {DEFAULT_DRAWS:,})")
    options.add_replications(p, DEFAULT_REPLICATIONS, f"replications per draw and case (default {DEFAULT_REPLICATIONS})",
                             metavar="R")
    p.add_argument("--accept", type=options.fraction(0.0, 1.0, open_low=True, allowed="above 0, at most 1"),
                   default=DEFAULT_ACCEPT, metavar="Q",
                   help=f"share of the draws accepted, the closest to the record (default {DEFAULT_ACCEPT:g})")
    options.add_seed(p, DEFAULT_SEED)
    options.add_workers(p)
    options.add_out(p, f"folder of the prior sample and the results (default {default_out}); running the same "
                       "command again resumes it", default=Path(default_out))
    options.add_quiet(p, "no progress (errors and the result only)")
    options.add_json(p, json_help)


def cli_parse(subparsers: Any) -> None:
    for name, help, description, default_out, json_help, action in COMMANDS:
        p = subparsers.add_parser(name, help=help, description=description)
        _abc_options(p, default_out, json_help)
        if name == "validate":
            options.add_posterior(p, default_on=True)
        options.bind(p, action)


def _setup(args: argparse.Namespace) -> Setup:
    from ..calibrate.abc import Setup

    return Setup(draws=args.draws, replications=args.replications, seed=args.seed, accept=args.accept)


def _failed(n: int, out: Path) -> int:
    if not n:
        return 0
    print(f"failed: {n:,} draws of the prior sample raised and were left out (their errors are in "
          f"{out}/manifest.json; 'csto-sim sweep {out}/experiment.yaml --out {out} --retry-failed' reruns them)",
          file=sys.stderr)
    return 1


def _run(args: argparse.Namespace, verb: str, work: Callable[..., dict[str, Any]],
         text: Callable[[dict[str, Any]], str], **extra: Any) -> int:
    """Run ``work`` (calibrate or validate) on the command line's set-up and print its record."""
    from ..calibrate.abc import SweepNotComplete
    from ..calibrate.posterior import regenerating

    setup = _setup(args)
    command = setup.command(verb) + (f" --out {args.out}" if verb == "calibrate" else "")  # the one that regenerates it
    try:
        with regenerating(args.out):
            record = work(setup, args.out, options.workers(args), args.quiet,
                          command=command, **extra)
    except SweepNotComplete as exc:
        return report_stopped(exc.outcome, STOPPED, done=False)
    print(json.dumps(record, indent=2) if args.json else text(record))
    return _failed(record["failed_draws"], args.out)


def run_calibrate(args: argparse.Namespace) -> int:
    from ..calibrate.abc import calibrate
    from ..calibrate.summary import format_calibration

    return _run(args, "calibrate", lambda *a, **kw: calibrate(*a, **kw).record,
                lambda rec: format_calibration(rec, args.out))


#: name, help, description, default output folder, --json's help, action
COMMANDS = (
    ("calibrate", HELP["calibrate"],
     "Rejection ABC: draw parameter sets from the priors (model/params.py), run them on every historical case on the "
     "sweep engine, accept those closest to the record. Writes DIR/posterior.parquet, DIR/calibration.json, "
     "DIR/posterior.png and the sweep's files.",
     "results/calibration", "print calibration.json instead of a summary", run_calibrate),
)
