"""Template tags of Hearth's pages."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()

DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"


@register.simple_tag
def exit_url() -> str:
    """Where quick exit goes: a neutral site (``HEARTH_EXIT_URL``), never a Hearth page."""
    return str(getattr(settings, "HEARTH_EXIT_URL", "") or DEFAULT_EXIT_URL)
