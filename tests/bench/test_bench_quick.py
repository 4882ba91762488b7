"""The benchmark's quick configuration runs end to end against real daphne processes.

It starts Hearth and the Channels tutorial baseline, runs every scenario briefly with small rooms,
and checks that the report files are written and that Hearth delivered every message it accepted:
all of them at small N, with nothing dropped silently. Figures are not checked here (the machine
running the tests may be busy); ``make bench`` measures them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.targets import silent_drops
from tests.support.servers import ROOT
from tests.support.servers import test_database_url as database_url_of_this_run

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.timeout(150)
def test_quick_benchmark_runs_and_hearth_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    redis_host = os.environ["REDIS_URL"].rsplit("/", 1)[0]
    result = subprocess.run(
        [
            sys.executable, "-m", "bench", "--quick", "--no-docs", "--out", str(out),
            "--database-url", database_url_of_this_run(), "--redis-url", redis_host,
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=140,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]

    for name in ("results.json", "results.md", "p99_vs_room_size.png"):
        assert (out / name).stat().st_size > 0, name
    results = json.loads((out / "results.json").read_text())
    scenarios = results["scenarios"]
    assert set(scenarios) == {"one_room", "many_rooms", "slow_client", "churn", "two_processes"}

    for size, figures in scenarios["one_room"]["summary"]["hearth"].items():
        assert figures["connected"] == int(size)
        assert figures["delivered_fraction"] == 1.0, (size, figures)
        assert figures["deliveries_per_s"] > 0
    for run in scenarios["one_room"]["runs"]:
        if run["kind"] == "hearth":
            for phase in ("saturation", "fixed"):
                # Every message accounted for: acked and delivered to everyone in the room.
                assert run[phase]["unanswered"] == 0 and run[phase]["refused"] == 0
                assert run[phase]["delivered"] == run[phase]["owed_deliveries"]
    for name in ("many_rooms", "churn"):
        assert scenarios[name]["hearth"]["fixed"]["delivered_fraction"] == 1.0, name
    slow = scenarios["slow_client"]["hearth"]
    assert slow["slow_client"]["caught_up"] or slow["slow_client"]["close_code"] == 4408
    assert scenarios["two_processes"]["processes_2"]["fixed"]["delivered_fraction"] == 1.0

    assert silent_drops(results, "hearth") == 0
    markdown = (out / "results.md").read_text()
    assert "Hearth" in markdown and "tutorial" in markdown
