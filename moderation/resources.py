"""Crisis resources by country: the data file, its validation, and the lookups on it.

This module owns ``moderation/data/resources.json`` (hotlines, text lines and emergency numbers
for each supported country, plus an international fallback), checks its shape once when it is
first loaded, and answers pure questions about it: which resources to show for a country and a
reason, and which supported country an Accept-Language header prefers.

It must not touch the database, the network, settings or a request. It never looks at IP
addresses: a person's region comes only from their own choice or from their browser's
Accept-Language header, and a bare language ("en") is not enough to guess one.

JSON shape returned by :func:`to_json`, used by the API and by the websocket "resources" frame::

    {
      "country": "GB",                  # ISO 3166-1 alpha-2, or "INTL" for the fallback
      "country_name": "United Kingdom",
      "emergency": "999",               # local emergency number; null for "INTL"
      "emergency_other": ["112"],       # other numbers that reach the same service
      "note": null,                     # country-level note; for "INTL" it says to call the
                                        # local emergency number
      "resources": [                    # most relevant first (see resources_for_reason)
        {
          "name": "Samaritans",
          "phone": "116 123",           # display string, or null
          "phone_dial": "116123",       # digits (and at most a leading "+") for a tel: link
          "sms": null,                  # number to text, or null
          "sms_body": null,             # keyword to prefill in an sms: link, or null
          "chat_url": null,             # https URL of a web chat, or null
          "url": "https://www.samaritans.org/",  # https website, or null
          "hours": "24/7",
          "categories": ["suicide"],    # subset of "suicide", "domestic_abuse", "emergency"
          "source": "https://...",      # the page that states the number
          "checked": "2026-11-25",      # ISO date the number was confirmed, or null
          "verified": true,             # false: well established but not confirmed in a source
          "note": "..."                 # or null
        }
      ]
    }
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

DATA_PATH: Final = Path(__file__).resolve().parent / "data" / "resources.json"
SCHEMA_VERSION: Final = 1

SUICIDE: Final = "suicide"
DOMESTIC_ABUSE: Final = "domestic_abuse"
EMERGENCY: Final = "emergency"
CATEGORIES: Final = frozenset({SUICIDE, DOMESTIC_ABUSE, EMERGENCY})

CRISIS_SELF: Final = "crisis_self"
CRISIS_DANGER: Final = "crisis_danger"

# Someone who wants to die is first offered a person to talk to, with the emergency number
# right behind; someone in danger now needs the emergency number before anything else.
REASON_PRIORITY: Final[Mapping[str, tuple[str, ...]]] = {
    CRISIS_SELF: (SUICIDE, EMERGENCY),
    CRISIS_DANGER: (EMERGENCY, DOMESTIC_ABUSE),
}

# "UK" is not ISO 3166-1 but is what many people type; it is reserved for GB for that reason.
_ALIASES: Final[Mapping[str, str]] = {"UK": "GB"}

_DIAL_RE: Final = re.compile(r"^\+?[0-9]{2,15}$")
_SMS_RE: Final = re.compile(r"^[0-9]{3,15}$")
_COUNTRY_RE: Final = re.compile(r"^[A-Z]{2}$")
_REGION_RE: Final = re.compile(r"^[A-Za-z]{2}$")
_LANGUAGE_RE: Final = re.compile(r"^[A-Za-z]{1,8}$")

# A header longer than this is hostile or broken; parsing all of it would only cost time.
_MAX_HEADER_LENGTH: Final = 4096
_MAX_LANGUAGE_RANGES: Final = 32


class ResourceDataError(ValueError):
    """The resources data file does not have the shape this module relies on."""


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    name: str
    phone: str | None
    phone_dial: str | None
    sms: str | None
    sms_body: str | None
    chat_url: str | None
    url: str | None
    hours: str
    categories: tuple[str, ...]
    source: str
    extra_sources: tuple[str, ...]
    checked: date | None
    verified: bool
    note: str | None

    def has_category(self, category: str) -> bool:
        return category in self.categories


@dataclass(frozen=True, slots=True)
class CountryResources:
    code: str
    name: str
    emergency: str | None
    emergency_other: tuple[str, ...]
    note: str | None
    resources: tuple[Resource, ...]
    is_fallback: bool


@dataclass(frozen=True, slots=True)
class ResourceSet:
    """The whole validated data file."""

    schema_version: int
    updated: date
    fallback_country: str
    countries: Mapping[str, CountryResources]

    @property
    def fallback(self) -> CountryResources:
        return self.countries[self.fallback_country]


# --- loading and validation ---------------------------------------------------------------


def _fail(where: str, problem: str) -> ResourceDataError:
    return ResourceDataError(f"resources.json: {where}: {problem}")


def _require(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise _fail(where, f"missing key {key!r}")
    return obj[key]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "must be a non-empty string")
    return value


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _https(value: Any, where: str) -> str:
    text = _text(value, where)
    if not text.startswith("https://"):
        raise _fail(where, f"must be an https:// URL, got {text!r}")
    return text


def _optional_https(value: Any, where: str) -> str | None:
    return None if value is None else _https(value, where)


def _iso_date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise _fail(where, "must be an ISO date string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(where, f"must be an ISO date (YYYY-MM-DD), got {value!r}") from None


def _parse_resource(raw: Any, where: str) -> Resource:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object")
    rid = _text(_require(raw, "id", where), f"{where}.id")
    name = _text(_require(raw, "name", where), f"{where}.name")
    # Naming the resource in every later message lets whoever edits the file find it fast.
    where = f"{where} ({name})"

    phone = phone_dial = None
    raw_phone = _require(raw, "phone", where)
    if raw_phone is not None:
        if not isinstance(raw_phone, Mapping):
            raise _fail(f"{where}.phone", "must be an object with display and dial, or null")
        phone = _text(_require(raw_phone, "display", f"{where}.phone"), f"{where}.phone.display")
        phone_dial = _require(raw_phone, "dial", f"{where}.phone")
        if not isinstance(phone_dial, str) or not _DIAL_RE.match(phone_dial):
            raise _fail(
                f"{where}.phone.dial",
                f"must be digits with an optional leading +, got {phone_dial!r}",
            )

    sms = sms_body = None
    raw_sms = _require(raw, "sms", where)
    if raw_sms is not None:
        if not isinstance(raw_sms, Mapping):
            raise _fail(f"{where}.sms", "must be an object with number and keyword, or null")
        sms = _require(raw_sms, "number", f"{where}.sms")
        if not isinstance(sms, str) or not _SMS_RE.match(sms):
            raise _fail(f"{where}.sms.number", f"must be digits only, got {sms!r}")
        sms_body = _optional_text(raw_sms.get("keyword"), f"{where}.sms.keyword")

    chat_url = _optional_https(_require(raw, "chat_url", where), f"{where}.chat_url")
    url = _optional_https(raw.get("url"), f"{where}.url")
    if phone is None and sms is None and chat_url is None and url is None:
        raise _fail(where, "needs at least one of phone, sms, chat_url or url")

    hours = _text(_require(raw, "hours", where), f"{where}.hours")

    categories = _require(raw, "categories", where)
    if (
        not isinstance(categories, list)
        or not categories
        or not all(isinstance(c, str) for c in categories)
    ):
        raise _fail(f"{where}.categories", "must be a non-empty list of strings")
    unknown = sorted(set(categories) - CATEGORIES)
    if unknown:
        raise _fail(f"{where}.categories", f"unknown {unknown}; allowed {sorted(CATEGORIES)}")
    if len(set(categories)) != len(categories):
        raise _fail(f"{where}.categories", "lists a category twice")

    source = _https(_require(raw, "source", where), f"{where}.source")
    extra = raw.get("extra_sources", [])
    if not isinstance(extra, list):
        raise _fail(f"{where}.extra_sources", "must be a list")
    extra_sources = tuple(_https(s, f"{where}.extra_sources[{i}]") for i, s in enumerate(extra))

    verified = _require(raw, "verified", where)
    if not isinstance(verified, bool):
        raise _fail(f"{where}.verified", "must be true or false")
    raw_checked = _require(raw, "checked", where)
    note = _optional_text(raw.get("note"), f"{where}.note")
    # "checked" is a claim that someone read the number in the source on that day; an entry
    # nobody could confirm must say so rather than carry a date that looks like a check.
    if verified:
        checked: date | None = _iso_date(raw_checked, f"{where}.checked")
    else:
        if raw_checked is not None:
            raise _fail(f"{where}.checked", "must be null when verified is false")
        if note is None:
            raise _fail(f"{where}.note", "must explain why the entry is not verified")
        checked = None

    return Resource(
        id=rid,
        name=name,
        phone=phone,
        phone_dial=phone_dial,
        sms=sms,
        sms_body=sms_body,
        chat_url=chat_url,
        url=url,
        hours=hours,
        categories=tuple(categories),
        source=source,
        extra_sources=extra_sources,
        checked=checked,
        verified=verified,
        note=note,
    )


def _parse_country(code: str, raw: Any, *, fallback_code: str) -> CountryResources:
    where = f"countries.{code}"
    is_fallback = code == fallback_code
    if not is_fallback and not _COUNTRY_RE.match(code):
        raise _fail(where, "country codes must be ISO 3166-1 alpha-2 in upper case")
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object")
    name = _text(_require(raw, "name", where), f"{where}.name")

    emergency = _require(raw, "emergency", where)
    if emergency is None:
        # Only the fallback may lack a number, since it has no single country to dial in.
        if not is_fallback:
            raise _fail(f"{where}.emergency", "every country needs its emergency number")
    elif not isinstance(emergency, str) or not _DIAL_RE.match(emergency):
        raise _fail(f"{where}.emergency", f"must be digits, got {emergency!r}")
    other = raw.get("emergency_other", [])
    if not isinstance(other, list) or not all(
        isinstance(n, str) and _DIAL_RE.match(n) for n in other
    ):
        raise _fail(f"{where}.emergency_other", "must be a list of digit strings")
    note = _optional_text(raw.get("note"), f"{where}.note")
    if is_fallback and note is None:
        raise _fail(
            f"{where}.note", "the fallback must tell people to call their local emergency number"
        )

    raw_resources = _require(raw, "resources", where)
    if not isinstance(raw_resources, list) or not raw_resources:
        raise _fail(f"{where}.resources", "must be a non-empty list")
    resources = tuple(
        _parse_resource(r, f"{where}.resources[{i}]") for i, r in enumerate(raw_resources)
    )
    ids = [r.id for r in resources]
    if len(set(ids)) != len(ids):
        raise _fail(f"{where}.resources", "resource ids must be unique")
    if emergency is not None and not any(
        r.has_category(EMERGENCY) and r.phone_dial == emergency for r in resources
    ):
        raise _fail(
            f"{where}.resources",
            f"needs an 'emergency' resource whose phone.dial is the emergency number {emergency}",
        )

    return CountryResources(
        code=code,
        name=name,
        emergency=emergency,
        emergency_other=tuple(other),
        note=note,
        resources=resources,
        is_fallback=is_fallback,
    )


def parse_resources(data: Any) -> ResourceSet:
    """Validate the decoded JSON document and build the typed data; raise ResourceDataError."""
    if not isinstance(data, Mapping):
        raise _fail("top level", "must be an object")
    version = _require(data, "schema_version", "top level")
    if version != SCHEMA_VERSION:
        raise _fail("schema_version", f"expected {SCHEMA_VERSION}, got {version!r}")
    updated = _iso_date(_require(data, "updated", "top level"), "updated")
    fallback_code = _require(data, "fallback_country", "top level")
    if not isinstance(fallback_code, str):
        raise _fail("fallback_country", "must be a string")
    raw_countries = _require(data, "countries", "top level")
    if not isinstance(raw_countries, Mapping):
        raise _fail("countries", "must be an object keyed by country code")
    if fallback_code not in raw_countries:
        raise _fail("fallback_country", f"{fallback_code!r} is not in countries")
    countries = {
        code: _parse_country(code, raw, fallback_code=fallback_code)
        for code, raw in raw_countries.items()
    }
    return ResourceSet(
        schema_version=version,
        updated=updated,
        fallback_country=fallback_code,
        countries=countries,
    )


@lru_cache(maxsize=4)
def load_resources(path: Path = DATA_PATH) -> ResourceSet:
    """Read and validate the data file once per path; later calls return the same object."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResourceDataError(f"resources.json: cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResourceDataError(f"resources.json: not valid JSON: {exc}") from exc
    return parse_resources(data)


