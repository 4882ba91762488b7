"""/api/v1/occurrences/ and one occurrence: listing, filters, DST, cancelling and moving one."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from rooms.scheduling.models import GroupSession
from rooms.scheduling.recurrence import Frequency
from tests.scheduling.factories import (
    client_for,
    days_ahead,
    make_session,
    make_user,
    start_before_next_transition,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/occurrences/"


def listing(client=None, **params):
    response = (client or client_for()).get(f"{LIST}?{urlencode(params)}")
    assert response.status_code == 200, response.json()
    return response.json()


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_lists_upcoming_occurrences_with_times_and_seats():
    session = make_session(count=3, capacity=4)
    data = listing()
    assert data["count"] == 3
    first = data["results"][0]
    start_local = datetime.fromisoformat(first["start_local"])
    assert start_local == days_ahead(2)
    assert datetime.fromisoformat(first["start"].replace("Z", "+00:00")) == start_local
    assert datetime.fromisoformat(first["end_local"]) - start_local == timedelta(minutes=60)
    assert first["start"].endswith("Z") and first["end"].endswith("Z")
    assert first["key"] == start_local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert first | {"start": None} == first | {
        "session": session.pk,
        "title": "No contact, week 1",
        "topic": "no-contact",
        "time_zone": "Europe/London",
        "status": "scheduled",
        "moved": False,
        "capacity": 4,
        "seats_taken": 0,
        "seats_left": 4,
        "waitlisted": 0,
        "rsvp": "none",
        "start": None,
    }
    assert first["room"]["slug"] == session.room.slug


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_weekly_occurrences_keep_local_time_across_the_next_dst_change(zone):
    tz = ZoneInfo(zone)
    start = start_before_next_transition(zone)
    make_session(start=start, count=5, time_zone=zone)
    results = listing(
        **{"from": start.isoformat(), "to": (start + timedelta(weeks=6)).isoformat()}
    )["results"]
    local = [datetime.fromisoformat(r["start_local"]) for r in results]
    utc = [datetime.fromisoformat(r["start"].replace("Z", "+00:00")) for r in results]
    assert len(local) == 5
    assert {moment.time() for moment in local} == {time(19)}
    assert {moment.astimezone(tz).time() for moment in utc} == {time(19)}
    offsets = {moment.utcoffset() for moment in local}
    assert len(offsets) == 2, "the series crosses a DST change, so its UTC offset changes"
    shift = max(offsets) - min(offsets)
    gaps = {b - a for a, b in pairwise(utc)}
    week = timedelta(days=7)
    assert gaps in ({week, week - shift}, {week, week + shift})


def test_filters_topic_facilitator_range_and_space():
    grief = make_session(topic="grief", count=2, capacity=1)
    other = make_session(topic="co-parenting", count=2, start=days_ahead(10))
    assert {r["session"] for r in listing(topic="grief")["results"]} == {grief.pk}
    assert {r["session"] for r in listing(facilitator=other.facilitator_id)["results"]} == {
        other.pk
    }
    assert listing(topic="nobody")["count"] == 0
    window = {"from": days_ahead(9).isoformat(), "to": days_ahead(12).isoformat()}
    assert [(r["session"]) for r in listing(**window)["results"]] == [grief.pk, other.pk]
    # Fill grief's first occurrence: has_space drops it, has_space=false keeps only it.
    key = listing(topic="grief")["results"][0]["key"]
    assert (
        post(client_for(), f"/api/v1/sessions/{grief.pk}/occurrences/{key}/rsvp/").status_code
        == 201
    )
    spaced = [r["key"] for r in listing(topic="grief", has_space="true")["results"]]
    assert key not in spaced and len(spaced) == 1
    assert [r["key"] for r in listing(topic="grief", has_space="false")["results"]] == [key]


def test_pagination():
    # Weekly from day 3 at 19:00: days 3, 10, 17 and 24 fall in the default 30 days whatever
    # the time of day (a start on day 2 would put day 30 in them from 19:00 on).
    make_session(count=25, start=days_ahead(3))
    first = listing(page_size=10)
    assert first["count"] == 4  # 30 days by default
    everything = listing(to=days_ahead(200).isoformat())
    assert everything["count"] == 25 and len(everything["results"]) == 20
    assert everything["next"] and listing(to=days_ahead(200).isoformat(), page=2)["results"]
    assert client_for().get(f"{LIST}?page=99").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-13-45T00:00:00Z"}, "from"),
        ({"from": "0001-01-01T00:00:00+14:00"}, "from"),
        ({"from": "1990-01-01T00:00:00Z", "to": "1990-02-01T00:00:00Z"}, "from"),
        # Without "to": its default, 30 days later, would be past the end of time (was a 500).
        ({"from": "9999-12-31T00:00:00Z"}, "from"),
        ({"from": "2027-01-02T00:00:00Z", "to": "2027-01-01T00:00:00Z"}, "to"),
        ({"from": "2027-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z"}, "to"),
        ({"facilitator": "me"}, "facilitator"),
        ({"facilitator": "99999999999999999999999"}, "facilitator"),
        ({"has_space": "maybe"}, "has_space"),
        ({"topic": "not a slug"}, "topic"),
    ],
)
def test_bad_filters_are_400s(params, field):
    response = client_for().get(f"{LIST}?{urlencode(params)}")
    assert response.status_code == 400
    assert field in response.json()


def test_retrieve_one_occurrence_and_unknown_keys():
    session = make_session(count=2)
    key = listing()["results"][1]["key"]
    url = f"/api/v1/sessions/{session.pk}/occurrences/"
    assert client_for().get(f"{url}{key}/").json()["key"] == key
    off_by_an_hour = (datetime.strptime(key, "%Y%m%dT%H%M%SZ") + timedelta(hours=1)).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    # Keys at datetime's ends overflowed the look-up (were 500s).
    ends = ["00010101T000000Z", "99991231T235959Z"]
    for bad in [off_by_an_hour, "20261340T250000Z", "tomorrow", "2" * 16, *ends]:
        response = client_for().get(f"{url}{bad}/")
        assert response.status_code == 404, bad
        assert response.json()["detail"]


def test_cancel_one_occurrence_leaves_the_rest():
    session = make_session(count=3)
    keys = [r["key"] for r in listing()["results"]]
    client = client_for(session.facilitator)
    url = f"/api/v1/sessions/{session.pk}/occurrences/{keys[1]}/"
    response = post(client, f"{url}cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert [r["status"] for r in listing()["results"]] == ["scheduled", "cancelled", "scheduled"]
    refused = post(client_for(), f"{url}rsvp/")
    assert refused.status_code == 409 and refused.json()["code"] == "occurrence_cancelled"
    moved = post(client, f"{url}move/", {"start": days_ahead(20).isoformat()})
    assert moved.status_code == 409


def test_move_one_occurrence_keeps_its_key_and_rsvps():
    session = make_session(count=3)
    keys = [r["key"] for r in listing()["results"]]
    url = f"/api/v1/sessions/{session.pk}/occurrences/{keys[0]}/"
    rsvper = client_for()
    assert post(rsvper, f"{url}rsvp/").status_code == 201
    new_start = days_ahead(3, at=time(18, 30))
    response = post(
        client_for(session.facilitator),
        f"{url}move/",
        {"start": new_start.isoformat(), "duration_minutes": 45},
    )
    assert response.status_code == 200, response.json()
    moved = response.json()
    assert moved["key"] == keys[0] and moved["moved"] is True
    assert datetime.fromisoformat(moved["start_local"]) == new_start
    assert datetime.fromisoformat(moved["end_local"]) == new_start + timedelta(minutes=45)
    assert moved["seats_taken"] == 1
    mine = listing(rsvper)["results"]
    assert [r["rsvp"] for r in mine] == ["confirmed", "none", "none"]
    assert [r["key"] for r in mine] == keys  # still in start order
    # Moving it into the past, or to a time that does not exist, is a 400.
    past = post(
        client_for(session.facilitator), f"{url}move/", {"start": days_ahead(-1).isoformat()}
    )
    assert past.status_code == 400 and "start" in past.json()


def test_a_moved_occurrence_shows_up_where_it_went():
    session = make_session(frequency=Frequency.NONE)
    key = listing()["results"][0]["key"]
    target = days_ahead(60)
    url = f"/api/v1/sessions/{session.pk}/occurrences/{key}/move/"
    assert (
        post(client_for(session.facilitator), url, {"start": target.isoformat()}).status_code == 200
    )
    assert listing()["count"] == 0
    later = listing(**{"from": days_ahead(59).isoformat(), "to": days_ahead(61).isoformat()})
    assert [r["key"] for r in later["results"]] == [key]


def test_cancelled_sessions_are_not_listed():
    session = make_session(count=2)
    post(client_for(session.facilitator), f"/api/v1/sessions/{session.pk}/cancel/")
    assert listing()["count"] == 0
    key = session.start.strftime("%Y%m%dT%H%M%SZ")
    one = client_for().get(f"/api/v1/sessions/{session.pk}/occurrences/{key}/")
    assert one.json()["status"] == "cancelled"


def test_staff_may_cancel_any_occurrence_but_not_a_past_one():
    session = make_session(count=2)
    key = session.start.strftime("%Y%m%dT%H%M%SZ")
    staff = client_for(make_user(staff=True))
    assert (
        post(staff, f"/api/v1/sessions/{session.pk}/occurrences/{key}/cancel/").status_code == 200
    )
    past = make_session(frequency=Frequency.NONE)
    GroupSession.objects.filter(pk=past.pk).update(start=past.start - timedelta(days=30))
    past_key = (past.start - timedelta(days=30)).strftime("%Y%m%dT%H%M%SZ")
    response = post(staff, f"/api/v1/sessions/{past.pk}/occurrences/{past_key}/cancel/")
    assert response.status_code == 409 and response.json()["code"] == "occurrence_over"


def test_a_start_given_to_the_microsecond_keeps_every_occurrence_reachable_by_its_key():
    start = days_ahead(2, at=time(19, 0, 30, 123456))
    session = make_session(count=2, start=start)
    assert session.start == start.replace(microsecond=0)
    for occurrence in listing()["results"]:
        url = f"/api/v1/sessions/{session.pk}/occurrences/{occurrence['key']}/"
        response = client_for().get(url)
        assert response.status_code == 200, response.json()
        assert response.json()["start"] == occurrence["start"]


def test_the_migration_keeps_starts_stored_with_fractions_to_the_second():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("rooms.scheduling.migrations.0003_whole_second_starts")
    session = make_session(count=2)
    fraction = session.start.replace(microsecond=250000)
    GroupSession.objects.filter(pk=session.pk).update(
        start=fraction
    )  # as an older Hearth stored it
    migration.truncate_fractions(apps, None)
    session.refresh_from_db()
    assert session.start == fraction.replace(microsecond=0)
    key = listing()["results"][0]["key"]
    assert client_for().get(f"/api/v1/sessions/{session.pk}/occurrences/{key}/").status_code == 200
