"""The OpenAPI schema, the offline docs page, and a property-based run of the schema.

The schemathesis run loads the server's own schema from /api/schema/ and sends generated requests
(valid and invalid) in-process, through Django's WSGI handler, as a staff facilitator: every
endpoint can then do real work. It fails on any 5xx, any undocumented status code or content
type, and any response body that does not match the schema.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rooms.scheduling.selectors import occurrence_key
from server.security import CONTENT_SECURITY_POLICY
from tests.scheduling.factories import client_for, make_session, make_user

V1_PATHS = {
    "/api/v1/occurrences/",
    "/api/v1/sessions/",
    "/api/v1/sessions/{session_id}/",
    "/api/v1/sessions/{session_id}.ics",
    "/api/v1/sessions/{session_id}/cancel/",
    "/api/v1/sessions/{session_id}/occurrences/{key}/",
    "/api/v1/sessions/{session_id}/occurrences/{key}/cancel/",
    "/api/v1/sessions/{session_id}/occurrences/{key}/move/",
    "/api/v1/sessions/{session_id}/occurrences/{key}/rsvp/",
    "/api/v1/rsvps/lookup/",
    "/api/v1/rsvps/cancel/",
    "/api/v1/rsvps/claim/",
    "/api/v1/calendar.ics",
}


@pytest.mark.django_db
def test_schema_documents_every_scheduling_endpoint():
    response = client_for().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= V1_PATHS
    rsvp = schema["paths"]["/api/v1/sessions/{session_id}/occurrences/{key}/rsvp/"]["post"]
    assert {"201", "200", "404", "409", "429"} <= set(rsvp["responses"])
    claim = schema["paths"]["/api/v1/rsvps/claim/"]["post"]
    assert {"200", "400", "404", "409", "429"} <= set(claim["responses"])
    assert "token" in claim["requestBody"]["content"]["application/json"]["schema"]["$ref"].lower()
    claimed = schema["components"]["schemas"]["RsvpClaimed"]["properties"]
    assert {"status", "waitlist_position", "token", "moved"} <= set(claimed)
    ics = schema["paths"]["/api/v1/calendar.ics"]["get"]["responses"]["200"]["content"]
    assert list(ics) == ["text/calendar"]


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.styles: list[str] = []
        self.links: list[str] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts.append(found.get("src"))
            self._in_script = True
        if tag == "style" or "style" in found:
            self.styles.append(tag)
        if tag == "link" and found.get("href"):
            self.links.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        self.inline_script = self.inline_script or (self._in_script and bool(data.strip()))


@pytest.mark.django_db
def test_docs_page_works_offline_under_the_csp():
    client = client_for()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert page["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assets = _Assets()
    assets.feed(page.content.decode())
    assert not assets.inline_script, "the CSP (script-src 'self') refuses inline scripts"
    assert not assets.styles, "the CSP (style-src 'self') refuses inline styles"
    assert len(assets.scripts) == 3 and None not in assets.scripts
    for url in [*assets.scripts, *assets.links]:
        assert url.startswith("/"), f"{url} is not served by Hearth itself"
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    init = client.get(next(url for url in assets.scripts if "script" in url))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()
    assert '"/api/schema/"' in init.content.decode()


class _TestWSGI:
    """Django's WSGI handler, keeping the test's database transaction open between requests.

    Django's test client does the same: ``close_old_connections`` would otherwise close the
    connection pytest-django's transaction lives on.
    """

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return self.handler(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(db: None) -> dict[str, str]:
    staff = make_user(staff=True, facilitator=True)
    client = client_for(staff)
    csrf = _get_new_csrf_string()
    session_cookie = client.cookies["hearth_session"].value
    return {"Cookie": f"hearth_session={session_cookie}; csrftoken={csrf}", "X-CSRFToken": csrf}


@pytest.fixture
def real_ids(db: None) -> dict[str, Any]:
    session = make_session(count=6, capacity=2)
    return {"session_id": session.pk, "key": occurrence_key(session.start)}


@pytest.fixture
def api_schema(db: None, settings: Any, staff_headers: dict[str, str]) -> Any:
    """The server's own schema (its scheduling part), sending requests to Django in-process."""
    settings.HEARTH_RSVP_RATE = "100000/hour"
    settings.HEARTH_RSVP_NETWORK_RATE = "100000/hour"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    raw = client_for().get("/api/schema/?format=json").json()
    raw["paths"] = {path: item for path, item in raw["paths"].items() if path in V1_PATHS}
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = _TestWSGI()
    return schema


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES_PER_RUN = 20


@pytest.mark.slow
def test_the_api_conforms_to_its_schema(
    api_schema: Any, staff_headers: dict[str, str], real_ids: dict[str, Any]
) -> None:
    """Each operation three ways: valid data, valid data on a real session, invalid data."""
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        fixed = {name: value for name, value in real_ids.items() if f"{{{name}}}" in operation.path}
        runs = {
            "positive": operation.as_strategy(GenerationMode.POSITIVE),
            "positive, real ids": operation.as_strategy(
                GenerationMode.POSITIVE, path_parameters=fixed
            ),
            "negative": operation.as_strategy(GenerationMode.NEGATIVE),
        }
        for label, strategy in runs.items():

            @settings(
                max_examples=EXAMPLES_PER_RUN,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                case.call_and_validate(headers=staff_headers, checks=CHECKS)

            try:
                run()
            except Exception as error:  # collected, so that one failure does not hide others
                failures.append(f"{operation.label} [{label}]: {error}")
    assert not failures, "\n\n".join(failures)


def test_schema_paths_are_the_urls():
    # Guards V1_PATHS against drifting from urls.py: each path must be routed.
    from django.urls import resolve

    from rooms.scheduling.api.urls import not_found

    for path in V1_PATHS:
        concrete = re.sub(r"\{session_id\}", "1", path).replace("{key}", "20270105T190000Z")
        assert resolve(concrete).func is not not_found, path
    assert resolve("/api/v1/nothing/here/").func is not_found
