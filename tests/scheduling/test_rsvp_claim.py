"""Claiming an RSVP: moving it, by its token, to the browser (identity) that asks.

Each browser is a test client with its own ``hearth_session`` cookie, so its own identity, as a
phone and a laptop would be. The seat this moves in the room is ``test_rsvp_seats``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rooms.identity import SESSION_KEY, Identity
from rooms.scheduling.models import RSVP
from tests.scheduling.factories import client_for, make_session, make_user
from tests.scheduling.test_rsvp_api import lookup, post, rsvp, rsvp_url

pytestmark = pytest.mark.django_db

CLAIM = "/api/v1/rsvps/claim/"


def claim(client: Client, token: str) -> Any:
    return post(client, CLAIM, {"token": token})


def identity_key(client: Client) -> str:
    """The keyed hash of the identity in this browser's session cookie."""
    return Identity(token=client.session[SESSION_KEY]).key


def my_rsvp(client: Client) -> list[str]:
    """This browser's RSVP state for each listed occurrence, as the schedule page reads it."""
    return [o["rsvp"] for o in client.get("/api/v1/occurrences/").json()["results"]]


def test_a_claim_moves_the_rsvp_to_this_browser_with_a_new_token():
    session = make_session(count=1, capacity=3)
    url = rsvp_url(session)
    phone, laptop = client_for(), client_for()
    made = rsvp(phone, url)
    laptop.get("/schedule/")  # the laptop has an identity of its own

    response = claim(laptop, made["token"])

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["moved"] is True
    assert data["status"] == "confirmed" and data["waitlist_position"] is None
    assert data["occurrence"]["rsvp"] == "confirmed"
    assert data["occurrence"]["seats_taken"] == 1  # the same seat, not a second one
    assert data["token"] != made["token"]
    assert RSVP.objects.get().identity_key == identity_key(laptop)
    assert my_rsvp(laptop) == ["confirmed"]
    assert my_rsvp(phone) == ["none"]
    # The old token (the phone's copy, or anyone's who saw it) stops working; the new one works.
    assert lookup(made["token"]).status_code == 404
    assert post(client_for(), "/api/v1/rsvps/cancel/", {"token": made["token"]}).status_code == 404
    assert lookup(data["token"]).json()["status"] == "confirmed"


def test_claiming_keeps_a_waitlist_place_and_the_promotion_that_follows():
    session = make_session(count=1, capacity=1)
    url = rsvp_url(session)
    seated = rsvp(client_for(), url)
    first, second = rsvp(client_for(), url), rsvp(client_for(), url)
    assert (first["waitlist_position"], second["waitlist_position"]) == (1, 2)
    laptop = client_for()

    moved = claim(laptop, first["token"]).json()

    assert moved["status"] == "waitlisted" and moved["waitlist_position"] == 1
    assert lookup(second["token"]).json()["waitlist_position"] == 2  # the line kept its order
    post(client_for(), "/api/v1/rsvps/cancel/", {"token": seated["token"]})
    assert lookup(moved["token"]).json()["status"] == "confirmed"
    assert lookup(second["token"]).json()["waitlist_position"] == 1
    assert my_rsvp(laptop) == ["confirmed"]


def test_a_cancelled_rsvp_moves_but_stays_cancelled_and_frees_no_seat_twice():
    session = make_session(count=1, capacity=1)
    url = rsvp_url(session)
    made = rsvp(client_for(), url)
    post(client_for(), "/api/v1/rsvps/cancel/", {"token": made["token"]})
    waiting_then_seated = rsvp(client_for(), url)
    assert waiting_then_seated["status"] == "confirmed"
    laptop = client_for()
    rsvp(laptop, url)  # this browser's own live RSVP: waitlisted

    response = claim(laptop, made["token"])

    assert response.status_code == 200  # a cancelled RSVP is no second seat: no conflict
    assert response.json()["status"] == "cancelled"
    assert response.json()["occurrence"]["seats_taken"] == 1
    assert my_rsvp(laptop) == ["waitlisted"]  # its own RSVP is untouched


def test_claiming_ones_own_rsvp_changes_nothing():
    session = make_session(count=1)
    url = rsvp_url(session)
    phone, laptop = client_for(), client_for()
    made = rsvp(phone, url)
    same = claim(phone, made["token"]).json()
    assert same["moved"] is False and same["token"] == made["token"]
    assert lookup(made["token"]).status_code == 200

    moved = claim(laptop, made["token"]).json()
    again = claim(laptop, moved["token"]).json()
    assert again["moved"] is False and again["token"] == moved["token"]
    assert again["status"] == "confirmed"
    assert RSVP.objects.get().identity_key == identity_key(laptop)


