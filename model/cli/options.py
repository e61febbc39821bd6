"""The options the ``csto-sim`` commands share, each declared once with one range: seed, replications,
workers, decision rule, ``--set``, the output folder, ``--json``, quiet, the figure format, and the
positional case and experiment. Each ``add_*`` adds one option to a command's parser (the default and the
help text may differ per command, the range never does).

The argument types parse one value or raise an ``ArgumentTypeError`` whose message says what is allowed
(the parser turns it into one error line).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError, did_you_mean
from ..files.formats import FIGURE_FORMATS
from ..params import MAX_REPLICATIONS, SPECS, ParameterError, Parameters, check_replications, check_seed

MAX_WORKERS = 1024
DEFAULT_REPLICATIONS = 10_000
DEFAULT_SEED = 1


# -- argument types ---------------------------------------------------------------------------------

def whole(low: int, high: int, note: str = "", thousands: bool = True) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high`` ("1_000" and "1,000" are accepted)."""
    fmt = "{:,}" if thousands else "{}"
    allowed = f"allowed: {fmt.format(low)} to {fmt.format(high)}" + (f"; {note}" if note else "")

    def parse(text: str) -> int:
        try:
            n = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({allowed})") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"{fmt.format(n)} is out of range ({allowed})")
        return n

    return parse


def fraction(low: float, high: float, open_low: bool = False, allowed: str | None = None) -> Callable[[str], float]:
    """A finite number from ``low`` (excluded when ``open_low``) to ``high``; ``allowed`` says so in other words."""
    bad_number = allowed or f"{low:g} to {high:g}"
    out_of_range = allowed or f"{'above ' if open_low else ''}{low:g} to {high:g}"

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number (allowed: {bad_number})") from None
        if not low <= x <= high or (open_low and x == low):
            raise argparse.ArgumentTypeError(f"{text} is out of range (allowed: {out_of_range})")
        return x

    return parse


