"""Measuring review() against labelled sets of messages (tests/moderation/data/).

Owns: loading the labelled sets, computing precision and recall per label and the crisis
figures the tests hold the step to, and printing them as a markdown table:

    .venv/bin/python -m moderation.evaluation
        [--split dev|holdout|holdout2|...|holdout7|all|each] [--errors] [PATH ...]

With no PATH it reads labelled.jsonl (splits "dev" and "holdout") and, when they exist, the
spent holdout_2.jsonl to holdout_7.jsonl (splits "holdout2" to "holdout7": each written blind
by another author, run once blind, studied since); "each" (the default) prints all, then every
split. A file named holdout_N.jsonl given as PATH gets the split "holdoutN". A blind set
(BLIND_FILES: holdout_8.jsonl now) is never read here unless given as PATH:
it is run once, blind, and the test suite holds those figures without showing its errors;
nothing here needs it to exist.

Must not: change what review() decides, or be imported by the message path.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from moderation.decision import CRISIS_LABELS, Label
from moderation.review import review

__all__ = ["DEFAULT_PATH", "Example", "Report", "evaluate", "load_examples", "markdown"]

DEFAULT_PATH = (
    Path(__file__).resolve().parent.parent / "tests" / "moderation" / "data" / "labelled.jsonl"
)
# Written blind, each by another author, run once blind and studied since (spent): read by
# default when present.
SPENT_PATHS = tuple(DEFAULT_PATH.parent / f"holdout_{n}.jsonl" for n in (2, 3, 4, 5, 6, 7))
# Blind: never read unless given as a PATH (the lead runs it once). holdout_8.jsonl, written
# blind in the eighth session, is blind: nobody has read its errors.
BLIND_FILES: tuple[str, ...] = ("holdout_8.jsonl",)
SPLITS = (
    "dev", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7",
    "holdout8",
)  # fmt: skip
_HOLDOUT_FILE = re.compile(r"holdout_(\d+)\.jsonl")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    labels: frozenset[Label]
    split: str


@dataclass(frozen=True, slots=True)
class LabelScore:
    label: str
    support: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 1.0


@dataclass(frozen=True, slots=True)
class Report:
    split: str
    examples: int
    ordinary: int
    scores: tuple[LabelScore, ...]
    crisis: LabelScore  # either crisis label counts as a hit for either
    ordinary_flagged_as_crisis: int
    errors: tuple[tuple[str, frozenset[Label], frozenset[Label]], ...]

    @property
    def ordinary_crisis_rate(self) -> float:
        return self.ordinary_flagged_as_crisis / self.ordinary if self.ordinary else 0.0

    def score(self, label: str) -> LabelScore:
        if label == "crisis":
            return self.crisis
        return next(score for score in self.scores if score.label == label)


def load_examples(path: Path = DEFAULT_PATH, *, default_split: str = "dev") -> list[Example]:
    """The examples of one file; a row without a "split" gets ``default_split``."""
    examples = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            try:
                labels = frozenset(Label(label) for label in row["labels"])
            except ValueError as error:
                raise ValueError(f"{path}:{number}: {error}") from error
            examples.append(Example(row["text"], labels, row.get("split", default_split)))
    return examples


def _score(label: str, pairs: Sequence[tuple[bool, bool]]) -> LabelScore:
    return LabelScore(
        label=label,
        support=sum(1 for truth, _ in pairs if truth),
        true_positives=sum(1 for truth, got in pairs if truth and got),
        false_positives=sum(1 for truth, got in pairs if got and not truth),
        false_negatives=sum(1 for truth, got in pairs if truth and not got),
    )


def evaluate(examples: Iterable[Example], *, split: str = "all") -> Report:
    chosen = [e for e in examples if split == "all" or e.split == split]
    results = [(example, review(example.text).labels) for example in chosen]
    scores = tuple(
        _score(label.value, [(label in ex.labels, label in got) for ex, got in results])
        for label in Label
    )
    crisis_pairs = [
        (bool(ex.labels & CRISIS_LABELS), bool(got & CRISIS_LABELS)) for ex, got in results
    ]
    ordinary = [(ex, got) for ex, got in results if not ex.labels]
    return Report(
        split=split,
        examples=len(results),
        ordinary=len(ordinary),
        scores=scores,
        crisis=_score("crisis (either)", crisis_pairs),
        ordinary_flagged_as_crisis=sum(1 for _, got in ordinary if got & CRISIS_LABELS),
        errors=tuple((ex.text, ex.labels, got) for ex, got in results if ex.labels != got),
    )


def markdown(reports: Sequence[Report]) -> str:
    lines = [
        "| split | label | messages with label | precision | recall |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for report in reports:
        for score in (*report.scores, report.crisis):
            lines.append(
                f"| {report.split} | {score.label} | {score.support} | "
                f"{score.precision:.3f} | {score.recall:.3f} |"
            )
        lines.append(
            f"| {report.split} | ordinary flagged as crisis | {report.ordinary} ordinary | | "
            f"{report.ordinary_flagged_as_crisis} ({report.ordinary_crisis_rate:.1%}) |"
        )
    return "\n".join(lines)


def default_paths() -> list[Path]:
    """labelled.jsonl and the spent sets that exist; never a blind set."""
    return [DEFAULT_PATH] + [path for path in SPENT_PATHS if path.exists()]


def default_split(path: Path) -> str:
    """ "holdoutN" for a file named holdout_N.jsonl, else "dev"."""
    found = _HOLDOUT_FILE.fullmatch(path.name)
    return f"holdout{found.group(1)}" if found else "dev"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    parser.add_argument("--split", choices=(*SPLITS, "all", "each"), default="each")
    parser.add_argument("--errors", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    for path in args.paths:
        if not path.is_file():
            parser.error(f"{path}: no such file")
    examples = [
        example
        for path in args.paths or default_paths()
        for example in load_examples(path, default_split=default_split(path))
    ]
    known = (*SPLITS, *sorted({e.split for e in examples} - set(SPLITS)))
    present = [split for split in known if any(e.split == split for e in examples)]
    if args.split not in ("each", "all", *present):
        blind = [name for name in BLIND_FILES if default_split(Path(name)) == args.split]
        hint = f": a blind set, read only as a PATH ({blind[0]})" if blind else ""
        parser.error(f"no message of split {args.split} in the files read{hint}")
    splits = ("all", *present) if args.split == "each" else (args.split,)
    reports = [evaluate(examples, split=split) for split in splits]
    print(markdown(reports))
    if args.errors:
        for text, expected, got in reports[0].errors:
            want = ",".join(sorted(expected)) or "-"
            have = ",".join(sorted(got)) or "-"
            print(f"want {want:32} got {have:32} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
