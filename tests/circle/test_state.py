"""The round's state machine, table-driven: no database, no sockets."""

from __future__ import annotations

import random

import pytest

from rooms.circle.state import (
    OPEN,
    Circle,
    Ordering,
    Segment,
    advance,
    arrange,
    arrive,
    skip,
    start_round,
)

R = Segment.ROUND


def rnd(*order: str, at: int = 0, segment: Segment = R) -> Circle:
    return Circle(segment=segment, order=order, turn_index=at)


@pytest.mark.parametrize(
    ("order", "segment", "expected"),
    [
        (["a", "b", "c"], R, rnd("a", "b", "c")),
        (["a", "b", "a"], R, rnd("a", "b")),  # nobody twice
        (["a"], Segment.CLOSING, rnd("a", segment=Segment.CLOSING)),
        ([], R, OPEN),  # nobody to go round: stay open
        (["a", "b"], Segment.OPEN, OPEN),
    ],
)
def test_start_round(order, segment, expected):
    assert start_round(order, segment=segment) == expected


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (rnd("a", "b", "c"), rnd("a", "b", "c", at=1)),
        (rnd("a", "b", "c", at=1), rnd("a", "b", "c", at=2)),
        (rnd("a", "b", "c", at=2), OPEN),  # everyone had a turn: the round ends by itself
        (rnd("a", segment=Segment.CLOSING), OPEN),
        (OPEN, OPEN),  # nothing to advance in open conversation
    ],
)
def test_advance(before, after):
    assert advance(before) == after


@pytest.mark.parametrize(
    ("before", "key", "after"),
    [
        (rnd("a", "b", "c"), "a", rnd("a", "b", "c", at=1)),  # their turn: it moves on
        (rnd("a", "b", "c"), "c", rnd("a", "b")),  # later: taken out of the order
        (rnd("a", "b", "c", at=1), "a", rnd("a", "b", "c", at=1)),  # already spoke: nothing
        (rnd("a", "b", "c", at=2), "c", OPEN),  # the last turn skipped ends the round
        (rnd("a", "b"), "z", rnd("a", "b")),  # not in the round
        (OPEN, "a", OPEN),
    ],
)
def test_skip(before, key, after):
    assert skip(before, key) == after


@pytest.mark.parametrize(
    ("before", "key", "after"),
    [
        (rnd("a", "b"), "c", rnd("a", "b", "c")),  # late arrival: end of the order
        (rnd("a", "b", at=1), "a", rnd("a", "b", at=1)),  # back after speaking: not twice
        (rnd("a", "b"), "b", rnd("a", "b")),  # still to speak: keeps their place
        (OPEN, "c", OPEN),  # open conversation has no order
    ],
)
def test_arrive(before, key, after):
    assert arrive(before, key) == after


def test_skipped_before_their_turn_then_back_joins_the_end():
    circle = skip(rnd("a", "b", "c"), "b")
    assert arrive(circle, "b") == rnd("a", "c", "b")


def test_turn_and_still_to_speak():
    circle = rnd("a", "b", "c", at=1)
    assert circle.turn == "b"
    assert circle.still_to_speak == ("b", "c")
    assert OPEN.turn is None and OPEN.still_to_speak == ()


def test_arrange_by_arrival_keeps_order_and_random_is_a_permutation():
    present = ["a", "b", "c", "d", "a"]
    assert arrange(present, Ordering.ARRIVAL) == ["a", "b", "c", "d"]
    shuffled = arrange(present, Ordering.RANDOM, random.Random(4))
    assert sorted(shuffled) == ["a", "b", "c", "d"]
    orders = {tuple(arrange(present, Ordering.RANDOM, random.Random(seed))) for seed in range(20)}
    assert len(orders) > 1
