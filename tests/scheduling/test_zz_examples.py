import json
from datetime import datetime
from zoneinfo import ZoneInfo
import pytest
from tests.scheduling.factories import client_for, make_user

@pytest.mark.django_db
def test_examples(settings):
    f = make_user(facilitator=True, name="Sam")
    c = client_for(f)
    body = {"title": "No contact, week 1", "description": "A facilitated group for the first weeks of no contact.", "topic": "no-contact", "start": "2027-03-16T19:00:00", "duration_minutes": 90, "time_zone": "Europe/London", "recurrence": {"frequency": "weekly", "count": 6}, "capacity": 12}
    r = c.post("/api/v1/sessions/", body, content_type="application/json")
    print("CREATE", r.status_code, json.dumps(r.json(), indent=2))
    sid = r.json()["id"]
    r = client_for().get("/api/v1/occurrences/?from=2027-03-20T00:00:00Z&to=2027-04-01T00:00:00Z&page_size=1")
    print("LIST", json.dumps(r.json(), indent=2))
    key = r.json()["results"][0]["key"]
    anon = client_for()
    r = anon.post(f"/api/v1/sessions/{sid}/occurrences/{key}/rsvp/", content_type="application/json")
    d = r.json(); d["ics"] = d["ics"][:80] + "..."
    print("RSVP", r.status_code, json.dumps(d, indent=2))
    r = c.post("/api/v1/sessions/", body | {"capacity": 0, "time_zone": "Mars/Olympus", "rrule": "FREQ=SOMETIMES", "recurrence": None} , content_type="application/json")
    print("BAD", r.status_code, json.dumps(r.json(), indent=2))
    r = c.post("/api/v1/sessions/", {k:v for k,v in (body | {"time_zone": "Mars/Olympus"}).items()}, content_type="application/json")
    print("BADTZ", r.status_code, json.dumps(r.json(), indent=2))
    r = c.post(f"/api/v1/sessions/{sid}/occurrences/20270323T190000Z/cancel/", content_type="application/json")
    print("CANCEL", r.status_code, r.json()["status"])
    r = anon.post(f"/api/v1/sessions/{sid}/occurrences/20270323T190000Z/rsvp/", content_type="application/json")
    print("CONFLICT", r.status_code, json.dumps(r.json()))
    r = client_for().get(f"/api/v1/sessions/{sid}.ics")
    print("ICS", r.content.decode())
