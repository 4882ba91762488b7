"""A small learned crisis classifier beside the lexicons: logistic regressions on words.

Owns: the features of a message (its canonical words from skeleton.py: unigrams and adjacent
bigrams within a sentence) and scoring them with the weights in data/crisis_model.json, trained
by ``manage.py train_crisis_model`` (docs/moderation.md, "The learned crisis model"). Each
crisis label has two models: a gate on words alone, and the model on words and word pairs. A
message goes to the second only if the gate gives either label at least GATE probability: pairs
cost most of the work, and most ordinary messages stop at the gate (the gate's bar is set so
that, on the cross-author folds, it turns away none of the messages the full model finds).
A label is predicted when the full model's probability reaches its threshold; scores are
compared with the thresholds' logits, so no exp() runs per message. Loaded once, at import.

Must not: predict any label but crisis_self and crisis_danger, weigh context (classify.py
does), do I/O after import, or train (the management command does; it shares ``features``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

from moderation.decision import Label
from moderation.skeleton import TextView

__all__ = ["GATE", "MODEL_PATH", "features", "predict", "probabilities", "unigrams"]

MODEL_PATH = Path(__file__).resolve().parent / "data" / "crisis_model.json"
GATE = 0.05
_PUNCTUATION = frozenset({".", ","})
_NO_LABELS: frozenset[Label] = frozenset()
_SELF_ONLY = frozenset({Label.CRISIS_SELF})
_DANGER_ONLY = frozenset({Label.CRISIS_DANGER})
_BOTH = frozenset({Label.CRISIS_SELF, Label.CRISIS_DANGER})


def unigrams(canonical: str) -> set[str]:
    """The gate's features: the message's words, without punctuation."""
    return set(canonical.split()) - _PUNCTUATION


def features(canonical: str) -> set[str]:
    """Unigrams and "a b" bigrams not crossing "." or "," (training uses this too)."""
    tokens = canonical.split()
    found = set(tokens) - _PUNCTUATION
    for first, second in pairwise(tokens):
        if first not in _PUNCTUATION and second not in _PUNCTUATION:
            found.add(f"{first} {second}")
    return found


def _logit(probability: float) -> float:
    return math.log(probability / (1 - probability))


class _Pair:
    """Two one-vs-rest models (crisis_self, crisis_danger) over the same features.

    Each feature's two weights are one complex number (crisis_self real, crisis_danger
    imaginary), so one dictionary probe a feature and one C-level sum score both models.
    """

    def __init__(self, models: dict[str, Any], cut_self: float, cut_danger: float) -> None:
        self_model, danger_model = models["crisis_self"], models["crisis_danger"]
        weights: dict[str, complex] = {}
        for name, weight in self_model["weights"].items():
            weights[name] = complex(weight, 0.0)
        for name, weight in danger_model["weights"].items():
            weights[name] = weights.get(name, 0j) + complex(0.0, weight)
        self.weights = weights
        # Each bias minus its threshold's logit: a score >= 0 means predicted.
        self.offset = complex(self_model["bias"] - cut_self, danger_model["bias"] - cut_danger)
        self.cuts = (cut_self, cut_danger)

    def score(self, *found: Iterable[str]) -> complex:
        """Both models' scores over the features in ``found`` (>= 0: predicted)."""
        get = self.weights.get
        return sum((sum(map(get, features, _ZEROS), 0j) for features in found), self.offset)


def _load(path: Path = MODEL_PATH) -> tuple[_Pair, _Pair]:
    data = json.loads(path.read_text(encoding="utf-8"))
    full = data["full"]
    gate = _Pair(data["gate"], _logit(GATE), _logit(GATE))
    return gate, _Pair(
        full,
        _logit(full["crisis_self"]["threshold"]),
        _logit(full["crisis_danger"]["threshold"]),
    )


_ZEROS = repeat(0j)
_GATE, _FULL = _load()


def _full_score(canonical: str, word_set: frozenset[str]) -> complex:
    # Pairs as "a b" strings; one across "." or "," has no weight, nor has punctuation alone.
    # A set, as in training: a pair said ten times counts once, so repeating words can neither
    # make a crisis nor hide one.
    return _FULL.score(word_set, set(map(" ".join, pairwise(canonical.split()))))


def predict(text_view: TextView) -> frozenset[Label]:
    """The crisis labels whose probability reaches the model's threshold (usually none)."""
    gate = _GATE.score(text_view.word_set)
    if gate.real < 0.0 and gate.imag < 0.0:
        return _NO_LABELS
    score = _full_score(text_view.canonical, text_view.word_set)
    if score.real >= 0.0:
        return _BOTH if score.imag >= 0.0 else _SELF_ONLY
    return _DANGER_ONLY if score.imag >= 0.0 else _NO_LABELS


def probabilities(text_view: TextView) -> dict[str, float]:
    """The gate's and the full model's probability of each label (for people, not the path)."""
    gate = _GATE.score(text_view.word_set)
    full = _full_score(text_view.canonical, text_view.word_set)
    found = {}
    for name, pair, score in (("gate", _GATE, gate), ("full", _FULL, full)):
        for label, value, cut in (
            ("crisis_self", score.real, pair.cuts[0]),
            ("crisis_danger", score.imag, pair.cuts[1]),
        ):
            found[f"{name} {label}"] = 1 / (1 + math.exp(-(value + cut)))
    return found
