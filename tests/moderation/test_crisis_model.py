"""The learned crisis model (moderation/crisis_model.py) beside the lexicons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from moderation.crisis_model import MODEL_PATH, predict
from moderation.decision import CRISIS_LABELS, Label
from moderation.evaluation import load_examples
from moderation.management.commands import train_crisis_model as training
from moderation.normalize import normalize
from moderation.review import review
from moderation.sanitize import sanitize
from moderation.skeleton import view


def _predict(text: str) -> frozenset[Label]:
    return predict(view(sanitize(normalize(text))))


def test_retraining_reproduces_the_committed_weights() -> None:
    # The file cannot drift from the data: retrain with `manage.py train_crisis_model`.
    assert training.dumps(training.train(training.load_rows())) == MODEL_PATH.read_text("utf-8")


def test_holdout_8_is_the_blind_set_and_never_trains() -> None:
    # holdout_4 and holdout_5 were studied in the fifth round and train the model (chosen on
    # the cross-author folds); holdout_6 and holdout_7, studied in the sixth and seventh, are
    # folds but do not train it (the folds found no gain). holdout_8 is blind: not a fold,
    # never trained on, refused by name.
    assert training.BLIND == ("holdout_8",)
    assert frozenset({"holdout8"}) == training.BLIND_SPLITS
    assert {"holdout_4.jsonl", "holdout_5.jsonl"} <= set(training.TRAINING_FILES)
    assert not {"holdout_6.jsonl", "holdout_7.jsonl", "holdout_8.jsonl"} & set(
        training.TRAINING_FILES
    )
    assert {"holdout_4.jsonl", "holdout_5.jsonl", "holdout_6.jsonl", "holdout_7.jsonl"} <= set(
        training.FOLDS
    )
    assert "holdout_8.jsonl" not in training.FOLDS
    with pytest.raises(ValueError, match="blind"):
        training.load_rows(("holdout_8.jsonl",))


@pytest.fixture
def a_blind_set(monkeypatch: Any) -> None:
    """A stand-in blind set, holdout_99, as the lead will name the next one in BLIND."""
    monkeypatch.setattr(training, "BLIND", ("holdout_99",))
    monkeypatch.setattr(training, "BLIND_SPLITS", frozenset({"holdout99"}))


@pytest.mark.usefixtures("a_blind_set")
@pytest.mark.parametrize("blind", ["holdout_99.jsonl", "holdout99.jsonl", "old/holdout_99.jsonl"])
def test_training_never_reads_a_blind_holdout(blind: str) -> None:
    # Refused by name, before any file is opened: the file may not exist yet.
    assert blind not in training.TRAINING_FILES
    with pytest.raises(ValueError, match="blind"):
        training.load_rows((blind,))


@pytest.mark.usefixtures("a_blind_set")
def test_training_refuses_a_blind_row_in_any_file(tmp_path: Path, monkeypatch: Any) -> None:
    smuggled = tmp_path / "extra.jsonl"
    row = {"text": "i want to die", "labels": ["crisis_self"], "split": "holdout99"}
    smuggled.write_text(json.dumps(row) + "\n")
    monkeypatch.setattr(training, "DATA_DIR", tmp_path)
    with pytest.raises(ValueError, match="holdout99"):
        training.load_rows(("extra.jsonl",))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("i want to kill myself tonight", Label.CRISIS_SELF),
        ("i cant do this anymore, i have the pills in front of me", Label.CRISIS_SELF),
        ("he is outside the door with a knife and i am scared", Label.CRISIS_DANGER),
        ("he's banging on the door right now and says he will kill me", Label.CRISIS_DANGER),
    ],
)
def test_obvious_crises(text: str, label: Label) -> None:
    assert label in _predict(text)


@pytest.mark.parametrize(
    "text",
    [
        "thanks everyone, see you all at the group on thursday",
        "my ex used to say he would kill me if i left. that was years ago, i'm safe now",
        "i left him three years ago and i'm doing so much better",
        "the film was killing me, i laughed so hard",
        "does anyone have tips for sleeping better after leaving?",
        "my counsellor says i should journal more",
    ],
)
def test_hard_negatives(text: str) -> None:
    assert not _predict(text)


def test_the_model_alone_only_predicts_crisis_labels() -> None:
    for path in training.TRAINING_FILES:
        for example in load_examples(training.DATA_DIR / path):
            assert _predict(example.text) <= CRISIS_LABELS


def test_the_gate_turns_away_none_of_what_the_full_model_finds() -> None:
    # The gate exists for speed only; on every message it was trained on, a message the full
    # model flags passes the gate (the cross-author folds are checked the same way when the
    # bar is chosen: docs/moderation.md).
    for row in training.load_rows():
        full = _full_only(row)
        if full:
            assert _predict(row.text) == full, row.text


def _full_only(row: training.Row) -> frozenset[Label]:
    """The full model's labels without the gate, from the committed weights."""
    data = json.loads(MODEL_PATH.read_text("utf-8"))["full"]
    return frozenset(
        label
        for label in training.LABELS
        if training.probability(data[label.value], row.features) >= data[label.value]["threshold"]
    )


def test_the_message_path_scores_as_training_and_evaluation_do() -> None:
    # predict() (the message path's fast code) and model_labels() (what training, --check and
    # the cross-author folds use) must agree, also on text that repeats itself.
    model = json.loads(MODEL_PATH.read_text("utf-8"))
    for row in training.load_rows():
        for text in (row.text, f"{row.text} {row.text}", " ".join([row.text] * 8)[:2000]):
            again = training.Row(text, row.labels, row.source)
            assert predict(again.view) == training.model_labels(model, again), text


@pytest.mark.parametrize("text", ["he is he is", "he is " * 300, "feel safe " * 50])
def test_repeating_words_neither_makes_nor_hides_a_crisis(text: str) -> None:
    once = _predict(" ".join(dict.fromkeys(text.split())))
    assert _predict(text) == once


@pytest.mark.parametrize(
    "text",
    ["i am not going to kill myself tonight", "i do not want to die, i promise"],
)
def test_a_learned_label_cannot_rest_on_a_negated_phrase(text: str) -> None:
    # The phrase lists see the negation; the model alone flags the words ("kill myself").
    assert predict(view(sanitize(normalize(text)))) == {Label.CRISIS_SELF}
    assert not review(text).labels & CRISIS_LABELS


def test_a_threat_after_the_writers_own_negated_verb_is_not_cut() -> None:
    # "if i do not leave": the negation is the writer's, not the threat's (as the lists read it).
    text = "he was screaming at me tonight. i know if i do not leave soon he will kill me someday"
    assert Label.CRISIS_DANGER in review(text).labels


def test_a_learned_label_beside_a_negated_phrase_stays() -> None:
    # Cut out the negated phrase and the goodbye is still there: the model's label holds.
    text = "not going to kill myself, i promise. wrote my letters tonight and gave my cat away"
    assert Label.CRISIS_SELF in review(text).labels
