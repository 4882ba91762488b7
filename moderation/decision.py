"""Types of the moderation decision (placeholder until the judgement step lands)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Label(StrEnum):
    CRISIS_SELF = "crisis_self"
    CRISIS_DANGER = "crisis_danger"
    HARASSMENT = "harassment"
    PII = "pii"


class Action(StrEnum):
    DELIVER = "deliver"
    HOLD = "hold"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Decision:
    body: str
    labels: frozenset[Label]
    action: Action
    resources: bool
    reason: str | None
    detail: str | None
