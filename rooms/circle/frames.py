"""Frames of facilitated sessions: parsing ``react``, ``pass`` and ``facilitate``; encoding
``room_state``, ``reactions`` and ``session_ended``.

A leaf beside ``rooms.protocol`` (whose enums and errors it uses): no database, no settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rooms.circle.state import Ordering, Segment
from rooms.protocol import (
    MAX_SEQ,
    ClientFrameType,
    ErrorCode,
    ProtocolError,
    ServerFrameType,
    plain_text,
)

# The fixed set of supportive reactions: name -> what the page shows.
REACTIONS: dict[str, str] = {
    "hear_you": "I hear you",
    "same_here": "Same here",
    "strength": "Sending strength",
    "thank_you": "Thank you for sharing",
}

MAX_PROMPT_CHARS = 500
MAX_GUIDELINES_CHARS = 2000
MAX_SLOW_MODE_SECONDS = 600


class Action(StrEnum):
    PIN = "pin"
    START_ROUND = "start_round"
    NEXT_TURN = "next_turn"
    SET_SEGMENT = "set_segment"
    SLOW_MODE = "slow_mode"
    LOCK = "lock"
    UNLOCK = "unlock"
    END_SESSION = "end_session"


@dataclass(frozen=True, slots=True)
class ReactFrame:
    seq: int
    reaction: str


@dataclass(frozen=True, slots=True)
class PassFrame:
    pass


@dataclass(frozen=True, slots=True)
class FacilitateFrame:
    """One facilitator command; only the fields of its ``action`` are set."""

    action: Action
    prompt: str | None = None
    guidelines: str | None = None
    ordering: Ordering = Ordering.RANDOM
    segment: Segment | None = None
    seconds: int = 0


CircleFrame = ReactFrame | PassFrame | FacilitateFrame


def _bad(detail: str) -> ProtocolError:
    return ProtocolError(ErrorCode.BAD_FRAME, detail)


def parse_circle_frame(frame_type: str, data: dict[str, Any]) -> CircleFrame:
    if frame_type == ClientFrameType.PASS:
        return PassFrame()
    if frame_type == ClientFrameType.REACT:
        seq, reaction = data.get("seq"), data.get("reaction")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
            raise _bad("A reaction needs the seq of the message.")
        if not isinstance(reaction, str) or reaction not in REACTIONS:
            raise _bad("Reactions are one of: " + ", ".join(REACTIONS) + ".")
        return ReactFrame(seq=seq, reaction=str(reaction))
    return _parse_facilitate(data)


def _parse_facilitate(data: dict[str, Any]) -> FacilitateFrame:
    try:
        action = Action(str(data.get("action")))
    except ValueError:
        raise _bad("A facilitate frame needs an action: " + ", ".join(Action) + ".") from None
    prompt = _text(data, "prompt", MAX_PROMPT_CHARS)
    if action == Action.PIN:
        guidelines = _text(data, "guidelines", MAX_GUIDELINES_CHARS)
        if prompt is None and guidelines is None:
            raise _bad("Pin needs guidelines, a prompt, or both.")
        return FacilitateFrame(action=action, prompt=prompt, guidelines=guidelines)
    if action in (Action.START_ROUND, Action.SET_SEGMENT):
        segment = Segment.ROUND
        if action == Action.SET_SEGMENT:
            try:
                segment = Segment(str(data.get("segment")))
            except ValueError:
                raise _bad("The segment is one of: open, round, closing.") from None
        try:
            ordering = Ordering(data.get("order", Ordering.RANDOM))
        except ValueError:
            raise _bad('The order is "random" or "arrival".') from None
        return FacilitateFrame(action=action, prompt=prompt, segment=segment, ordering=ordering)
    if action == Action.SLOW_MODE:
        seconds = data.get("seconds")
        if (
            not isinstance(seconds, int)
            or isinstance(seconds, bool)
            or not 0 <= seconds <= MAX_SLOW_MODE_SECONDS
        ):
            raise _bad(f"Slow mode takes whole seconds from 0 (off) to {MAX_SLOW_MODE_SECONDS}.")
        return FacilitateFrame(action=action, seconds=seconds)
    return FacilitateFrame(action=action)


def _text(data: dict[str, Any], name: str, limit: int) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"The {name} must be text.")
    value = plain_text(value)
    if len(value) > limit:
        raise ProtocolError(ErrorCode.TOO_LONG, f"Please keep the {name} under {limit} characters.")
    return value


# --- Server frames -------------------------------------------------------------------------------


def _encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def room_state_frame(
    *,
    segment: str,
    turn: str | None,
    turn_index: int | None,
    order: list[str],
    prompt: str,
    guidelines: str,
    slow_mode: int,
    locked: bool,
    version: int,
) -> str:
    """The whole facilitated state of a room, by alias (never identity keys)."""
    return _encode(
        {
            "type": ServerFrameType.ROOM_STATE,
            "segment": segment,
            "turn": turn,
            "turn_index": turn_index,
            "order": order,
            "prompt": prompt,
            "guidelines": guidelines,
            "slow_mode": slow_mode,
            "locked": locked,
            "version": version,
        }
    )


def reactions_frame(*, seq: int, counts: dict[str, int]) -> str:
    return _encode({"type": ServerFrameType.REACTIONS, "seq": seq, "counts": counts})


def session_ended_frame(*, detail: str, resources_url: str) -> str:
    return _encode(
        {"type": ServerFrameType.SESSION_ENDED, "detail": detail, "resources_url": resources_url}
    )
