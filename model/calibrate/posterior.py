"""A calibration's posterior as the analyses and the command line see it.

The posterior itself (the shipped folder, reading and checking it, each replication's parameters drawn from
it, runs over it) is :mod:`model.posterior`, below the sweep engine so that sweeps use it too; its names are
handed on here. This module adds the line every command prints to say which posterior it used, and lets the
calibrate command regenerate the shipped calibration in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..posterior import (
    NONE,
    SHIPPED,
    Posterior,
    PosteriorResult,
    RunSpec,
    load_posterior,
    read_posterior,
    run_with,
    shipped_folder,
    simulate_posterior,
    simulate_runs,
)

__all__ = ["NONE", "SHIPPED", "Posterior", "PosteriorResult", "RunSpec", "format_posterior", "load_posterior",
           "read_posterior", "regenerating", "run_with", "shipped_folder", "simulate_posterior", "simulate_runs"]


def format_posterior(info: dict[str, Any] | None, replications: int | None = None) -> str:
    """The line that says which posterior a run used (``info``: its ``posterior`` block), or that it used none."""
    if not info:
        return "(parameters: the defaults of model/params.py and --set; no posterior)"
    drawn = f"{info['sets_drawn']} of its {info['sets']} sets drawn" if "sets_drawn" in info else \
        f"{info['sets']} sets"
    per = f" over {replications:,} replications" if replications else ""
    return (f"(parameters drawn per replication from the posterior in {info['folder']}: {drawn}{per}; made by "
            f"'{info.get('calibration_command')}')")


#: What a calibration folder keeps once its prior sample's sweep files are gone (the shipped one, in git).
KEPT = frozenset({"calibration.json", "posterior.parquet", "posterior.png", "experiment.yaml"})


@contextmanager
def regenerating(out: str | os.PathLike[str]) -> Iterator[None]:
    """Let ``csto-sim calibrate --out DIR`` regenerate a calibration whose sweep files are gone (the shipped
    one): its files are set aside while the command runs, put back if it stops, dropped once it is done.
    Any other folder is left to the output-folder check."""
    out = Path(out)
    try:
        names = {p.name for p in out.iterdir()} if out.is_dir() else set()
    except OSError:
        names = set()
    if "calibration.json" not in names or not names <= KEPT:
        yield
        return
    aside = Path(tempfile.mkdtemp(prefix=".csto-sim-calibration-", dir=out.parent))
    for name in names:
        os.replace(out / name, aside / name)
    try:
        yield
    except BaseException:
        for name in names:
            if not (out / name).exists():
                os.replace(aside / name, out / name)
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)
