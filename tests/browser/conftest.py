"""Browser tests: Debian's chromium, driven by Playwright, against a real daphne.

The server is one daphne process on its own SQLite file (migrated, seeded, with a moderator),
with the in-process backplane: the tests need no PostgreSQL or Redis, and run the same on a
laptop and in CI. Each test takes fresh rooms from a pool, so tests do not see each other.

The server and the browser live as long as this package's tests (scope "package"), so neither
outlasts them into the rest of the suite.

Chromium comes from Debian (``.ci/run`` installs it); Playwright never downloads a browser here.
Without /usr/bin/chromium the tests skip, or fail under HEARTH_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.support.servers import ROOT, Server, start_server

CHROMIUM = os.environ.get("HEARTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
EXIT_URL = "https://www.bbc.co.uk/weather"
MODERATOR = ("desk-moderator", "a-long-test-password-for-the-desk")
ROOM_POOL = 24

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def _missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"HEARTH_REQUIRE_SERVICES=1 but {what}", pytrace=False)
    pytest.skip(what)


@dataclass
class Hearth:
    """The live server the browser talks to, and set-up done through manage.py."""

    server: Server
    env: dict[str, str]
    log_dir: Path
    rooms: Iterator[str] = field(default_factory=lambda: iter(()))

    @property
    def url(self) -> str:
        return self.server.http

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def room(self) -> str:
        """A room no other test uses."""
        return next(self.rooms)

    def restart(self) -> None:
        """Stop daphne (every socket closes from the server's side) and start it on its port."""
        self.stop()
        self.start()

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server = start_server(self.env, self.log_dir, port=self.server.port)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def _server_env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="server.settings",
        DJANGO_ENV="development",
        DEBUG="0",
        HEARTH_SQLITE_PATH=str(database),
        SECRET_KEY=os.environ.get("SECRET_KEY") or "hearth-browser-tests-only-secret-key",
        HEARTH_RATE_BURST="1000",
        HEARTH_EXIT_URL=EXIT_URL,
        PYTHONUNBUFFERED="1",
    )
    return env


SET_UP = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rooms.models import Room

call_command("migrate", "--no-input", verbosity=0)
call_command("seed_rooms", verbosity=0)
for n in range({count}):
    Room.objects.get_or_create(
        slug=f"test-room-{{n:02d}}",
        defaults={{"title": f"Test room {{n:02d}}", "description": "A room for one browser test."}},
    )
get_user_model().objects.create_superuser({user!r}, "desk@example.invalid", {password!r})

# Group sessions: one starting in a few minutes (its room is open), a full-after-one one for the
# waitlist, and a weekly series.
from datetime import timedelta
from zoneinfo import ZoneInfo
from django.contrib.auth.models import Group
from django.utils import timezone
from rooms.scheduling.recurrence import Frequency, Recurrence
from rooms.scheduling.services import session_create


def unrepeated(start):
    # session_create refuses the second of two identical London wall times (clocks go back).
    return start + timedelta(hours=1) if start.astimezone(ZoneInfo("Europe/London")).fold else start


facilitator = get_user_model().objects.create_user("facilitator", first_name="Sam")
facilitator.groups.add(Group.objects.get(name="facilitators"))
hour = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
weekly = Recurrence(frequency=Frequency.WEEKLY, count=3)
for title, start, capacity, recurrence in [
    ("Starting soon", timezone.now() + timedelta(minutes=5), 12, None),
    ("Evening circle", unrepeated(hour), 1, None),
    ("No contact, week 1", unrepeated(hour + timedelta(days=1)), 12, weekly),
]:
    session_create(
        actor=facilitator, title=title, topic="browser-tests", start=start,
        time_zone="Europe/London", capacity=capacity, duration_minutes=60, recurrence=recurrence,
    )
"""


@pytest.fixture(scope="package")
def hearth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hearth]:
    if not Path(CHROMIUM).exists():
        _missing(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    log_dir = tmp_path_factory.mktemp("hearth-browser")
    env = _server_env(log_dir / "hearth.sqlite3")
    user, password = MODERATOR
    # One process for all the set-up: each manage.py start costs a second or two.
    manage(env, "shell", "-c", SET_UP.format(count=ROOM_POOL, user=user, password=password))
    hearth = Hearth(
        server=start_server(env, log_dir),
        env=env,
        log_dir=log_dir,
        rooms=iter(f"test-room-{n:02d}" for n in range(ROOM_POOL)),
    )
    try:
        yield hearth
    finally:
        hearth.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("needs playwright (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


NEUTRAL_PAGE = "<!doctype html><title>Weather</title><h1>Weather</h1><p>Sunny spells.</p>"


@dataclass
class Visitor:
    """One person's browser: its own context (cookies, storage) and one page."""

    context: Any
    page: Any
    base: str
    problems: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page


@pytest.fixture
def visitor(hearth: Hearth, browser: Any) -> Iterator[Callable[..., Visitor]]:
    """Make a browser context with its own identity; CSP violations and page errors fail."""
    made: list[Visitor] = []

    def _make(viewport: dict[str, int] | None = None, **options: Any) -> Visitor:
        options = {"locale": "en-GB", "timezone_id": "Europe/London"} | options
        context = browser.new_context(viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(10_000)
        # The neutral site of quick exit: the test machine has no network.
        context.route(
            "https://www.bbc.co.uk/**",
            lambda route: route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE),
        )
        page = context.new_page()
        person = Visitor(context=context, page=page, base=hearth.url)

        def on_console(message: Any) -> None:
            text = message.text
            person.console.append(f"{message.type}: {text}")
            if message.type == "error" and "Content Security Policy" in text:
                person.problems.append(f"CSP: {text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: person.problems.append(f"page error: {error}"))
        made.append(person)
        return person

    yield _make
    problems = [problem for person in made for problem in person.problems]
    for person in made:
        person.context.close()
    assert not problems, "the pages reported problems:\n" + "\n".join(problems)


@pytest.fixture(scope="package")
def axe_source() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _missing("needs axe-core: npm ci in tests/browser (npm is not installed)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=AXE.parents[2], check=True)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failure, show the end of the server's log and what the pages said."""
    report = yield
    if report.failed and "hearth" in getattr(item, "funcargs", {}):
        hearth = item.funcargs["hearth"]
        log = hearth.server.log.read_text(errors="replace") if hearth.server.log.exists() else ""
        report.sections.append(("daphne log (last 60 lines)", "\n".join(log.splitlines()[-60:])))
    return report
