"""The benchmark report's reading of scenario 5: whether the machine, not Hearth, set the ratio."""

from __future__ import annotations

from typing import Any

from bench import report


def _saturation(server: float, generator: float, redis: float, other: float) -> dict[str, Any]:
    return {
        "deliveries_per_s": 100_000.0,
        "server_core_share": server,
        "generator_core_share": generator,
        "redis_core_share": redis,
        "other_core_share": other,
    }


def _results(two: dict[str, Any], cores: int = 2) -> dict[str, Any]:
    return {
        "meta": {"config": {"two_size": 500}, "cores": cores},
        "scenarios": {
            "two_processes": {
                "processes_1": {"saturation": _saturation(0.9, 0.5, 0.02, 0.1)},
                "processes_2": {"saturation": two},
                "speedup": 1.3,
            }
        },
    }


def test_machine_busy_adds_every_consumer_of_the_cores() -> None:
    used, cores = report.machine_busy(_saturation(1.2, 0.5, 0.03, 0.2), 2)  # type: ignore[misc]
    assert round(used, 2) == 1.93 and cores == 2


def test_machine_busy_is_unknown_when_a_share_was_not_measured() -> None:
    partial = _saturation(1.2, 0.5, 0.03, 0.2)
    del partial["other_core_share"]
    assert report.machine_busy(partial, 2) is None
    assert report.machine_busy(None, 2) is None


def test_report_says_the_machine_set_the_ratio_when_its_cores_were_full() -> None:
    text = report._other_tables(_results(_saturation(1.2, 0.5, 0.03, 0.2)))
    assert "used 1.93 of its 2 cores (96.5%): the machine, not Hearth, set the ratio." in text


def test_report_says_nothing_of_the_machine_when_the_run_did_not_record_its_cores() -> None:
    results = _results(_saturation(1.2, 0.5, 0.03, 0.2))
    del results["meta"]["cores"]
    assert "the machine" not in report._other_tables(results)


def test_report_says_there_was_room_when_the_cores_were_not_full() -> None:
    text = report._other_tables(_results(_saturation(1.2, 0.3, 0.03, 0.1), cores=4))
    assert "used 1.63 of its 4 cores (40.8%): the machine had room to spare." in text


def test_report_does_not_blame_the_machine_when_the_ratio_was_met() -> None:
    results = _results(_saturation(1.5, 0.2, 0.03, 0.2))
    results["scenarios"]["two_processes"]["speedup"] = 1.89
    text = report._other_tables(results)
    assert "used 1.93 of its 2 cores (96.5%): the machine was the limit." in text
    assert "not Hearth" not in text