# --- lookups --------------------------------------------------------------------------------


def _normalise_country(country: str | None) -> str | None:
    if not isinstance(country, str):
        return None
    code = country.strip().upper()
    return _ALIASES.get(code, code)


def _validate_categories(categories: Iterable[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(categories))
    unknown = sorted(set(wanted) - CATEGORIES)
    if unknown:
        raise ValueError(f"unknown resource categories {unknown}; allowed {sorted(CATEGORIES)}")
    return wanted


def _priority_order(resources: Sequence[Resource], priority: Sequence[str]) -> list[Resource]:
    # A resource ranks by the first priority category it carries; ties keep file order, which
    # is the curated order within a country. Resources with none of them go last.
    def rank(resource: Resource) -> int:
        for index, category in enumerate(priority):
            if resource.has_category(category):
                return index
        return len(priority)

    return sorted(resources, key=rank)


def resources_for(
    country: str | None, *, categories: Iterable[str] | None = None
) -> CountryResources:
    """The resources for a country code, case-insensitive; unknown or None gives the fallback.

    With ``categories``, only resources carrying at least one of them are kept, ordered by the
    first of the given categories each carries (so ``["emergency", "suicide"]`` puts the
    emergency number first).
    """
    data = load_resources()
    code = _normalise_country(country)
    found = data.countries.get(code) if code is not None else None
    result = found if found is not None else data.fallback
    if categories is None:
        return result
    # A lone string would otherwise be read as a sequence of one-letter categories.
    wanted = _validate_categories((categories,) if isinstance(categories, str) else categories)
    kept = [r for r in result.resources if any(r.has_category(c) for c in wanted)]
    return _replace_resources(result, _priority_order(kept, wanted))


def resources_for_reason(country: str | None, reason: str) -> CountryResources:
    """All of a country's resources, the ones that fit ``reason`` first.

    ``reason`` is "crisis_self" (suicide lines, then the emergency number) or "crisis_danger"
    (the emergency number, then domestic abuse lines). Nothing is dropped: the other lines
    follow, because a person in one crisis is often in the other too.
    """
    priority = REASON_PRIORITY.get(reason)
    if priority is None:
        raise ValueError(f"unknown reason {reason!r}; expected one of {sorted(REASON_PRIORITY)}")
    result = resources_for(country)
    return _replace_resources(result, _priority_order(result.resources, priority))


def _replace_resources(base: CountryResources, resources: Sequence[Resource]) -> CountryResources:
    return CountryResources(
        code=base.code,
        name=base.name,
        emergency=base.emergency,
        emergency_other=base.emergency_other,
        note=base.note,
        resources=tuple(resources),
        is_fallback=base.is_fallback,
    )


def supported_countries() -> list[tuple[str, str]]:
    """(code, display name) for a picker: countries by name, then the fallback last."""
    data = load_resources()
    countries = sorted(
        ((c.code, c.name) for c in data.countries.values() if not c.is_fallback),
        key=lambda pair: pair[1],
    )
    return [*countries, (data.fallback.code, data.fallback.name)]


def _parse_quality(params: Sequence[str]) -> float | None:
    quality = 1.0
    for param in params:
        key, sep, value = param.partition("=")
        if not sep or key.strip().lower() != "q":
            continue
        try:
            quality = float(value.strip())
        except ValueError:
            return None
        # float() accepts "nan" and "inf", which would make the sort order meaningless.
        if not 0.0 <= quality <= 1.0:
            return None
    return quality


def _region_of(tag: str) -> str | None:
    # Some clients send POSIX-style "en_GB"; reading it costs nothing and helps the person.
    subtags = tag.replace("_", "-").split("-")
    if len(subtags) < 2 or not _LANGUAGE_RE.match(subtags[0]):
        return None
    # The region follows the language and an optional four-letter script ("zh-Hant-TW");
    # numeric regions such as "419" (Latin America) name no single country.
    for subtag in subtags[1:3]:
        if _REGION_RE.match(subtag):
            return subtag.upper()
        if len(subtag) != 4:
            return None
    return None


def country_from_accept_language(header: str | None) -> str | None:
    """The first supported country named by an Accept-Language header, in preference order.

    Ranges are tried by descending q-value (ties keep header order); q=0 and malformed ranges
    are skipped. A bare language such as "en" names no country and gives None. Never raises.
    """
    if not isinstance(header, str) or not header.strip():
        return None
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:_MAX_HEADER_LENGTH].split(",")):
        if position >= _MAX_LANGUAGE_RANGES:
            break
        tag, *params = item.split(";")
        tag = tag.strip()
        quality = _parse_quality(params)
        if not tag or quality is None or quality <= 0.0:
            continue
        ranges.append((-quality, position, tag))
    ranges.sort()

    data = load_resources()
    for _, _, tag in ranges:
        region = _region_of(tag)
        if region is None:
            continue
        region = _ALIASES.get(region, region)
        found = data.countries.get(region)
        if found is not None and not found.is_fallback:
            return region
    return None


def resource_to_json(resource: Resource) -> dict[str, Any]:
    return {
        "name": resource.name,
        "phone": resource.phone,
        "phone_dial": resource.phone_dial,
        "sms": resource.sms,
        "sms_body": resource.sms_body,
        "chat_url": resource.chat_url,
        "url": resource.url,
        "hours": resource.hours,
        "categories": list(resource.categories),
        "source": resource.source,
        "checked": resource.checked.isoformat() if resource.checked else None,
        "verified": resource.verified,
        "note": resource.note,
    }


def to_json(country_resources: CountryResources) -> dict[str, Any]:
    """The JSON-ready dict described in the module docstring."""
    return {
        "country": country_resources.code,
        "country_name": country_resources.name,
        "emergency": country_resources.emergency,
        "emergency_other": list(country_resources.emergency_other),
        "note": country_resources.note,
        "resources": [resource_to_json(r) for r in country_resources.resources],
    }
