"""Calibration and out-of-sample validation against the historical record.

- ``scores``: the ranked probability score over the ladder (current and old), the Brier score, the CRPS;
- ``abc``: rejection approximate Bayesian computation of the global parameters, on the sweep engine
  (``csto-sim calibrate``);
- ``posterior``: reading a posterior folder, drawing parameter sets, and runs with the parameter
  uncertainty carried through (``csto-sim run CASE --posterior DIR``);
- ``baselines``: the channel-aware base rate and the best three-fact lookup rule;
- ``prior_runs``: the prior sample run once on every case, which every fold of the validation reweights;
- ``validate``: leave one case out, scored against the baselines (``csto-sim validate``); ``report``: its
  table and its page (``docs/validation.md``);
- the posterior's figure (marginals and pairwise panel) is ``model.plots.posterior``; the two commands
  are in ``model.cli``.

The method and the measured results are in ``docs/validation.md``.
"""

from __future__ import annotations

from ..lazy import exports

#: The calibration's defaults and bounds (here, so that the command line reads them without loading the engine).
DEFAULT_SEED = 20021007  # the CSTO Charter was signed on 7 October 2002
DEFAULT_DRAWS = 4000
DEFAULT_REPLICATIONS = 200
DEFAULT_ACCEPT = 0.02
MIN_DRAWS, MAX_DRAWS = 10, 200_000
#: The validation's defaults: the calibration's sets and share kept, half its replications (every case runs under two
#: rules, and the folds reweight one sample).
VALIDATE_DRAWS = 4000
VALIDATE_REPLICATIONS = 100
VALIDATE_ACCEPT = 0.02

#: The public names, loaded on first use (PEP 562).
_PUBLIC = {"Setup": ".abc", "Target": ".abc", "calibrate": ".abc", "read_posterior": ".posterior",
           "simulate_posterior": ".posterior", "brier_deployment": ".scores", "rps": ".scores"}

__all__ = ["Setup", "Target", "brier_deployment", "calibrate", "read_posterior", "rps", "simulate_posterior"]

__getattr__, __dir__ = exports(__name__, _PUBLIC, globals())
