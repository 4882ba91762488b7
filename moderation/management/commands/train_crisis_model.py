"""``manage.py train_crisis_model``: retrain moderation/data/crisis_model.json from the labels.

    .venv/bin/python manage.py train_crisis_model            # rewrite the weights file
    .venv/bin/python manage.py train_crisis_model --check    # exit 1 if it would change
    .venv/bin/python manage.py train_crisis_model --cross-author   # the honest figures

Trains two L2-regularised logistic regressions (crisis_self, crisis_danger, one-vs-rest) over
the features of moderation/crisis_model.py, by SGD in pure Python in a fixed order, so the
same data always gives the same file (tests/moderation/test_crisis_model.py checks). Reads
only TRAINING_FILES in tests/moderation/data/ (all splits); never a blind set (BLIND, by file
name and by split, whether or not the file exists yet). ``--cross-author`` trains without one
other author's set and scores on it, for each of FOLDS: lexicons alone, the model alone, and
both (docs/moderation.md).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from moderation.crisis_model import GATE, MODEL_PATH, features, unigrams
from moderation.decision import CRISIS_LABELS, Label
from moderation.evaluation import DEFAULT_PATH, load_examples
from moderation.normalize import normalize
from moderation.sanitize import sanitize
from moderation.skeleton import TextView, view

DATA_DIR = DEFAULT_PATH.parent
# By name: the blind sets are for measuring, each run once by the lead; they never train anything.
# holdout_8 is blind (holdout_7, blind until the seventh round, is spent). The trainer refuses a
# blind set by name and split, whether or not the file exists.
BLIND: tuple[str, ...] = ("holdout_8",)
TRAINING_FILES = (
    "labelled.jsonl",
    "holdout_2.jsonl",
    "holdout_3.jsonl",
    "train_5.jsonl",
    "holdout_4.jsonl",  # blind until its study in the fifth round; chosen on the folds
    "holdout_5.jsonl",
)
# Each written blind by another author: --cross-author trains without one and scores on it.
# holdout_6 and holdout_7 (spent in the sixth and seventh rounds) are folds but do not train the
# model: on the folds, adding either to training found no more crises (holdout_7 cost the step
# three; docs/moderation.md, "The learned crisis model").
FOLDS = (
    "holdout_2.jsonl",
    "holdout_3.jsonl",
    "holdout_4.jsonl",
    "holdout_5.jsonl",
    "holdout_6.jsonl",
    "holdout_7.jsonl",
)
BLIND_SPLITS = frozenset(blind.replace("_", "") for blind in BLIND)
LABELS = (Label.CRISIS_SELF, Label.CRISIS_DANGER)

# Chosen by the cross-author folds only (docs/moderation.md, "The learned crisis model").
L2 = 3e-4
EPOCHS = 30
LEARNING_RATE = 0.5
PRUNE = 0.05  # weights smaller than this are dropped from the file
DIGITS = 3
THRESHOLDS = {Label.CRISIS_SELF: 0.6, Label.CRISIS_DANGER: 0.7}


class Row:
    __slots__ = ("features", "labels", "source", "text", "unigrams", "view")

    def __init__(self, text: str, labels: frozenset[Label], source: str) -> None:
        self.text = text
        self.labels = labels
        self.source = source
        self.view = view(sanitize(normalize(text)))
        self.features = sorted(features(self.view.canonical))
        self.unigrams = sorted(unigrams(self.view.canonical))


class _Features:
    """A message's model features, as a Row holds them."""

    __slots__ = ("features", "unigrams")

    def __init__(self, canonical: str) -> None:
        self.features = sorted(features(canonical))
        self.unigrams = sorted(unigrams(canonical))


def load_rows(names: Sequence[str] = TRAINING_FILES) -> list[Row]:
    rows = []
    for name in names:
        if any(blind in name or blind.replace("_", "") in name for blind in BLIND):
            raise ValueError(f"{name} is a blind set; it never trains or tunes the model")
        path = DATA_DIR / name
        for example in load_examples(path):
            if example.split in BLIND_SPLITS:
                raise ValueError(f"{path}: a {example.split} row")
            rows.append(Row(example.text, example.labels, name))
    return rows


def _order(rows: Sequence[Row], epoch: int) -> list[Row]:
    """A fixed shuffle: each epoch sorts by a hash of the epoch and the text."""

    def key(row: Row) -> bytes:
        return hashlib.sha256(f"{epoch}\n{row.source}\n{row.text}".encode()).digest()

    return sorted(rows, key=key)


