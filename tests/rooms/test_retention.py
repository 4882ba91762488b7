"""The purge deletes exactly what Hearth promised to forget, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from moderation.models import AuditEntry, Block, Flag, Sanction
from rooms.models import Message, Room
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
    settings.REDIS_URL = ""
    room = Room.objects.create(slug="r", title="R")
    _message(room, seq=1, age=timedelta(minutes=1), now=now)
    assert purge_expired(now=now).messages == 1
    assert not Message.objects.exists()


def test_purge_command_reports_what_it_did():
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert out.getvalue().startswith("purged 0 messages")
