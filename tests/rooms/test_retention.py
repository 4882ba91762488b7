"""The purge deletes exactly what Hearth promised to forget, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from moderation.models import AuditEntry, Block, Flag, Sanction
from rooms.models import Message, Pseudonym, Room
from rooms.retention import purge_expired

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


def _message(room: Room, *, seq: int, age: timedelta, now) -> Message:
    return Message.objects.create(
        room=room,
        seq=seq,
        author_key="author",
        alias="Calm Finch",
        client_id=f"c{seq}",
        body=f"message {seq}",
        sent_at=now - age,
    )


def test_purge_keeps_recent_and_flagged_messages_with_their_context(now, settings):
    settings.HEARTH_RETENTION_HOURS = 72
    settings.HEARTH_FLAG_RETENTION_DAYS = 30
    room = Room.objects.create(slug="r", title="R")
    old = [_message(room, seq=n, age=timedelta(days=10, minutes=-n), now=now) for n in range(1, 21)]
    recent = _message(room, seq=21, age=timedelta(hours=1), now=now)
    open_flagged = old[9]  # seq 10: kept with seqs 5..15
    Flag.objects.create(room=room, message=open_flagged, kind=Flag.Kind.REPORT)
    long_resolved = old[18]  # seq 19: its flag was resolved 40 days ago
    Flag.objects.create(
        room=room,
        message=long_resolved,
        kind=Flag.Kind.REPORT,
        status=Flag.Status.RESOLVED,
        resolved_at=now - timedelta(days=40),
    )
    purged = purge_expired(now=now)
    remaining = set(Message.objects.values_list("seq", flat=True))
    assert remaining == {*range(5, 16), recent.seq}
    assert purged.messages == 20 - 11


def test_audit_text_is_blanked_after_the_flag_period_but_the_entry_stays(now, settings):
    settings.HEARTH_FLAG_RETENTION_DAYS = 30
    moderator = User.objects.create_user("mod")
    room = Room.objects.create(slug="r", title="R")
    old_flag = Flag.objects.create(
        room=room,
        kind=Flag.Kind.REPORT,
        status=Flag.Status.RESOLVED,
        resolved_at=now - timedelta(days=31),
    )
    fresh_flag = Flag.objects.create(
        room=room, kind=Flag.Kind.REPORT, status=Flag.Status.RESOLVED, resolved_at=now
    )
    old = AuditEntry.objects.create(
        moderator=moderator, action="remove", target="t", flag=old_flag, message_text="old words"
    )
    fresh = AuditEntry.objects.create(
        moderator=moderator, action="remove", target="t", flag=fresh_flag, message_text="new"
    )
    assert purge_expired(now=now).audit_texts == 1
    assert AuditEntry.objects.get(pk=old.pk).message_text == ""
    assert AuditEntry.objects.get(pk=fresh.pk).message_text == "new"
    assert AuditEntry.objects.count() == 2


def test_ended_sanctions_old_blocks_and_expired_sessions_go(now, settings):
    settings.HEARTH_BLOCK_RETENTION_DAYS = 365
    Sanction.objects.create(identity_key="a", kind="ban", until=now - timedelta(minutes=1))
    active = Sanction.objects.create(identity_key="b", kind="mute", until=now + timedelta(hours=1))
    Block.objects.create(blocker_key="a", blocked_key="b", created_at=now - timedelta(days=400))
    kept_block = Block.objects.create(blocker_key="a", blocked_key="c")
    expired = SessionStore()
    expired["x"] = 1
    expired.set_expiry(-10)
    expired.save()
    live = SessionStore()
    live["x"] = 1
    live.save()
    purged = purge_expired(now=now)
    assert (purged.sanctions, purged.blocks, purged.sessions) == (1, 1, 1)
    assert list(Sanction.objects.all()) == [active]
    assert list(Block.objects.all()) == [kept_block]
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_zero_retention_empties_rooms_nobody_is_in(now, settings):
    settings.HEARTH_RETENTION_HOURS = 0
    room = Room.objects.create(slug="r", title="R")
    _message(room, seq=1, age=timedelta(minutes=1), now=now)
    with mock.patch("rooms.retention.known_presence_counts", return_value={}):
        assert purge_expired(now=now).messages == 1
    assert not Message.objects.exists()


@pytest.mark.parametrize("presence", ["redis away", "no redis, a purge process of its own"])
def test_zero_retention_deletes_nothing_when_it_cannot_see_who_is_in_a_room(
    now, settings, presence
):
    """Counts that could not be read used to read as "nobody anywhere": a Redis hiccup during
    the purge deleted what people were reading, and the message a report was about to name."""
    settings.HEARTH_RETENTION_HOURS = 0
    settings.REDIS_URL = "redis://127.0.0.1:1/0" if presence == "redis away" else ""
    room = Room.objects.create(slug="r", title="R")
    _message(room, seq=1, age=timedelta(minutes=1), now=now)
    _names(room, ("left", timedelta(hours=2)), now=now)

    purged = purge_expired(now=now)

    assert (purged.messages, purged.pseudonyms) == (0, 0)
    assert Message.objects.count() == 1 and Pseudonym.objects.count() == 1


def test_purge_command_reports_what_it_did():
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert out.getvalue().startswith("purged 0 messages")


def _names(room: Room, *held: tuple[str, timedelta], now) -> None:
    for key, age in held:
        Pseudonym.objects.create(
            room=room, identity_key=key, alias=f"Name {key}", last_seen_at=now - age
        )


def test_a_name_is_freed_once_its_person_has_no_messages_left_and_has_not_come_back(now, settings):
    settings.HEARTH_RETENTION_HOURS = 72
    room = Room.objects.create(slug="r", title="R")
    _names(
        room,
        ("author", timedelta(days=10)),  # gone long ago, but a message of theirs is left
        ("lurker", timedelta(days=10)),  # gone long ago, wrote nothing left: freed
        ("recent", timedelta(hours=2)),  # came back lately: kept
        now=now,
    )
    _message(room, seq=1, age=timedelta(hours=1), now=now)  # by "author"
    assert purge_expired(now=now).pseudonyms == 1
    assert set(Pseudonym.objects.values_list("identity_key", flat=True)) == {"author", "recent"}
    # Once the message is past its retention too, so is the name (messages go first).
    assert purge_expired(now=now + timedelta(hours=72)).pseudonyms == 2
    assert not Pseudonym.objects.exists()


def test_with_zero_retention_names_stay_while_the_room_is_in_use(now, settings):
    settings.HEARTH_RETENTION_HOURS = 0
    room = Room.objects.create(slug="r", title="R")
    _names(room, ("left", timedelta(hours=2)), ("just-left", timedelta(minutes=5)), now=now)
    with mock.patch("rooms.retention.known_presence_counts", return_value={"r": 1}):
        assert purge_expired(now=now).pseudonyms == 0  # someone is here: nothing is freed
    with mock.patch("rooms.retention.known_presence_counts", return_value={}):
        assert purge_expired(now=now).pseudonyms == 1  # empty: the name of who left an hour ago
    assert list(Pseudonym.objects.values_list("identity_key", flat=True)) == ["just-left"]
