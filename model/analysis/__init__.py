"""Why and when: analyses on top of the model and the sweeps.

- ``internals`` runs one case and keeps what ``simulate`` throws away (each member's stake and cost terms,
  the positions before the last round, the stances on every rung) and replays the council's decision
  on altered stances (``settle``);
- ``sensitivity``: Sobol' and Morris indices through SALib, evaluated by the sweep engine
  (``csto-sim sensitivity``);
- ``prim``: the Patient Rule Induction Method (Friedman & Fisher 1999) for scenario discovery on a
  sweep's results (``csto-sim discover``);
- ``explain``: mechanism contributions, pivotal members and counterfactual search for one case
  (``csto-sim explain``);
- ``power``: Shapley-Shubik and Banzhaf indices of each decision rule next to each member's effective
  power in the simulated council (``csto-sim power``);
- ``forums``: the same request put to every organisation the requester belongs to
  (``csto-sim compare-forums``);
- their figures are in ``model.plots.analysis``; their commands in ``model.cli``.

Methods and example outputs: ``docs/analysis.md``.
"""
