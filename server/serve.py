"""Run Hearth under daphne with the flags Hearth needs: ``python -m server.serve [daphne args]``.

Daphne's access log names every client's IP address, and Hearth writes no IP address anywhere, so
it is always off here. Everything else (bind address, port, --proxy-headers) passes through.
"""

from __future__ import annotations

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
    """Compile the moderation step's patterns now, not on the first messages people send, and
    spare each websocket connection autobahn's settings dump (server.daphne_socket)."""
    import django

    django.setup()
    from moderation.review import warm_up
    from server.daphne_socket import defer_autobahn_config_log

    warm_up()
    defer_autobahn_config_log()


if __name__ == "__main__":
    main()
