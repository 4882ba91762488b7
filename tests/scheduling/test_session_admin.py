"""A session edited in the Django admin goes through the scheduling services, as the API's edits do.

Saved as a plain model, a raised capacity promoted nobody from the waitlist and left the room's
seats as they were, a status set to cancelled left the room open, and a new time zone or
duration moved every meeting without the check that no one's RSVP is silently dropped.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rooms.identity import new_identity
from rooms.models import Room
from rooms.scheduling import selectors, services
from rooms.scheduling.models import RSVP, GroupSession
from tests.scheduling.factories import make_session, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser("admin-sessions", password="not-used")
    client = Client()
    client.force_login(user)
    return client


def _form(session: GroupSession, **changes: Any) -> dict[str, Any]:
    data = {
        "title": session.title,
        "description": session.description,
        "topic": session.topic,
        "capacity": session.capacity,
    }
    return data | changes


def _url(session: GroupSession) -> str:
    return f"/admin/scheduling/groupsession/{session.pk}/change/"


def _statuses(session: GroupSession) -> list[str]:
    return list(
        RSVP.objects.filter(occurrence__session=session)
        .order_by("id")
        .values_list("status", flat=True)
    )


def test_raising_capacity_promotes_the_waitlist_and_widens_the_room(staff: Client) -> None:
    session = make_session(capacity=1, count=2)
    key = selectors.occurrence_key(session.start)
    for _ in range(3):
        services.rsvp_create(session_id=session.pk, key=key, identity_key=new_identity().key)
    assert _statuses(session) == ["confirmed", "waitlisted", "waitlisted"]
    sequence = session.sequence

    response = staff.post(_url(session), _form(session, capacity=2, title="No contact, together"))

    assert response.status_code == 302, response.content[:2000]
    session.refresh_from_db()
    room = Room.objects.get(pk=session.room_id)
    assert session.capacity == 2 and room.capacity == 3  # the facilitator's seat besides
    assert room.title == "No contact, together"
    assert session.sequence == sequence + 1  # calendars see the change
    assert _statuses(session) == ["confirmed", "confirmed", "waitlisted"]


def test_timing_and_status_are_shown_but_not_edited(staff: Client) -> None:
    session = make_session(count=2)
    before = (session.time_zone, session.duration_minutes, session.start, session.status)

    response = staff.post(
        _url(session),
        _form(session, time_zone="Pacific/Auckland", duration_minutes=5, status="cancelled"),
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.time_zone, session.duration_minutes, session.start, session.status) == before
    page = staff.get(_url(session)).content.decode()
    assert "Pacific/Auckland" not in page and 'name="time_zone"' not in page


def test_a_capacity_out_of_bounds_is_a_field_error(staff: Client, settings: Any) -> None:
    session = make_session(capacity=4)
    too_many = settings.HEARTH_SESSION_MAX_CAPACITY + 1

    response = staff.post(_url(session), _form(session, capacity=too_many))

    assert response.status_code == 200  # the form again, with the error
    assert f"Capacity must be between 1 and {settings.HEARTH_SESSION_MAX_CAPACITY}" in (
        response.content.decode()
    )
    session.refresh_from_db()
    assert session.capacity == 4


def test_the_cancel_action_cancels_through_the_service(staff: Client) -> None:
    session = make_session(count=2)
    sequence = session.sequence

    response = staff.post(
        "/admin/scheduling/groupsession/",
        {"action": "cancel_sessions", "_selected_action": [session.pk], "index": 0},
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == GroupSession.Status.CANCELLED
    assert session.sequence == sequence + 1
    assert Room.objects.get(pk=session.room_id).is_open is False


def test_a_cancelled_session_cannot_be_edited(staff: Client) -> None:
    session = services.session_cancel(session=make_session(count=2))

    response = staff.post(_url(session), _form(session, title="Back again"))

    assert response.status_code == 200
    assert "This session is cancelled" in response.content.decode()
    session.refresh_from_db()
    assert session.title != "Back again"


def test_the_facilitator_is_shown_not_edited(staff: Client) -> None:
    """As in the API: a facilitator has powers in the room that only creating a session grants."""
    session = make_session(count=2)
    facilitator = session.facilitator_id
    other = make_user(name="not-a-facilitator")

    response = staff.post(_url(session), {**_form(session), "facilitator": other.pk})

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.facilitator_id == facilitator


def test_sessions_are_neither_added_nor_deleted_in_the_admin(staff: Client) -> None:
    """Deleting would take the RSVPs with it and leave the room open: cancelling is the way."""
    session = make_session(count=2)
    key = selectors.occurrence_key(session.start)
    services.rsvp_create(session_id=session.pk, key=key, identity_key=new_identity().key)
    assert staff.get("/admin/scheduling/groupsession/add/").status_code == 403
    assert staff.post(_url(session).replace("change", "delete"), {"post": "yes"}).status_code == 403
    bulk = staff.post(
        "/admin/scheduling/groupsession/",
        {"action": "delete_selected", "_selected_action": [session.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)  # "no action selected": the action is not offered
    assert GroupSession.objects.filter(pk=session.pk).exists()
    assert RSVP.objects.filter(occurrence__session=session).count() == 1
