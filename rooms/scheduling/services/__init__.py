"""Writes of group sessions: schedule, change and cancel sessions and occurrences; RSVP, cancel
and claim (move an RSVP to the identity that has its token).

Owns every rule a write must keep: a session starts in the future, in a known zone, for a sane
length and capacity, with a rule Hearth supports; a change never silently drops an occurrence
someone RSVPed to; capacity is never exceeded, however many people RSVP at once (the occurrence
row is locked while seats are counted); a freed seat goes to the first person on the waitlist.

Split by concern (``sessions``, ``occurrences``, ``timing``); import from here. Each
function is keyword-only, runs in one transaction and returns a model or a frozen dataclass.
Domain errors are ``errors.SchedulingError``; nothing here knows about HTTP. Authorization is the
caller's (``api.permissions``), except that only a facilitator can be a session's facilitator.
"""

from rooms.scheduling.services.occurrences import (
    RsvpCancelled,
    RsvpClaimed,
    RsvpCreated,
    occurrence_cancel,
    occurrence_move,
    rsvp_cancel,
    rsvp_claim,
    rsvp_create,
)
from rooms.scheduling.services.sessions import session_cancel, session_create, session_update

__all__ = [
    "RsvpCancelled",
    "RsvpClaimed",
    "RsvpCreated",
    "occurrence_cancel",
    "occurrence_move",
    "rsvp_cancel",
    "rsvp_claim",
    "rsvp_create",
    "session_cancel",
    "session_create",
    "session_update",
]
