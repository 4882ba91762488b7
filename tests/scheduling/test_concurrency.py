"""Capacity under parallel requests, on the real PostgreSQL: no overbooking, fair promotion."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test import Client

from rooms.scheduling.models import RSVP, Occurrence
from rooms.scheduling.selectors import occurrence_key, token_hash
from tests.scheduling.factories import make_session

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def in_parallel(calls):
    """Run each call in its own thread (own database connection), all released at once."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as error:  # surfaced by the assertion below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(result, BaseException) for result in results), results
    return results


def rsvp_call(url):
    def call():
        response = Client().post(url, content_type="application/json")
        return response.status_code, response.json()

    return call


def cancel_call(token):
    def call():
        response = Client().post(
            "/api/v1/rsvps/cancel/", {"token": token}, content_type="application/json"
        )
        return response.status_code, response.json()

    return call


def test_parallel_rsvps_never_overbook(settings):
    settings.HEARTH_RSVP_NETWORK_RATE = "1000/hour"  # thirty people, all on 127.0.0.1 here
    session = make_session(capacity=5)
    url = f"/api/v1/sessions/{session.pk}/occurrences/{occurrence_key(session.start)}/rsvp/"
    results = in_parallel([rsvp_call(url) for _ in range(30)])
    assert {code for code, _ in results} == {201}
    statuses = Counter(body["status"] for _, body in results)
    assert statuses == {"confirmed": 5, "waitlisted": 25}
    positions = sorted(
        body["waitlist_position"] for _, body in results if body["waitlist_position"]
    )
    assert positions == list(range(1, 26))
    assert RSVP.objects.filter(status=RSVP.Status.CONFIRMED).count() == 5


def test_parallel_cancellations_promote_in_order_without_overbooking():
    session = make_session(capacity=5)
    url = f"/api/v1/sessions/{session.pk}/occurrences/{occurrence_key(session.start)}/rsvp/"
    first = [rsvp_call(url)() for _ in range(10)]
    confirmed = [body["token"] for _, body in first if body["status"] == "confirmed"]
    waiting = sorted(
        (
            (body["waitlist_position"], body["token"])
            for _, body in first
            if body["waitlist_position"]
        )
    )
    calls = [cancel_call(token) for token in confirmed[:3]] + [rsvp_call(url) for _ in range(6)]
    results = in_parallel(calls)
    assert {code for code, _ in results} <= {200, 201}
    assert RSVP.objects.filter(status=RSVP.Status.CONFIRMED).count() == 5
    promoted = {
        token
        for _, token in waiting
        if Client()
        .post("/api/v1/rsvps/lookup/", {"token": token}, content_type="application/json")
        .json()["status"]
        == "confirmed"
    }
    # The three seats went to the first three in line, not to anyone who came later.
    assert promoted == {token for _, token in waiting[:3]}


def test_a_cancel_racing_a_new_token_for_the_same_rsvp_is_a_404_not_a_500():
    """The cancel reads the RSVP by its token, then waits for the occurrence's lock, which an
    RSVP again (or a claim) holds while it gives the RSVP a new token: the old token then
    cancels nothing. It used to look the RSVP up by the old token again and fail (500)."""
    session = make_session(capacity=3)
    url = f"/api/v1/sessions/{session.pk}/occurrences/{occurrence_key(session.start)}/rsvp/"
    browser = Client()
    old_token = browser.post(url, content_type="application/json").json()["token"]
    locked = threading.Event()

    def new_token_under_the_lock() -> None:
        try:
            with transaction.atomic():  # as rsvp_create does for someone's live RSVP
                row = Occurrence.objects.select_for_update().get()
                RSVP.objects.filter(occurrence=row).update(token_hash=token_hash("new-token"))
                locked.set()
                time.sleep(0.5)  # the cancel below is now waiting for the lock
        finally:
            connection.close()

    thread = threading.Thread(target=new_token_under_the_lock)
    thread.start()
    assert locked.wait(10)
    response = Client().post(
        "/api/v1/rsvps/cancel/", {"token": old_token}, content_type="application/json"
    )
    thread.join(10)

    assert response.status_code == 404, response.content
    assert "token" in response.json()["detail"]
    assert RSVP.objects.get().status == RSVP.Status.CONFIRMED
