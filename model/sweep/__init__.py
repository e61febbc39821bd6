"""Parameter sweeps: experiment files in, a folder of results with a manifest out.

- ``experiment`` reads and validates an experiment file (``experiments/*.yaml``) into an :class:`Experiment`;
- ``design`` turns its ``vary:`` and ``design:`` into numbered points (full factorial, Latin hypercube,
  Sobol through SALib, one at a time);
- ``evaluate`` is what a worker does: run a chunk of points through :func:`model.simulate.simulate`,
  one vectorised call a point, and return their rows;
- ``store`` is the results folder: chunk files written atomically, the manifest, the final Parquet file;
- ``runner`` schedules the chunks (in the process, a local process pool or a Dask cluster), resumes,
  records failures and shows progress;
- ``workers`` says how many worker processes a sweep uses by default;
- the ``csto-sim sweep`` command is in ``model.cli``.

The format is documented in ``docs/sweeps.md``.
"""

from .experiment import Experiment, load_experiment
from .store import read_results

__all__ = ["Experiment", "load_experiment", "read_results"]
