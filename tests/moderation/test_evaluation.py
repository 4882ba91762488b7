"""The labelled evaluation sets: the targets review() is held to.

data/labelled.jsonl holds peer-support messages written for this purpose. 143 of them
("split": "holdout") were written before any lexicon existed and kept out of tuning until
they had been run once; that holdout has since been studied (its misses were fixed in
general ways), so it is no longer blind. The second round of work added its own examples to
"dev", so the old holdout's share fell from 32% to 16% (15% after the third round, 14% after
the fourth). data/holdout_2.jsonl and data/holdout_3.jsonl (written blind by other authors,
"split": "holdout2" and "holdout3") were each run once blind and are now spent too: tuning
sets with regression checks below.
`python -m moderation.evaluation` prints the full table (docs/moderation.md has the figures).
"""

from __future__ import annotations

from collections import Counter

import pytest

from moderation.decision import Label
from moderation.evaluation import (
    DEFAULT_PATH,
    HOLDOUT2_PATH,
    HOLDOUT3_PATH,
    Report,
    evaluate,
    load_examples,
)


@pytest.fixture(scope="module")
def examples():  # type: ignore[no-untyped-def]
    return load_examples()


@pytest.fixture(scope="module")
def report(examples) -> Report:  # type: ignore[no-untyped-def]
    return evaluate(examples, split="all")


def test_the_set_is_big_and_balanced_enough(examples) -> None:  # type: ignore[no-untyped-def]
    counts = Counter(label for example in examples for label in example.labels)
    ordinary = sum(1 for example in examples if not example.labels)
    holdout = sum(1 for example in examples if example.split == "holdout")
    assert len(examples) >= 300
    assert ordinary * 2 >= len(examples)
    assert counts[Label.CRISIS_SELF] >= 40 and counts[Label.CRISIS_DANGER] >= 40
    assert counts[Label.PII] >= 40 and counts[Label.HARASSMENT] >= 30
    # At least 12%: the old holdout keeps measuring the cases it was written for, even spent
    # (the bar was 15% until the fourth round added 97 dev examples, and 13% until the
    # learned model's training brought 28 more).
    assert 0.12 <= holdout / len(examples) <= 0.35
    assert len({example.text for example in examples}) == len(examples)


def test_crisis_recall(report: Report) -> None:
    assert report.crisis.recall >= 0.95, report.errors


def test_ordinary_messages_are_rarely_flagged_as_crisis(report: Report) -> None:
    assert report.ordinary_crisis_rate <= 0.03, report.errors


def test_pii_recall(report: Report) -> None:
    assert report.score("pii").recall >= 0.95, report.errors


def test_harassment_is_measured_too(report: Report) -> None:
    # No target was set for harassment; this keeps a collapse from going unnoticed.
    score = report.score("harassment")
    assert score.recall >= 0.8 and score.precision >= 0.8, report.errors


def test_long_ordinary_posts_are_not_crises() -> None:
    # data/ordinary_200.jsonl: 50 single posts of about 200 characters (the benchmark's target
    # case), written as real posts are, hard negatives included.
    import json

    from moderation.decision import CRISIS_LABELS
    from moderation.review import review

    path = DEFAULT_PATH.parent / "ordinary_200.jsonl"
    texts = [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line]
    assert len(texts) >= 50
    flagged = [text for text in texts if review(text).labels & CRISIS_LABELS]
    assert len(flagged) <= 0.03 * len(texts), flagged


# --- holdout2 (data/holdout_2.jsonl), spent: now a tuning set --------------------------------
# Written blind by someone other than the lexicons' author and run once, blind: crisis recall
# 0.654 (53 of 81), below the 0.80 bar set before that run (recorded in docs/moderation.md).
# The third round then studied its misses and added general phrases for their families, so it
# no longer measures generalisation; these are regression checks on a tuning set, with bars
# left below the tuned figures. holdout_3.jsonl followed (below), then holdout_4.jsonl (at the
# end), whose one blind run is recorded and guarded.


