"""The outcome ladder and the stances a member can take on a tabled measure."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Rungs of the outcome ladder, lowest first: the council settles on the highest that passes."""

    NONE = 0
    CONSULTATIONS = 1  # joint consultations (Treaty Art. 2)
    ASSISTANCE = 2  # a mission, equipment, advisers
    DEPLOYMENT = 3  # troops (Treaty Art. 4)


LEVELS: tuple[str, ...] = tuple(level.name.lower() for level in Level)
MEASURES: tuple[str, ...] = LEVELS[1:]


class Stance(IntEnum):
    """A member's stance on one tabled measure (higher is friendlier)."""

    ABSENT = -1  # nothing was tabled
    OBJECT = 0  # a formal objection: a veto under consensus
    DELAY = 1  # no objection, but consent withheld for days
    ACQUIESCE = 2  # no objection
    SUPPORT = 3


STANCES: tuple[str, ...] = tuple(s.name.lower() for s in Stance if s >= 0)


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
