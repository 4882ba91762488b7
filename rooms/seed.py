"""The drop-in rooms every Hearth starts with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RoomSeed:
    slug: str
    title: str
    description: str


DEFAULT_ROOMS: tuple[RoomSeed, ...] = (
    RoomSeed(
        slug="open-drop-in",
        title="Open drop-in",
        description="Come as you are. Talk about your day, or just sit with others for a while.",
    ),
    RoomSeed(
        slug="going-no-contact",
        title="Going no contact",
        description="Cutting contact, keeping it, and the pull to break it.",
    ),
    RoomSeed(
        slug="narcissistic-parent",
        title="A narcissistic parent",
        description=(
            "Growing up with, or still dealing with, a parent who made everything about them."
        ),
    ),
    RoomSeed(
        slug="co-parenting",
        title="Co-parenting with a difficult ex",
        description="Handovers, grey rock, court, and protecting the children along the way.",
    ),
    RoomSeed(
        slug="healing-after-abuse",
        title="Healing after emotional abuse",
        description="Trusting yourself again, boundaries, and what recovery looks like.",
    ),
    RoomSeed(
        slug="late-night",
        title="Late night",
        description="For the hours when it is hardest and everyone else is asleep.",
    ),
)
