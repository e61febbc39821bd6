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
