"""The fifth round's fixes, one table each: the family of phrasing it covers, and the ordinary
support talk it must leave alone (past tense, negation, reported speech, idioms, recovery,
everyday uses of the same words).

The families come from the misses of holdout_4.jsonl and holdout_5.jsonl once they were spent
(docs/moderation.md, "The fifth round"); the sentences here are new, written in each family's
range of wording, not copied from those sets. Every case runs the whole step (review(): the
lexicons, the context rules and the learned model), so a hard negative that any part flags
fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from moderation.classify import learned_in_context, lexicons_and_negated
from moderation.decision import CRISIS_LABELS, Label
from moderation.normalize import normalize
from moderation.review import review
from moderation.skeleton import TextView, view
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
    "a hose kept in the car (crisis_self.txt)": [
        ("the hosepipe is in the boot and i've got the tape", S),
        ("got a hose in my car. tonight's the night", S),
        ("the hose is in the shed if you want to water the tomatoes", NONE),
        ("left the hose in the car park after washing the car lol", NONE),
        ("years ago i kept a hose in the boot. i'm in a good place now", NONE),
    ],
    "someone should know I existed (crisis_self.txt)": [
        ("just want someone to know i existed", S),
        ("i needed one person to know that i was here. that's all", S),
        ("i want you all to know i was here for you too", NONE),
        ("i don't want anyone to know i was here, it's embarrassing", NONE),
    ],
    "bleeding that will not stop, hitting oneself (crisis_self.txt)": [
        ("my cuts won't stop bleeding", S),
        ("my wrist is bleeding everywhere and i don't know what to do", S),
        ("been banging my head against the wall until it goes quiet", S),
        ("i keep hitting myself when the flashbacks come", S),
        ("my nose won't stop bleeding, it's the dry air", NONE),
        ("my wrist is a mess after the fall, it's in a cast", NONE),
        ("talking to the council is like banging my head against a brick wall", NONE),
        ("banged my head on the cupboard door, ouch", NONE),
        # Hitting oneself on furniture is flagged whatever the reason: an accident ("...it's a
        # tiny kitchen") costs a private resources frame, an idiom for it would hide this one.
        ("i keep hitting myself on the corner of the table because i deserve the pain", S),
        ("stop beating yourself up, you did nothing wrong", NONE),
    ],
    "giving up, for good (crisis_self.txt)": [
        ("i'm checking out for good tonight", S),
        ("tapping out of this life. sorry", S),
        ("checking out of the hotel tomorrow then home", NONE),
        ("tapping out for tonight, night all x", NONE),
    ],
    "doing something stupid (crisis_self.txt)": [
        ("i'm scared i'll do something stupid tonight", S),
        ("please talk to me before i do something stupid", S),
        ("i'm not going to do anything stupid, i promise", NONE),
        ("i would never do anything stupid, the kids need me", NONE),
        ("i'm going to do something stupid like text him happy birthday", NONE),
        ("my sister might do something silly like quit her job", NONE),
    ],
    "no way out but the one (crisis_self.txt)": [
        ("there's no way out of this except the permanent one", S),
        ("i can't see any way out except out", S),
        ("the only way out is through, my counsellor says", NONE),
        ("no escape but out the back door when he kicked off, years ago", NONE),
    ],
    "plans said indirectly (crisis_self_plans.txt)": [
        ("i'm planning not to be around much longer", S),
        ("decided not to be here after this weekend", S),
        ("if he wants me dead i might as well do it myself first", S),
        ("i'm planning not to be around when he collects his stuff", NONE),
        ("i'll just do it myself first thing tomorrow, he never helps", NONE),
        ("i'll do it myself first and then ring my solicitor", NONE),
    ],
    "coming up to the writer now (crisis_danger.txt)": [
        ("he's coming up the stairs", D),
        ("my ex is coming through the door now", D),
        ("my son is coming upstairs to bed soon", NONE),
        ("she's coming for dinner on sunday, can't wait", NONE),
        ("he used to come up the stairs slowly so i'd hear him", NONE),
    ],
    "the subject said once (crisis_danger.txt, @ab in macros.txt)": [
        ("ex broke the order again and is at my door", D),
        ("husband hit me again tonight", D),
        ("gf is outside my flat right now", D),
        ("the parcel came and is at my door", NONE),
        ("husband hit me for years. i left in 2019 and i'm safe now", NONE),
        ("my new partner is parked outside to pick me up, gotta go!", NONE),
        ("my boyfriend is parked outside to take me to the match", NONE),
    ],
    "asking others to call for help (crisis_danger.txt)": [
        ("can someone call the police for me, he's outside", D),
        ("please ring 999 for us", D),
        ("if you're ever in danger please call 999", NONE),
        ("my sister called the police for me last year and it saved my life", NONE),
    ],
    "found now, or believed found (crisis_danger.txt)": [
        ("he has found me again", D),
        ("i think he found me, there's a car i don't know outside", D),
        ("i think he found me attractive at first, that's how it started", NONE),
        ("my dad has found me a new flat near my sister", NONE),
        ("i used to think he had found me every time a car slowed down", NONE),
    ],
    "calls from hidden numbers, an ultimatum (crisis_danger.txt)": [
        ("i keep getting calls from withheld numbers every few minutes", D),
        ("he texted 'open the door or i'm coming in'", D),
        ("i used to get calls from withheld numbers every day, that stopped years ago", NONE),
        ("getting calls from unknown numbers about my car insurance", NONE),
    ],
    "watching from the end of the drive, a car behind (crisis_danger.txt)": [
        ("he's sitting at the end of my drive again", D),
        ("he is literally standing at the end of our road, filming", D),
        ("a van has been behind me for the last 10 miles", D),
        ("the bins are at the end of my drive", NONE),
        ("a car was behind me for the last bit of the drive, i'm just jumpy", NONE),
    ],
    "a child taken now (crisis_danger.txt)": [
        ("he took the kids this morning and won't tell me where", D),
        ("he grabbed my son and drove off", D),
        ("she's threatening to take the baby to her mum's in spain tonight", D),
        ("he texted me you'll never see the kids again", D),
        ("he took the kids this morning as agreed, back sunday", NONE),
        ("years ago he grabbed my son and drove off. never again", NONE),
        ("he threatened to take the kids abroad back in 2018", NONE),
        ("he used to text me that i'd never see the kids again", NONE),
    ],
    "put in hospital, in the ground (crisis_danger.txt)": [
        ("he said he's going to put me in hospital", D),
        ("his brother just threatened to put me in the ground", D),
        ("my ex once threatened to put me in hospital, that was in 2015", NONE),
        ("he would never put me in hospital, he's not like that", NONE),
    ],
    "the police's time away (crisis_danger.txt)": [
        ("police say 30 minutes and he's still outside", D),
        ("the police said they're 20 minutes away from the court with the paperwork", NONE),
        ("police said 2 hours to take my statement, so i'm waiting", NONE),
    ],
    "protection mocked, a threat passed on (crisis_danger.txt)": [
        ("he texted 'that order won't protect you'", D),
        ("a piece of paper won't stop a bullet. that's his new message", D),
        ("a stranger came up to me and said 'your ex sends his regards'", D),
        ("got a text from an unknown number: your days are numbered", D),
        ("my ex messaged me 'watch your back' an hour ago", D),
        ("my sister texted 'watch your back at work, the boss is in a mood'", NONE),
        ("the order doesn't stop him texting but it helps", NONE),
        ("my mum sends her regards to everyone here", NONE),
        ("my sister's text said enjoy your last week of freedom before the baby", NONE),
    ],
    "a woman hiding from her husband, told about (crisis_danger.txt)": [
        ("i'm hiding from him in the bathroom", D),
        ("the film has a woman hiding from her husband and it got everything wrong", NONE),
    ],
}


@pytest.mark.parametrize(("family", "text", "label"), family_params(FAMILIES))
def test_crisis_families(family: str, text: str, label: Label | None) -> None:
    assert_crisis_label(text, label, family)


# --- context ------------------------------------------------------------------------------------

CONTEXT: list[tuple[str, Label | None]] = [
    # A sign of now inside a past cue is the anniversary, not now (context.py).
    ("a year ago tonight i took an overdose. today i'm celebrating being alive", NONE),
    ("a year ago tonight he hit me. i still think about it", NONE),
    ("he hit me again tonight", D),
    ("a year ago i took an overdose and tonight i took an overdose again", S),
    # Old messages reread are a story (past.txt).
    ("reading the old texts where he said he would ruin me. he tried. he failed", NONE),
    ("going through his old emails, he said he'd kill me if i left", NONE),
    ("he just texted that he would ruin me", D),
    # Recovery named as a therapy that helped (recovery.txt).
    ("i wanted the pain to stop back then. dbt has helped so much", NONE),
    ("i wanted the pain to stop. it still does, i want it to stop tonight", S),
]


@pytest.mark.parametrize(("text", "label"), CONTEXT)
def test_context_rules(text: str, label: Label | None) -> None:
    assert_crisis_label(text, label)


# --- obfuscation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("sui.cide seems like the only way", "suicide seems like the only way"),
        ("took an over-dose.", "took an overdose"),
        ("'k.ill' myself", "kill myself"),
        ("su1.c1de", "suicide"),
        # Only towards words of the crisis and harassment lists: a missing space stays a cut.
        ("fine.Then he left", "fine then he left"),
        ("my ex-husband", "my ex husband"),
        ("self-harm", "self harm"),
        ("well-being", "well being"),
    ],
)
def test_a_split_word_is_joined_only_into_a_list_word(text: str, canonical: str) -> None:
    words = view(normalize(text)).canonical.split()
    assert " ".join(w for w in words if w not in ".,:") == canonical


def test_an_obfuscated_split_crisis_word_is_found() -> None:
    assert S in review("sui.cide seems like the only way out of this").labels


# --- harassment ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what a pathetic liar you are", True),
        ("if you weren't so stupid you'd see he's using you", True),
        ("if you weren't so fkn stupid you would have left", True),
        ("what a liar he is, honestly", False),
        ("if you weren't so tired we could go for a walk", False),
        ("he used to say 'what a liar you are' every night", False),
        # A message quoted straight after its sender is reported, not said here.
        ("his new gf just sent me 'you're pathetic'", False),
        ("you sent me this, you idiot", True),
    ],
)
def test_insults_as_a_verdict_or_a_condition(text: str, expected: bool) -> None:
    assert (H in review(text).labels) is expected


# --- the learned model in context (a stand-in model, so the rules are tested on their own) --


def _when(word: str, labels: frozenset[Label]) -> Callable[[TextView], frozenset[Label]]:
    """A stand-in model: ``labels`` when ``word`` is among the message's words."""
    return lambda text_view: labels if word in text_view.word_set else frozenset()


