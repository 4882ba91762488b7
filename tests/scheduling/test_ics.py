"""iCalendar: a session's .ics and the feed parse with ``icalendar`` and round-trip their times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from icalendar import Calendar, vRecur

from tests.scheduling.factories import (
    client_for,
    days_ahead,
    make_session,
    start_before_next_transition,
)

pytestmark = pytest.mark.django_db


def fetch(url, **headers):
    response = client_for().get(url, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def api_starts(session, start, end):
    query = urlencode(
        {"from": start.isoformat(), "to": end.isoformat(), "topic": session.topic, "page_size": 100}
    )
    results = client_for().get("/api/v1/occurrences/", QUERY_STRING=query).json()["results"]
    return [
        datetime.fromisoformat(r["start"].replace("Z", "+00:00"))
        for r in results
        if r["status"] == "scheduled"
    ]


def expand(calendar, *, own_vtimezone: bool):
    """Occurrence starts (UTC) as a calendar app computes them from the file alone.

    With ``own_vtimezone`` the times are converted with the file's VTIMEZONE, not the IANA data.
    """
    zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in calendar.walk("VTIMEZONE")}
    events = calendar.walk("VEVENT")
    master = next(e for e in events if "RECURRENCE-ID" not in e)
    overrides = {e["RECURRENCE-ID"].dt: e["DTSTART"].dt for e in events if "RECURRENCE-ID" in e}

    def instant(moment):
        if not own_vtimezone:
            return moment.astimezone(UTC)
        tzid = moment.tzinfo.key
        return moment.replace(tzinfo=None).replace(tzinfo=zones[tzid]).astimezone(UTC)

    dtstart = master["DTSTART"].dt
    walls = du.rrulestr(master["RRULE"].to_ical().decode(), dtstart=dtstart)
    exdate = master.get("EXDATE", [])
    exdates = {d.dt for ex in (exdate if isinstance(exdate, list) else [exdate]) for d in ex.dts}
    starts = []
    for wall in walls:
        if wall in exdates:
            continue
        starts.append(instant(overrides.get(wall, wall)))
    return sorted(starts)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_session_ics_round_trips_across_dst(zone):
    tz = ZoneInfo(zone)
    start = start_before_next_transition(zone)
    session = make_session(start=start, count=6, time_zone=zone)
    keys = api_starts(session, start, start + timedelta(weeks=3))[1:3]
    owner = client_for(session.facilitator)
    key = lambda moment: moment.strftime("%Y%m%dT%H%M%SZ")  # noqa: E731
    base = f"/api/v1/sessions/{session.pk}/occurrences/"
    assert post(owner, f"{base}{key(keys[0])}/cancel/").status_code == 200
    moved_to = (keys[1] + timedelta(hours=2)).astimezone(tz)
    assert (
        post(owner, f"{base}{key(keys[1])}/move/", {"start": moved_to.isoformat()}).status_code
        == 200
    )

    calendar = fetch(f"/api/v1/sessions/{session.pk}.ics")
    expected = api_starts(session, start - timedelta(days=1), start + timedelta(weeks=8))
    assert len(expected) == 5
    assert expand(calendar, own_vtimezone=False) == expected
    assert expand(calendar, own_vtimezone=True) == expected
    assert len({m.astimezone(tz).utcoffset() for m in expected}) == 2  # it crosses DST


def test_session_ics_contents():
    session = make_session(count=3, description="Bring tea.")
    key = session.start.strftime("%Y%m%dT%H%M%SZ")
    owner = client_for(session.facilitator)
    post(owner, f"/api/v1/sessions/{session.pk}/occurrences/{key}/cancel/")
    calendar = fetch(f"/api/v1/sessions/{session.pk}.ics", HTTP_ACCEPT="application/json")
    assert str(calendar["VERSION"]) == "2.0" and "Hearth" in str(calendar["PRODID"])
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{session.uid}@hearth"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTSTART"].dt == session.start.astimezone(ZoneInfo("Europe/London"))
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=60)
    assert event["RRULE"] == vRecur.from_ical(session.rrule)
    assert [d.dt.astimezone(UTC) for d in event["EXDATE"].dts] == [session.start]
    room_url = f"http://testserver/rooms/{session.room.slug}/"
    assert str(event["URL"]) == room_url and room_url in str(event["DESCRIPTION"])
    assert "Bring tea." in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 1
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(minutes=-10)
    assert str(alarm["ACTION"]) == "DISPLAY"
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/London"


def test_feed_lists_every_session_or_one_topic():
    grief = make_session(topic="grief")
    other = make_session(topic="co-parenting", start=days_ahead(5, zone="America/New_York"))
    cancelled = make_session(topic="grief", title="Cancelled one")
    post(client_for(cancelled.facilitator), f"/api/v1/sessions/{cancelled.pk}/cancel/")
    everything = fetch("/api/v1/calendar.ics", HTTP_ACCEPT="text/calendar")
    uids = {str(e["UID"]) for e in everything.walk("VEVENT")}
    assert uids == {f"{s.uid}@hearth" for s in (grief, other, cancelled)}
    assert {str(tz["TZID"]) for tz in everything.walk("VTIMEZONE")} == {
        "Europe/London",
        "America/New_York",
    }
    assert str(everything["X-WR-CALNAME"]) == "Hearth group sessions"
    topic = fetch("/api/v1/calendar.ics?topic=grief")
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in topic.walk("VEVENT")}
    assert statuses == {f"{grief.uid}@hearth": "CONFIRMED", f"{cancelled.uid}@hearth": "CANCELLED"}


def test_calendar_errors_are_json():
    response = client_for().get("/api/v1/sessions/424242.ics", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 404
    assert response.json()["detail"]
    response = client_for().get("/api/v1/calendar.ics?topic=not%20a%20slug")
    assert response.status_code == 400 and "topic" in response.json()


def test_a_carriage_return_in_stored_text_cannot_start_a_calendar_property():
    """icalendar escapes a line feed but wrote a lone carriage return as is: a reader that takes
    it for a line break saw a URL (or an attachment) of the writer's choosing. The API now
    refuses such text; text stored before is written with line feeds."""
    from rooms.scheduling.models import GroupSession

    session = make_session(count=2)
    GroupSession.objects.filter(pk=session.pk).update(
        title="Tuesday circle\rURL:https://evil.example/track",
        description="x\rATTACH:https://evil.example/a.exe",
    )
    response = client_for().get(f"/api/v1/sessions/{session.pk}.ics")
    assert response.status_code == 200
    lines = response.content.decode().replace("\r\n ", "").replace("\r\n", "\n").split("\n")
    assert not any("\r" in line for line in lines)
    assert not any(line.startswith(("URL:https://evil", "ATTACH:")) for line in lines)
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Tuesday circle\nURL:https://evil.example/track"
