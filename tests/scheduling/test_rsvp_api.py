"""Anonymous RSVPs: tokens, capacity, the waitlist and its promotions, throttling, privacy."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from rooms.scheduling.models import RSVP
from tests.scheduling.factories import client_for, make_session, make_user

pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def rsvp_url(session, index=0):
    key = client_for().get(f"/api/v1/occurrences/?topic={session.topic}").json()["results"][index]
    return f"/api/v1/sessions/{session.pk}/occurrences/{key['key']}/"


def rsvp(client, url):
    response = post(client, f"{url}rsvp/")
    assert response.status_code in (200, 201), response.json()
    return response.json()


def lookup(token):
    return post(client_for(), "/api/v1/rsvps/lookup/", {"token": token})


def test_anonymous_rsvp_returns_a_token_once_and_an_ics():
    session = make_session(capacity=3)
    url = rsvp_url(session)
    client = client_for()
    response = post(client, f"{url}rsvp/")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    assert "hearth_session" in response.cookies  # the identity now lives in the session
    data = response.json()
    assert data["status"] == "confirmed" and data["waitlist_position"] is None
    assert len(data["token"]) >= 40
    assert data["occurrence"]["seats_taken"] == 1 and data["occurrence"]["rsvp"] == "confirmed"
    stored = RSVP.objects.get()
    assert data["token"] not in {stored.token_hash, stored.identity_key}
    assert len(stored.identity_key) == 32  # a keyed hash, not an email or an address
    event = Calendar.from_ical(data["ics"]).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == session.title
    assert "RRULE" not in event
    assert data["token"] not in data["ics"]
    assert lookup(data["token"]).json()["status"] == "confirmed"


def test_the_same_identity_rsvps_once_and_gets_a_new_token():
    session = make_session(capacity=3)
    url = rsvp_url(session)
    client = client_for()
    first = rsvp(client, url)
    again = post(client, f"{url}rsvp/")
    assert again.status_code == 200
    assert again.json()["token"] != first["token"]
    assert again.json()["occurrence"]["seats_taken"] == 1
    assert lookup(first["token"]).status_code == 404
    assert lookup(again.json()["token"]).status_code == 200


def test_full_occurrence_waitlists_and_a_cancellation_promotes_the_first_in_line():
    session = make_session(capacity=2)
    url = rsvp_url(session)
    seats = [rsvp(client_for(), url) for _ in range(2)]
    waiting = [rsvp(client_for(), url) for _ in range(3)]
    assert [w["status"] for w in waiting] == ["waitlisted"] * 3
    assert [w["waitlist_position"] for w in waiting] == [1, 2, 3]
    assert waiting[-1]["occurrence"]["seats_left"] == 0
    assert waiting[-1]["occurrence"]["waitlisted"] == 3

    cancelled = post(client_for(), "/api/v1/rsvps/cancel/", {"token": seats[0]["token"]})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert lookup(waiting[0]["token"]).json()["status"] == "confirmed"
    assert lookup(waiting[1]["token"]).json()["waitlist_position"] == 1
    assert lookup(waiting[2]["token"]).json()["waitlist_position"] == 2
    # A waitlisted person leaving promotes nobody and moves the others up.
    post(client_for(), "/api/v1/rsvps/cancel/", {"token": waiting[1]["token"]})
    assert lookup(waiting[2]["token"]).json()["waitlist_position"] == 1
    assert RSVP.objects.filter(status=RSVP.Status.CONFIRMED).count() == 2
    # Cancelling twice is a no-op: no second promotion.
    post(client_for(), "/api/v1/rsvps/cancel/", {"token": seats[0]["token"]})
    assert lookup(waiting[2]["token"]).json()["status"] == "waitlisted"


def test_raising_capacity_promotes_the_waitlist():
    session = make_session(capacity=1)
    url = rsvp_url(session)
    rsvp(client_for(), url)
    waiting = rsvp(client_for(), url)
    response = client_for(session.facilitator).patch(
        f"/api/v1/sessions/{session.pk}/", {"capacity": 2}, content_type="application/json"
    )
    assert response.status_code == 200
    assert lookup(waiting["token"]).json()["status"] == "confirmed"


def test_rsvp_state_is_per_identity():
    session = make_session(count=2)
    url = rsvp_url(session, 1)
    mine = client_for()
    rsvp(mine, url)
    listed = mine.get("/api/v1/occurrences/").json()["results"]
    assert [r["rsvp"] for r in listed] == ["none", "confirmed"]
    assert {r["rsvp"] for r in client_for().get("/api/v1/occurrences/").json()["results"]} == {
        "none"
    }


def test_rsvps_are_throttled_per_identity(settings):
    settings.HEARTH_RSVP_RATE = "2/hour"
    session = make_session(count=4)
    client = client_for()
    for index in range(2):
        rsvp(client, rsvp_url(session, index))
    throttled = post(client, f"{rsvp_url(session, 2)}rsvp/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    # Another identity is not held back by the first.
    assert post(client_for(), f"{rsvp_url(session, 2)}rsvp/").status_code == 201


def test_rsvps_without_cookies_are_throttled_per_network(settings):
    """A script that drops its cookie gets a fresh identity each time; its network does not."""
    settings.HEARTH_RSVP_RATE = "100/hour"
    settings.HEARTH_RSVP_NETWORK_RATE = "3/hour"
    url = rsvp_url(make_session(count=1, capacity=10))
    for _ in range(3):  # a fresh client each time: no cookie, a new identity
        assert post(client_for(REMOTE_ADDR="203.0.113.7"), f"{url}rsvp/").status_code == 201
    refused = post(client_for(REMOTE_ADDR="203.0.113.7"), f"{url}rsvp/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # A claim is an RSVP write too: the same allowance.
    claim = post(client_for(REMOTE_ADDR="203.0.113.7"), "/api/v1/rsvps/claim/", {"token": "x" * 43})
    assert claim.status_code == 429
    # Someone on another network is not held back.
    assert post(client_for(REMOTE_ADDR="198.51.100.20"), f"{url}rsvp/").status_code == 201


def test_the_network_limit_keeps_no_address(settings):
    settings.HEARTH_RSVP_NETWORK_RATE = "3/hour"
    url = rsvp_url(make_session(count=1))
    post(client_for(REMOTE_ADDR="203.0.113.7"), f"{url}rsvp/")
    from django.core.cache import cache

    keys = list(cache._cache.keys())  # locmem (tests/scheduling/conftest.py)
    assert keys and not any("203.0.113.7" in key for key in keys)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"token": "not-a-token"}, 404),
        ({"token": ""}, 400),
        ({"token": "x" * 500}, 400),
        ({}, 400),
        ({"token": 12}, 404),
        ({"token": "\ud800"}, 400),
    ],
)
def test_cancel_lookup_and_claim_need_a_real_token(body, code):
    make_session()
    for endpoint in ("cancel", "lookup", "claim"):
        assert post(client_for(), f"/api/v1/rsvps/{endpoint}/", body).status_code == code


def test_a_participant_cannot_cancel_someone_elses_rsvp_without_their_token():
    session = make_session(capacity=1)
    url = rsvp_url(session)
    theirs = rsvp(client_for(), url)
    participant = client_for()
    mine = rsvp(participant, url)
    assert mine["status"] == "waitlisted"
    # The participant has no way to name another person's RSVP: only tokens do.
    response = post(participant, "/api/v1/rsvps/cancel/", {"token": mine["token"][::-1]})
    assert response.status_code == 404
    assert lookup(theirs["token"]).json()["status"] == "confirmed"


def test_rsvp_to_missing_things():
    session = make_session()
    base = f"/api/v1/sessions/{session.pk}/occurrences/"
    assert post(client_for(), f"{base}20200101T000000Z/rsvp/").status_code == 404
    assert (
        post(client_for(), "/api/v1/sessions/999999/occurrences/20200101T000000Z/rsvp/").status_code
        == 404
    )
    assert post(client_for(), f"{base}garbage/rsvp/").status_code == 404


def test_logged_in_rsvp_needs_csrf_like_any_session_write():
    session = make_session()
    url = rsvp_url(session)
    client = client_for(make_user(), enforce_csrf_checks=True)
    assert post(client, f"{url}rsvp/").status_code == 403
