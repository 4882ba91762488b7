"""Page-number pagination that answers a malformed ``page`` or ``page_size`` with a 400."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class StrictPageNumberPagination(PageNumberPagination):
    """DRF quietly reads ``?page=`` as page 1; a client that sent it deserves to know."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        errors = {}
        for name in filter(None, (self.page_query_param, self.page_size_query_param)):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                errors[name] = ["Give a whole number from 1 up."]
        if errors:
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)
