"""What a moderator can do with a flag. Every action resolves the flag and writes the audit log.

Effects on people in rooms (a message shown or taken down, a private notice, a kick) are
published after the transaction commits, so nothing reaches a client that was not kept.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from moderation.live import announce_flag_on_commit
from moderation.models import AuditEntry, Flag, Sanction
from moderation.sanctions import describe_wait, impose
from rooms.circle.services import seat_kicked
from rooms.errors import RoomError
from rooms.events import publish_to_identity
from rooms.models import Message
from rooms.protocol import CloseCode, ErrorCode, error_frame, notice_frame
from rooms.services import release_held_message, remove_message


class FlagAction(StrEnum):
    DISMISS = "dismiss"
    RELEASE = "release"
    REMOVE = "remove"
    WARN = "warn"
    MUTE = "mute"
    KICK = "kick"
    BAN = "ban"


NEEDS_MINUTES = frozenset({FlagAction.MUTE, FlagAction.BAN})

DEFAULT_WARNING = (
    "A moderator asks you to look at the community guidelines. Everyone here deserves to feel safe."
)


class ActionRefused(Exception):
    """The action cannot apply to this flag; the sentence says why, for the moderator."""


def resolve_flag(
    *,
    flag_id: int,
    moderator: User,
    action: FlagAction,
    reason: str = "",
    minutes: int | None = None,
) -> Flag:
    with transaction.atomic():
        flag = Flag.objects.select_for_update().select_related("room").get(pk=flag_id)
        if flag.status == Flag.Status.RESOLVED:
            raise ActionRefused("Another moderator has already resolved this flag.")
        message = (
            Message.objects.select_for_update().select_related("room").get(pk=flag.message_id)
            if flag.message_id is not None
            else None
        )
        if message is None and action != FlagAction.DISMISS:
            raise ActionRefused("The message of this flag no longer exists; only dismiss applies.")
        if message is not None:
            _apply(action, message=message, moderator=moderator, reason=reason, minutes=minutes)
        flag.status = Flag.Status.RESOLVED
        flag.resolution = action
        flag.resolved_at = timezone.now()
        flag.save(update_fields=["status", "resolution", "resolved_at"])
        AuditEntry.objects.create(
            moderator=moderator,
            action=action,
            room=flag.room,
            flag=flag,
            target=_describe(message, flag),
            reason=reason,
            message_text=message.body if message is not None else "",
        )
        announce_flag_on_commit(flag.id)
    return flag


def _apply(
    action: FlagAction,
    *,
    message: Message,
    moderator: User,
    reason: str,
    minutes: int | None,
) -> None:
    author, room_slug = message.author_key, message.room.slug
    if action == FlagAction.RELEASE:
        if message.status != Message.Status.HELD:
            raise ActionRefused("Only a held message can be released.")
        try:
            release_held_message(message)
        except RoomError:  # the room closed: it takes no new message, released or sent
            raise ActionRefused(ROOM_CLOSED_FOR_RELEASE) from None
    elif action == FlagAction.REMOVE:
        if message.status == Message.Status.REMOVED:
            raise ActionRefused("This message has already been removed.")
        remove_message(message)
    elif action == FlagAction.WARN:
        _tell(author, notice_frame(kind="warning", detail=reason or DEFAULT_WARNING))
    elif action in NEEDS_MINUTES:
        if not minutes or minutes < 1:
            raise ActionRefused("Say for how many minutes.")
        kind = Sanction.Kind.MUTE if action == FlagAction.MUTE else Sanction.Kind.BAN
        sanction = impose(
            identity_key=author, kind=kind, minutes=minutes, moderator=moderator, reason=reason
        )
        wait = describe_wait(sanction.until)
        if kind == Sanction.Kind.MUTE:
            _tell(
                author,
                notice_frame(kind="muted", detail=f"A moderator paused your messages for {wait}."),
            )
        else:
            frame = error_frame(
                ErrorCode.BANNED,
                f"A moderator paused your access to Hearth's rooms for {wait}.",
                until=sanction.until.isoformat(),
            )
            _tell(author, frame, close_code=CloseCode.REMOVED_BY_MODERATOR)
    elif action == FlagAction.KICK:
        seat_kicked(room_id=message.room_id, identity_key=author)
        _tell(
            author,
            error_frame(ErrorCode.KICKED),
            close_code=CloseCode.REMOVED_BY_MODERATOR,
            room=room_slug,
        )


def lift_sanction(*, sanction_id: int, moderator: User, reason: str = "") -> Sanction:
    """End a mute or a ban now (a mistaken one, or one that has done its work), with an audit
    entry. A lifted mute tells the person's open connections they can write again; a banned
    person's connections were closed, and they can come back at once."""
    with transaction.atomic():
        sanction = Sanction.objects.select_for_update().get(pk=sanction_id)
        now = timezone.now()
        if sanction.until <= now:
            raise ActionRefused("This mute or ban has already ended.")
        sanction.until = now
        sanction.save(update_fields=["until"])
        AuditEntry.objects.create(
            moderator=moderator,
            action=f"lift_{sanction.kind}",
            target=f"{sanction.get_kind_display()} #{sanction.pk}",
            reason=reason,
        )
        if sanction.kind == Sanction.Kind.MUTE:
            _tell(sanction.identity_key, notice_frame(kind="unmuted", detail=UNMUTED))
    return sanction


ROOM_CLOSED_FOR_RELEASE = (
    "This room is closed, so the message cannot be shown there now. Release it when the room "
    "opens again, or remove it."
)
UNMUTED = "A moderator lifted the pause on your messages. You can write again."


def _tell(identity_key: str, frame: str, *, close_code: int = 0, room: str | None = None) -> None:
    # robust: the action is committed whatever happens to the live event (a lost one is logged);
    # a mute or ban still holds at the person's next send and join, which read the database.
    transaction.on_commit(
        lambda: publish_to_identity(
            identity_key=identity_key, frame=frame, close_code=close_code, room=room
        ),
        robust=True,
    )


def _describe(message: Message | None, flag: Flag) -> str:
    if message is None:
        return f"a deleted message in {flag.room.slug}"
    number = f"#{message.seq}" if message.seq is not None else "(held)"
    return f"{message.alias} in {message.room.slug}, message {number}"
