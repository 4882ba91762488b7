"""The sixth round's fixes, one table each: the family of phrasing it covers, and the ordinary
support talk it must leave alone (past tense, negation, reported speech, dreams, scenarios,
recovery, the same words aimed at an abuser who is not in the chat or said about oneself).

The families come from the misses and false flags of holdout_6.jsonl once it was spent
(docs/moderation.md, "The sixth round"); the sentences here are new, written in each family's
range of wording, not copied from that set. Every case runs the whole step (review(): the
lexicons, the context rules and the learned model), so a hard negative that any part flags
fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from moderation.classify import learned_in_context
from moderation.decision import Label
from moderation.review import review
from moderation.skeleton import TextView
from tests.moderation.families import (
    NONE,
    D,
    Families,
    H,
    S,
    assert_crisis_label,
    family_params,
    message_view,
)

FAMILIES: Families = {
    "a last post, said as final (crisis_self.txt)": [
        ("last message from me ever. be kind to each other", S),
        ("this is my final post from me. thank you for everything", S),
        ("last post from me tonight, off to bed", NONE),
        ("final post for today, the kids need their tea", NONE),
    ],
    "easier for everyone once I am gone (crisis_self.txt)": [
        ("it'd be simpler for my family once i'm not around", S),
        ("honestly it's better for everyone if i'm gone", S),
        ("it's easier for everyone if i'm gone by nine, the school run is chaos", S),
        ("it's easier for everyone if we leave early for the match", NONE),
        ("it was better for everyone when he was gone", NONE),
    ],
    "nothing left of me by the morning (crisis_self.txt)": [
        ("there will be nothing left of me by tomorrow", S),
        ("he took everything, there was nothing left of me by the end", NONE),
    ],
    "walking into the sea (crisis_self.txt)": [
        ("off to the beach tonight and i will just keep walking out", S),
        ("i'm going to walk into the river and not come back", S),
        ("walked along the beach and kept walking until i felt calmer", NONE),
        ("we walked out into the sea for a paddle, freezing", NONE),
    ],
    "you will know why (crisis_self.txt)": [
        ("if you don't hear from me tomorrow you'll all know why", S),
        ("if i'm not here by friday you guys will know why", S),
        ("you'll know why i left him once you read my post", NONE),
    ],
    "do not worry about me after today (crisis_self.txt)": [
        ("please don't worry about me after tonight. it's handled", S),
        ("don't worry about me today, i'm with my sister", NONE),
    ],
    "all I can think about is ending it (crisis_self.txt)": [
        ("all i could think about was dying, every minute of today", S),
        ("all i can think about is ending things", S),
        ("all i can think about is the holiday next week", NONE),
        ("all i can think about is ending things with him for good", NONE),
    ],
    "nobody talks me out of it (crisis_self.txt)": [
        ("nobody can talk me out of it this time", S),
        ("my sister tried to talk me out of leaving him", NONE),
    ],
    "not around anyway, peace made (crisis_self.txt)": [
        ("why bother with the court case, i won't be around anyway", S),
        ("i've made my peace.", S),
        ("i won't be around anyway that weekend, we're away", NONE),
        ("i've made my peace with my dad before he died", NONE),
    ],
    "a plan named as 'it' beside another plan only in another clause (classify.py)": [
        ("six weeks no contact now. i've got the tablets saved and tonight i'm taking them all", S),
        ("went to court today. i have the pills saved and i'm taking all of them tonight", S),
        ("my plan is to do it on monday then tell the police", NONE),
        ("i'm planning to do it while he's at work, the refuge has a room", NONE),
    ],
    "a bequest is not a plan to leave (other_plans.txt)": [
        ("sorted my will. leaving everything to my sister", S),
        ("leaving him on friday, the refuge has a room for us", NONE),
    ],
    "present tense 'don't need it' (crisis_self_plans.txt)": [
        ("i used the night light for years after i left. i don't need it now", NONE),
        ("gave my coat away. won't need it after this weekend", S),
    ],
    "at the car park at work (crisis_danger.txt)": [
        ("my ex is in the office car park right now", D),
        ("he's in the work carpark again waiting", D),
        ("my husband is waiting by my car after my shift, i can see him from the window", D),
        ("my mum is waiting by my car to pick me up", NONE),
        ("he was in the car park yesterday, police have it on camera", NONE),
    ],
}

CONTEXT: list[tuple[str, Label | None]] = [
    # His threats to kill himself, retold as a habit, are his words (reported.txt).
    ("he used to threaten 'i'll hang myself if you go' every week", NONE),
    ("he would say i'm useless and honestly i want to kill myself", S),
    # Only his quoted threat is cut before the model scores again: an order to the writer
    # and the writer's own intent after it are still read (classify.py).
    ("every time i packed a bag she would say 'i'll kill myself' and i unpacked it", NONE),
    ("he told me to kill myself and honestly i think i will tonight", S),
    ("he keeps telling me to kill myself and tonight i'm going to listen", S),
    # Dreams and scenarios are not danger now (hypothetical.txt).
    ("had a dream where he was at my door again. woke up shaking", NONE),
    ("i woke up convinced he was in the flat but it was the cat", NONE),
    ("what would you do if he turned up at the school gates? asking for my safety plan", NONE),
    ("he's at the door right now", D),
    # A wish told and then denied (recovery.txt).
    ("i wanted to die when he left. didn't though. here i am", NONE),
    ("i wanted to die last night and i still do", S),
]

HARASSMENT: list[tuple[str, bool]] = [
    # Aimed at the person in the chat (harassment.txt, insults.txt).
    ("if i was your husband i'd have left too", True),
    ("honestly i'd have dumped you too", True),
    ("no wonder you got treated like that", True),
    ("maybe if you weren't such a doormat", True),
    ("you're so spineless it's embarrassing", True),
    ("nobody in this group likes you", True),
    ("another sob story from this one", True),
    ("lmao absolute psycho", True),
    ("pathetic loser, get out of this chat", True),
    # The same words about the abuser, oneself, or retold: ordinary.
    ("if i were your friend i would call the police with you", False),
    ("if i was you i'd have left him too", False),
    ("i was such a doormat for ten years", False),
    ("he used to call me a nag in front of his mates", False),
    ("my ex is spineless, he made his mum ring me", False),
    ("sorry for another sob story from me", False),
    ("nobody in this group judged me, thank you", False),
    ("he's a psycho lol", False),
    ("he called me a stupid bitch, deleted my number, and left", False),
    # A child's question retold and a threat told as the distant past (context.py).
    ("my son asked me 'was he going to hurt you mummy?'", False),
    ("in 2019 his sister wrote 'watch your back' under my photo", False),
    ("watch your back", True),
    # Past words in an insult said now, to "you": still harassment.
    ("you used to be my friend you stupid bitch", True),
    ("shut up you idiot, you've been whining about him since 2019", True),
    ("you're a worthless idiot, it was years ago get over it", True),
    ("nobody cares about what happened years ago, you attention seeking whore", True),
]


@pytest.mark.parametrize(("family", "text", "label"), family_params(FAMILIES))
def test_crisis_families(family: str, text: str, label: Label | None) -> None:
    assert_crisis_label(text, label, family)


@pytest.mark.parametrize(("text", "label"), CONTEXT)
def test_context_rules(text: str, label: Label | None) -> None:
    assert_crisis_label(text, label)


@pytest.mark.parametrize(("text", "expected"), HARASSMENT)
def test_put_downs_aimed_at_the_room(text: str, expected: bool) -> None:
    assert (H in review(text).labels) is expected


def _unless(word: str) -> Callable[[TextView], frozenset[Label]]:
    """A stand-in model: crisis_self unless ``word`` is gone from the text."""

    def predictor(text_view: TextView) -> frozenset[Label]:
        return frozenset({S}) if word in text_view.word_set else frozenset()

    return predictor


@pytest.mark.parametrize(
    ("text", "word", "kept"),
    [
        # The label rests on a clause without the other plan: it stays.
        ("went no contact last month. i have the tablets", "tablets", True),
        # It rests on the clause that names the other plan: it goes.
        ("i have the tablets and the refuge has a room", "tablets", False),
        ("my plan is to do it before the police come", "plan", False),
    ],
)
def test_another_plan_withdraws_a_learned_label_only_in_its_own_clause(
    text: str, word: str, kept: bool
) -> None:
    learned = learned_in_context(message_view(text), frozenset({S}), (), _unless(word))
    assert (S in learned) is kept
