"""Crisis resources: the shipped data file, its validation, the lookups and Accept-Language.

Pure tests: no database, no network. The data tests pin real numbers so that a typo in
resources.json fails here before it reaches a person in crisis.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from moderation import resources as res
from moderation.resources import (
    CountryResources,
    ResourceDataError,
    country_from_accept_language,
    load_resources,
    parse_resources,
    resources_for,
    resources_for_reason,
    supported_countries,
    to_json,
)

REQUIRED_COUNTRIES = ["US", "CA", "GB", "IE", "AU", "NZ"]
CHECK_DATE = date(2026, 11, 25)


@pytest.fixture(scope="module")
def raw_data() -> dict[str, Any]:
    return json.loads(res.DATA_PATH.read_text(encoding="utf-8"))


def all_resources() -> list[tuple[str, res.Resource]]:
    return [(code, r) for code, c in load_resources().countries.items() for r in c.resources]


def resource_id(param: tuple[str, res.Resource]) -> str:
    return param[1].id


# --- the shipped data file -------------------------------------------------------------------


def test_data_file_validates_and_is_cached() -> None:
    data = load_resources()
    assert data.schema_version == 1
    assert data.fallback_country == "INTL"
    assert data.fallback.is_fallback
    assert set(REQUIRED_COUNTRIES) <= set(data.countries)
    assert load_resources() is data


@pytest.mark.parametrize(
    ("country", "emergency", "also"),
    [
        ("US", "911", set()),
        ("CA", "911", set()),
        ("GB", "999", {"112"}),
        ("IE", "112", {"999"}),
        ("AU", "000", {"112"}),
        ("NZ", "111", set()),
    ],
)
def test_emergency_numbers(country: str, emergency: str, also: set[str]) -> None:
    found = resources_for(country)
    assert found.code == country
    assert found.emergency == emergency
    assert set(found.emergency_other) == also
    dialled = [r.phone_dial for r in found.resources if r.has_category(res.EMERGENCY)]
    assert emergency in dialled


@pytest.mark.parametrize("country", REQUIRED_COUNTRIES)
def test_required_country_has_suicide_and_domestic_abuse_lines(country: str) -> None:
    found = resources_for(country)
    suicide = [r for r in found.resources if r.has_category(res.SUICIDE)]
    abuse = [r for r in found.resources if r.has_category(res.DOMESTIC_ABUSE)]
    # A line, not just a website: someone must be reachable by phone or text.
    assert any(r.phone_dial or r.sms for r in suicide), f"{country}: no suicide line"
    assert any(r.phone_dial or r.sms for r in abuse), f"{country}: no domestic abuse line"


@pytest.mark.parametrize(
    ("country", "resource_id", "dial", "sms", "sms_body"),
    [
        ("US", "us-988", "988", "988", None),
        ("US", "us-ndvh", "18007997233", "88788", "START"),
        ("US", "us-crisis-text-line", None, "741741", "HOME"),
        ("CA", "ca-988", "988", "988", None),
        ("CA", "ca-khp-text", None, "686868", "CONNECT"),
        ("GB", "gb-samaritans", "116123", None, None),
        ("GB", "gb-ndah", "08082000247", None, None),
        ("GB", "gb-mal", "08088010327", None, None),
        ("GB", "gb-shout", None, "85258", "SHOUT"),
        ("IE", "ie-samaritans", "116123", None, None),
        ("IE", "ie-womens-aid", "1800341900", None, None),
        ("IE", "ie-50808", None, "50808", None),
        ("AU", "au-lifeline", "131114", "0477131114", None),
        ("AU", "au-1800respect", "1800737732", "0458737732", None),
        ("NZ", "nz-1737", "1737", "1737", None),
        ("NZ", "nz-lifeline", "0800543354", "4357", None),
        ("NZ", "nz-womens-refuge", "0800733843", None, None),
    ],
)
def test_known_numbers(
    country: str, resource_id: str, dial: str | None, sms: str | None, sms_body: str | None
) -> None:
    by_id = {r.id: r for r in resources_for(country).resources}
    found = by_id[resource_id]
    assert (found.phone_dial, found.sms, found.sms_body) == (dial, sms, sms_body)


@pytest.mark.parametrize("entry", all_resources(), ids=resource_id)
def test_dial_strings_are_digits_and_plus(entry: tuple[str, res.Resource]) -> None:
    _, resource = entry
    if resource.phone_dial is not None:
        assert re.fullmatch(r"\+?[0-9]+", resource.phone_dial)
    if resource.sms is not None:
        assert re.fullmatch(r"[0-9]+", resource.sms)


@pytest.mark.parametrize("entry", all_resources(), ids=resource_id)
def test_urls_are_https(entry: tuple[str, res.Resource]) -> None:
    _, resource = entry
    urls = [resource.source, *resource.extra_sources, resource.chat_url, resource.url]
    for url in filter(None, urls):
        assert url.startswith("https://"), url


@pytest.mark.parametrize("entry", all_resources(), ids=resource_id)
def test_verified_entries_carry_the_check_date(entry: tuple[str, res.Resource]) -> None:
    _, resource = entry
    if resource.verified:
        assert resource.checked == CHECK_DATE
    else:
        assert resource.checked is None
        assert resource.note


def test_categories_are_known() -> None:
    for _, resource in all_resources():
        assert set(resource.categories) <= {"suicide", "domestic_abuse", "emergency"}


# --- lookups and fallback -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("GB", "GB"),
        ("gb", "GB"),
        (" us ", "US"),
        ("Nz", "NZ"),
        ("UK", "GB"),
        ("ZZ", "INTL"),
        ("FR", "INTL"),
        ("", "INTL"),
        (None, "INTL"),
        ("INTL", "INTL"),
        ("united kingdom", "INTL"),
    ],
)
def test_resources_for_country_codes(given: str | None, expected: str) -> None:
    assert resources_for(given).code == expected


def test_fallback_tells_people_to_call_their_emergency_number() -> None:
    fallback = resources_for(None)
    assert fallback.is_fallback
    assert fallback.emergency is None
    assert fallback.note and "emergency number" in fallback.note
    assert any("findahelpline.com" in (r.url or "") for r in fallback.resources)


@pytest.mark.parametrize(
    ("country", "categories", "first_category", "all_have"),
    [
        ("GB", ["domestic_abuse"], "domestic_abuse", {"domestic_abuse"}),
        ("US", ["emergency", "suicide"], "emergency", {"emergency", "suicide"}),
        ("AU", ["suicide", "emergency"], "suicide", {"emergency", "suicide"}),
        ("NZ", ["emergency"], "emergency", {"emergency"}),
    ],
)
def test_categories_filter_and_order(
    country: str, categories: list[str], first_category: str, all_have: set[str]
) -> None:
    found = resources_for(country, categories=categories)
    assert found.resources
    assert found.resources[0].has_category(first_category)
    for resource in found.resources:
        assert set(resource.categories) & all_have
    unfiltered = resources_for(country).resources
    expected = [r for r in unfiltered if set(r.categories) & set(categories)]
    assert sorted(r.id for r in found.resources) == sorted(r.id for r in expected)


def test_single_category_string_is_one_category() -> None:
    found = resources_for("IE", categories="emergency")
    assert [r.id for r in found.resources] == ["ie-emergency"]


def test_unknown_category_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown resource categories"):
        resources_for("GB", categories=["self_harm"])


def _is_prioritised(found: CountryResources, priority: tuple[str, ...]) -> bool:
    flags = [any(r.has_category(c) for c in priority) for r in found.resources]
    # Every relevant resource comes before every other one.
    return flags == sorted(flags, reverse=True)


@pytest.mark.parametrize("country", [*REQUIRED_COUNTRIES, "INTL"])
@pytest.mark.parametrize(
    ("reason", "first", "priority"),
    [
        ("crisis_self", "suicide", ("suicide", "emergency")),
        ("crisis_danger", "emergency", ("emergency", "domestic_abuse")),
    ],
)
def test_reason_ordering(country: str, reason: str, first: str, priority: tuple[str, ...]) -> None:
    found = resources_for_reason(country, reason)
    assert _is_prioritised(found, priority)
    if country != "INTL":
        assert found.resources[0].has_category(first)
    # Ordering only: nothing is dropped or added.
    assert sorted(r.id for r in found.resources) == sorted(
        r.id for r in resources_for(country).resources
    )


def test_crisis_self_puts_emergency_right_after_suicide_lines() -> None:
    ids = [r.id for r in resources_for_reason("GB", "crisis_self").resources]
    assert ids.index("gb-emergency") < ids.index("gb-ndah")
    assert ids.index("gb-samaritans") < ids.index("gb-emergency")


def test_unknown_reason_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown reason"):
        resources_for_reason("GB", "crisis")


def test_supported_countries() -> None:
    countries = supported_countries()
    codes = [code for code, _ in countries]
    assert len(codes) == len(set(codes))
    assert set(REQUIRED_COUNTRIES) <= set(codes)
    assert ("GB", "United Kingdom") in countries
    assert countries[-1] == ("INTL", "International")
    names = [name for code, name in countries if code != "INTL"]
    assert names == sorted(names)


# --- Accept-Language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB,en;q=0.9", "GB"),
        ("fr-CA", "CA"),
        ("en-US;q=0.8, en-AU", "AU"),
        ("en-AU, en-GB", "AU"),
        ("en-GB;q=0.5, en-IE;q=0.5", "GB"),
        ("en-IE;q=0.5, en-GB;q=0.5", "IE"),
        ("de-DE, en-NZ;q=0.5", "NZ"),
        ("en-gb", "GB"),
        ("EN-US", "US"),
        ("en-US;Q=0.1, en-CA;q=0.2", "CA"),
        ("zh-Hant-TW, en-IE;q=0.3", "IE"),
        ("es-419, en-CA;q=0.1", "CA"),
        ("en_GB", "GB"),
        ("en-GB-oxendict", "GB"),
        ("en-US;q=0, en-GB;q=0.1", "GB"),
        ("en-GB;q=abc, en-AU;q=0.5", "AU"),
        ("en-US;q=2, en-NZ;q=0.4", "NZ"),
        ("en-US;q=nan, en-NZ;q=0.4", "NZ"),
        ("en", None),
        ("en, fr", None),
        ("en-US;q=0", None),
        ("de-DE, fr-FR", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_country_from_accept_language(header: str | None, expected: str | None) -> None:
    assert country_from_accept_language(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        ";;;",
        ",,,",
        "q=0.5",
        "en-GB;q=",
        "en-GB;q=0.9;q=0.1",
        " ; q=0.8",
        "-GB",
        "en--GB",
        "en-\x00GB",
        "\u00e9n-GB",
        "en-GB;q=1e400",
        "a" * 100_000,
        "en-GB," * 10_000,
        "en-",
        "=;=,=",
    ],
)
def test_malformed_accept_language_never_raises(header: str) -> None:
    result = country_from_accept_language(header)
    assert result is None or result in REQUIRED_COUNTRIES


def test_accept_language_ignores_non_strings() -> None:
    assert country_from_accept_language(b"en-GB") is None  # type: ignore[arg-type]


# --- to_json --------------------------------------------------------------------------------

RESOURCE_KEYS = {
    "name",
    "phone",
    "phone_dial",
    "sms",
    "sms_body",
    "chat_url",
    "url",
    "hours",
    "categories",
    "source",
    "checked",
    "verified",
    "note",
}


@pytest.mark.parametrize("country", [*REQUIRED_COUNTRIES, None])
def test_to_json_shape(country: str | None) -> None:
    payload = to_json(resources_for_reason(country, "crisis_danger"))
    assert set(payload) == {
        "country",
        "country_name",
        "emergency",
        "emergency_other",
        "note",
        "resources",
    }
    assert json.loads(json.dumps(payload)) == payload
    for item in payload["resources"]:
        assert set(item) == RESOURCE_KEYS
        assert item["checked"] in (None, "2026-11-25")


def test_to_json_values() -> None:
    payload = to_json(resources_for("GB"))
    assert payload["country"] == "GB"
    assert payload["country_name"] == "United Kingdom"
    assert payload["emergency"] == "999"
    shout = next(r for r in payload["resources"] if r["name"] == "Shout")
    assert shout["sms"] == "85258"
    assert shout["sms_body"] == "SHOUT"
    assert shout["phone"] is None
    assert shout["categories"] == ["suicide"]


def test_to_json_fallback() -> None:
    payload = to_json(resources_for("XX"))
    assert payload["country"] == "INTL"
    assert payload["emergency"] is None
    assert "emergency number" in payload["note"]


# --- validation of bad data -----------------------------------------------------------------


def _gb_resource(data: dict[str, Any], resource_id: str) -> dict[str, Any]:
    return next(r for r in data["countries"]["GB"]["resources"] if r["id"] == resource_id)


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *keys, last = path.split(".")
        target: Any = data
        for key in keys:
            target = target[key]
        target[last] = value

    return mutate


def _set_gb(resource_id: str, **changes: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        _gb_resource(data, resource_id).update(changes)

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set_gb("gb-samaritans", phone={"display": "116 123", "dial": "116 123"}), "Samaritans"),
        (_set_gb("gb-ndah", phone={"display": "x", "dial": "tel:08082000247"}), "phone.dial"),
        (_set_gb("gb-shout", sms={"number": "SHOUT", "keyword": None}), "sms.number"),
        (_set_gb("gb-shout", source="http://giveusashout.org/"), "https"),
        (_set_gb("gb-shout", chat_url="javascript:alert(1)"), "chat_url"),
        (_set_gb("gb-shout", categories=["suicide", "self_harm"]), "self_harm"),
        (_set_gb("gb-shout", categories=[]), "categories"),
        (_set_gb("gb-shout", checked="25/11/2026"), "checked"),
        (_set_gb("gb-shout", checked=None), "checked"),
        (_set_gb("gb-shout", verified="yes"), "verified"),
        (_set_gb("gb-mal", phone=None, url=None), "at least one"),
        (_set("countries.GB.emergency", None), "countries.GB.emergency"),
        (_set("countries.GB.emergency", "911"), "emergency number 911"),
        (_set("countries.INTL.note", None), "local emergency number"),
        (_set("fallback_country", "XX"), "fallback_country"),
        (_set("schema_version", 2), "schema_version"),
        (_set("countries.gb", {"name": "x"}), "ISO 3166-1"),
    ],
)
def test_bad_data_is_rejected_with_a_clear_message(
    raw_data: dict[str, Any], mutate: Any, message: str
) -> None:
    data = copy.deepcopy(raw_data)
    mutate(data)
    with pytest.raises(ResourceDataError, match=re.escape(message)):
        parse_resources(data)


def test_unverified_entry_must_not_claim_a_check(raw_data: dict[str, Any]) -> None:
    data = copy.deepcopy(raw_data)
    awhl = next(r for r in data["countries"]["CA"]["resources"] if r["id"] == "ca-awhl")
    awhl["checked"] = "2026-11-25"
    with pytest.raises(ResourceDataError, match=r"countries\.CA\.resources\[\d+\] \(Assaulted"):
        parse_resources(data)


def test_unparseable_file_is_a_data_error(tmp_path: Any) -> None:
    broken = tmp_path / "resources.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ResourceDataError, match="not valid JSON"):
        load_resources(broken)


def test_shipped_raw_data_round_trips(raw_data: dict[str, Any]) -> None:
    assert parse_resources(raw_data).countries.keys() == load_resources().countries.keys()
