"""Calibration and out-of-sample validation against the historical record.

- ``scores``: the ranked probability score over the ladder and the Brier score of deployment;
- ``abc``: rejection approximate Bayesian computation of the global parameters, on the sweep engine
  (``csto-sim calibrate``);
- ``posterior``: reading a posterior folder, drawing parameter sets, and runs with the parameter
  uncertainty carried through (``csto-sim run CASE --posterior DIR``);
- ``baselines``: base rate, weighted compromise, "Russia decides alone";
- ``validate``: leave one case out, scored against the baselines (``csto-sim validate``);
- the posterior's figure (marginals and pairwise panel) is ``model.plots.posterior``; the two commands
  are in ``model.cli``.

The method and the measured results are in ``docs/validation.md``.
"""

from .abc import Setup, Target, calibrate
from .posterior import read_posterior, simulate_posterior
from .scores import brier_deployment, rps

__all__ = ["Setup", "Target", "brier_deployment", "calibrate", "read_posterior", "rps", "simulate_posterior"]