def train_label(
    rows: Sequence[Row], label: Label, l2: float = L2, *, gate: bool = False
) -> tuple[float, dict[str, float]]:
    """SGD on the mean log loss plus l2/2 |w|^2 (bias unregularised); w = scale * v.
    ``gate``: on words alone (the gate's features), else on words and pairs."""
    v: dict[str, float] = {}
    bias, scale, step = 0.0, 1.0, 0
    for epoch in range(EPOCHS):
        for row in _order(rows, epoch):
            rate = LEARNING_RATE / (1 + LEARNING_RATE * l2 * step)
            step += 1
            found = row.unigrams if gate else row.features
            score = bias + scale * sum(v.get(f, 0.0) for f in found)
            score = max(-30.0, min(30.0, score))
            gradient = 1 / (1 + math.exp(-score)) - (label in row.labels)
            scale *= 1 - rate * l2
            if scale < 1e-6:  # fold the scale back in before it underflows
                v = {f: w * scale for f, w in v.items()}
                scale = 1.0
            for f in found:
                v[f] = v.get(f, 0.0) - rate * gradient / scale
            bias -= rate * gradient
    weights = {f: round(w * scale, DIGITS) for f, w in sorted(v.items())}
    return round(bias, DIGITS), {f: w for f, w in weights.items() if abs(w) >= PRUNE}


def train(rows: Sequence[Row], l2: float = L2) -> dict[str, Any]:
    model: dict[str, Any] = {"format": 2, "trained_on": list(TRAINING_FILES), "gate_bar": GATE}
    for part, gate in (("gate", True), ("full", False)):
        labels = model[part] = {}
        for label in LABELS:
            bias, weights = train_label(rows, label, l2, gate=gate)
            labels[label.value] = {"bias": bias, "weights": weights}
            if not gate:
                labels[label.value]["threshold"] = THRESHOLDS[label]
    return model


def dumps(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=0, sort_keys=True, ensure_ascii=False) + "\n"


def probability(entry: dict[str, Any], found: Sequence[str]) -> float:
    score = entry["bias"] + sum(entry["weights"].get(f, 0.0) for f in found)
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, score))))


def model_labels(model: dict[str, Any], row: Row | _Features) -> frozenset[Label]:
    """What crisis_model.predict() gives with this model (the gate, then the full model)."""
    if all(probability(model["gate"][label.value], row.unigrams) < GATE for label in LABELS):
        return frozenset()
    return frozenset(
        label
        for label in LABELS
        if probability(model["full"][label.value], row.features)
        >= model["full"][label.value]["threshold"]
    )


def figures(rows: Sequence[Row], predicted: Sequence[frozenset[Label]]) -> tuple[str, float, float]:
    crisis = [got for row, got in zip(rows, predicted, strict=True) if row.labels & CRISIS_LABELS]
    ordinary = [got for row, got in zip(rows, predicted, strict=True) if not row.labels]
    hits = sum(1 for got in crisis if got & CRISIS_LABELS)
    false = sum(1 for got in ordinary if got & CRISIS_LABELS)
    text = f"{hits}/{len(crisis)} = {hits / len(crisis):.3f} | {false}/{len(ordinary)}"
    return text + f" = {false / len(ordinary):.1%}", hits / len(crisis), false / len(ordinary)


def cross_author(rows: Sequence[Row], l2: float = L2) -> list[str]:
    """For each fold: trained without it, scored on it; "both" is the step as it runs (the
    lexicons, then the fold's model in context, negated phrases cut as on the message path)."""
    from moderation.classify import learned_in_context, lexicons_and_negated

    lines = [
        "| held out | step | crisis recall | ordinary flagged as crisis |",
        "| --- | --- | ---: | ---: |",
    ]
    for fold in FOLDS:
        test = [row for row in rows if row.source == fold]
        model = train(
            [row for row in rows if row.source != fold and row.source in TRAINING_FILES], l2
        )

        def predictor(text_view: TextView, model: dict[str, Any] = model) -> frozenset[Label]:
            return view_labels(model, text_view)

        lexicon, both = [], []
        for row in test:
            found, negated = lexicons_and_negated(row.view)
            labels = found.labels & CRISIS_LABELS
            learned = predictor(row.view) - found.labels
            lexicon.append(labels)
            both.append(
                labels | learned_in_context(row.view, learned, negated, predictor)
                if learned
                else labels
            )
        learned_alone = [model_labels(model, row) for row in test]
        for name, predicted in (("lexicons", lexicon), ("model", learned_alone), ("both", both)):
            lines.append(f"| {fold} | {name} | " + figures(test, predicted)[0] + " |")
    return lines


def view_labels(model: dict[str, Any], text_view: TextView) -> frozenset[Label]:
    """model_labels() for a message's TextView."""
    return model_labels(model, _Features(text_view.canonical))


class Command(BaseCommand):
    help = "Retrain moderation/data/crisis_model.json from the labelled sets."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the file would change")
        parser.add_argument("--cross-author", action="store_true", help="print the fold figures")
        parser.add_argument("--output", type=Path, default=MODEL_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = load_rows()
        if options["cross_author"]:
            # A fold that does not train the model is read only here, and only to score it.
            scored_only = tuple(name for name in FOLDS if name not in TRAINING_FILES)
            self.stdout.write("\n".join(cross_author(rows + load_rows(scored_only))))
            return
        text = dumps(train(rows))
        path: Path = options["output"]
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} differs from a retrain: run train_crisis_model")
            self.stdout.write(f"{path} matches a retrain")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
