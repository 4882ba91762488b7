"""The labelled evaluation sets: the targets review() is held to.

data/labelled.jsonl holds peer-support messages written for this purpose. 143 of them
("split": "holdout") were written before any lexicon existed and kept out of tuning until
they had been run once; that holdout has since been studied (its misses were fixed in
general ways), so it is no longer blind. The second round of work added its own examples to
"dev", so the old holdout's share fell from 32% to 16% (15% after the third round, 14% after
the fourth). data/holdout_2.jsonl to data/holdout_7.jsonl (each written blind by another
author, "split": "holdout2" to "holdout7") were each run once blind and are now spent:
studied, tuned on, and (holdout_4 and holdout_5 since the fifth round) trained on, with
regression checks below (holdout_6 and holdout_7, studied in the sixth and seventh rounds, are
cross-author folds of the model but do not train it). data/holdout_8.jsonl is blind
(moderation.evaluation.BLIND_FILES): its bars hold its one blind run's figures and never show
its messages; the tests of the blind path below use a stand-in. `python -m
moderation.evaluation` prints the full table (docs/moderation.md has the figures).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from moderation.decision import Label
from moderation.evaluation import DEFAULT_PATH, Report, evaluate, load_examples


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


# --- the sets written blind by other authors -------------------------------------------------
# Each was run once, blind, then recorded in docs/moderation.md, and is spent since:
# - holdout2: crisis recall 0.654 (53 of 81). The third round studied its misses;
# - holdout3: crisis recall 0.616 (45 of 73), 6 of 100 ordinary flagged, pii 0.912, harassment
#   0.750. The fourth round studied its misses;
# - holdout4: crisis recall 0.784 (76 of 97; the lexicons alone 0.546), 1 of 113 ordinary
#   flagged, at the end of the fourth round; 0.835 and 2 of 113 once the model also trained
#   on train_5.jsonl;
# - holdout5: crisis recall 0.901 (91 of 101), 5 of 113 ordinary flagged, pii 1.000,
#   harassment 0.833, its one blind run.
# The fifth round studied holdout4's and holdout5's misses and false flags (new phrases and
# context rules for their families) and trained the model on both (chosen on the cross-author
# folds): 1.000 and 0 of 113 on holdout4, 0.990 and 0 of 113 on holdout5, in-sample now.
# - holdout6: crisis recall 0.894 (crisis_self 0.812, crisis_danger 0.980), 9 of 113 ordinary
#   flagged (8.0%), pii 0.950, harassment 0.650: its one blind run, at 4b45933.
# The sixth round studied holdout6's misses and false flags (phrases and context rules for
# their families; the model does not train on it, chosen on the folds): crisis recall 1.000,
# 2 of 113 ordinary flagged, pii 0.950, harassment 1.000, tuned on (in-sample for the
# lexicons, out of sample for the model).
# - holdout7 (written to be hard: indirect crises, 85 hard negatives of 115 ordinary): its one
#   blind run, at 0257e8d, after the fifth and sixth rounds: crisis recall 0.826 (76 of 92;
#   crisis_self 0.771, crisis_danger 0.854), 12 of 115 ordinary flagged (10.4%), pii 0.952,
#   harassment recall 0.500 (precision 1.000); the code of 9688c0a scored 0.804, 13 of 115,
#   0.952 and 0.400. Until the seventh round its bars held those blind figures.
# The seventh round studied holdout7's misses and false flags (phrases and context rules for
# their families; the model does not train on it, chosen on the folds): crisis recall 0.989
# (91 of 92; crisis_self 0.958, crisis_danger 1.000), 3 of 115 ordinary flagged (2.6%), pii
# 1.000, harassment 0.950, tuned on (in-sample for the lexicons, out of sample for the model).
# The bars sit a little below each set's tuned figures (above, for ordinary messages flagged):
# they stop a change from losing what was fixed, and measure no generalisation.
# - holdout8 (blind: written by an author who read nothing of the project; 98 hard negatives of
#   115 ordinary): run once at 5a08439 (the moderation code of the session's start): crisis
#   recall 0.892 (83 of 93; crisis_self 0.857, crisis_danger 0.935), 7 of 115 ordinary flagged
#   (6.1%), pii 0.944, harassment recall 0.450 (precision 0.818); run again after the seventh
#   round (a1cbd5a): the same figures, no message's labels changed. Its bars hold those figures,
#   with blind=True so that a failure names no message.


@dataclass(frozen=True)
class Bars:
    crisis_recall: float
    ordinary_flagged: float
    pii_recall: float
    harassment: float  # precision and recall
    blind: bool = False  # a failure names no message: nobody may read the blind set's errors

    def shown(self, report: Report) -> object:
        return "(a blind set: its errors stay unread)" if self.blind else report.errors


OTHER_AUTHORS_SETS = {
    "holdout_2.jsonl": Bars(
        crisis_recall=0.90, ordinary_flagged=0.03, pii_recall=0.80, harassment=0.6
    ),
    "holdout_3.jsonl": Bars(
        crisis_recall=0.93, ordinary_flagged=0.03, pii_recall=0.90, harassment=0.75
    ),
    "holdout_4.jsonl": Bars(
        crisis_recall=0.97, ordinary_flagged=0.02, pii_recall=0.95, harassment=0.9
    ),
    "holdout_5.jsonl": Bars(
        crisis_recall=0.97, ordinary_flagged=0.02, pii_recall=0.95, harassment=0.9
    ),
    "holdout_6.jsonl": Bars(
        crisis_recall=0.97, ordinary_flagged=0.027, pii_recall=0.90, harassment=0.9
    ),
    "holdout_7.jsonl": Bars(
        crisis_recall=0.97, ordinary_flagged=0.035, pii_recall=0.95, harassment=0.9
    ),
    "holdout_8.jsonl": Bars(
        crisis_recall=0.88, ordinary_flagged=0.065, pii_recall=0.94, harassment=0.45, blind=True
    ),
}


@pytest.fixture(scope="module", params=sorted(OTHER_AUTHORS_SETS))
def other_authors_set(request: pytest.FixtureRequest) -> tuple[Report, Bars]:
    name = request.param
    examples = load_examples(DEFAULT_PATH.parent / name, default_split=name[:-6].replace("_", ""))
    assert len(examples) >= 200
    return evaluate(examples, split="all"), OTHER_AUTHORS_SETS[name]


def test_crisis_recall_on_other_authors_sets(other_authors_set: tuple[Report, Bars]) -> None:
    report, bars = other_authors_set
    recall = report.crisis.recall  # a plain number in a failure's message, never the report
    assert recall >= bars.crisis_recall, bars.shown(report)


def test_ordinary_messages_of_other_authors_are_rarely_flagged_as_crisis(
    other_authors_set: tuple[Report, Bars],
) -> None:
    report, bars = other_authors_set
    rate = report.ordinary_crisis_rate
    assert rate <= bars.ordinary_flagged, bars.shown(report)


def test_pii_recall_on_other_authors_sets(other_authors_set: tuple[Report, Bars]) -> None:
    report, bars = other_authors_set
    recall = report.score("pii").recall
    assert recall >= bars.pii_recall, bars.shown(report)


def test_harassment_on_other_authors_sets_does_not_collapse(
    other_authors_set: tuple[Report, Bars],
) -> None:
    report, bars = other_authors_set
    score = report.score("harassment")
    recall, precision = score.recall, score.precision
    assert recall >= bars.harassment and precision >= bars.harassment, bars.shown(report)


# --- a blind set: the evaluation command reads it only when given by PATH --------------------


@pytest.fixture
def a_blind_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in blind set, holdout_99, as the lead will name the next one in BLIND_FILES."""
    from moderation import evaluation

    monkeypatch.setattr(evaluation, "BLIND_FILES", ("holdout_99.jsonl",))
    monkeypatch.setattr(evaluation, "SPLITS", (*evaluation.SPLITS, "holdout99"))


