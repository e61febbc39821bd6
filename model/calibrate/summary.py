"""The text ``csto-sim calibrate`` prints: acceptance, distances, and each parameter's prior, posterior
median, 90% interval, contraction and default (the most constrained first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..params import Parameters


def format_calibration(rec: dict[str, Any], out: Path) -> str:
    """``rec`` is ``calibration.json``'s record (:func:`model.calibrate.abc.calibrate`), ``out`` its folder."""
    lines = [f"accepted {rec['accepted']:,} of {rec['draws']:,} draws ({100 * rec['acceptance_rate']:.1f}%), "
             f"epsilon {rec['epsilon']:.3f}, effective sample size {rec['effective_sample_size']:.0f}; "
             f"seed {rec['seed']}, {rec['replications']} replications per draw and case",
             f"distance: best {rec['distance']['best']:.3f}, prior median {rec['distance']['prior_median']:.3f}, "
             f"defaults {rec['defaults']['distance']:.3f}", "",
             f"{'parameter':<22} {'prior':>15} {'median':>9} {'90% interval':>21} {'contraction':>11} {'default':>8}"]
    order = sorted(rec["posterior"], key=lambda n: -(rec["posterior"][n]["contraction"] or 0))
    defaults = Parameters()
    for name in order:
        s = rec["posterior"][name]
        inside = "" if rec["defaults"]["inside_posterior_90"][name] else " (outside)"
        lines.append(f"{name:<22} {s['prior'][0]:>7g}-{s['prior'][1]:<7g} {s['median']:9.3g} "
                     f"{s['q05']:>10.3g}-{s['q95']:<10.3g} {s['contraction']:11.2f} {getattr(defaults, name)!s:>8}{inside}")
    lines.append(f"\nwrote {out}/posterior.parquet, calibration.json, posterior.png (the sweep: manifest.json, "
                 "results.parquet, experiment.yaml)")
    return "\n".join(lines)
