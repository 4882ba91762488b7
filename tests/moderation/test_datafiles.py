"""The lexicon line format: comments, blank lines, mappings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from moderation import datafiles


@pytest.fixture
def lexicon_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(datafiles, "LEXICON_DIR", tmp_path)
    datafiles.read_entries.cache_clear()
    datafiles.read_mapping.cache_clear()
    yield tmp_path
    datafiles.read_entries.cache_clear()
    datafiles.read_mapping.cache_clear()


def test_entries_skip_comments_and_blank_lines(lexicon_dir: Path) -> None:
    (lexicon_dir / "x.txt").write_text(
        "# a comment\n\n  want to die  \ntook #big pills # trailing comment\nshadow#4421\n",
        encoding="utf-8",
    )
    assert datafiles.read_entries("x.txt") == (
        (3, "want to die"),
        (4, "took #big pills"),
        (5, "shadow#4421"),
    )


def test_mapping_lines(lexicon_dir: Path) -> None:
    (lexicon_dir / "m.txt").write_text("don't, dont = do not\nu = you\n", encoding="utf-8")
    assert datafiles.read_mapping("m.txt") == {"don't, dont": "do not", "u": "you"}


def test_a_mapping_line_without_equals_is_refused(lexicon_dir: Path) -> None:
    (lexicon_dir / "bad.txt").write_text("no equals sign here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.txt:1"):
        datafiles.read_mapping("bad.txt")