def replications(text: str) -> int:
    """Replications: a whole number from 1 to ``MAX_REPLICATIONS`` (what :func:`model.simulate.simulate` takes)."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number (allowed: 1 to {MAX_REPLICATIONS:,})") from None
    try:
        return check_replications(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**128 - 1 (what ``numpy.random.SeedSequence`` takes in full)."""
    try:
        return check_seed(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (allowed: a whole number from 0 to 2**128 - 1)") from None


def rule(text: str) -> str:
    from ..rules import RULES  # numpy: only when a rule is named

    if text not in RULES:
        raise argparse.ArgumentTypeError(f"unknown decision rule {text!r}{did_you_mean(text, RULES)} (allowed: "
                                         f"{', '.join(RULES)})")
    return text


def setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME=VALUE (allowed: NAME=VALUE with a NAME listed by 'csto-sim list')")
    return name.strip(), value.strip()


# -- the shared options -----------------------------------------------------------------------------

def add_replications(p: argparse.ArgumentParser, default: int, help: str | None = None, metavar: str | None = None) -> None:
    p.add_argument("--replications", "-n", type=replications, default=default, metavar=metavar,
                   help=help or f"replications (default {default:,})")


def add_seed(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument("--seed", type=seed, default=default, help=f"seed (default {default})")


def add_workers(p: argparse.ArgumentParser, what: str = "worker processes") -> None:
    p.add_argument("--workers", "-w", type=whole(1, MAX_WORKERS, thousands=False), default=None, metavar="N",
                   help=f"{what} (default: the cores this process may use)")


def workers(args: argparse.Namespace) -> int:
    """The ``--workers`` given, else the cores this process may use."""
    from ..sweep.backends import default_workers

    return args.workers or default_workers()


def add_rule(p: argparse.ArgumentParser, repeat: bool = False) -> None:
    if repeat:
        p.add_argument("--rule", type=rule, action="append", default=None,
                       help="only this rule (repeatable; default: every rule)")
    else:
        p.add_argument("--rule", type=rule, default=None, help="decision rule (default: the organisation's)")


def add_settings(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="settings", type=setting, action="append", default=[], metavar="NAME=VALUE",
                   help="set a global parameter (see 'csto-sim list')")


def parameters(args: argparse.Namespace) -> Parameters:
    """The global parameters with ``--set``'s values applied; a bad one is one error line naming it."""
    params = Parameters()
    for name, value in args.settings:
        try:
            params = params.replace(**{name: value})
        except ParameterError as exc:
            spec = SPECS.get(name)
            allowed = (", ".join(SPECS) if spec is None else
                       f"{'a whole number' if spec.kind is int else 'a number'} from {spec.low:g} to {spec.high:g}")
            problem = re.sub(r" \(allowed: .*\)$", "", str(exc).removeprefix(f"{name}: "), flags=re.S)
            problem += did_you_mean(name, SPECS) if spec is None else ""
            raise InputError("command line", f"--set {name}", problem, allowed) from None
    return params


#: ``--posterior``'s values: none (the defaults), the shipped calibration (no value), or a calibration's folder.
POSTERIOR_NONE, POSTERIOR_SHIPPED = "none", "shipped"


def add_posterior(p: argparse.ArgumentParser, default_on: bool = False, from_file: bool = False) -> None:
    """``--posterior [DIR]``: each replication's parameters drawn from a calibration's posterior (model/posterior.py):
    with no value the shipped one (calibration/), ``none`` the defaults (point parameters: the intervals of the
    outcome probabilities are then Monte Carlo only). On by default in ``run``, ``replay``, ``explain`` and ``validate``;
    a sweep (``from_file``) takes its experiment file's ``posterior:`` unless the option is given."""
    default = None if from_file else POSTERIOR_SHIPPED if default_on else POSTERIOR_NONE
    said = "the experiment file's posterior:, else none" if from_file else "the shipped one" if default_on else "none"
    which = " (those a point does not set)" if from_file else ""
    p.add_argument("--posterior", nargs="?", const=POSTERIOR_SHIPPED, default=default, metavar="DIR",
                   help=f"draw each replication's parameters{which} from a calibration's "
                        "posterior: with no value the shipped one (calibration/), or DIR (written by 'csto-sim "
                        f"calibrate'); 'none': the defaults, point parameters (default: {said})")


def add_out(p: argparse.ArgumentParser, help: str, default: Path | None = None, metavar: str | None = "DIR") -> None:
    p.add_argument("--out", type=Path, default=default, metavar=metavar, help=help)


def add_json(p: argparse.ArgumentParser, help: str = "print one JSON object instead of text") -> None:
    p.add_argument("--json", action="store_true", help=help)


def add_quiet(p: argparse.ArgumentParser, help: str = "no progress on standard error") -> None:
    p.add_argument("--quiet", "-q", action="store_true", help=help)


def add_format(p: argparse.ArgumentParser, help: str = "figure format (default png)") -> None:
    p.add_argument("--format", choices=FIGURE_FORMATS, default="png", help=help)


def add_case(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a case file, or the id of a case under scenarios/")


def add_scenarios_folder(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenarios", type=Path, default=None, help="folder of scenarios (default: ./scenarios)")


def add_experiment(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="an experiment file, or the name of one under experiments/")


def add_model_options(p: argparse.ArgumentParser, default_replications: int = DEFAULT_REPLICATIONS,
                      json_help: str = "print one JSON object instead of text", per_case: bool = False) -> None:
    """What every command that runs the model on cases takes: replications, seed, ``--set`` and ``--json``."""
    add_replications(p, default_replications, f"replications per case (1 to {MAX_REPLICATIONS:,}; default "
                                               f"{default_replications:,})" if per_case else None)
    add_seed(p, DEFAULT_SEED)
    add_settings(p)
    add_json(p, json_help)


def add_case_command(subparsers: Any, name: str, help: str, description: str,
                     default_replications: int = DEFAULT_REPLICATIONS) -> argparse.ArgumentParser:
    """A command that runs the model on one case: the case, then :func:`add_model_options`."""
    p = subparsers.add_parser(name, help=help, description=description)
    add_case(p)
    add_model_options(p, default_replications)
    return p


def bind(p: argparse.ArgumentParser, action: Callable[[argparse.Namespace], int]) -> Any:
    """Make ``action`` the function the dispatcher calls for this command."""
    p.set_defaults(cli_action=action)
    return p
