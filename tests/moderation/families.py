"""What the tables of phrase families share (test_crisis_families*.py): the labels' short names,
the check every crisis case runs through the whole step, and a message's view for stand-in
models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from moderation.decision import CRISIS_LABELS, Label
from moderation.normalize import normalize
from moderation.review import review
from moderation.sanitize import sanitize
from moderation.skeleton import TextView, view

S, D, H = Label.CRISIS_SELF, Label.CRISIS_DANGER, Label.HARASSMENT
NONE = None  # no crisis label at all


def assert_crisis_label(text: str, label: Label | None, why: str = "") -> None:
    """review(text) gives ``label`` among its crisis labels, or no crisis label for NONE."""
    found = review(text).labels & CRISIS_LABELS
    if label is None:
        assert not found, why
    else:
        assert label in found, why


def message_view(text: str) -> TextView:
    """The view review() would build for ``text``."""
    return view(sanitize(normalize(text)))


Families = dict[str, list[tuple[str, Label | None]]]  # family -> [(text, label or NONE)]


def family_params(families: Mapping[str, Sequence[tuple[str, object]]]) -> list[object]:
    """One pytest case per (family, text, expected), named by the text's start; ``expected``
    is a crisis label or NONE (Families), or whatever a table checks (True for harassment)."""
    return [
        pytest.param(family, text, label, id=text[:48])
        for family, cases in families.items()
        for text, label in cases
    ]
