"""Writes of single occurrences and RSVPs: cancel or move one occurrence; RSVP, cancel, claim.

Seats are counted under a lock on the occurrence row (materialized on first use), so parallel
RSVPs never overbook; a freed seat goes to the first person on the waitlist. Every write to an
occurrence's RSVPs takes that lock, so an identity's one live RSVP per occurrence is checked
before the database constraint could refuse it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from rooms.events import publish_window_changed
from rooms.scheduling import selectors
from rooms.scheduling.errors import ErrorCode, NotFound, SchedulingError
from rooms.scheduling.models import RSVP, GroupSession, Occurrence
from rooms.scheduling.recurrence import Recurrence
from rooms.scheduling.services.timing import schedule_from


@dataclass(frozen=True, slots=True)
class RsvpCreated:
    """A new RSVP, or a live one of the same identity given a new token (``created`` False)."""

    token: str
    info: selectors.RsvpInfo
    created: bool


@dataclass(frozen=True, slots=True)
class RsvpCancelled:
    info: selectors.RsvpInfo
    promoted: int


@dataclass(frozen=True, slots=True)
class RsvpClaimed:
    """An RSVP now held by the claiming identity: with a new token if it moved (``moved``), or
    unchanged, with the token it was claimed with, if that identity held it already."""

    token: str
    info: selectors.RsvpInfo
    moved: bool


def occurrence_cancel(
    *, session: GroupSession, key: str, now: datetime | None = None
) -> selectors.OccurrenceInfo:
    """Cancel one occurrence; the rest of the series stays. RSVPs are kept, marked by its status."""
    now = now or timezone.now()
    with transaction.atomic():
        session, row = _locked_occurrence(session.pk, key, now=now)
        if row.status != Occurrence.Status.CANCELLED:
            row.status = Occurrence.Status.CANCELLED
            row.updated_at = now
            row.save(update_fields=["status", "updated_at"])
            _touch(session, now)
    return selectors.occurrence_get(session_id=session.pk, key=key)


def occurrence_end_now(*, session: GroupSession, key: str, now: datetime | None = None) -> None:
    """End an occurrence early (its facilitator closed the circle): its room's window closes now,
    and the series goes on. Ended before it began, it counts as cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        session, row = _locked_occurrence(session.pk, key, now=now)
        start = row.moved_start or row.original_start
        if now <= start:
            row.status = Occurrence.Status.CANCELLED
        else:
            row.moved_duration_minutes = max(1, int((now - start).total_seconds() // 60))
        row.updated_at = now
        row.save(update_fields=["status", "moved_duration_minutes", "updated_at"])
        _touch(session, now)


def occurrence_move(
    *,
    session: GroupSession,
    key: str,
    start: datetime,
    end: datetime | None = None,
    duration_minutes: int | None = None,
    now: datetime | None = None,
) -> selectors.OccurrenceInfo:
    """Move one occurrence (and optionally change its length); RSVPs move with it."""
    now = now or timezone.now()
    with transaction.atomic():
        session, row = _locked_occurrence(session.pk, key, now=now)
        if row.status == Occurrence.Status.CANCELLED:
            raise SchedulingError(
                ErrorCode.OCCURRENCE_CANCELLED, "This occurrence is cancelled; it cannot be moved."
            )
        if duration_minutes is None and end is None:
            duration_minutes = row.moved_duration_minutes or session.duration_minutes
        schedule = schedule_from(
            start=start,
            time_zone=session.time_zone,
            duration_minutes=duration_minutes,
            end=end,
            recurrence=Recurrence(),
            rrule=None,
            now=now,
            must_be_future=True,
        )
        new_start = schedule.start.astimezone(row.original_start.tzinfo)
        minutes = int(schedule.duration.total_seconds() // 60)
        row.moved_start = None if new_start == row.original_start else new_start
        row.moved_duration_minutes = None if minutes == session.duration_minutes else minutes
        row.updated_at = now
        row.save(update_fields=["moved_start", "moved_duration_minutes", "updated_at"])
        _touch(session, now)
    return selectors.occurrence_get(session_id=session.pk, key=key)


def rsvp_create(
    *, session_id: int, key: str, identity_key: str, now: datetime | None = None
) -> RsvpCreated:
    """Take a seat, or a place on the waitlist when the occurrence is full.

    Seats are counted under a lock on the occurrence row, so parallel RSVPs never overbook.
    An identity that already holds a live RSVP keeps its place and gets a new token (the old one
    stops working): that is how a lost token is recovered.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        session, row = _locked_occurrence(session_id, key, now=now or timezone.now())
        # Stamped under the lock, so that the waitlist's order is the order seats were asked for.
        now = now or timezone.now()
        if row.status == Occurrence.Status.CANCELLED:
            raise SchedulingError(ErrorCode.OCCURRENCE_CANCELLED, "This occurrence is cancelled.")
        rsvp = RSVP.objects.filter(
            occurrence=row, identity_key=identity_key, status__in=selectors.LIVE
        ).first()
        created = rsvp is None
        if rsvp is None:
            taken = RSVP.objects.filter(occurrence=row, status=RSVP.Status.CONFIRMED).count()
            rsvp = RSVP.objects.create(
                occurrence=row,
                identity_key=identity_key,
                token_hash=selectors.token_hash(token),
                status=RSVP.Status.CONFIRMED
                if taken < session.capacity
                else RSVP.Status.WAITLISTED,
                created_at=now,
                updated_at=now,
            )
        else:
            rsvp.token_hash = selectors.token_hash(token)
            rsvp.updated_at = now
            rsvp.save(update_fields=["token_hash", "updated_at"])
    rsvp.occurrence = row
    return RsvpCreated(token=token, info=selectors.rsvp_info(rsvp), created=created)


def rsvp_cancel(*, token: str, now: datetime | None = None) -> RsvpCancelled:
    """Give up an RSVP by its token; a freed seat goes to the first person on the waitlist."""
    now = now or timezone.now()
    digest = selectors.token_hash(token)
    with transaction.atomic():
        # Read under the lock: an RSVP again or a claim may give it a new token meanwhile, and
        # then this token cancels nothing (404), as it would a moment later.
        rsvp = _locked_rsvp(digest)
        row = rsvp.occurrence
        promoted = 0
        if rsvp.status != RSVP.Status.CANCELLED:
            rsvp.status = RSVP.Status.CANCELLED
            rsvp.updated_at = now
            rsvp.save(update_fields=["status", "updated_at"])
            promoted = promote(row, row.session, now)
    return RsvpCancelled(info=selectors.rsvp_info(rsvp), promoted=promoted)


def rsvp_claim(*, token: str, identity_key: str, now: datetime | None = None) -> RsvpClaimed:
    """Make the holder of an RSVP the identity that has its token: the seat the RSVP saves in the
    room is then this identity's, and no longer the one's it was made by.

    Its status and waitlist place stay as they are (``created_at`` is untouched). A move gives a
    new token, so the copy in the other browser, or anyone else who saw it, stops working;
    claiming one's own RSVP again changes nothing. An identity that holds another live RSVP to
    the same occurrence must give one of them up first: two would be two seats for one person.
    """
    now = now or timezone.now()
    digest = selectors.token_hash(token)
    with transaction.atomic():
        rsvp = _locked_rsvp(digest)
        if rsvp.identity_key == identity_key:
            return RsvpClaimed(token=token, info=selectors.rsvp_info(rsvp), moved=False)
        if rsvp.status in selectors.LIVE and _holds_live_rsvp(rsvp.occurrence, identity_key):
            raise SchedulingError(
                ErrorCode.ALREADY_RSVPED,
                "This browser already has its own RSVP to this meeting. Cancel one of the two "
                "first, then try again.",
            )
        new_token = secrets.token_urlsafe(32)
        rsvp.identity_key = identity_key
        rsvp.token_hash = selectors.token_hash(new_token)
        rsvp.updated_at = now
        rsvp.save(update_fields=["identity_key", "token_hash", "updated_at"])
    return RsvpClaimed(token=new_token, info=selectors.rsvp_info(rsvp), moved=True)


def _locked_rsvp(digest: str) -> RSVP:
    """The RSVP with this token hash, its occurrence row locked (as every RSVP write locks it)."""
    occurrence_id = (
        RSVP.objects.filter(token_hash=digest).values_list("occurrence_id", flat=True).first()
    )
    if occurrence_id is not None:
        row = (
            Occurrence.objects.select_for_update()
            .select_related("session__facilitator", "session__room")
            .get(pk=occurrence_id)
        )
        # Read again under the lock: a new token may have replaced this one meanwhile.
        rsvp = RSVP.objects.filter(token_hash=digest, occurrence=row).first()
        if rsvp is not None:
            rsvp.occurrence = row
            return rsvp
    raise NotFound("No RSVP has this token.")


def _holds_live_rsvp(row: Occurrence, identity_key: str) -> bool:
    return RSVP.objects.filter(
        occurrence=row, identity_key=identity_key, status__in=selectors.LIVE
    ).exists()


def _locked_occurrence(
    session_id: int, key: str, *, now: datetime
) -> tuple[GroupSession, Occurrence]:
    """The session and its occurrence row (created on first use), the row locked."""
    session = (
        GroupSession.objects.select_related("facilitator", "room").filter(pk=session_id).first()
    )
    if session is None:
        raise NotFound("There is no session with this id.")
    original_start = selectors.parse_occurrence_key(key)
    if original_start is None or not selectors.schedule_of(session).includes(original_start):
        raise NotFound("This session has no occurrence at that time.")
    if session.status == GroupSession.Status.CANCELLED:
        raise SchedulingError(ErrorCode.SESSION_CANCELLED, "This session is cancelled.")
    row_id = Occurrence.objects.get_or_create(session=session, original_start=original_start)[0].pk
    row = Occurrence.objects.select_for_update().get(pk=row_id)
    row.session = session
    start = row.moved_start or row.original_start
    minutes = row.moved_duration_minutes or session.duration_minutes
    if start + timedelta(minutes=minutes) <= now:
        raise SchedulingError(ErrorCode.OCCURRENCE_OVER, "This occurrence is over.")
    return session, row


def _touch(session: GroupSession, now: datetime) -> None:
    """A change calendars and open rooms must pick up: bump the session's iCalendar SEQUENCE,
    and have the session's room read its window again once this commits."""
    session.sequence += 1
    session.updated_at = now
    session.save(update_fields=["sequence", "updated_at"])
    announce_window_change(session)


def announce_window_change(session: GroupSession) -> None:
    slug = session.room.slug
    transaction.on_commit(lambda: publish_window_changed(room=slug))


def promote(row: Occurrence, session: GroupSession, now: datetime) -> int:
    """Fill free seats from the waitlist, first come first served. The row must be locked."""
    taken = RSVP.objects.filter(occurrence=row, status=RSVP.Status.CONFIRMED).count()
    free = session.capacity - taken
    if free <= 0:
        return 0
    first_in_line = list(
        RSVP.objects.filter(occurrence=row, status=RSVP.Status.WAITLISTED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:free]
    )
    return RSVP.objects.filter(pk__in=first_in_line).update(
        status=RSVP.Status.CONFIRMED, updated_at=now
    )
