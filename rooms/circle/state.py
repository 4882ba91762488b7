"""The state machine of a talking round: pure functions on an immutable ``Circle``.

No database, no I/O, no randomness: callers pass the order already arranged. A round (or a
closing round) goes through ``order`` one turn at a time; it ends by itself, back to open
conversation, once everyone in the order has had a turn.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum


class Segment(StrEnum):
    OPEN = "open"
    ROUND = "round"
    CLOSING = "closing"


class Ordering(StrEnum):
    RANDOM = "random"
    ARRIVAL = "arrival"


@dataclass(frozen=True, slots=True)
class Circle:
    segment: Segment = Segment.OPEN
    order: tuple[str, ...] = ()
    turn_index: int = 0

    @property
    def in_round(self) -> bool:
        return self.segment != Segment.OPEN

    @property
    def turn(self) -> str | None:
        """Whose turn it is (an identity key), or None in open conversation."""
        if self.in_round and self.turn_index < len(self.order):
            return self.order[self.turn_index]
        return None

    @property
    def still_to_speak(self) -> tuple[str, ...]:
        return self.order[self.turn_index :] if self.in_round else ()


OPEN = Circle()


def arrange(present: Sequence[str], how: Ordering, rng: random.Random | None = None) -> list[str]:
    """The talking order of the people present (given in order of arrival)."""
    order = list(dict.fromkeys(present))
    if how == Ordering.RANDOM:
        (rng or random.SystemRandom()).shuffle(order)
    return order


def start_round(order: Sequence[str], *, segment: Segment = Segment.ROUND) -> Circle:
    """Begin a round with this order; with nobody to go round, stay in open conversation."""
    if segment == Segment.OPEN or not order:
        return OPEN
    return Circle(segment=segment, order=tuple(dict.fromkeys(order)), turn_index=0)


def advance(circle: Circle) -> Circle:
    """The turn goes to the next person (a pass, or the facilitator moving on)."""
    if not circle.in_round:
        return circle
    following = circle.turn_index + 1
    if following >= len(circle.order):
        return OPEN
    return replace(circle, turn_index=following)


def skip(circle: Circle, key: str) -> Circle:
    """Someone left: their turn is skipped, now if it is theirs, or later by taking them out."""
    if key not in circle.still_to_speak:
        return circle
    if circle.turn == key:
        return advance(circle)
    done, rest = circle.order[: circle.turn_index], circle.still_to_speak
    return replace(circle, order=done + tuple(k for k in rest if k != key))


def arrive(circle: Circle, key: str) -> Circle:
    """A late arrival joins the end of the order; anyone already in it keeps their place.

    Someone taken out by ``skip`` before their turn came is not in the order any more, so on
    coming back they join the end; someone whose turn was skipped or taken does not speak twice.
    """
    if not circle.in_round or key in circle.order:
        return circle
    return replace(circle, order=(*circle.order, key))
