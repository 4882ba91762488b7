"""``manage.py classify``: run the moderation step over messages read one per line from stdin.

Prints one JSON object per input line: {"body", "labels" (sorted), "action", "resources"}.
For moderators and developers trying lexicon changes:

    printf 'I want to die\\nmy number is 07700 900123\\n' \\
        | DEBUG=1 .venv/bin/python manage.py classify
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from moderation.review import review


class Command(BaseCommand):
    help = "Classify messages read one per line from standard input; print one JSON line each."
    # call_command(..., stdin=io.StringIO(...)) feeds it in tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reason",
            action="store_true",
            help="also print reason and detail (what the author would be told)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        for line in stdin:
            text = line.rstrip("\r\n")
            decision = review(text)
            row: dict[str, Any] = {
                "body": decision.body,
                "labels": sorted(label.value for label in decision.labels),
                "action": decision.action.value,
                "resources": decision.resources,
            }
            if options.get("reason"):
                row["reason"] = decision.reason
                row["detail"] = decision.detail
            self.stdout.write(json.dumps(row, ensure_ascii=False))
