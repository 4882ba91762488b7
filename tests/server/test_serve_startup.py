"""What ``python -m server.serve`` does before daphne starts: the heap it built is frozen.

A full garbage collection over start-up's objects paused every room of the process for tens of
milliseconds (docs/performance.md, "Garbage collection"). Run in a fresh interpreter, as a
server starts: the test process's own heap (pytest, fixtures) would hide the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys, time
from server.serve import _warm_up
_warm_up()
left = len(gc.get_objects())
# What daphne and the first request load next must already be there (and frozen).
loaded = [name for name in ("server.asgi", "rooms.consumers", "rooms.urls") if name in sys.modules]
started = time.perf_counter()
gc.collect()
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "left": left,
    "loaded": loaded,
    "full_collection_ms": (time.perf_counter() - started) * 1000,
}))
"""


def _start_up() -> dict[str, Any]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="server.settings")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_start_up_freezes_its_heap_so_full_collections_stay_short() -> None:
    figures = _start_up()
    # Django, the lexicons and the crisis model: well over 100,000 objects, all frozen...
    assert figures["frozen"] > 100_000, figures
    # ...so a full collection walks only what was made since: a few hundred objects.
    assert figures["left"] < figures["frozen"] / 50, figures
    # The application (routing, consumers) and every URL's view are loaded before the freeze.
    assert figures["loaded"] == ["server.asgi", "rooms.consumers", "rooms.urls"], figures
