"""What-if editing: a copy of a case with some facts replaced, checked like a file's."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..files.fields import Reader
from .case import ALL_FACTS, read_facts
from .types import Case


def with_facts(case: Case, changes: dict[str, Any], source: str = "what-if") -> Case:
    """A copy of ``case`` with some facts replaced (``{"request.framing": "internal", ...}``), as a what-if.

    Values are checked like a file's; a numeric fact may be given as ``(low, high)``. Used by sweeps and
    by what-if analysis; the copy's kind is ``what-if`` and it keeps no observed outcome.
    """
    if not changes:
        return case
    r = Reader(f"{case.path} (what-if)")
    node: dict[str, dict[str, Any]] = {}
    for name, fact in case.facts.items():
        if fact.source == "default" and name not in changes:
            continue
        group, key = name.split(".", 1)
        node.setdefault(group, {})[key] = (
            {"range": [fact.low, fact.high], "source": fact.source} if fact.is_range
            else {"value": fact.value, "source": fact.source})
    for name, value in changes.items():
        if name not in ALL_FACTS:
            raise r.fail(f"facts.{name}", "unknown fact", ", ".join(ALL_FACTS))
        group, key = name.split(".", 1)
        entry = ({"range": list(value), "source": source} if isinstance(value, tuple)
                 else {"value": value, "source": source})
        node.setdefault(group, {})[key] = entry
    roster = sorted(m.name for m in case.roster)
    facts = read_facts(r, node, "what-if", roster, case.organisation, case.date)
    # Alternatives of the facts not changed are kept (a changed fact takes the one value given).
    facts = {name: (dataclasses.replace(f, alternatives=case.facts[name].alternatives)
                    if name not in changes and name in case.facts and case.facts[name].alternatives else f)
             for name, f in facts.items()}
    return dataclasses.replace(case, kind="what-if", facts=facts, observed=None)

