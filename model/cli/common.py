"""What the commands share besides their options: the parser whose usage errors are one line, printing
JSON, SIGTERM as an interrupt, and the lines printed when a sweep stopped before its end."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from ..errors import InputError, did_you_mean

#: Every command, in the order ``csto-sim --help`` lists them: its name, the module of this package that parses and
#: runs it, and its line in ``csto-sim --help`` (here, so that listing the commands imports none of them).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("run", "run", "run one case (a file or a case id)"),
    ("replay", "replay", "run every historical case and compare"),
    ("plot", "plot", "draw figures from a saved results folder (never reruns the model)"),
    ("list", "listing", "list cases, decision rules and parameters"),
    ("check", "check", "check a case file and list the newer facts it lacks, with the default each takes"),
    ("sweep", "sweep", "run a parameter sweep from an experiment file (experiments/*.yaml)"),
    ("explore", "explore", "the interactive explorer in the browser (needs the viz extra)"),
    ("calibrate", "calibrate", "approximate Bayesian computation of the global parameters against the training cases"),
    ("validate", "validate", "leave-one-case-out validation against three baselines (RPS, CRPS of the days)"),
    ("sensitivity", "sensitivity", "Sobol' or Morris indices of P(deployment) and days to decision (SALib)"),
    ("discover", "discover", "scenario discovery (PRIM) on a sweep's results: when is a deployment approved?"),
    ("explain", "explain", "one case: mechanism contributions, pivotal members, the smallest changes that flip it"),
    ("power", "power", "Shapley-Shubik and Banzhaf indices of each rule, next to each member's effective power"),
    ("compare-forums", "forums", "the same request put to every organisation the requester belongs to"),
    ("reach", "reach", "which parameters do work: each moved over its range on every historical case"),
    ("completion", "completion", "print a shell completion script (bash, zsh or tcsh)"),
)
HELP = {name: line for name, _, line in COMMANDS}


class Parser(argparse.ArgumentParser):
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
        if m := re.fullmatch(r"invalid choice: '?(.*?)'?", message, re.S):  # a command, --kind, --format
            choices = re.findall(r"'([^']*)'", allowed) or allowed.split(", ")
            message += did_you_mean(m.group(1), choices)
        raise InputError("command line", field, message, allowed)


def print_json(obj: Any) -> None:
    from ..analysis.output import jsonable

    print(json.dumps(obj, indent=2, default=jsonable))


def show(report: Any, as_json: bool, text: Callable[[], str], written: list[Path] | None = None) -> int:
    """Print an analysis's report: as one JSON object, or as its text and then the files written."""
    if as_json:
        print_json(report)
        return 0
    print(text())
    if written:
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0


def stopped(outcome: Any) -> bool:
    """Whether a sweep stopped before its end: interrupted, or chunks that could not run."""
    return outcome.status == "interrupted" or bool(outcome.chunk_errors)


def report_stopped(outcome: Any, what: str = "chunks", done: bool = True) -> int:
    """Say why a sweep :func:`stopped` (on standard error) and return the exit status: 130 when interrupted
    (resume by running the same command again), else 1 (chunks could not run). ``what`` names the chunks
    ("chunks of the prior sample"); ``done`` adds how many are done."""
    if outcome.status == "interrupted":
        print(f"interrupted: {outcome.chunks_done:,} of {outcome.chunks_total:,} {what} done; run the same command "
              "again to resume", file=sys.stderr)
        return 130
    first = outcome.chunk_errors[0] if outcome.chunk_errors else {"chunk": "?", "error": outcome.status}
    print(f"failed: {len(outcome.chunk_errors):,} of {outcome.chunks_total:,} {what} could not run (chunk "
          f"{first['chunk']}: {first['error']}); " + (f"{outcome.chunks_done:,} done; " if done else "")
          + "run the same command again to retry them", file=sys.stderr)
    return 1
