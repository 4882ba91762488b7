"""The Django admin shows no identity key and cannot be used to find one person's rows, messages
cannot be edited there, and the queue's actions still work there through ``resolve_flag``.

Staff are tested three ways: with the view permission of every Hearth model, with view, add,
change and delete, and as a superuser.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client

from moderation.actions import FlagAction, resolve_flag
from moderation.models import AuditEntry, Block, Flag, Report, Sanction, WatchedWord
from moderation.sanctions import active_until
from rooms.identity import Identity, new_identity
from rooms.models import CircleSeat, Message, Reaction, Room, RoomState
from rooms.scheduling.models import RSVP, Occurrence
from tests.scheduling.factories import make_session

pytestmark = pytest.mark.django_db

HEARTH_APPS = ("rooms", "moderation", "scheduling")


@dataclass
class World:
    writer: Identity
    reporter: Identity
    blocked: Identity
    attendee: Identity
    first: Room
    second: Room
    message: Message
    other_message: Message
    held: Message
    flag: Flag
    resolved_flag: Flag
    sanction: Sanction
    rsvp: RSVP
    rsvp_token_hash: str
    moderator: User

    @property
    def secrets(self) -> list[str]:
        keys = [who.key for who in (self.writer, self.reporter, self.blocked, self.attendee)]
        tokens = [who.token for who in (self.writer, self.reporter, self.blocked, self.attendee)]
        return [*keys, *tokens, self.rsvp_token_hash]


def _message(room: Room, who: Identity, seq: int | None, body: str, **fields: Any) -> Message:
    return Message.objects.create(
        room=room,
        seq=seq,
        author_key=who.key,
        alias=who.alias_in(room.slug),
        client_id=f"{room.slug}-{seq}-{body[:8]}",
        body=body,
        **fields,
    )


@pytest.fixture
def world() -> World:
    writer, reporter, blocked, attendee = (new_identity() for _ in range(4))
    first = Room.objects.create(slug="admin-first", title="First")
    second = Room.objects.create(slug="admin-second", title="Second")
    message = _message(first, writer, 1, "you are all pathetic")
    other_message = _message(second, writer, 1, "hello from the other room")
    Room.objects.filter(pk__in=[first.pk, second.pk]).update(last_seq=1)
    held = _message(
        first, writer, None, "meet me at 12 High Street", status="held", hold_reason="pii"
    )
    Report.objects.create(message=message, reporter_key=reporter.key, reason="please look")
    Block.objects.create(blocker_key=reporter.key, blocked_key=blocked.key)
    Reaction.objects.create(message=message, identity_key=reporter.key, reaction="heart")
    CircleSeat.objects.create(room=first, identity_key=attendee.key, alias="Calm Otter")
    RoomState.objects.create(room=first, order=[attendee.key])
    moderator = User.objects.create_user("the-moderator", is_staff=True)
    resolved_flag = Flag.objects.create(room=first, message=message, kind=Flag.Kind.REPORT)
    resolve_flag(
        flag_id=resolved_flag.pk,
        moderator=moderator,
        action=FlagAction.BAN,
        reason="threats",
        minutes=60,
    )
    flag = Flag.objects.create(room=first, message=held, kind=Flag.Kind.HELD)
    session = make_session()
    occurrence = Occurrence.objects.create(session=session, original_start=session.start)
    token_hash = hashlib.sha256(b"rsvp-token").hexdigest()
    rsvp = RSVP.objects.create(
        occurrence=occurrence,
        identity_key=attendee.key,
        token_hash=token_hash,
        status=RSVP.Status.CONFIRMED,
    )
    return World(
        writer=writer,
        reporter=reporter,
        blocked=blocked,
        attendee=attendee,
        first=first,
        second=second,
        message=message,
        other_message=other_message,
        held=held,
        flag=flag,
        resolved_flag=resolved_flag,
        sanction=Sanction.objects.get(),
        rsvp=rsvp,
        rsvp_token_hash=token_hash,
        moderator=moderator,
    )


def _staff(name: str, *verbs: str, superuser: bool = False) -> Client:
    user = User.objects.create_user(name, is_staff=True, is_superuser=superuser)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=HEARTH_APPS,
            codename__regex=rf"^({'|'.join(verbs)})_",
        )
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=["view", "view+change", "superuser"])
def staff(request: pytest.FixtureRequest) -> Client:
    if request.param == "view":
        return _staff("viewer", "view")
    if request.param == "view+change":
        return _staff("editor", "view", "add", "change", "delete")
    return _staff("root", superuser=True)


# Every way into one person's rows through a key: the model's own key fields (with transforms
# such as a prefix search, which would let anyone guess a key a character at a time) and the
# keys of related models.
KEY_LOOKUPS = [
    ("rooms/message", "author_key", "writer"),
    ("rooms/message", "author_key__startswith", "writer"),
    ("rooms/message", "reports__reporter_key", "reporter"),
    ("rooms/message", "reactions__identity_key", "reporter"),
    ("rooms/message", "room__seats__identity_key", "attendee"),
    ("rooms/room", "messages__author_key", "writer"),
    ("rooms/room", "seats__identity_key", "attendee"),
    ("rooms/room", "state__order__contains", "attendee"),
    ("moderation/flag", "message__author_key", "writer"),
    ("moderation/flag", "message__reports__reporter_key", "reporter"),
    ("moderation/report", "reporter_key", "reporter"),
    ("moderation/report", "message__author_key", "writer"),
    ("moderation/sanction", "identity_key", "writer"),
    ("moderation/sanction", "identity_key__in", "writer"),
    ("moderation/auditentry", "flag__message__author_key", "writer"),
    ("scheduling/rsvp", "identity_key", "attendee"),
    ("scheduling/rsvp", "token_hash", "rsvp_token_hash"),
    ("scheduling/rsvp", "occurrence__rsvps__identity_key", "attendee"),
    ("scheduling/occurrence", "rsvps__identity_key", "attendee"),
    ("scheduling/groupsession", "occurrences__rsvps__identity_key", "attendee"),
    ("scheduling/groupsession", "room__messages__author_key", "writer"),
]


def _value(world: World, whose: str) -> str:
    found = getattr(world, whose)
    return found if isinstance(found, str) else found.key


@pytest.mark.parametrize(("page", "lookup", "whose"), KEY_LOOKUPS)
def test_a_filter_through_an_identity_key_is_refused(
    world: World, staff: Client, page: str, lookup: str, whose: str
) -> None:
    response = staff.get(f"/admin/{page}/", {lookup: _value(world, whose)})
    # DisallowedModelAdminLookup is a SuspiciousOperation: Django answers 400 Bad Request.
    assert response.status_code == 400


@pytest.mark.parametrize("page", ["rooms/message", "moderation/report", "moderation/sanction"])
def test_a_key_given_as_to_field_is_refused(world: World, staff: Client, page: str) -> None:
    field = {"rooms/message": "author_key", "moderation/report": "reporter_key"}.get(
        page, "identity_key"
    )
    response = staff.get(f"/admin/{page}/", {"_to_field": field, "_popup": "1"})
    assert response.status_code == 400


def test_blocks_are_not_in_the_admin(world: World, staff: Client) -> None:
    assert Block not in admin.site._registry
    assert staff.get("/admin/moderation/block/").status_code == 404
    assert staff.get(f"/admin/moderation/block/{Block.objects.get().pk}/change/").status_code == 404


def _every_page(world: World) -> list[str]:
    pages = []
    for model in admin.site._registry:
        if model._meta.app_label not in HEARTH_APPS:
            continue
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages.append(base)
        rows = model._default_manager.values_list("pk", flat=True)
        pages += [f"{base}{pk}/change/" for pk in rows]
        # Sorted by every column it has (out-of-range indexes are ignored).
        pages.append(f"{base}?o=" + ".".join(str(i) for i in range(1, 10)))
    return pages


def test_no_key_appears_on_any_admin_page(world: World, staff: Client) -> None:
    seen = 0
    for page in _every_page(world):
        response = staff.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for secret in world.secrets:
            assert secret not in html, (page, secret)
        # The writer's pseudonym in the other room never shows beside the flagged one, except
        # on that message's own pages (the Message list shows every room's messages).
        if "moderation/" in page:
            assert world.writer.alias_in(world.second.slug) not in html, page
        seen += 1
    assert seen > 20


def test_every_hearth_model_admin_guards_keys() -> None:
    from rooms.admin_privacy import PrivateModelAdmin, is_secret_field

    registered = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in HEARTH_APPS
    ]
    assert len(registered) >= 9
    assert all(isinstance(model_admin, PrivateModelAdmin) for model_admin in registered)
    for model, name in [
        (Message, "author_key"),
        (Report, "reporter_key"),
        (Block, "blocker_key"),
        (Block, "blocked_key"),
        (Sanction, "identity_key"),
        (CircleSeat, "identity_key"),
        (Reaction, "identity_key"),
        (RoomState, "order"),
        (RSVP, "identity_key"),
        (RSVP, "token_hash"),
    ]:
        assert is_secret_field(model, name), (model, name)


def test_the_flag_and_sanction_show_the_pseudonym_in_its_room(world: World, staff: Client) -> None:
    alias = world.writer.alias_in(world.first.slug)
    flags = staff.get("/admin/moderation/flag/").content.decode()
    assert alias in flags
    sanction = staff.get(f"/admin/moderation/sanction/{world.sanction.pk}/change/")
    entry = AuditEntry.objects.get(action=FlagAction.BAN)
    html = sanction.content.decode()
    assert f"/admin/moderation/auditentry/{entry.pk}/change/" in html
    assert f"{alias} in {world.first.slug}" in html


# --- Messages cannot be edited ---------------------------------------------------------------


def test_a_message_cannot_be_edited_added_or_deleted(world: World, staff: Client) -> None:
    change = f"/admin/rooms/message/{world.held.pk}/change/"
    response = staff.post(
        change,
        {
            "room": world.first.pk,
            "alias": world.held.alias,
            "client_id": world.held.client_id,
            "author_key": world.held.author_key,
            "body": "nothing to see here",
            "status": "visible",
            "hold_reason": "",
            "seq": 2,
            "sent_at_0": "2025-01-01",
            "sent_at_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    world.held.refresh_from_db()
    assert (world.held.body, world.held.status, world.held.seq) == (
        "meet me at 12 High Street",
        Message.Status.HELD,
        None,
    )
    page = staff.get(change).content.decode()
    assert "meet me at 12 High Street" in page  # shown read-only
    assert 'name="body"' not in page
    assert staff.get("/admin/rooms/message/add/").status_code == 403
    assert staff.post(f"/admin/rooms/message/{world.held.pk}/delete/").status_code == 403
    assert Message.objects.filter(pk=world.held.pk).exists()


# --- The audit log stays append-only ----------------------------------------------------------


def test_audit_entries_cannot_be_edited_or_deleted(world: World, staff: Client) -> None:
    entry = AuditEntry.objects.get()
    url = f"/admin/moderation/auditentry/{entry.pk}/"
    assert staff.post(f"{url}change/", {"reason": "nothing happened"}).status_code == 403
    assert staff.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert staff.get("/admin/moderation/auditentry/add/").status_code == 403
    staff.post(
        "/admin/moderation/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    entry.refresh_from_db()
    assert entry.reason == "threats"
    assert AuditEntry.objects.count() == 1


# --- The queue's actions work from the admin, through resolve_flag ----------------------------


def _act(staff: Client, action: str, flag: Flag) -> None:
    response = staff.post(
        "/admin/moderation/flag/", {"action": action, "_selected_action": [flag.pk], "index": 0}
    )
    assert response.status_code == 302


def test_the_admin_releases_a_held_message_with_an_audit_entry(world: World, staff: Client) -> None:
    _act(staff, "release", world.flag)
    world.flag.refresh_from_db()
    world.held.refresh_from_db()
    assert world.flag.status == Flag.Status.RESOLVED
    assert world.held.status == Message.Status.VISIBLE and world.held.seq == 2
    entry = AuditEntry.objects.get(flag=world.flag)
    assert entry.action == FlagAction.RELEASE
    assert entry.reason == "from the admin"


def test_the_admin_mutes_the_author_of_a_flag_and_shows_whom_by_pseudonym(
    world: World, staff: Client
) -> None:
    _act(staff, "mute_hour", world.flag)
    mute = Sanction.objects.get(kind=Sanction.Kind.MUTE)
    assert mute.identity_key == world.writer.key
    entry = AuditEntry.objects.get(flag=world.flag, action=FlagAction.MUTE)
    listing = staff.get("/admin/moderation/sanction/").content.decode()
    assert f"/admin/moderation/auditentry/{entry.pk}/change/" in listing
    assert world.writer.key not in listing


def test_watched_words_are_still_edited_in_the_admin(world: World) -> None:
    root = _staff("words", superuser=True)
    response = root.post(
        "/admin/moderation/watchedword/add/",
        {"pattern": "meet me at", "action": "hold"},
    )
    assert response.status_code == 302
    assert WatchedWord.objects.get().action == WatchedWord.Action.HOLD


def test_an_admin_that_names_a_key_by_mistake_still_shows_none(rf: Any) -> None:
    from rooms.admin_privacy import PrivateModelAdmin, lookup_touches_secret

    class Careless(PrivateModelAdmin):
        list_display = ["alias", "author_key"]
        list_filter = ["author_key", ("status", admin.ChoicesFieldListFilter), "room"]
        search_fields = ["alias", "=author_key", "reports__reporter_key"]
        readonly_fields = ["author_key", "sent_at"]
        fieldsets = [(None, {"fields": [("alias", "author_key"), "body", "author_key"]})]
        ordering = ["author_key", "-sent_at"]
        sortable_by = ["alias", "author_key"]

    careless = Careless(Message, admin.site)
    request = rf.get("/")
    request.user = User.objects.create_user("careless", is_staff=True, is_superuser=True)
    assert careless.get_list_display(request) == ["alias"]
    assert careless.get_list_filter(request) == [
        ("status", admin.ChoicesFieldListFilter),
        "room",
    ]
    assert careless.get_search_fields(request) == ["alias"]
    assert careless.get_readonly_fields(request) == ["sent_at"]
    assert careless.get_fieldsets(request) == [(None, {"fields": [("alias",), "body"]})]
    assert careless.get_ordering(request) == ["-sent_at"]
    assert careless.get_sortable_by(request) == ["alias"]
    assert "author_key" in careless.get_exclude(request)
    assert "author_key" not in careless.get_form(request, fields=None).base_fields
    for lookup in ("author_key", "pk", "room__slug", "flags__room__messages__author_key"):
        touches = lookup_touches_secret(Message, lookup)
        assert touches == lookup.endswith("author_key"), lookup


def test_a_moderator_lifts_a_ban_early_with_an_audit_entry(world: World, staff: Client) -> None:
    ban = Sanction.objects.get(kind=Sanction.Kind.BAN)
    assert active_until(world.writer.key, Sanction.Kind.BAN) is not None
    response = staff.post(
        "/admin/moderation/sanction/",
        {"action": "lift_now", "_selected_action": [ban.pk], "index": 0},
    )
    assert response.status_code == 302
    assert active_until(world.writer.key, Sanction.Kind.BAN) is None
    entry = AuditEntry.objects.get(action="lift_ban")
    assert entry.target == f"Banned (cannot join any room) #{ban.pk}"
    assert entry.reason == "lifted from the admin"
    # Lifting it again changes nothing and writes nothing.
    staff.post(
        "/admin/moderation/sanction/",
        {"action": "lift_now", "_selected_action": [ban.pk], "index": 0},
    )
    assert AuditEntry.objects.filter(action="lift_ban").count() == 1


def test_rsvps_and_occurrences_change_only_through_the_scheduling_services(
    world: World, staff: Client
) -> None:
    """An RSVP's status or an occurrence's cancellation edited here would skip the waitlist's
    promotion and the seats it saves."""
    rsvp_url = f"/admin/scheduling/rsvp/{world.rsvp.pk}/"
    assert staff.post(f"{rsvp_url}change/", {"status": "cancelled"}).status_code == 403
    assert staff.post(f"{rsvp_url}delete/", {"post": "yes"}).status_code == 403
    occurrence = world.rsvp.occurrence
    occurrence_url = f"/admin/scheduling/occurrence/{occurrence.pk}/"
    assert staff.post(f"{occurrence_url}change/", {"status": "cancelled"}).status_code == 403
    world.rsvp.refresh_from_db()
    occurrence.refresh_from_db()
    assert world.rsvp.status == RSVP.Status.CONFIRMED
    assert occurrence.status != "cancelled"
    assert staff.get(rsvp_url + "change/").status_code == 200  # still readable
