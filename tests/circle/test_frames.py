"""Parsing the circle's client frames, and the circle event between processes (no database)."""

from __future__ import annotations

import json

import pytest

from rooms.backplane.local import LocalBackplane
from rooms.circle.frames import Action, FacilitateFrame, PassFrame, ReactFrame
from rooms.circle.state import Ordering, Segment
from rooms.events import CircleSnapshot, decode_circle_event, encode_circle_event
from rooms.hub import LocalRoom, RoomHub
from rooms.protocol import ErrorCode, ProtocolError, parse_client_frame


def parse(**frame):
    return parse_client_frame(json.dumps(frame), max_bytes=16384)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"type": "pass"}, PassFrame()),
        ({"type": "react", "seq": 3, "reaction": "hear_you"}, ReactFrame(3, "hear_you")),
        (
            {"type": "facilitate", "action": "start_round", "order": "arrival", "prompt": " Hi "},
            FacilitateFrame(
                Action.START_ROUND, prompt="Hi", segment=Segment.ROUND, ordering=Ordering.ARRIVAL
            ),
        ),
        (
            {"type": "facilitate", "action": "set_segment", "segment": "closing"},
            FacilitateFrame(Action.SET_SEGMENT, segment=Segment.CLOSING),
        ),
        (
            {"type": "facilitate", "action": "slow_mode", "seconds": 0},
            FacilitateFrame(Action.SLOW_MODE),
        ),
        ({"type": "facilitate", "action": "end_session"}, FacilitateFrame(Action.END_SESSION)),
    ],
)
def test_circle_frames_parse(frame, expected):
    assert parse(**frame) == expected


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "react", "seq": True, "reaction": "hear_you"}, ErrorCode.BAD_FRAME),
        ({"type": "react", "seq": 0, "reaction": "hear_you"}, ErrorCode.BAD_FRAME),
        ({"type": "react", "seq": 1, "reaction": "<b>"}, ErrorCode.BAD_FRAME),
        ({"type": "facilitate"}, ErrorCode.BAD_FRAME),
        ({"type": "facilitate", "action": "pin", "prompt": 5}, ErrorCode.BAD_FRAME),
        ({"type": "facilitate", "action": "pin", "prompt": "x" * 501}, ErrorCode.TOO_LONG),
        ({"type": "facilitate", "action": "pin", "guidelines": "x" * 2001}, ErrorCode.TOO_LONG),
        ({"type": "facilitate", "action": "slow_mode", "seconds": 601}, ErrorCode.BAD_FRAME),
        ({"type": "facilitate", "action": "slow_mode", "seconds": False}, ErrorCode.BAD_FRAME),
    ],
)
def test_bad_circle_frames_are_refused(frame, code):
    with pytest.raises(ProtocolError) as refused:
        parse(**frame)
    assert refused.value.code == code


def snapshot(version: int, turn: str | None = "k1") -> CircleSnapshot:
    return CircleSnapshot(
        version=version,
        segment="round",
        turn_key=turn,
        slow_mode=5,
        frame=json.dumps({"type": "room_state", "version": version}),
    )


def test_the_circle_event_round_trips():
    for original in (snapshot(3), snapshot(4, turn=None)):
        assert decode_circle_event(encode_circle_event(original)) == original


def test_the_hub_keeps_the_newest_state_whatever_the_order_of_arrival():
    hub = RoomHub(LocalBackplane())
    hub._rooms["r"] = LocalRoom(slug="r")
    hub._on_event("r", encode_circle_event(snapshot(5)))
    hub._on_event("r", encode_circle_event(snapshot(4, turn="old")))
    held = hub.circle("r")
    assert held is not None and held.version == 5 and held.turn_key == "k1"
    assert hub.keep_circle("r", snapshot(2)).version == 5
    assert hub.keep_circle("r", snapshot(6)).version == 6
    assert hub.circle("elsewhere") is None
