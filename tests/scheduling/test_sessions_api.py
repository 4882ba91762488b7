"""/api/v1/sessions/: create, read, change and cancel sessions; who may; what bad input gets."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from rooms.models import Room
from rooms.scheduling.models import GroupSession
from tests.scheduling.factories import client_for, days_ahead, make_session, make_user

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"


def body(**overrides):
    start = days_ahead(3)
    data = {
        "title": "No contact, week 1",
        "description": "A facilitated group for the first weeks of no contact.",
        "topic": "no-contact",
        "start": start.replace(tzinfo=None).isoformat(),  # wall time in time_zone
        "duration_minutes": 90,
        "time_zone": "Europe/London",
        "recurrence": {"frequency": "weekly", "count": 6},
        "capacity": 12,
    }
    return data | overrides


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_facilitator_creates_a_weekly_session_with_its_room():
    facilitator = make_user(facilitator=True, name="Sam")
    response = post(client_for(facilitator), SESSIONS, body())
    assert response.status_code == 201, response.json()
    data = response.json()
    start = days_ahead(3)
    assert data["start_local"] == start.isoformat()
    assert data["start"].endswith("Z")
    assert data["facilitator"] == {"id": facilitator.pk, "name": "Sam"}
    assert data["recurrence"] == {"frequency": "weekly", "until": None, "count": 6}
    assert data["rrule"] == f"FREQ=WEEKLY;BYDAY={start.strftime('%a').upper()[:2]};COUNT=6"
    assert data["status"] == "scheduled"
    assert data["calendar_url"].endswith(f"/api/v1/sessions/{data['id']}.ics")
    room = Room.objects.get(slug=data["room"]["slug"])
    assert room.kind == Room.Kind.SESSION
    assert room.slug.startswith("no-contact-week-1-")
    assert data["room"]["url"].endswith(f"/rooms/{room.slug}/")
    assert room.capacity == 13
    session = GroupSession.objects.get(pk=data["id"])
    assert session.room == room
    # Six weeks of 19:00 London, across a clock change too: wall-clock arithmetic on ``start``.
    assert session.series_end == start + timedelta(weeks=5, minutes=90)


def test_session_from_an_rrule_and_an_end():
    facilitator = make_user(facilitator=True)
    start = days_ahead(3)
    day = start.strftime("%a").upper()[:2]
    data = body(
        recurrence=None,
        rrule=f"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
        duration_minutes=None,
        end=(start + timedelta(minutes=75)).isoformat(),
        start=start.isoformat(),
    )
    data = {k: v for k, v in data.items() if v is not None}
    response = post(client_for(facilitator), SESSIONS, data)
    assert response.status_code == 201, response.json()
    assert response.json()["recurrence"]["frequency"] == "biweekly"
    assert response.json()["duration_minutes"] == 75
    assert response.json()["series_end"] is None


def test_staff_schedules_for_a_facilitator():
    staff, facilitator = make_user(staff=True), make_user(facilitator=True)
    response = post(client_for(staff), SESSIONS, body(facilitator=facilitator.pk))
    assert response.status_code == 201, response.json()
    assert response.json()["facilitator"]["id"] == facilitator.pk
    # ...but not for someone who is not a facilitator, nor without naming one.
    plain = make_user()
    assert post(client_for(staff), SESSIONS, body(facilitator=plain.pk)).json() == {
        "facilitator": ["No facilitator has this id."]
    }
    assert "facilitator" in post(client_for(staff), SESSIONS, body()).json()


def test_a_facilitator_cannot_schedule_for_another():
    facilitator, other = make_user(facilitator=True), make_user(facilitator=True)
    response = post(client_for(facilitator), SESSIONS, body(facilitator=other.pk))
    assert response.status_code == 400
    assert "facilitator" in response.json()


def participant_client(session):
    """An anonymous visitor with a session identity who has RSVPed to the session."""
    client = client_for()
    key = client.get(f"/api/v1/occurrences/?topic={session.topic}").json()["results"][0]["key"]
    assert post(client, f"{SESSIONS}{session.pk}/occurrences/{key}/rsvp/").status_code == 201
    return client


ROLES = ["anonymous", "participant", "user", "other_facilitator", "facilitator", "staff"]


def client_as(role, session):
    return {
        "anonymous": lambda: client_for(),
        "participant": lambda: participant_client(session),
        "user": lambda: client_for(make_user()),
        "other_facilitator": lambda: client_for(make_user(facilitator=True)),
        "facilitator": lambda: client_for(session.facilitator),
        "staff": lambda: client_for(make_user(staff=True)),
    }[role]()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("anonymous", False), ("participant", False), ("user", False), ("facilitator", True)],
)
def test_who_may_create(role, allowed):
    session = make_session()
    client = client_as(role, session)
    response = post(client, SESSIONS, body())
    assert response.status_code == (201 if allowed else 403)
    assert GroupSession.objects.count() == (2 if allowed else 1)


WRITES = [
    ("patch", "{s}", {"title": "Changed"}),
    ("put", "{s}", None),
    ("post", "{s}cancel/", {}),
    ("post", "{s}occurrences/{k}/cancel/", {}),
    ("post", "{s}occurrences/{k}/move/", "move"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_who_may_change_a_session(role, method, path, data):
    session = make_session()
    client = client_as(role, session)
    key = client_for().get(f"{SESSIONS}{session.pk}/").json()["start"]
    key = key.replace("-", "").replace(":", "")
    url = path.format(s=f"{SESSIONS}{session.pk}/", k=key)
    if data is None:
        data = body()
    elif data == "move":
        data = {"start": (session.start + timedelta(hours=1)).isoformat()}
    response = getattr(client, method)(url, data, content_type="application/json")
    allowed = role in {"facilitator", "staff"}
    assert response.status_code == (200 if allowed else 403), response.json()
    session.refresh_from_db()
    assert (session.sequence > 0) == allowed


def test_anyone_reads_a_session_and_unknown_ids_are_404():
    session = make_session(description="Bring tea.")
    for role in ROLES:
        response = client_as(role, session).get(f"{SESSIONS}{session.pk}/")
        assert response.status_code == 200
        assert response.json()["description"] == "Bring tea."
    assert client_for().get(f"{SESSIONS}{session.pk + 1000}/").status_code == 404
    assert client_for().get(f"{SESSIONS}99999999999999999999999/").status_code == 404
    assert client_for().get(f"{SESSIONS}abc/").json() == {"detail": "Not found."}


def test_list_sessions_with_filters():
    mine = make_session(topic="grief")
    make_session(topic="co-parenting")
    client = client_for()
    assert client.get(SESSIONS).json()["count"] == 2
    assert [s["id"] for s in client.get(f"{SESSIONS}?topic=grief").json()["results"]] == [mine.pk]
    by = client.get(f"{SESSIONS}?facilitator={mine.facilitator_id}").json()["results"]
    assert [s["id"] for s in by] == [mine.pk]
    assert client.get(f"{SESSIONS}?status=cancelled").json()["count"] == 0
    assert client.get(f"{SESSIONS}?status=gone").status_code == 400


def test_update_changes_text_capacity_and_the_room():
    session = make_session(capacity=5)
    response = patch(
        client_for(session.facilitator),
        f"{SESSIONS}{session.pk}/",
        {"title": "Week 2", "capacity": 8},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Week 2"
    room = Room.objects.get(pk=session.room_id)
    assert (room.title, room.capacity) == ("Week 2", 9)


def test_cancel_closes_the_room_and_refuses_later_changes():
    session = make_session()
    client = client_for(session.facilitator)
    response = post(client, f"{SESSIONS}{session.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert not Room.objects.get(pk=session.room_id).is_open
    assert post(client, f"{SESSIONS}{session.pk}/cancel/").status_code == 200  # again: no-op
    refused = patch(client, f"{SESSIONS}{session.pk}/", {"title": "x"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "session_cancelled"


def _naive(days, **kw):
    return days_ahead(days, **kw).replace(tzinfo=None).isoformat()


BAD_INPUT = [
    ("end before start", {"duration_minutes": None, "end": _naive(2)}, "end"),
    ("start in the past", {"start": _naive(-1)}, "start"),
    ("start far ahead", {"start": _naive(800)}, "start"),
    # Date arithmetic on the day before 0001-01-01 overflowed (was a 500).
    ("until year 1", {"recurrence": None, "rrule": "FREQ=WEEKLY;UNTIL=00010101T000000"}, "rrule"),
    ("start in year 9999", {"start": "9999-12-31T23:59:59"}, "start"),
    ("start not a date", {"start": "next tuesday"}, "start"),
    ("unknown time zone", {"time_zone": "Mars/Olympus"}, "time_zone"),
    ("time zone path", {"time_zone": "../../etc/passwd"}, "time_zone"),
    ("capacity 0", {"capacity": 0}, "capacity"),
    ("capacity above maximum", {"capacity": 51}, "capacity"),
    ("huge capacity", {"capacity": 10**30}, "capacity"),
    ("capacity not a number", {"capacity": "twelve"}, "capacity"),
    ("malformed rule", {"recurrence": None, "rrule": "FREQ=SOMETIMES"}, "rrule"),
    ("rule and recurrence", {"rrule": "FREQ=WEEKLY"}, "rrule"),
    (
        "series ends before it starts",
        {"recurrence": {"frequency": "weekly", "until": "2001-01-01"}},
        "recurrence",
    ),
    ("count too large", {"recurrence": {"frequency": "weekly", "count": 100000}}, "recurrence"),
    ("unknown frequency", {"recurrence": {"frequency": "hourly"}}, "recurrence"),
    ("title too long", {"title": "x" * 121}, "title"),
    ("description too long", {"description": "x" * 2001}, "description"),
    ("blank title", {"title": "   "}, "title"),
    ("NUL in title", {"title": "a\x00b"}, "title"),
    ("lone surrogate", {"description": "\ud800"}, "description"),
    # A lone carriage return could start a property of its own in the calendar export.
    ("carriage return in a title", {"title": "Tuesday\rURL:https://evil.example"}, "title"),
    ("control character", {"description": "bell\x07"}, "description"),
    ("topic not a slug", {"topic": "no contact!"}, "topic"),
    ("no duration", {"duration_minutes": None}, "duration_minutes"),
    ("too long a session", {"duration_minutes": 1000}, "duration_minutes"),
    ("end and duration", {"end": _naive(3, at=days_ahead(3).time().replace(hour=21))}, "end"),
]


@pytest.mark.parametrize(
    ("data", "field"), [pytest.param(d, f, id=name) for name, d, f in BAD_INPUT]
)
def test_bad_input_is_a_400_naming_the_field(data, field):
    facilitator = make_user(facilitator=True)
    payload = {k: v for k, v in (body() | data).items() if v is not None}
    response = post(client_for(facilitator), SESSIONS, payload)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert GroupSession.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b"null", b"[" * 100_000, b'{"capacity": NaN}', b"9" * 5000],
)
def test_malformed_bodies_are_400s(raw):
    facilitator = make_user(facilitator=True)
    response = client_for(facilitator).post(SESSIONS, raw, content_type="application/json")
    assert response.status_code == 400


def test_a_timing_change_may_not_drop_an_occurrence_people_rsvped_to():
    session = make_session()
    participant_client(session)
    client = client_for(session.facilitator)
    later = (session.start + timedelta(hours=1)).isoformat()
    refused = patch(client, f"{SESSIONS}{session.pk}/", {"start": later})
    assert refused.status_code == 400
    assert "start" in refused.json()
    # Ending the series later keeps that occurrence: allowed.
    longer = patch(
        client, f"{SESSIONS}{session.pk}/", {"recurrence": {"frequency": "weekly", "count": 20}}
    )
    assert longer.status_code == 200, longer.json()
    assert longer.json()["recurrence"]["count"] == 20


@pytest.mark.parametrize("written", ["wall time", "with its offset", "in UTC"])
def test_a_full_update_of_a_series_under_way_may_repeat_its_start_however_written(written):
    """A PUT sends every field, the start too. Repeating the start of a series that has begun
    changes nothing and is no reason to refuse; written without an offset (wall time in the
    session's zone) it used to compare as a change, and a change must be in the future."""
    session = make_session()
    GroupSession.objects.filter(pk=session.pk).update(start=session.start - timedelta(days=14))
    session.refresh_from_db()
    local = session.start.astimezone(ZoneInfo(session.time_zone))
    start = {
        "wall time": local.replace(tzinfo=None).isoformat(),
        "with its offset": local.isoformat(),
        "in UTC": session.start.isoformat(),
    }[written]
    data = body(title="Renamed", start=start, time_zone=session.time_zone, topic=session.topic)
    data["recurrence"] = {"frequency": "weekly"}

    response = client_for(session.facilitator).put(
        f"{SESSIONS}{session.pk}/", data, content_type="application/json"
    )

    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert session.title == "Renamed"
    assert session.start == local.astimezone(UTC)
    # A start that really moves into the past is still refused.
    data["start"] = (local - timedelta(days=1)).replace(tzinfo=None).isoformat()
    moved = client_for(session.facilitator).put(
        f"{SESSIONS}{session.pk}/", data, content_type="application/json"
    )
    assert moved.status_code == 400 and "start" in moved.json()


def test_a_patched_recurrence_without_its_frequency_is_a_400_naming_it():
    """A PATCH makes nested fields optional too; a recurrence without a frequency was a 500."""
    session = make_session()
    response = patch(
        client_for(session.facilitator),
        f"{SESSIONS}{session.pk}/",
        {"recurrence": {"until": "2027-01-01", "count": 1}},
    )
    assert response.status_code == 400
    assert response.json()["recurrence"] == {"frequency": ["This field is required."]}


def test_line_breaks_from_any_client_are_stored_as_line_feeds():
    facilitator = make_user(facilitator=True)
    response = post(client_for(facilitator), SESSIONS, body(description="Bring tea.\r\nAnd a mug."))
    assert response.status_code == 201, response.json()
    assert GroupSession.objects.get().description == "Bring tea.\nAnd a mug."
