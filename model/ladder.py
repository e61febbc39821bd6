"""The outcome ladder and the stances a member can take on a tabled measure."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Rungs of the outcome ladder, lowest first: the council settles on the highest that passes."""

    NONE = 0
    CONSULTATIONS = 1  # joint consultations (Treaty Art. 2)
    MISSION = 2  # a neutral monitoring, observer or fact-finding mission: takes no side
    ASSISTANCE = 3  # military-technical aid: equipment, arms, advisers, logistics
    DEPLOYMENT = 4  # troops (Treaty Art. 4)


LEVELS: tuple[str, ...] = tuple(level.name.lower() for level in Level)
MEASURES: tuple[str, ...] = LEVELS[1:]
#: The rungs voted on, from the top down.
RUNGS: tuple[int, ...] = tuple(int(level) for level in reversed(Level) if level > Level.NONE)


class Stance(IntEnum):
    """A member's stance on one tabled measure (higher is friendlier)."""

    ABSENT = -1  # nothing was tabled
    OBJECT = 0  # a formal objection: a veto under consensus
    DELAY = 1  # no objection, but consent withheld for days
    ACQUIESCE = 2  # no objection
    SUPPORT = 3


STANCES: tuple[str, ...] = tuple(s.name.lower() for s in Stance if s >= 0)


#: The reasons a member may give for its stance: its role, or the dominant term of its utility (the terms'
#: registry, model/terms.py, checks at import that it registers exactly these, in this order; results write
#: their codes in this order). Case files record the sources' reasons in these words (``observed.reasons``).
REASON_NAMES: tuple[str, ...] = (
    "requester", "party to the conflict", "lead state's influence",
    "regional threat", "shared border", "spillover", "regime contagion", "treaty obligation", "strategic value",
    "cost of action", "no legal mandate", "sovereignty precedent", "cross-pressure", "doubtful legitimacy",
    "no ready force", "courted adversary", "competing commitments", "own track", "ally of the requester",
)


#: The four-level ladder of the first case files (``none < consultations < assistance < deployment``): scores on it
#: compare with the earlier validations. A rung added since maps to the old rung it refines (:data:`OLD_RUNG_OF`).
OLD_LEVELS: tuple[str, ...] = ("none", "consultations", "assistance", "deployment")
#: Rungs of the current ladder that the old one did not have, and the old rung each falls under: a neutral
#: monitoring or fact-finding ``mission`` was coded as ``assistance`` before it had a rung of its own.
OLD_RUNG_OF: dict[str, str] = {"mission": "assistance"}


def to_old_ladder(level_name: str) -> str:
    """The rung of the old four-level ladder that ``level_name`` (a rung of the current ladder) falls under: itself
    when the old ladder has it, else its entry in :data:`OLD_RUNG_OF`; ValueError for an unknown name."""
    if level_name in OLD_LEVELS:
        return level_name
    if level_name in OLD_RUNG_OF:
        return OLD_RUNG_OF[level_name]
    raise ValueError(f"unknown rung {level_name!r} (allowed: {', '.join(dict.fromkeys((*LEVELS, *OLD_RUNG_OF)))})")
