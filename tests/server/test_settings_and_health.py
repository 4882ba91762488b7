"""Production settings pass Django's deploy checks; bad configuration fails at start; /healthz."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuv",
    "ALLOWED_HOSTS": "hearth.example",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ENV"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({**PRODUCTION, "SECRET_KEY": ""}, "SECRET_KEY is required"),
        ({**PRODUCTION, "SECRET_KEY": "CHANGE-ME"}, "SECRET_KEY must be 50 or more"),
        ({**PRODUCTION, "SECRET_KEY": "CHANGE-ME" + "x" * 60}, "SECRET_KEY must be 50 or more"),
        ({**PRODUCTION, "SECRET_KEY": "short-but-random-Zq8"}, "SECRET_KEY must be 50 or more"),
        ({**PRODUCTION, "DEBUG": "1"}, "DEBUG=1 is refused"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is required"),
        ({"SECRET_KEY": "x", "HEARTH_RATE_BURST": "lots"}, "HEARTH_RATE_BURST must be a whole"),
        ({"SECRET_KEY": "x", "DEBUG": "perhaps"}, "DEBUG must be"),
    ],
)
def test_bad_configuration_fails_at_start_with_a_clear_message(env, complaint):
    result = manage("check", **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_development_runs_with_nothing_configured_but_debug():
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_healthz_reports_the_database(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "unavailable"}


@pytest.mark.django_db
def test_pages_and_api_carry_a_strict_content_security_policy(client):
    policy = client.get("/api/rooms/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
