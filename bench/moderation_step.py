"""Benchmark of the moderation step: review() per message, median and p99 in microseconds.

    .venv/bin/python -m bench.moderation_step [--json] [--repeat N]

Three sets:
- ``ordinary_200_chars``: the target case, "an ordinary 200-character message" (at most 30 us
  median on the 2-core machine): 50 single support-room posts of 160-210 characters
  (tests/moderation/data/ordinary_200.jsonl), written as real posts are, including their
  share of past-tense threats, negations and idioms;
- ``ordinary_200_chars_concatenated``: a stress set of about 200 characters made by joining
  consecutive short ordinary messages of the labelled corpus. Those were written as hard
  negatives, so about half of these composites hold a crisis phrase the context rules must
  then rule out, the slow path;
- ``labelled_corpus``: every message of tests/moderation/data/labelled.jsonl as written.
Each message is reviewed once untimed first (warm caches, as in a running server: words and
chunks are canonicalised once per process). The 1-minute load
average is printed too: on a shared 2-core machine other processes inflate every figure, and
"median of fastest" (each message's fastest call, median over messages) shows the step's own
cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from moderation.evaluation import load_examples
from moderation.review import review

ORDINARY_200 = (
    Path(__file__).resolve().parent.parent / "tests" / "moderation" / "data" / "ordinary_200.jsonl"
)


def long_ordinary_messages(path: Path = ORDINARY_200) -> list[str]:
    """The hand-written ordinary posts of about 200 characters."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def ordinary_messages(texts: list[str], *, length: int = 200) -> list[str]:
    """Messages of about ``length`` characters made of consecutive ordinary messages."""
    built, current = [], ""
    for text in texts * 3:
        current = f"{current} {text}".strip() if current else text
        if len(current) >= length:
            built.append(current[:length].rsplit(" ", 1)[0])
            current = ""
    return built


def measure(messages: list[str], repeat: int) -> dict[str, float]:
    for message in messages:
        review(message)
    timings = []
    fastest = [float("inf")] * len(messages)
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for index, message in enumerate(messages):
            start = clock()
            review(message)
            elapsed = (clock() - start) / 1000
            timings.append(elapsed)
            fastest[index] = min(fastest[index], elapsed)
    timings.sort()
    return {
        "messages": len(messages),
        "calls": len(timings),
        "median_us": round(statistics.median(timings), 2),
        "p99_us": round(timings[int(len(timings) * 0.99) - 1], 2),
        # Each message's fastest call, then the median over messages: what a call costs when
        # nothing else competes for the CPU (the plain median includes other processes' load).
        "median_of_fastest_us": round(statistics.median(fastest), 2),
        "mean_chars": round(sum(map(len, messages)) / len(messages), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def bleach_reference(messages: list[str], repeat: int) -> float:
    import bleach

    timings = []
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for message in messages:
            start = clock()
            bleach.clean(message)
            timings.append((clock() - start) / 1000)
    return round(statistics.median(timings), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time review() per message.")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--repeat", type=int, default=20, help="passes over each set")
    args = parser.parse_args(argv)
    examples = load_examples()
    corpus = [example.text for example in examples]
    ordinary = ordinary_messages([e.text for e in examples if not e.labels])
    long_posts = long_ordinary_messages()
    results: dict[str, dict[str, float]] = {
        "labelled_corpus": measure(corpus, args.repeat),
        "ordinary_200_chars": measure(long_posts, args.repeat),
        "ordinary_200_chars_concatenated": measure(ordinary, args.repeat),
    }
    # The same messages through bleach.clean alone, in the same run: the yardstick
    # (about 70 us on the reference machine), so figures from a loaded machine can be scaled.
    results["ordinary_200_chars"]["bleach_clean_median_us"] = bleach_reference(
        long_posts, args.repeat
    )
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name, result in results.items():
            print(
                f"{name:32} {result['messages']:4} messages (~{result['mean_chars']:.0f} chars): "
                f"median {result['median_us']:6.2f} us, p99 {result['p99_us']:7.2f} us, "
                f"median of fastest {result['median_of_fastest_us']:6.2f} us "
                f"(load {result['load_average_1min']})"
            )
            if "bleach_clean_median_us" in result:
                print(f"{'':32} bleach.clean alone: median {result['bleach_clean_median_us']} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
