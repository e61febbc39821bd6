"""Parameter sweeps: experiment files in, a folder of results with a manifest out.

One entry point, :func:`run_sweep`, runs every sweep: ``csto-sim sweep``, calibration's prior sample and
a sensitivity analysis's sample all go through it.

- ``types``: the data of a design (``Factor``, ``Distribution``, ``DesignSpec``);
- ``factors``: factors made and checked (``levels``, ``uniform``, ``span``, ``distributed``);
- ``experiment``: an :class:`Experiment`, read from a file (``experiments/*.yaml``, :func:`load_experiment`)
  or built in code (:meth:`Experiment.build`), checked the same way;
- ``design`` turns the factors and the design into numbered points (full factorial, Latin hypercube,
  Sobol through SALib, one at a time, or points given in code);
- ``evaluate`` is what a worker does: run a chunk of points through :func:`model.simulate.simulate`,
  one vectorised call a point, and return their rows;
- ``store`` is the results folder: chunk files written atomically, the manifest, the final Parquet file,
  the folder's lock;
- ``backends`` runs chunks in the process, on a local process pool or on a Dask cluster;
- ``runner`` is the entry point: a session's protocol (check, lock, resume, run, finish);
- ``interrupts``: SIGTERM handled as Ctrl-C while a sweep runs; ``progress``: the progress line;
- the ``csto-sim sweep`` command is in ``model.cli``.

The format is documented in ``docs/sweeps.md``.
"""

from __future__ import annotations

from ..lazy import exports

#: The public names, loaded on first use (PEP 562): reading an experiment file does not start the engine.
_PUBLIC = {"default_workers": ".backends", "Experiment": ".experiment", "load_experiment": ".experiment",
           "SweepOptions": ".runner", "SweepOutcome": ".runner", "run_sweep": ".runner", "read_results": ".store",
           "DesignSpec": ".types", "Distribution": ".types", "Factor": ".types"}

__all__ = ["DesignSpec", "Distribution", "Experiment", "Factor", "SweepOptions", "SweepOutcome", "default_workers",
           "load_experiment", "read_results", "run_sweep"]

__getattr__, __dir__ = exports(__name__, _PUBLIC, globals())