def test_the_default_files_are_the_spent_sets_never_a_blind_one() -> None:
    from moderation.evaluation import BLIND_FILES, SPENT_PATHS, default_paths

    assert BLIND_FILES == ("holdout_8.jsonl",)
    names = [path.name for path in default_paths()]
    assert names[0] == "labelled.jsonl"
    assert set(names[1:]) <= {path.name for path in SPENT_PATHS}
    assert "holdout_7.jsonl" in names


@pytest.mark.usefixtures("a_blind_set")
def test_a_blind_set_is_never_read_by_default() -> None:
    from moderation.evaluation import BLIND_FILES, default_paths

    assert not {path.name for path in default_paths()} & set(BLIND_FILES)


@pytest.mark.usefixtures("a_blind_set")
def test_asking_for_the_blind_split_without_its_file_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from moderation.evaluation import main

    with pytest.raises(SystemExit) as exit_:
        main(["--split", "holdout99"])
    assert exit_.value.code == 2
    assert "blind set, read only as a PATH (holdout_99.jsonl)" in capsys.readouterr().err


def test_a_missing_path_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moderation.evaluation import main

    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path / "holdout_7.jsonl")])
    assert exit_.value.code == 2
    assert "no such file" in capsys.readouterr().err


def test_a_holdout_file_given_as_a_path_is_its_own_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moderation.evaluation import main

    path = tmp_path / "holdout_7.jsonl"
    rows = [
        {"text": "i want to die", "labels": ["crisis_self"]},
        {"text": "thanks everyone, see you thursday", "labels": []},
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert main([str(path), "--split", "holdout7"]) == 0
    out = capsys.readouterr().out
    assert "| holdout7 | crisis (either) | 1 | 1.000 | 1.000 |" in out
    assert "| holdout7 | ordinary flagged as crisis | 1 ordinary | | 0 (0.0%) |" in out
