"""The folder of one run (``csto-sim run --out``), written atomically and self-contained.

```
DIR/replications.parquet  one row per replication: outcome, days, each member's stance, reason, troops
DIR/summary.json          the run's figures (SimulationResult.to_dict)
DIR/trace.json            replication 0 round by round (when traced)
DIR/manifest.json         format, the case (files and SHA-256, observed values, coded facts), seed,
                          replications, rule, parameters, code version
```

The manifest carries what the figures need of the case (``scenario.observed``, ``scenario.coded``), so
drawing the folder never re-opens the case file. ``figures/`` is where ``csto-sim plot`` draws by default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..ladder import LEVELS
from .atomic import json_text, staged_folder, write_file
from .formats import RUN_FORMAT
from .manifest import new_manifest, write_manifest
from .outdir import RUN, check_out_dir

TRACE_NOTE = "each member's position (utility) on each measure; round 0 is its own assessment"


def check_run_out(out: str | os.PathLike[str], option: str = "--out") -> None:
    """Check, before the model runs, that ``out`` can take a run's folder (see :func:`check_out_dir`)."""
    check_out_dir(out, RUN, option)


def run_manifest(result: Any) -> dict[str, Any]:
    """The manifest of a run (``result``: a SimulationResult; a posterior run adds its ``posterior`` block)."""
    manifest = new_manifest(RUN_FORMAT, scenario=result.case.record(), seed=result.seed,
                            replications=result.replications, rule=result.rule, parameters=result.params.as_dict())
    manifest["files"] = {"replications": "replications.parquet", "summary": "summary.json",
                         "trace": "trace.json" if result.trace is not None else None}
    posterior = getattr(result, "posterior", None)
    if posterior:
        manifest["posterior"] = posterior
    return manifest


def write_run(result: Any, out: str | os.PathLike[str]) -> Path:
    """Write a run's folder (``result``: a SimulationResult) to ``out``, atomically: everything goes to a
    temporary folder that replaces ``out`` only once complete. ``out`` is checked first."""
    out = Path(out)
    check_run_out(out)
    with staged_folder(out) as tmp:
        write_file(tmp / "replications.parquet", result.table())
        write_file(tmp / "summary.json", json_text(result.to_dict()))
        if result.trace is not None:
            trace = {"replication": 0, "measures": list(LEVELS[1:]), "rounds": result.trace, "note": TRACE_NOTE}
            write_file(tmp / "trace.json", json_text(trace))
        write_manifest(run_manifest(result), tmp)
    return out
