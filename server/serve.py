"""Run Hearth under daphne with the flags Hearth needs: ``python -m server.serve [daphne args]``.

Daphne's access log names every client's IP address, and Hearth writes no IP address anywhere, so
it is always off here. Everything else (bind address, port, --proxy-headers) passes through.
"""

from __future__ import annotations

import gc
import os
import sys

from daphne.cli import CommandLineInterface

APPLICATION = "server.asgi:application"


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    if "--access-log" in args:
        raise SystemExit("Hearth keeps no access log: it would record IP addresses.")
    _warm_up()
    CommandLineInterface().run(["--access-log", os.devnull, *args, APPLICATION])


def _warm_up() -> None:
    """Compile the moderation step's patterns now, not on the first messages people send, load
    the application and its URLs (daphne would import them next, and the first request would
    build the URL resolver), spare each websocket connection autobahn's settings dump
    (server.daphne_socket), then freeze all of it."""
    import django

    django.setup()
    from django.urls import get_resolver

    import server.asgi  # noqa: F401  (the application daphne serves: routing, consumers)
    from moderation.review import warm_up
    from server.daphne_socket import defer_autobahn_config_log

    warm_up()
    get_resolver().url_patterns  # noqa: B018  (resolving it imports every view and DRF)
    defer_autobahn_config_log()
    freeze_startup_heap()


def freeze_startup_heap() -> None:
    """Keep what start-up built out of every later garbage collection.

    Django, the lexicons and the crisis model leave about 140,000 objects that live as long as
    the process. A full collection walks them all: 43-50 ms on the 2-core machine, a pause for
    every room of the process at once, and during the benchmark's fixed-rate runs such pauses
    (15-85 ms) set the p99 (docs/performance.md, "Garbage collection"). Frozen, they are never
    walked again; objects made later are collected as usual. Start-up garbage is collected
    first, so none of it is kept.
    """
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    main()