def test_a_browser_without_an_identity_gets_one_and_the_rsvp():
    session = make_session(count=1)
    made = rsvp(client_for(), rsvp_url(session))
    fresh = client_for()
    assert "hearth_session" not in fresh.cookies

    response = claim(fresh, made["token"])

    assert response.status_code == 200
    assert "hearth_session" in response.cookies  # created on the way, as an RSVP does
    assert RSVP.objects.get().identity_key == identity_key(fresh)
    assert my_rsvp(fresh) == ["confirmed"]


def test_a_browser_with_its_own_live_rsvp_to_the_meeting_must_give_one_up_first():
    session = make_session(count=1, capacity=3)
    url = rsvp_url(session)
    phone, laptop = client_for(), client_for()
    theirs = rsvp(phone, url)
    mine = rsvp(laptop, url)

    response = claim(laptop, theirs["token"])

    assert response.status_code == 409
    assert response.json()["code"] == "already_rsvped"
    assert "Cancel one" in response.json()["detail"]
    assert my_rsvp(phone) == ["confirmed"] and my_rsvp(laptop) == ["confirmed"]
    assert lookup(theirs["token"]).status_code == 200  # nothing moved, no token changed
    # Once this browser gave its own up, the claim goes through.
    post(laptop, "/api/v1/rsvps/cancel/", {"token": mine["token"]})
    assert claim(laptop, theirs["token"]).json()["moved"] is True
    assert my_rsvp(phone) == ["none"] and my_rsvp(laptop) == ["confirmed"]


def test_a_live_rsvp_to_another_meeting_is_no_conflict():
    session = make_session(count=2)
    phone, laptop = client_for(), client_for()
    theirs = rsvp(phone, rsvp_url(session, 0))
    rsvp(laptop, rsvp_url(session, 1))
    assert claim(laptop, theirs["token"]).status_code == 200
    assert my_rsvp(laptop) == ["confirmed", "confirmed"]


def test_an_rsvp_to_a_cancelled_occurrence_can_still_be_claimed():
    session = make_session(count=1)
    url = rsvp_url(session)
    made = rsvp(client_for(), url)
    cancelled = post(client_for(session.facilitator), f"{url}cancel/")
    assert cancelled.status_code == 200
    laptop = client_for()
    response = claim(laptop, made["token"])
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert response.json()["occurrence"]["status"] == "cancelled"


def test_no_response_names_an_identity():
    session = make_session(count=1, capacity=3)
    url = rsvp_url(session)
    phone, laptop = client_for(), client_for()
    theirs = rsvp(phone, url)
    rsvp(laptop, url)
    keys = {identity_key(phone), identity_key(laptop)}
    tokens = {phone.session[SESSION_KEY], laptop.session[SESSION_KEY]}
    refused = claim(laptop, theirs["token"])
    post(laptop, "/api/v1/rsvps/cancel/", {"token": rsvp(laptop, url)["token"]})
    moved = claim(laptop, theirs["token"])
    for response in (refused, moved):
        text = response.content.decode()
        assert not any(secret in text for secret in keys | tokens)
    fields = {"status", "waitlist_position", "occurrence", "token", "ics", "moved"}
    assert set(moved.json()) == fields


def test_claims_share_the_rsvp_allowance_of_the_identity(settings):
    settings.HEARTH_RSVP_RATE = "2/hour"
    session = make_session(count=3)
    laptop = client_for()
    rsvp(laptop, rsvp_url(session, 0))
    first = rsvp(client_for(), rsvp_url(session, 1))
    second = rsvp(client_for(), rsvp_url(session, 2))
    assert claim(laptop, first["token"]).status_code == 200

    throttled = claim(laptop, second["token"])

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert lookup(second["token"]).status_code == 200  # not moved
    assert claim(client_for(), second["token"]).status_code == 200  # another identity may


def test_a_signed_in_claim_needs_csrf_like_any_session_write():
    session = make_session(count=1)
    made = rsvp(client_for(), rsvp_url(session))
    client = client_for(make_user(), enforce_csrf_checks=True)
    assert claim(client, made["token"]).status_code == 403
    assert lookup(made["token"]).status_code == 200
