"""Power indices of one case's council (``csto-sim power``), after checking that its coalitions can be
enumerated."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..scenario import Case
from .power import MAX_PLAYERS, power_report


def case_power(case: Case, replications: int, seed: int, params: Any = None,
               rules: list[str] | None = None) -> dict[str, Any]:
    """:func:`.power.power_report` of ``case`` (each rule once, in the order given; default: every rule);
    a council of more than ``MAX_PLAYERS`` members is bad input."""
    if len(case.roster) > MAX_PLAYERS:
        raise InputError(case.path, "date", f"{len(case.roster)} members on the council", f"at most {MAX_PLAYERS}")
    return power_report(case, replications, seed, params, list(dict.fromkeys(rules)) if rules else None)
