"""The benchmark's knobs, and its two profiles: ``full`` (make bench) and ``quick`` (the tests)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

SCENARIOS = ("one_room", "many_rooms", "slow_client", "churn", "two_processes")


@dataclass(frozen=True)
class Config:
    profile: str = "full"
    scenarios: tuple[str, ...] = SCENARIOS
    kinds: tuple[str, ...] = ("hearth", "baseline")

    # 1. one room
    sizes: tuple[int, ...] = (50, 200, 1000, 3000)
    repeats: int = 3
    repeats_above: dict[int, int] = field(default_factory=lambda: {200: 1})
    rate: float = 20.0
    fixed_seconds: float = 8.0
    fixed_senders: int = 4
    drain_seconds: float = 4.0
    sat_senders: int = 8
    sat_in_flight: int = 16_000  # deliveries in flight at saturation (4 to 32 messages)
    sat_warmup: float = 1.0
    sat_seconds: float = 3.0
    settle_seconds: float = 4.0
    connect_concurrency: int = 64
    connect_timeout: float = 30.0  # a room that has not filled by then is measured as it is
    quiesce_timeout: float = 15.0

    # 2. many small rooms
    many_rooms: int = 100
    many_room_size: int = 20
    many_rate_per_room: float = 1.0
    many_seconds: float = 8.0

    # 3. one slow client
    slow_size: int = 200
    slow_before: float = 3.0
    slow_pause: float = 10.0
    slow_after: float = 3.0
    slow_rcvbuf: int = 4096

    # 4. churn
    churn_size: int = 200
    churn_per_second: float = 20.0
    churn_seconds: float = 8.0
    churn_lifetime: float = 1.0

    # 5. two processes
    two_size: int = 500
    two_repeats: int = 3  # pairs of runs (one process, two), alternating

    # passes over the moderation corpus (python -m bench.moderation_step --repeat)
    moderation_repeat: int = 20

    def repeats_for(self, size: int) -> int:
        """Large rooms take long to fill: fewer repeats above the thresholds."""
        repeats = self.repeats
        for threshold, count in self.repeats_above.items():
            if size > threshold:
                repeats = min(repeats, count)
        return repeats

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


FULL = Config()

QUICK = replace(
    FULL,
    profile="quick",
    sizes=(20,),
    repeats=1,
    fixed_seconds=1.5,
    drain_seconds=3.0,
    settle_seconds=2.0,
    sat_senders=4,
    sat_warmup=0.5,
    sat_seconds=1.0,
    connect_timeout=20.0,
    quiesce_timeout=3.0,
    many_rooms=10,
    many_room_size=5,
    many_seconds=1.5,
    slow_size=20,
    slow_before=0.5,
    slow_pause=1.0,
    slow_after=0.5,
    churn_size=20,
    churn_per_second=10.0,
    churn_seconds=1.5,
    churn_lifetime=0.5,
    two_size=40,
    two_repeats=1,
    moderation_repeat=2,
)

PROFILES = {"full": FULL, "quick": QUICK}