@pytest.fixture(scope="module")
def holdout2() -> Report:
    if not HOLDOUT2_PATH.exists():
        pytest.skip("tests/moderation/data/holdout_2.jsonl is not there")
    examples = load_examples(HOLDOUT2_PATH, default_split="holdout2")
    assert examples
    return evaluate(examples, split="all")


def test_holdout2_crisis_recall(holdout2: Report) -> None:
    """A tuning set since its one blind run (0.654): this only guards against regressions."""
    assert holdout2.crisis.recall >= 0.90, holdout2.errors


def test_holdout2_ordinary_messages_are_rarely_flagged_as_crisis(holdout2: Report) -> None:
    assert holdout2.ordinary_crisis_rate <= 0.03, holdout2.errors


def test_holdout2_pii_recall(holdout2: Report) -> None:
    assert holdout2.score("pii").recall >= 0.80, holdout2.errors


def test_holdout2_harassment_does_not_collapse(holdout2: Report) -> None:
    score = holdout2.score("harassment")
    assert score.recall >= 0.6 and score.precision >= 0.6, holdout2.errors


# --- holdout3 (data/holdout_3.jsonl), spent: now a tuning set --------------------------------
# Written blind by another author and run once, blind, at the end of the third round: crisis
# recall 0.616 (45 of 73), ordinary flagged as crisis 6 of 100, pii recall 0.912, harassment
# recall 0.750 (recorded in docs/moderation.md). The fourth round studied its misses and
# covered their families in general phrases and context rules, so these are regression checks
# on a tuning set, with bars left below the tuned figures (crisis recall 1.000, ordinary 0%,
# pii 1.000, harassment 1.000 when they were set).


@pytest.fixture(scope="module")
def holdout3() -> Report:
    if not HOLDOUT3_PATH.exists():
        pytest.skip("tests/moderation/data/holdout_3.jsonl is not there")
    examples = load_examples(HOLDOUT3_PATH, default_split="holdout3")
    assert examples
    return evaluate(examples, split="all")


def test_holdout3_crisis_recall(holdout3: Report) -> None:
    """A tuning set since its one blind run (0.616): this only guards against regressions."""
    assert holdout3.crisis.recall >= 0.93, holdout3.errors


def test_holdout3_ordinary_messages_are_rarely_flagged_as_crisis(holdout3: Report) -> None:
    assert holdout3.ordinary_crisis_rate <= 0.03, holdout3.errors


def test_holdout3_pii_recall(holdout3: Report) -> None:
    assert holdout3.score("pii").recall >= 0.90, holdout3.errors


def test_holdout3_harassment_does_not_collapse(holdout3: Report) -> None:
    score = holdout3.score("harassment")
    assert score.recall >= 0.75 and score.precision >= 0.75, holdout3.errors


# --- holdout4 (data/holdout_4.jsonl): one blind run, guarded ----------------------------------
# Written blind by another author; run once at the end of the fourth round and of the learned
# model's work: crisis recall 0.784 (76 of 97; the lexicons alone 0.546), 1 of 113 ordinary
# messages flagged. Nobody has studied its misses. These bars, just below that run, stop a
# change from losing what the step generalises to; they do not tune anything.


@pytest.fixture(scope="module")
def holdout4() -> Report:
    examples = load_examples(DEFAULT_PATH.parent / "holdout_4.jsonl", default_split="holdout4")
    assert len(examples) == 240
    return evaluate(examples, split="all")


def test_holdout4_crisis_recall_stays_where_its_blind_run_put_it(holdout4: Report) -> None:
    assert holdout4.crisis.recall >= 0.77


def test_holdout4_ordinary_messages_are_rarely_flagged_as_crisis(holdout4: Report) -> None:
    assert holdout4.ordinary_crisis_rate <= 0.03


def test_holdout4_pii_recall(holdout4: Report) -> None:
    assert holdout4.score("pii").recall >= 0.95
