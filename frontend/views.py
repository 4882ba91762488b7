"""The web pages: thin views that render a template and make sure the visitor has an identity.

Every page view calls ``ensure_identity`` so the session cookie exists before a room page opens
its websocket (daphne cannot set a cookie on a websocket upgrade). Pages carry their settings to
the scripts in ``data-`` attributes: the Content-Security-Policy allows no inline script.

Titles stay neutral ("Hearth") on every page but a room's own, and no page names abuse in its
title, so a glance at a tab list or the history shows nothing alarming.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from moderation import resources
from moderation.api.permissions import is_moderator
from rooms import selectors
from rooms.backplane import presence_counts
from rooms.circle.permissions import can_facilitate
from rooms.identity import ensure_identity
from rooms.models import Room

DESK_LOGIN_URL = "/desk/login/"


def same_origin_referrer(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For pages that POST: Hearth's "no-referrer" makes browsers send ``Origin: null`` with a
    POST, which Django's CSRF check refuses. "same-origin" still sends nothing to other sites."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def _page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    ensure_identity(request.session)
    return render(request, f"frontend/{template}", context)


@require_GET
def lobby(request: HttpRequest) -> HttpResponse:
    """Open drop-in rooms with live counts (the script refreshes them), sessions, help,
    guidelines."""
    # Session rooms are reached from the schedule, when their meeting is on.
    rooms = [room for room in selectors.open_rooms() if room.kind == Room.Kind.DROP_IN]
    counts = presence_counts([room.slug for room in rooms])
    listed = [{"room": room, "participants": counts.get(room.slug, 0)} for room in rooms]
    return _page(request, "lobby.html", rooms=listed)


@require_GET
def room(request: HttpRequest, slug: str) -> HttpResponse:
    """One room: guidelines, the message list and the composer; the script does the rest.

    The facilitator's tools are rendered only for someone the websocket will also let facilitate
    (the same ``can_facilitate``, from the same session cookie); it still refuses anyone else's
    commands with ``forbidden``, so the panel is only a convenience, never the check.
    """
    room = get_object_or_404(Room, slug=slug)
    return _page(
        request,
        "room.html",
        room=room,
        max_body_chars=settings.HEARTH_MAX_BODY_CHARS,
        can_facilitate=can_facilitate(request.user, room.slug),
        is_session=room.kind == Room.Kind.SESSION,
    )


@require_GET
@same_origin_referrer
def schedule(request: HttpRequest) -> HttpResponse:
    return _page(request, "schedule.html", referrer_policy="same-origin")


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """Crisis resources, rendered here so they show even when the script cannot run.

    The region comes from ``?country=`` (the page's own form), else the browser's
    Accept-Language; the script then applies the region the visitor chose before, if any.
    """
    chosen = request.GET.get("country")
    country = chosen or resources.country_from_accept_language(
        request.headers.get("Accept-Language")
    )
    found = resources.resources_for(country)
    return _page(
        request,
        "help.html",
        countries=resources.supported_countries(),
        found=resources.to_json(found),
    )


@require_GET
@same_origin_referrer
@login_required(login_url=DESK_LOGIN_URL)
@user_passes_test(is_moderator, login_url=DESK_LOGIN_URL)
def desk(request: HttpRequest) -> HttpResponse:
    """The moderators' desk: queue, flag in context, actions, audit log (all via the API)."""
    return _page(request, "desk.html", referrer_policy="same-origin")
