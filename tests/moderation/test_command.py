"""``manage.py classify``: one JSON line out for each line in."""

from __future__ import annotations

import io
import json

from django.core.management import call_command


def run(lines: str, *args: str) -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("classify", *args, stdin=io.StringIO(lines), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_json_object_per_line() -> None:
    rows = run(
        "I want to die\n"
        "my number is 07700 900123\n"
        "<b>hello</b> everyone\n"
        "you idiot\n"
        "he is outside my door and my number is 07700 900123\n"
    )
    assert rows == [
        {"body": "I want to die", "labels": ["crisis_self"], "action": "deliver",
         "resources": True},
        {"body": "my number is 07700 900123", "labels": ["pii"], "action": "hold",
         "resources": False},
        {"body": "hello everyone", "labels": [], "action": "deliver", "resources": False},
        {"body": "you idiot", "labels": ["harassment"], "action": "hold", "resources": False},
        {"body": "he is outside my door and my number is 07700 900123",
         "labels": ["crisis_danger", "pii"], "action": "hold", "resources": True},
    ]  # fmt: skip


def test_blank_line_keeps_alignment() -> None:
    rows = run("hello\n\nbye\n")
    assert [row["body"] for row in rows] == ["hello", "", "bye"]


def test_reason_option_adds_what_the_author_is_told() -> None:
    (row,) = run("email me at jane@example.com\n", "--reason")
    assert row["reason"] == "pii"
    assert "an email address" in str(row["detail"])
