"""The PNG of a run: p99 latency at the fixed rate against room size, Hearth and baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _dig(data: object, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def plot(results: dict[str, Any], path: Path) -> bool:
    """p99 latency at 20 msg/s against room size, both servers; lost points drawn at the top."""
    try:
        import matplotlib
        import matplotlib.ticker

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    summary = _dig(results, "scenarios", "one_room", "summary") or {}
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    ceiling = 1.0
    for side in summary.values():
        for figures in side.values():
            if isinstance(figures.get("p99_ms"), int | float):
                ceiling = max(ceiling, figures["p99_ms"])
    lost_at = ceiling * 3
    for kind, style in (("hearth", "o-"), ("baseline", "s--")):
        side = summary.get(kind, {})
        sizes = sorted(int(size) for size in side)
        if not sizes:
            continue
        values = [side[str(size)].get("p99_ms") for size in sizes]
        label = "Hearth" if kind == "hearth" else "Channels tutorial"
        shown = [v if v is not None else lost_at for v in values]
        ax.plot(sizes, shown, style, label=label)
        for size, value in zip(sizes, values, strict=True):
            if value is None:
                ax.annotate("lost", (size, lost_at), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=8)  # fmt: skip
    for y, text in ((200, "200 ms"), (25, "25 ms")):
        ax.axhline(y, color="grey", linewidth=0.6, linestyle=":")
        ax.text(1.01, y, text, transform=ax.get_yaxis_transform(), va="center", fontsize=7,
                color="grey")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:,.0f}")
    every_size = sorted({int(size) for side in summary.values() for size in side})
    ax.set_xticks(every_size)
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("people in the room (N)")
    ax.set_ylabel("p99 latency (ms); lost = not all delivered")
    ax.set_title("p99 latency at 20 msg/s against room size (one daphne process each)")
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True
