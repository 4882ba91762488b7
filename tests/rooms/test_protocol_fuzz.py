"""Property-based fuzzing of the room protocol: whatever a client sends, the server answers with a
well-formed error or closes with a documented code, never crashes, and the room keeps working."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rooms.protocol import CloseCode, ErrorCode, ProtocolError, parse_client_frame

DOCUMENTED_CLOSE_CODES = {code.value for code in CloseCode}
ERROR_CODES = {code.value for code in ErrorCode}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
# Any JSON value as the type too: a list or an object there once closed the connection (an
# unhashable value looked up in a set).
frame_types = (
    st.sampled_from(["send", "ping", "report", "block", "unblock", "react", "pass", "facilitate"])
    | st.sampled_from(["dance", "", None, 1, "SEND"])
    | json_values
)
framelike = st.fixed_dictionaries(
    {"type": frame_types},
    optional={
        "body": json_values,
        "client_id": json_values,
        "seq": json_values | st.integers(min_value=1, max_value=5),
        "reason": json_values,
        "alias": json_values,
        # The facilitated-session frames' fields (rooms.circle.frames).
        "reaction": json_values | st.sampled_from(["hear_you", "same_here", "strength"]),
        "action": json_values | st.sampled_from(["pin", "start_round", "set_segment", "slow_mode"]),
        "order": json_values,
        "segment": json_values,
        "prompt": json_values,
        "guidelines": json_values,
        "seconds": json_values,
    },
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


raw_frames = st.one_of(
    framelike.map(lambda frame: json.dumps(frame, allow_nan=True)),
    json_values.map(lambda value: json.dumps(value, allow_nan=True)),
    st.text(max_size=200),
    st.integers(min_value=1, max_value=200_000).map(nested),
    st.binary(max_size=64).map(lambda data: data.decode("utf-8", "surrogateescape")),
)


@given(raw_frames)
@settings(max_examples=200, deadline=None)
def test_parsing_any_text_either_yields_a_frame_or_a_documented_error(text):
    try:
        parse_client_frame(text, max_bytes=16 * 1024)
    except ProtocolError as error:
        assert error.code in ERROR_CODES
        assert error.detail.endswith(".")


@pytest.mark.django_db(transaction=True)
@given(frames=st.lists(st.one_of(raw_frames, st.binary(max_size=64)), min_size=1, max_size=8))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_any_frames_get_answers_or_documented_closes_and_the_room_lives_on(
    connect, room, frames
):
    fuzzer, _ = await connect(room.slug)
    witness, _ = await connect(room.slug)
    for frame in frames:
        if isinstance(frame, bytes):
            await fuzzer.send_raw(data=frame)
        else:
            await fuzzer.send_raw(text=frame)
    closed_with = None
    while not await fuzzer.communicator.receive_nothing(0.05):
        output = await fuzzer.communicator.receive_output(1)
        if output["type"] == "websocket.close":
            closed_with = output.get("code")
            break
        answer = json.loads(output["text"])
        assert answer["type"] in {
            "error",
            "ack",
            "held",
            "message",
            "pong",
            "presence",
            "report_ack",
            "block_ack",
            "unblock_ack",
            "resources",
        }
        if answer["type"] == "error":
            assert answer["code"] in ERROR_CODES and answer["detail"]
    assert closed_with is None or closed_with in DOCUMENTED_CLOSE_CODES
    # The room still works for everyone else.
    assert (await witness.say("still here"))["type"] == "ack"
    for client in (fuzzer, witness):
        await client.disconnect()
