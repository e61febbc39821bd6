"""The newer facts of a case file (issue 12: the process, the lead state's options, what was observed of
the decision, alternative codings): each optional, each with the default a case that lacks it takes.

``csto-sim check FILE`` lists those a case lacks (:func:`missing_facts`), one per line with its default,
so that a coder sees what is left to code. The case file is read raw (``files/yamlsafe.py``), after
``load_scenario`` has checked it; this module never decides what a value means (``case.py`` does).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files.yamlsafe import read_yaml

#: Each newer fact: its path in the case file (``facts.`` left out for the facts; ``observed.`` for what was
#: observed; ``alternatives`` for weighted alternative codings on any fact) -> (the default in words, its meaning).
NEWER_FACTS: dict[str, tuple[str, str]] = {
    "request.channels": (
        "from request.channel: organisation -> [organisation], bilateral -> [lead_state], none -> []",
        "every channel the requester used (organisation, lead_state, un, other), with the date of its first use"),
    "request.timing": (
        "at_peak",
        "when the request (or, with none, the case date) came relative to the peak: before_peak, at_peak, after_peak"),
    "threat.allies": (
        "[] (no member on the requester's side)",
        "members fighting or acting on the requester's side"),
    "threat.massing": (
        "false",
        "a threat massing at the border with no fighting yet on the requester's soil"),
    "adversary.kind": (
        "from threat.origin and adversary.name: state (external_state, member_state), armed_group (external_nonstate, "
        "or internal with a name), none (no adversary named)",
        "the adversary: state, armed_group or none"),
    "agenda.chair": (
        "from the organisation file's chair rotation at the case date (none if it has no rotation)",
        "the member chairing the Collective Security Council on the case date"),
    "agenda.deciding_body": (
        "from the organisation file's organs at the case date (treaty_states before its standing organs existed)",
        "who decides: the organisation's organs, or the treaty's states meeting as its council"),
    "lead_state.options": (
        "[] (bilateral implied when lead_state is among request.channels)",
        "the lead state's other options: bilateral, mediation, own_peacekeepers"),
    "observed.convened_by": (
        "not recorded",
        "who put the case on the organisation's agenda: request, chair, secretary_general, permanent_council, "
        "lead_state, nobody"),
    "observed.decided": (
        "true when the outcome is above none or days to decision are given, else false",
        "whether the request got a decision"),
    "observed.reasons": (
        "not recorded (no member's stance and reason from the sources)",
        "the sources' reasons for members' positions: stance and reason name per member"),
    "alternatives": (
        "none: every fact has its one coding",
        "weighted alternative codings of a fact, drawn per replication (backed by a disagreements entry)"),
}

#: The facts whose absence means nothing on a case without an observed record (a what-if case).
OBSERVED = ("observed.convened_by", "observed.decided", "observed.reasons")


@dataclass(frozen=True)
class Missing:
    """A newer fact the case lacks: its name, the default it takes, and what it means."""

    name: str
    default: str
    meaning: str

    def as_dict(self) -> dict[str, str]:
        return {"fact": self.name, "default": self.default, "meaning": self.meaning}


def _has(data: Mapping[str, Any], name: str) -> bool:
    if name == "alternatives":
        return any(True for _ in _alternatives(data))
    group, _, field = name.partition(".")
    root = data.get("observed") if group == "observed" else (data.get("facts") or {}).get(group)
    return isinstance(root, Mapping) and field in root


def _alternatives(data: Mapping[str, Any]) -> Iterator[str]:
    """The facts that give alternative codings (``facts.<group>.<name>.alternatives``, and the observed ones)."""
    groups = dict(data.get("facts") or {})
    if isinstance(data.get("observed"), Mapping):
        groups["observed"] = data["observed"]
    for group, facts in groups.items():
        if not isinstance(facts, Mapping):
            continue
        for name, fact in facts.items():
            if isinstance(fact, Mapping) and "alternatives" in fact:
                yield f"{group}.{name}"


def _value(data: Mapping[str, Any], group: str, name: str) -> Any:
    root = data.get("observed") if group == "observed" else (data.get("facts") or {}).get(group)
    fact = root.get(name) if isinstance(root, Mapping) else None
    return fact.get("value") if isinstance(fact, Mapping) else None


def _here(data: Mapping[str, Any], name: str) -> str | None:
    """The default this case takes, where its own facts settle it (None: see the rule in words)."""
    if name == "request.channels":
        channel = _value(data, "request", "channel")
        return {"organisation": "[organisation]", "bilateral": "[lead_state]", "none": "[]"}.get(channel)
    if name == "adversary.kind":
        origin, named = _value(data, "threat", "origin"), _value(data, "adversary", "name") is not None
        if not named:
            return "none"
        return {"external_state": "state", "member_state": "state", "external_nonstate": "armed_group",
                "internal": "armed_group"}.get(origin)
    if name == "observed.decided":
        outcome, days = _value(data, "observed", "outcome"), (data.get("observed") or {}).get("days_to_decision")
        return "true" if (outcome not in (None, "none") or days is not None) else "false"
    return None


def missing_facts(data: Mapping[str, Any]) -> list[Missing]:
    """The newer facts a case file's content (its mapping, as read) lacks, in the order of :data:`NEWER_FACTS`,
    with the default this case takes where its own facts settle it ("here: ..."). A case without an
    ``observed:`` record (a what-if case) is not asked for the observed ones."""
    has_observed = isinstance(data.get("observed"), Mapping)
    out = []
    for name, (default, meaning) in NEWER_FACTS.items():
        if _has(data, name) or (not has_observed and name in OBSERVED):
            continue
        here = _here(data, name)
        out.append(Missing(name, f"{here} ({default})" if here is not None else default, meaning))
    return out


def missing_in_file(path: str | os.PathLike[str]) -> list[Missing]:
    """:func:`missing_facts` of a case file, read raw (check it with ``load_scenario`` first)."""
    data = read_yaml(Path(path))
    return missing_facts(data if isinstance(data, Mapping) else {})
