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

#: The ladder of case files and results before the neutral mission was a rung of its own: a mission and
#: military-technical aid were both ``assistance`` (docs/ODD.md, "The ladder"). Scores are reported on both.
OLD_LEVELS: tuple[str, ...] = ("none", "consultations", "assistance", "deployment")


def to_old_ladder(name: str) -> str:
    """A rung's name on the old four-rung ladder: ``mission`` becomes ``assistance``, the others stay."""
    return "assistance" if name == "mission" else name


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
