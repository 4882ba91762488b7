"""The targets of issue 6, evaluated on a run's results, and the count of silent drops."""

from __future__ import annotations

from typing import Any

# Issue 6: two processes sharing Redis and PostgreSQL deliver at least this many times one.
TWO_PROCESS_TARGET = 1.6

Results = dict[str, Any]


def dig(data: object, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def targets(results: Results) -> list[dict[str, Any]]:
    """Each target of issue 6 with the measured figures of both servers and whether it is met."""
    one = dig(results, "scenarios", "one_room", "summary") or {}
    hearth, base = one.get("hearth", {}), one.get("baseline", {})

    def fig(side: dict[str, Any], size: int, name: str) -> Any:
        if str(size) not in side:
            return "not measured"
        return dig(side, str(size), name)

    def largest_ok(side: dict[str, Any]) -> int | None:
        good = [
            int(size)
            for size, figures in side.items()
            if isinstance(figures.get("p99_ms"), int | float)
            and figures["p99_ms"] <= 200
            and figures.get("delivered_fraction") == 1.0
            and figures.get("connected") == int(size)
        ]
        return max(good) if good else None

    rows: list[dict[str, Any]] = []

    def add(name: str, h: Any, b: Any, target: str, met: bool | None, **kw: Any) -> None:
        rows.append(
            {"figure": name, "hearth": h, "baseline": b, "target": target, "met": met, **kw}
        )

    for size, goal in ((200, 40_000), (1000, 30_000)):
        h = fig(hearth, size, "deliveries_per_s")
        add(
            f"deliveries/s at saturation, N = {size:,}", h, fig(base, size, "deliveries_per_s"),
            f">= {goal:,}", h >= goal if isinstance(h, int | float) else None, unit="per_s",
        )  # fmt: skip
    for size, goal in ((50, 10), (200, 25), (1000, 100)):
        h = fig(hearth, size, "p99_ms")
        delivered = fig(hearth, size, "delivered_fraction")
        met = isinstance(h, int | float) and h <= goal and (size != 1000 or delivered == 1.0)
        add(
            f"p99 at 20 msg/s, N = {size:,}" + (", everything delivered" if size == 1000 else ""),
            h, fig(base, size, "p99_ms"), f"<= {goal} ms", None if h == "not measured" else met,
            unit="ms", hearth_delivered=delivered,
            baseline_delivered=fig(base, size, "delivered_fraction"),
        )  # fmt: skip
    h_large, b_large = largest_ok(hearth), largest_ok(base)
    add(
        "largest room with p99 <= 200 ms at 20 msg/s (sizes measured)", h_large, b_large,
        ">= 1,000", (h_large or 0) >= 1000, unit="people",
    )  # fmt: skip
    sizes = sorted(int(size) for size in hearth) if hearth else []
    mem_size = 1000 if 1000 in sizes else (sizes[-1] if sizes else None)
    if mem_size is not None:
        h = fig(hearth, mem_size, "kib_per_connection")
        add(
            f"server memory per connection (N = {mem_size:,})", h,
            fig(base, mem_size, "kib_per_connection"), "<= 32 KiB",
            h <= 32 if isinstance(h, int | float) else None, unit="KiB",
        )  # fmt: skip
    silent_h, silent_b = silent_drops(results, "hearth"), silent_drops(results, "baseline")
    add(
        "silent drops (all scenarios)", silent_h, silent_b, "none", silent_h == 0, unit="deliveries"
    )
    speedup = dig(results, "scenarios", "two_processes", "speedup")
    add(
        "two processes vs one (saturation)", speedup, None, f">= {TWO_PROCESS_TARGET}x",
        speedup >= TWO_PROCESS_TARGET if isinstance(speedup, int | float) else None, unit="x",
    )  # fmt: skip
    moderation = results.get("moderation", {})
    median_us = moderation.get("median_us") if moderation.get("available") else None
    add(
        "moderation step, ordinary 200-character text (median)", median_us,
        moderation.get("bleach_clean_median_us"), "<= 30 µs",
        median_us <= 30 if isinstance(median_us, int | float) else None, unit="us",
    )  # fmt: skip
    return rows


def silent_drops(results: Results, kind: str) -> int:
    """Every delivery owed to a connection that stayed open but never came, in any scenario."""
    total = 0

    def walk(node: object, side: str | None) -> None:
        nonlocal total
        if isinstance(node, dict):
            node_kind = node.get("kind", side)
            if "silent_drops" in node and node_kind == kind and "owed_deliveries" in node:
                total += int(node["silent_drops"])
            for key, value in node.items():
                if key in ("summary", "windows"):
                    continue
                walk(value, key if key in ("hearth", "baseline") else node_kind)
        elif isinstance(node, list):
            for item in node:
                walk(item, side)

    scenarios = results.get("scenarios", {})
    for name, data in scenarios.items():
        walk(data, "hearth" if name == "two_processes" else None)
    return total
