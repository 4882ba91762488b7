"""The result types of the moderation step: labels, actions and the Decision for one message.

Owns: the public vocabulary that rooms/ and moderation's models code against.
Must not: import anything that classifies, touch the database, or grow fields that the
callers construct positionally (add properties instead, as ``flag`` and ``crisis_label`` are).
"""

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


CRISIS_LABELS: frozenset[Label] = frozenset({Label.CRISIS_SELF, Label.CRISIS_DANGER})


@dataclass(frozen=True, slots=True)
class Decision:
    """What happens to one message.

    ``reason`` is None for an ordinary delivered message. One delivered message can still carry a
    reason: "watched_word" when a moderator's flag-only watched word matched (see ``flag``).
    """

    body: str
    labels: frozenset[Label]
    action: Action
    resources: bool
    reason: str | None
    detail: str | None

    @property
    def crisis_label(self) -> Label | None:
        # Self-harm outranks danger: both get resources, but the wording for the author differs
        # and a risk to life by the author's own hand is the one responders must see first.
        if Label.CRISIS_SELF in self.labels:
            return Label.CRISIS_SELF
        if Label.CRISIS_DANGER in self.labels:
            return Label.CRISIS_DANGER
        return None

    @property
    def flag(self) -> bool:
        """Delivered, but a moderator asked to see messages like it (a flag-only watched word)."""
        return self.action is Action.DELIVER and self.reason is not None