@pytest.mark.parametrize(
    ("text", "learned", "kept"),
    [
        # An order protects; it does not say the danger is over.
        ("my protection order ran out and he's texting", {D}, {D}),
        ("my protection order ran out and he's texting", {S, D}, {D}),
        ("my protection order ran out and i can't go on", {S}, set()),
        # Safe now: nothing learned stays.
        ("he's texting again but i'm safe now", {D}, set()),
        ("he's texting. there's an order and i'm safe now", {D}, set()),
    ],
)
def test_an_order_keeps_learned_danger_but_recovery_keeps_nothing(
    text: str, learned: set[Label], kept: set[Label]
) -> None:
    labels = frozenset(learned)
    text_view = message_view(text)
    assert learned_in_context(text_view, labels, (), lambda _: labels) == kept


def test_a_learned_label_cannot_rest_on_an_idiom() -> None:
    # The lists know "beating myself up" is self-blame; a model that leans on "beating" must
    # find its label without it.
    text_view = message_view("i can't stop beating myself up about it")
    assert not learned_in_context(text_view, frozenset({S}), (), _when("beating", frozenset({S})))
    text_view = message_view("beating myself with a belt again tonight")
    assert learned_in_context(text_view, frozenset({S}), (), _when("beating", frozenset({S})))


def test_a_negated_phrase_is_cut_with_its_negator() -> None:
    # What is left of "i am not going to kill myself" must not read as "i am not (okay)".
    text_view = message_view("i am not going to kill myself, i promise")
    found, negated = lexicons_and_negated(text_view)
    assert not found.labels & CRISIS_LABELS and negated
    assert not learned_in_context(text_view, frozenset({S}), negated, _when("not", frozenset({S})))
