"""Delete what Hearth promised to forget (see rooms/retention.py); --loop keeps doing it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from rooms.retention import purge_expired


class Command(BaseCommand):
    help = "Delete expired messages, audit texts, sanctions, blocks and sessions; free pseudonyms."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=int,
            default=0,
            metavar="SECONDS",
            help="run again every SECONDS (the docker-compose retention runner uses 300)",
        )

    def handle(self, *args: Any, loop: int = 0, **options: Any) -> None:
        while True:
            try:
                purged = purge_expired()
                self.stdout.write(
                    f"purged {purged.messages} messages, {purged.audit_texts} audit texts, "
                    f"{purged.sanctions} sanctions, {purged.blocks} blocks, "
                    f"{purged.sessions} sessions, {purged.pseudonyms} pseudonyms freed"
                )
            except DatabaseError as error:
                if not loop:
                    raise
                self.stderr.write(f"purge failed, will retry: {type(error).__name__}")
            if not loop:
                return
            close_old_connections()
            time.sleep(loop)
