"""Which region's resources a person gets, and the resources API."""

from __future__ import annotations

import json

import pytest

from moderation.crisis import resources_frame_for, visitor_region


@pytest.mark.parametrize(
    ("query", "accept_language", "region"),
    [
        (b"region=gb", None, "GB"),
        (b"region=NZ", b"en-US", "NZ"),
        (b"region=zz", b"en-AU,en;q=0.8", "AU"),
        (b"", b"fr-CA,fr;q=0.9", "CA"),
        (b"", b"en", None),
        (b"", None, None),
        (b"region=", b"garbage;;q=x", None),
    ],
)
def test_region_is_the_persons_choice_then_their_browser_never_an_address(
    query, accept_language, region
):
    headers = [(b"accept-language", accept_language)] if accept_language else []
    scope = {"query_string": query, "headers": headers, "client": ("203.0.113.9", 5555)}
    assert visitor_region(scope) == region


def test_resources_frame_puts_the_most_relevant_first():
    self_harm = json.loads(resources_frame_for(region="US", reason="crisis_self"))
    danger = json.loads(resources_frame_for(region="US", reason="crisis_danger"))
    assert self_harm["type"] == danger["type"] == "resources"
    assert "suicide" in self_harm["resources"][0]["categories"]
    assert "emergency" in danger["resources"][0]["categories"]
    unknown = json.loads(resources_frame_for(region=None, reason="crisis_self"))
    assert unknown["country"] == "INTL"


@pytest.mark.django_db
def test_resources_api_uses_the_chosen_country_or_accept_language(client):
    assert client.get("/api/resources/?country=IE").json()["country"] == "IE"
    chosen_by_browser = client.get("/api/resources/", HTTP_ACCEPT_LANGUAGE="en-NZ,en;q=0.5")
    assert chosen_by_browser.json()["country"] == "NZ"
    assert client.get("/api/resources/").json()["country"] == "INTL"
    countries = client.get("/api/resources/countries/").json()
    assert {"code": "GB", "name": "United Kingdom"} in countries
