"""The rooms' domain error: what went wrong, as a protocol code and a sentence for a person."""

from __future__ import annotations

from rooms.protocol import DEFAULT_DETAIL, ErrorCode


class RoomError(Exception):
    def __init__(self, code: ErrorCode, detail: str | None = None, **extra: object) -> None:
        self.code = code
        self.detail = detail or DEFAULT_DETAIL[code]
        self.extra = extra
        super().__init__(f"{code}: {self.detail}")
