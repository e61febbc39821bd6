"""csto-sim: an agent-based model of how the CSTO council answers a member's call for help.

Library use::

    from model import load_scenario, simulate
    result = simulate(load_scenario("kazakhstan-2022"), replications=10_000, seed=1)
    result.outcome_probabilities

Layout: ``files`` reads and writes files (safe YAML, output folders, atomic writes, manifests); ``scenario``
reads the case and organisation files; ``mechanisms`` holds the causal claims as small functions;
``agents`` is where members decide; ``council`` and ``rules`` are where the council applies its rule;
``model`` is the protocol (a Mesa model); ``simulate`` and ``results`` run it and report.

The public names are loaded on first use (PEP 562), so that importing a part of the package (the command
line, a file reader) does not pay for Mesa and the model.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from .files.formats import VERSION
from .lazy import exports

if TYPE_CHECKING:
    from .ladder import LEVELS, Level, Stance
    from .model import CouncilModel
    from .params import SPECS, Parameters
    from .results import SimulationResult
    from .rules import RULES
    from .scenario import load_scenario
    from .simulate import simulate

#: Each public name and the module (of this package) that defines it.
_PUBLIC = {"LEVELS": ".ladder", "Level": ".ladder", "Stance": ".ladder", "CouncilModel": ".model",
           "SPECS": ".params", "Parameters": ".params", "SimulationResult": ".results", "RULES": ".rules",
           "load_scenario": ".scenario", "simulate": ".simulate"}

__all__ = ["LEVELS", "RULES", "SPECS", "CouncilModel", "Level", "Parameters", "SimulationResult", "Stance",
           "load_scenario", "simulate"]
__version__ = VERSION


__getattr__, __dir__ = exports(__name__, _PUBLIC, globals())


class _Package(types.ModuleType):
    """This package's module object: when the submodule ``model.simulate`` is imported, the import system binds it
    as the package's attribute ``simulate``; the function of that name is bound instead (as an eager
    ``from .simulate import simulate`` did), so that ``from model import simulate`` is always the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PUBLIC and isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
