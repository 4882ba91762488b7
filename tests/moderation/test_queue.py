"""The moderators' queue: permissions, each action end to end, the audit log, the live socket."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from moderation.models import AuditEntry, Flag, Sanction
from rooms.identity import new_identity
from rooms.models import Message
from rooms.protocol import CloseCode
from server.asgi import application
from tests.moderation.conftest import session_cookie_of
from tests.rooms.conftest import ORIGIN

pytestmark = [pytest.mark.django_db(transaction=True)]

ENDPOINTS = [
    ("get", "/api/moderation/flags/"),
    ("get", "/api/moderation/flags/1/"),
    ("post", "/api/moderation/flags/1/resolve/"),
    ("get", "/api/moderation/audit/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_no_endpoint_of_the_queue_answers_anyone_but_a_moderator(make_user, method, path):
    anonymous = Client()
    participant = Client()
    participant.get("/api/rooms/")
    signed_in = Client()
    signed_in.force_login(make_user("someone"))
    facilitator = Client()
    facilitator.force_login(make_user("facilitator"))
    for client in (anonymous, participant, signed_in, facilitator):
        response = getattr(client, method)(path, {"action": "dismiss"})
        assert response.status_code == 403, (client, response.content)


def test_staff_and_moderators_can_read_the_queue(make_user, mod_client):
    staff = Client()
    staff.force_login(make_user("staff", staff=True))
    for client in (staff, mod_client):
        assert client.get("/api/moderation/flags/").status_code == 200
        assert client.get("/api/moderation/audit/").status_code == 200


def test_audit_log_cannot_be_edited_or_deleted_through_the_api(mod_client, moderator):
    entry = AuditEntry.objects.create(moderator=moderator, action="dismiss", target="x")
    for method in ("post", "put", "patch", "delete"):
        response = getattr(mod_client, method)(
            f"/api/moderation/audit/{entry.pk}/", content_type="application/json"
        )
        assert response.status_code in (404, 405)
        response = getattr(mod_client, method)(
            "/api/moderation/audit/", content_type="application/json"
        )
        assert response.status_code == 405
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()


def test_resolve_needs_a_known_action_and_minutes_for_mute_and_ban(mod_client, room, moderator):
    message = Message.objects.create(
        room=room, seq=1, author_key="k", alias="A B", client_id="c", body="hi"
    )
    flag = Flag.objects.create(room=room, message=message, kind=Flag.Kind.REPORT)
    url = f"/api/moderation/flags/{flag.pk}/resolve/"
    assert mod_client.post(url, {"action": "explode"}).json()["action"]
    response = mod_client.post(url, {"action": "mute"})
    assert response.status_code == 400 and "minutes" in response.json()
    response = mod_client.post(url, {"action": "ban", "minutes": 0})
    assert response.status_code == 400 and "minutes" in response.json()
    response = mod_client.post(url, {"action": "release"})
    assert response.status_code == 409
    assert "held" in response.json()["detail"]
    assert mod_client.post(url, {"action": "dismiss"}).status_code == 200
    response = mod_client.post(url, {"action": "dismiss"})
    assert response.status_code == 409
    assert "already resolved" in response.json()["detail"]


def test_queue_lists_open_first_crisis_first_then_oldest(mod_client, room):
    def flag(kind, priority, status="open"):
        message = Message.objects.create(
            room=room,
            seq=Message.objects.count() + 1,
            author_key="k",
            alias="A B",
            client_id=str(Message.objects.count()),
            body="text",
        )
        return Flag.objects.create(
            room=room, message=message, kind=kind, priority=priority, status=status
        ).pk

    resolved = flag("report", 1, status="resolved")
    older_report = flag("report", 1)
    crisis = flag("crisis", 0)
    newer_report = flag("report", 1)
    ids = [f["id"] for f in mod_client.get("/api/moderation/flags/").json()["results"]]
    assert ids == [crisis, older_report, newer_report, resolved]
    open_ids = [
        f["id"] for f in mod_client.get("/api/moderation/flags/?status=open").json()["results"]
    ]
    assert resolved not in open_ids
    assert mod_client.get("/api/moderation/flags/?status=nonsense").status_code == 400


# --- end to end over the websocket -----------------------------------------------------------


async def _reported(connect, room, body="I think you are wrong about that"):
    """A writer, a reader, and a reported message: returns (writer, reader, seq, flag)."""
    writer, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    seq = (await writer.say(body))["seq"]
    await reader.receive_type("message")
    await reader.send(type="report", seq=seq, reason="hurtful")
    await reader.receive_type("report_ack")
    flag = await sync_to_async(Flag.objects.get)(message__seq=seq, message__room=room)
    return writer, reader, seq, flag


async def _resolve(client, flag, **payload):
    response = await sync_to_async(client.post)(
        f"/api/moderation/flags/{flag.pk}/resolve/", payload
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.usefixtures("backplane")
async def test_remove_makes_the_message_disappear_live_and_from_replay(connect, room, mod_client):
    regular = new_identity()
    first_visit, _ = await connect(room.slug, identity=regular)
    await first_visit.disconnect()
    writer, reader, seq, flag = await _reported(connect, room)
    await writer.say("an ordinary message after it")
    resolved = await _resolve(mod_client, flag, action="remove", reason="insult")
    assert resolved["status"] == "resolved" and resolved["resolution"] == "remove"
    assert await reader.receive_type("message_removed") == {"type": "message_removed", "seq": seq}
    back, _ = await connect(room.slug, identity=regular, since=0)
    replayed = await back.receive_type("message")
    assert replayed["body"] == "an ordinary message after it"
    assert await back.silent()
    entry = await sync_to_async(AuditEntry.objects.select_related("moderator").get)()
    assert (entry.action, entry.reason, entry.moderator.username) == ("remove", "insult", "mod")
    assert entry.message_text == "I think you are wrong about that"


@pytest.mark.usefixtures("backplane")
async def test_warn_sends_a_private_notice_to_the_author_only(connect, room, mod_client):
    writer, reader, _, flag = await _reported(connect, room)
    await _resolve(mod_client, flag, action="warn", reason="Please be kind.")
    notice = await writer.receive_type("notice")
    assert notice == {"type": "notice", "kind": "warning", "detail": "Please be kind."}
    assert await reader.silent()


@pytest.mark.usefixtures("backplane")
async def test_a_muted_identity_gets_a_clear_error_not_silence(connect, room, mod_client):
    writer, _, _, flag = await _reported(connect, room)
    await _resolve(mod_client, flag, action="mute", minutes=30)
    assert (await writer.receive_type("notice"))["kind"] == "muted"
    error = await writer.say("can I talk?")
    assert error["code"] == "muted"
    assert "minutes" in error["detail"] and error["until"]
    assert await sync_to_async(Sanction.objects.filter(kind="mute").count)() == 1


@pytest.mark.usefixtures("backplane")
async def test_kick_closes_the_authors_connection_in_that_room(connect, room, mod_client):
    writer, reader, _, flag = await _reported(connect, room)
    await _resolve(mod_client, flag, action="kick")
    assert (await writer.receive_type("error"))["code"] == "kicked"
    assert await writer.closed() == CloseCode.REMOVED_BY_MODERATOR
    await reader.send(type="ping")
    assert (await reader.receive_type("pong"))["type"] == "pong"


@pytest.mark.usefixtures("backplane")
async def test_ban_closes_every_connection_and_refuses_new_ones(connect, make_room, mod_client):
    room = await sync_to_async(make_room)()
    other_room = await sync_to_async(make_room)()
    author = new_identity()
    writer, _ = await connect(room.slug, identity=author)
    elsewhere, _ = await connect(other_room.slug, identity=author)
    reader, _ = await connect(room.slug)
    seq = (await writer.say("abuse"))["seq"]
    await reader.send(type="report", seq=seq, reason="")
    await reader.receive_type("report_ack")
    flag = await sync_to_async(Flag.objects.get)(message__seq=seq, message__room=room)
    await _resolve(mod_client, flag, action="ban", minutes=60 * 24)
    for socket in (writer, elsewhere):
        assert (await socket.receive_type("error"))["code"] == "banned"
        assert await socket.closed() == CloseCode.REMOVED_BY_MODERATOR
    again, first = await connect(other_room.slug, identity=author)
    assert first["code"] == "banned" and "hours" in first["detail"]
    assert await again.closed() == CloseCode.REMOVED_BY_MODERATOR


@pytest.mark.usefixtures("backplane")
async def test_dismiss_changes_nothing_for_anyone(connect, room, mod_client):
    writer, reader, _, flag = await _reported(connect, room)
    await _resolve(mod_client, flag, action="dismiss")
    # Nothing but the room's own traffic: no notice, no removal, no error.
    assert await writer.silent(ignore=("presence", "message"))
    assert await reader.silent()
    assert (await sync_to_async(AuditEntry.objects.get)()).action == "dismiss"


# --- the live socket -------------------------------------------------------------------------


async def _moderation_socket(cookie: bytes | None):
    headers = [(b"origin", ORIGIN)] + ([(b"cookie", cookie)] if cookie else [])
    communicator = WebsocketCommunicator(application, "/ws/moderation/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


async def test_moderation_socket_refuses_everyone_but_moderators(make_user):
    _, connected = await _moderation_socket(None)
    assert not connected
    someone = Client()
    await sync_to_async(someone.force_login)(await sync_to_async(make_user)("someone"))
    _, connected = await _moderation_socket(session_cookie_of(someone))
    assert not connected


async def test_moderation_socket_pushes_new_flags_live(connect, room, mod_client):
    socket, connected = await _moderation_socket(session_cookie_of(mod_client))
    assert connected
    assert json.loads(await socket.receive_from())["type"] == "ready"
    _, _, seq, flag = await _reported(connect, room)
    pushed = json.loads(await socket.receive_from(timeout=3))
    assert pushed["type"] == "flag"
    assert pushed["flag"]["id"] == flag.pk
    assert pushed["flag"]["message"]["seq"] == seq
    assert "reporter_key" not in json.dumps(pushed)
    await socket.disconnect()


@pytest.mark.parametrize("change", ["left the group", "deactivated", "signed out"])
async def test_a_moderator_who_loses_the_right_gets_no_more_flags(
    connect, room, mod_client, moderator, change
):
    """Rights were checked at the handshake only: an open desk went on receiving every flag,
    held addresses and phone numbers included."""
    socket, connected = await _moderation_socket(session_cookie_of(mod_client))
    assert connected
    assert json.loads(await socket.receive_from())["type"] == "ready"
    if change == "left the group":
        await sync_to_async(moderator.groups.clear)()
    elif change == "deactivated":
        moderator.is_active = False
        await sync_to_async(moderator.save)()
    else:
        await sync_to_async(mod_client.logout)()

    writer, _ = await connect(room.slug)
    held = await writer.say("She lives at 14 Elm Street, call her on 07700 900123")
    assert held["type"] == "held"

    closed = await socket.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CloseCode.REMOVED_BY_MODERATOR}


def test_facilitators_work_the_flags_of_their_own_sessions_only(room):
    from tests.scheduling.factories import client_for, make_session, make_user

    facilitator = make_user(facilitator=True)
    own_room = make_session(facilitator=facilitator).room
    other_room = make_session().room

    def flag_in(target_room, n):
        message = Message.objects.create(
            room=target_room, seq=n, author_key="k", alias="A B", client_id=f"c{n}", body="hm"
        )
        return Flag.objects.create(room=target_room, message=message, kind=Flag.Kind.REPORT)

    own, other, drop_in = flag_in(own_room, 1), flag_in(other_room, 1), flag_in(room, 1)
    client = client_for(facilitator)
    listed = [f["id"] for f in client.get("/api/moderation/flags/").json()["results"]]
    assert listed == [own.pk]
    for foreign in (other, drop_in):
        assert client.get(f"/api/moderation/flags/{foreign.pk}/").status_code == 404
        response = client.post(
            f"/api/moderation/flags/{foreign.pk}/resolve/", {"action": "dismiss"}
        )
        assert response.status_code == 404
    resolved = client.post(f"/api/moderation/flags/{own.pk}/resolve/", {"action": "dismiss"})
    assert resolved.status_code == 200
    audit = client.get("/api/moderation/audit/").json()["results"]
    assert [entry["room"] for entry in audit] == [own_room.slug]


def test_writes_by_a_signed_in_moderator_need_the_csrf_token(moderator, room):
    message = Message.objects.create(
        room=room, seq=1, author_key="k", alias="A B", client_id="c", body="hm"
    )
    flag = Flag.objects.create(room=room, message=message, kind=Flag.Kind.REPORT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    url = f"/api/moderation/flags/{flag.pk}/resolve/"
    refused = client.post(url, {"action": "dismiss"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = "k" * 32  # what the page's csrftoken cookie would hold
    client.cookies["csrftoken"] = token
    accepted = client.post(url, {"action": "dismiss"}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200


@pytest.mark.usefixtures("backplane")
async def test_a_ban_holds_when_its_live_event_is_lost(connect, room, mod_client, monkeypatch):
    """The event that closes a banned person's connections can be lost (Redis away for a
    moment): the ban is kept, the moderator is answered, and the next send is refused and
    ends the connection, so the banned person cannot go on writing or reading."""
    writer, reader, _, flag = await _reported(connect, room)

    def lost(**kwargs):
        raise ConnectionError("the backplane is away for a moment")

    monkeypatch.setattr("moderation.actions.publish_to_identity", lost)
    resolved = await _resolve(mod_client, flag, action="ban", minutes=60)
    assert resolved["resolution"] == "ban"
    monkeypatch.undo()
    refused = await writer.say("still here, everyone")
    assert refused["code"] == "banned" and "minutes" in refused["detail"] and refused["until"]
    assert await writer.closed() == CloseCode.REMOVED_BY_MODERATOR
    assert await reader.silent()


def test_releasing_into_a_closed_room_is_refused_with_a_reason_and_changes_nothing(
    mod_client, room
):
    held = Message.objects.create(
        room=room,
        author_key="k" * 32,
        alias="Quiet Heron",
        client_id="c1",
        body="you idiot",
        status=Message.Status.HELD,
        hold_reason="harassment",
    )
    flag = Flag.objects.create(room=room, message=held, kind=Flag.Kind.HELD)
    room.is_open = False
    room.save(update_fields=["is_open"])

    response = mod_client.post(f"/api/moderation/flags/{flag.pk}/resolve/", {"action": "release"})

    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    flag.refresh_from_db()
    held.refresh_from_db()
    assert flag.status == Flag.Status.OPEN and held.status == Message.Status.HELD
    assert held.seq is None and not AuditEntry.objects.exists()


def test_facilitators_cannot_mute_or_ban_across_every_room(room):
    from tests.scheduling.factories import client_for, make_session, make_user

    facilitator = make_user(facilitator=True)
    own_room = make_session(facilitator=facilitator).room
    message = Message.objects.create(
        room=own_room, seq=1, author_key="k", alias="A B", client_id="c1", body="hm"
    )
    flag = Flag.objects.create(room=own_room, message=message, kind=Flag.Kind.REPORT)
    client = client_for(facilitator)
    url = f"/api/moderation/flags/{flag.pk}/resolve/"
    for action in ("mute", "ban"):
        refused = client.post(url, {"action": action, "minutes": 60})
        assert refused.status_code == 403
        assert "moderators" in refused.json()["detail"]
    assert not Sanction.objects.exists()
    assert client.post(url, {"action": "kick"}).status_code == 200


async def test_reports_beyond_an_identitys_allowance_are_refused_with_a_wait(
    connect, room, settings
):
    """One script must not bury the queue: reports are limited per identity, and a refused
    report is answered (rate_limited, with the wait), never dropped in silence."""
    settings.HEARTH_REPORT_BURST = 3
    settings.HEARTH_REPORT_REFILL_SECONDS = 3600
    writer, _ = await connect(room.slug)
    reporter, _ = await connect(room.slug)
    seqs = [(await writer.say(f"message {n}"))["seq"] for n in range(4)]
    for seq in seqs[:3]:
        await reporter.send(type="report", seq=seq, reason="")
        assert (await reporter.receive_type("report_ack"))["seq"] == seq
    await reporter.send(type="report", seq=seqs[3], reason="")
    refused = await reporter.receive_type("error")
    assert refused["code"] == "rate_limited" and refused["seq"] == seqs[3]
    assert refused["retry_after"] > 0 and "reports" in refused["detail"]
    assert await sync_to_async(Flag.objects.count)() == 3


@pytest.mark.usefixtures("backplane")
async def test_a_lifted_mute_tells_the_author_and_lets_them_write(
    connect, room, mod_client, moderator
):
    from moderation.actions import lift_sanction

    writer, _, _, flag = await _reported(connect, room)
    await _resolve(mod_client, flag, action="mute", minutes=30)
    assert (await writer.receive_type("notice"))["kind"] == "muted"
    mute = await sync_to_async(Sanction.objects.get)(kind="mute")
    await sync_to_async(lift_sanction)(sanction_id=mute.pk, moderator=moderator, reason="mistake")
    notice = await writer.receive_type("notice")
    assert notice["kind"] == "unmuted" and "write again" in notice["detail"]
    assert (await writer.say("thank you"))["type"] == "ack"
    entry = await sync_to_async(AuditEntry.objects.get)(action="lift_mute")
    assert entry.reason == "mistake"
