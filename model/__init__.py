"""csto-sim: an agent-based model of how the CSTO council answers a member's call for help.

Library use::

    from model import load_scenario, simulate
    result = simulate(load_scenario("kazakhstan-2022"), replications=10_000, seed=1)
    result.outcome_probabilities

Layout: ``files`` reads and writes files (safe YAML, output folders, atomic writes, manifests); ``scenario``
reads the case and organisation files; ``mechanisms`` holds the causal claims as small functions;
``agents`` is where members decide; ``council`` and ``rules`` are where the council applies its rule;
``model`` is the protocol (a Mesa model); ``simulate`` and ``results`` run it and report.
"""

from .files.formats import VERSION
from .ladder import LEVELS, Level, Stance
from .model import CouncilModel
from .params import SPECS, Parameters
from .results import SimulationResult
from .rules import RULES
from .scenario import load_scenario
from .simulate import simulate

__all__ = ["LEVELS", "RULES", "SPECS", "CouncilModel", "Level", "Parameters", "SimulationResult", "Stance",
           "load_scenario", "simulate"]
__version__ = VERSION
