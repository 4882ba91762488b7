"""The websocket protocol of a room: frame types, error codes, close codes, encoding and parsing.

This module is a leaf of the dependency graph: it imports nothing from Hearth and touches no
database, socket or settings. Clients and tests switch on the enums defined here; docs/protocol.md
documents the same names. Encoders return the JSON text of a frame, built once and written as is to
every socket that receives it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

if TYPE_CHECKING:
    from rooms.circle.frames import CircleFrame

CIRCLE_FRAME_TYPES = frozenset({"react", "pass", "facilitate"})


class ClientFrameType(StrEnum):
    SEND = "send"
    PING = "ping"
    REPORT = "report"
    BLOCK = "block"
    UNBLOCK = "unblock"
    # Facilitated sessions (parsed by rooms.circle.frames)
    REACT = "react"
    PASS = "pass"
    FACILITATE = "facilitate"


class ServerFrameType(StrEnum):
    WELCOME = "welcome"
    ACK = "ack"
    MESSAGE = "message"
    PRESENCE = "presence"
    ERROR = "error"
    PONG = "pong"
    STATUS = "status"
    HELD = "held"
    RESOURCES = "resources"
    REPORT_ACK = "report_ack"
    BLOCK_ACK = "block_ack"
    UNBLOCK_ACK = "unblock_ack"
    MESSAGE_REMOVED = "message_removed"
    NOTICE = "notice"
    ROOM_STATE = "room_state"
    REACTIONS = "reactions"
    SESSION_ENDED = "session_ended"


class ErrorCode(StrEnum):
    """Codes of error frames. After a recoverable one the connection stays open and usable."""

    BAD_FRAME = "bad_frame"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    RATE_LIMITED = "rate_limited"
    ROOM_CLOSED = "room_closed"
    ROOM_FULL = "room_full"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"
    TOO_SLOW = "too_slow"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    FLOODING = "flooding"
    MUTED = "muted"
    BANNED = "banned"
    KICKED = "kicked"
    BLOCKED_MESSAGE = "blocked_message"
    FORBIDDEN = "forbidden"
    NOT_YOUR_TURN = "not_your_turn"
    ROOM_LOCKED = "room_locked"
    CANNOT_BLOCK_SELF = "cannot_block_self"


# A sentence for a person, used when the caller has nothing more specific to say.
DEFAULT_DETAIL: dict[ErrorCode, str] = {
    ErrorCode.BAD_FRAME: "That message could not be read. Please reload the page and try again.",
    ErrorCode.TOO_LONG: "That message is too long. Please shorten it and send again.",
    ErrorCode.EMPTY: "That message is empty. Write something before sending.",
    ErrorCode.RATE_LIMITED: "You are sending messages quickly. Please wait a moment and try again.",
    ErrorCode.ROOM_CLOSED: "This room is closed right now.",
    ErrorCode.ROOM_FULL: "This room is full right now. Please try again in a little while.",
    ErrorCode.NOT_FOUND: "There is no room here. Please go back to the lobby.",
    ErrorCode.UNAVAILABLE: "Hearth could not save your message just now. Please try again.",
    ErrorCode.TOO_SLOW: "Your connection fell behind. Reconnecting will catch you up.",
    ErrorCode.TOO_MANY_CONNECTIONS: "Too many connections right now. Please try again soon.",
    ErrorCode.FLOODING: "Too many frames too fast. Please slow down.",
    ErrorCode.MUTED: "A moderator has paused your messages for a while.",
    ErrorCode.BANNED: "A moderator has paused your access to Hearth's rooms for a while.",
    ErrorCode.KICKED: "A moderator has asked you to leave this room for now.",
    ErrorCode.BLOCKED_MESSAGE: "That message can't be posted here.",
    ErrorCode.FORBIDDEN: "Only the facilitator can do that.",
    ErrorCode.NOT_YOUR_TURN: "It is someone else's turn to speak. You can react while you listen.",
    ErrorCode.ROOM_LOCKED: "This session is closed to new arrivals now. Thank you for coming.",
    ErrorCode.CANNOT_BLOCK_SELF: "That is your own message. You can only block someone else.",
}


class CloseCode(IntEnum):
    """Websocket close codes Hearth uses (4000-4999 is the range for applications)."""

    NORMAL = 1000
    MESSAGE_TOO_BIG = 1009
    BAD_REQUEST = 4400
    NOT_FOUND = 4404
    ROOM_CLOSED = 4410
    ROOM_FULL = 4429
    ROOM_LOCKED = 4423
    TOO_SLOW = 4408
    REMOVED_BY_MODERATOR = 4403
    POLICY_VIOLATION = 1008
    TRY_AGAIN_LATER = 1013
    INTERNAL_ERROR = 1011


CLOSE_CODE_FOR_ERROR: dict[ErrorCode, CloseCode] = {
    ErrorCode.BAD_FRAME: CloseCode.BAD_REQUEST,
    ErrorCode.NOT_FOUND: CloseCode.NOT_FOUND,
    ErrorCode.ROOM_CLOSED: CloseCode.ROOM_CLOSED,
    ErrorCode.ROOM_FULL: CloseCode.ROOM_FULL,
    ErrorCode.TOO_SLOW: CloseCode.TOO_SLOW,
    ErrorCode.TOO_MANY_CONNECTIONS: CloseCode.TRY_AGAIN_LATER,
    ErrorCode.UNAVAILABLE: CloseCode.TRY_AGAIN_LATER,
    ErrorCode.FLOODING: CloseCode.POLICY_VIOLATION,
    ErrorCode.BANNED: CloseCode.REMOVED_BY_MODERATOR,
    ErrorCode.KICKED: CloseCode.REMOVED_BY_MODERATOR,
    ErrorCode.ROOM_LOCKED: CloseCode.ROOM_LOCKED,
}


class ProtocolError(Exception):
    """A client frame that cannot be accepted; carries the error code and the sentence to send."""

    def __init__(self, code: ErrorCode, detail: str | None = None) -> None:
        self.code = code
        self.detail = detail or DEFAULT_DETAIL[code]
        super().__init__(f"{code}: {self.detail}")


# --- Client frames -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendFrame:
    body: str
    client_id: str


@dataclass(frozen=True, slots=True)
class PingFrame:
    pass


@dataclass(frozen=True, slots=True)
class ReportFrame:
    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class BlockFrame:
    """Whom to block: the author of message ``seq`` in this room, or (older clients) ``alias``."""

    seq: int | None
    alias: str | None
    block: bool  # False for unblock


ClientFrame: TypeAlias = "SendFrame | PingFrame | ReportFrame | BlockFrame | CircleFrame"

MAX_REPORT_REASON_CHARS = 500
MAX_ALIAS_CHARS = 64
MAX_SEQ = 2**63 - 1

MAX_CLIENT_ID_CHARS = 64


def parse_client_frame(text: str | None, *, max_bytes: int) -> ClientFrame:
    """Parse one text frame from a client, or raise ProtocolError with the code to answer."""
    if text is None:
        raise ProtocolError(ErrorCode.BAD_FRAME, "Hearth only understands text frames.")
    # Checked before parsing so that a huge frame costs no JSON work.
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise ProtocolError(ErrorCode.TOO_LONG, "That frame is too large.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError(ErrorCode.BAD_FRAME) from None
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.BAD_FRAME)
    frame_type = data.get("type")
    if not isinstance(frame_type, str):  # a list or an object cannot even be looked up
        raise ProtocolError(ErrorCode.BAD_FRAME, "Hearth does not know that kind of frame.")
    if frame_type == ClientFrameType.SEND:
        return _parse_send(data)
    if frame_type == ClientFrameType.PING:
        return PingFrame()
    if frame_type == ClientFrameType.REPORT:
        return _parse_report(data)
    if frame_type in (ClientFrameType.BLOCK, ClientFrameType.UNBLOCK):
        return _parse_block(data, block=frame_type == ClientFrameType.BLOCK)
    if frame_type in CIRCLE_FRAME_TYPES:
        # Imported here: rooms.circle.frames builds on this module's enums.
        from rooms.circle.frames import parse_circle_frame

        return parse_circle_frame(frame_type, data)
    raise ProtocolError(ErrorCode.BAD_FRAME, "Hearth does not know that kind of frame.")


def _parse_send(data: dict[str, Any]) -> SendFrame:
    body = data.get("body")
    client_id = data.get("client_id")
    if not isinstance(body, str):
        raise ProtocolError(ErrorCode.BAD_FRAME, "A message needs a text body.")
    if not _is_token(client_id, MAX_CLIENT_ID_CHARS):
        raise ProtocolError(
            ErrorCode.BAD_FRAME,
            f"A message needs a client_id of 1 to {MAX_CLIENT_ID_CHARS} characters.",
        )
    return SendFrame(body=body, client_id=client_id)


def _parse_report(data: dict[str, Any]) -> ReportFrame:
    seq = data.get("seq")
    reason = data.get("reason", "")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        raise ProtocolError(ErrorCode.BAD_FRAME, "A report needs the seq of the message.")
    if not isinstance(reason, str):
        raise ProtocolError(ErrorCode.BAD_FRAME, "A report's reason must be text.")
    if len(reason) > MAX_REPORT_REASON_CHARS:
        raise ProtocolError(
            ErrorCode.TOO_LONG,
            f"Please keep the reason under {MAX_REPORT_REASON_CHARS} characters.",
        )
    return ReportFrame(seq=seq, reason=plain_text(reason))


def _parse_block(data: dict[str, Any], *, block: bool) -> BlockFrame:
    if "seq" in data:
        seq = data["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
            raise ProtocolError(ErrorCode.BAD_FRAME, "Say whom to block by the seq of a message.")
        return BlockFrame(seq=seq, alias=None, block=block)
    alias = data.get("alias")
    if not _is_token(alias, MAX_ALIAS_CHARS):
        raise ProtocolError(ErrorCode.BAD_FRAME, "Say whom to block by the seq of a message.")
    return BlockFrame(seq=None, alias=alias, block=block)


def _is_token(value: object, limit: int) -> TypeGuard[str]:
    """A name or id a client echoes back: printable text of 1 to ``limit`` characters.

    Lone surrogates and NUL decode from JSON escapes but cannot be stored (PostgreSQL refuses
    them when the query is encoded), so they are refused here, with a clear answer, instead.
    """
    return isinstance(value, str) and 1 <= len(value) <= limit and value.isprintable()


# What PostgreSQL cannot store in text: NUL, and lone surrogates (JSON escapes decode to them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def plain_text(value: str) -> str:
    """Free text from a client that is stored but not posted as a message (a report's reason,
    a facilitator's prompt), trimmed and without what cannot be stored (message bodies go
    through the moderation step's normalisation instead)."""
    return _UNSTORABLE.sub("", value).strip()


# --- Server frames -------------------------------------------------------------------------------


def _encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def welcome_frame(*, room: str, alias: str, last_seq: int, participants: int) -> str:
    return _encode(
        {
            "type": ServerFrameType.WELCOME,
            "room": room,
            "alias": alias,
            "last_seq": last_seq,
            "participants": participants,
        }
    )


def ack_frame(*, client_id: str, seq: int) -> str:
    return _encode({"type": ServerFrameType.ACK, "client_id": client_id, "seq": seq})


def message_frame(*, seq: int, alias: str, body: str, sent_at: str) -> str:
    return _encode(
        {
            "type": ServerFrameType.MESSAGE,
            "seq": seq,
            "alias": alias,
            "body": body,
            "sent_at": sent_at,
        }
    )


def presence_frame(*, participants: int) -> str:
    return _encode({"type": ServerFrameType.PRESENCE, "participants": participants})


def error_frame(code: ErrorCode, detail: str | None = None, **extra: Any) -> str:
    return _encode(
        {"type": ServerFrameType.ERROR, "code": code, "detail": detail or DEFAULT_DETAIL[code]}
        | extra
    )


def pong_frame() -> str:
    return _encode({"type": ServerFrameType.PONG})


def status_frame(*, state: str) -> str:
    """``state`` is "degraded" while messages may be delayed, "ok" once they flow again."""
    return _encode({"type": ServerFrameType.STATUS, "state": state})


def held_frame(*, client_id: str, reason: str, detail: str) -> str:
    return _encode(
        {"type": ServerFrameType.HELD, "client_id": client_id, "reason": reason, "detail": detail}
    )


def resources_frame(*, reason: str, resources: dict[str, Any]) -> str:
    """``resources`` is the JSON of ``moderation.resources.to_json`` for the person's region."""
    return _encode({"type": ServerFrameType.RESOURCES, "reason": reason} | resources)


def report_ack_frame(*, seq: int) -> str:
    return _encode({"type": ServerFrameType.REPORT_ACK, "seq": seq})


def block_ack_frame(*, alias: str, blocked: bool, seq: int | None = None) -> str:
    """``seq``: the message the block named, if it named one (the frame then carries it)."""
    frame_type = ServerFrameType.BLOCK_ACK if blocked else ServerFrameType.UNBLOCK_ACK
    named = {"seq": seq} if seq is not None else {}
    return _encode({"type": frame_type} | named | {"alias": alias})


def message_removed_frame(*, seq: int) -> str:
    return _encode({"type": ServerFrameType.MESSAGE_REMOVED, "seq": seq})


def notice_frame(*, kind: str, detail: str) -> str:
    """A private notice from the moderators (``kind``: "warning", "muted", "unmuted")."""
    return _encode({"type": ServerFrameType.NOTICE, "kind": kind, "detail": detail})
