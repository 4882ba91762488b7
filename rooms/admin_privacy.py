"""The Django admin's side of docs/privacy.md: no identity key is ever seen or used there.

Identity keys (``Message.author_key``, ``Report.reporter_key``, block, sanction, seat, reaction
and RSVP keys) link one person's pseudonyms across rooms and point at reporters, so staff must
not read them, nor reach them indirectly: Django's admin accepts a filter on any plain field
from the URL (``?author_key=...``, ``?author_key__startswith=a``), which would list one person's
messages in every room without the key ever being displayed.

``PrivateModelAdmin`` is the base of every ModelAdmin in Hearth. It drops secret fields from
every list, form, filter, search and ordering it is given, and refuses (400, through Django's
``DisallowedModelAdminLookup``) any URL lookup or ``_to_field`` that goes through one, related
lookups included (``?message__author_key=...``). This module owns that rule and nothing else:
what each model shows is its own admin module's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

# Fields named like this hold identity keys (keyed hashes of a visitor's token).
IDENTITY_KEY_SUFFIX = "_key"
# Other fields that hold or derive from a secret, per model ("app_label.model_name").
OTHER_SECRET_FIELDS: dict[str, frozenset[str]] = {
    # The talking order of a round: a list of identity keys.
    "rooms.roomstate": frozenset({"order"}),
    # A hash of the RSVP's bearer token: whoever holds the token could find the RSVP by it.
    "scheduling.rsvp": frozenset({"token_hash"}),
}


def is_secret_field(model: type[models.Model], name: str) -> bool:
    """Whether ``model``'s field ``name`` holds an identity key or another secret."""
    if name.endswith(IDENTITY_KEY_SUFFIX):
        return True
    return name in OTHER_SECRET_FIELDS.get(model._meta.label_lower, frozenset())


def secret_field_names(model: type[models.Model]) -> frozenset[str]:
    """The concrete fields of ``model`` that the admin must never show or filter on."""
    return frozenset(
        field.name for field in model._meta.concrete_fields if is_secret_field(model, field.name)
    )


def lookup_touches_secret(model: type[models.Model], lookup: str) -> bool:
    """Whether a queryset lookup (``message__author_key__startswith``) passes through a secret
    field of ``model`` or of any model it follows a relation to."""
    for part in lookup.split(LOOKUP_SEP):
        name = model._meta.pk.name if part == "pk" else part
        if is_secret_field(model, name):
            return True
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False  # a transform or a comparison: nothing further to follow
        related = getattr(field, "related_model", None)
        if not field.is_relation or related is None:
            return False
        model = related
    return False


def _without(names: Sequence[Any] | None, secret: frozenset[str]) -> list[Any]:
    """``names`` (field names, or callables and tuples as ModelAdmin allows) without secrets."""
    kept: list[Any] = []
    for item in names or ():
        if isinstance(item, (list, tuple)) and all(isinstance(part, str) for part in item):
            # A line of several fields in a fieldset: keep the line without its secrets.
            line = _without(item, secret)
            if line:
                kept.append(tuple(line))
            continue
        # A list filter given as (field, filter class), or a plain name or callable.
        name = item[0] if isinstance(item, (list, tuple)) and item else item
        if isinstance(name, str) and name.lstrip("-").split(LOOKUP_SEP)[0].lstrip("^=@") in secret:
            continue
        kept.append(item)
    return kept


class PrivateModelAdmin(admin.ModelAdmin):
    """A ModelAdmin that never shows, filters, searches or sorts on an identity key."""

    @property
    def secret_fields(self) -> frozenset[str]:
        return secret_field_names(self.model)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if lookup_touches_secret(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def to_field_allowed(self, request: HttpRequest, to_field: str) -> bool:
        if is_secret_field(self.model, to_field):
            return False
        return bool(super().to_field_allowed(request, to_field))

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        excluded = super().get_exclude(request, obj)
        if excluded is None:
            # Django would take the form's own Meta.exclude only when this is None; keep it.
            excluded = getattr(getattr(self.form, "_meta", None), "exclude", None)
        return [*(excluded or ()), *self.secret_fields]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return _without(super().get_fields(request, obj), self.secret_fields)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [
            (name, {**options, "fields": _without(options.get("fields"), self.secret_fields)})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return _without(super().get_readonly_fields(request, obj), self.secret_fields)

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return _without(super().get_list_display(request), self.secret_fields)

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        links = super().get_list_display_links(request, list_display)
        return None if links is None else _without(links, self.secret_fields)

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [
            item
            for item in _without(super().get_list_filter(request), self.secret_fields)
            if not (isinstance(item, str) and lookup_touches_secret(self.model, item))
        ]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [
            name
            for name in super().get_search_fields(request)
            if not lookup_touches_secret(self.model, name.lstrip("^=@"))
        ]

    def get_sortable_by(self, request: HttpRequest) -> list[Any]:
        return _without(super().get_sortable_by(request), self.secret_fields)

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return [
            name
            for name in super().get_ordering(request)
            if not (isinstance(name, str) and lookup_touches_secret(self.model, name.lstrip("-")))
        ]


class ReadOnlyAdmin(PrivateModelAdmin):
    """Shown to staff with the view permission; nobody adds, edits or deletes here (changes go
    through the services that write the audit log)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
