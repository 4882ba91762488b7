"""Scheduling's domain errors: a code clients can switch on and a sentence for a person.

A leaf module: no Django, no HTTP. ``api.base`` maps each code to an HTTP status
(docs/scheduling.md lists them); ``InvalidInput`` carries field errors for a 400.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    SESSION_CANCELLED = "session_cancelled"
    OCCURRENCE_CANCELLED = "occurrence_cancelled"
    OCCURRENCE_OVER = "occurrence_over"
    ALREADY_RSVPED = "already_rsvped"


class SchedulingError(Exception):
    def __init__(self, code: ErrorCode, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


class InvalidInput(SchedulingError):
    """Field errors, as ``{field: [sentence, ...]}``, like a serializer's."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__(
            ErrorCode.INVALID, "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
        )

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls({field: [message]})


class NotFound(SchedulingError):
    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(ErrorCode.NOT_FOUND, detail)
