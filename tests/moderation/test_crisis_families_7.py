"""The seventh round's fixes, one table each: the family of phrasing it covers, and the ordinary
support talk it must leave alone (past tense, negation, reported speech, dreams, recovery, the
same words about an abuser who is not in the chat or about the writer).

The families come from the misses and false flags of holdout_7.jsonl once it was spent
(docs/moderation.md, "The seventh round"); the sentences here are new, written in each family's
range of wording, not copied from that set. Every case runs the whole step (review(): the
lexicons, the context rules and the learned model), so a hard negative that any part flags
fails here.
"""

from __future__ import annotations

import pytest

from moderation.decision import Label
from moderation.review import review
from tests.moderation.families import NONE, D, Families, H, S, assert_crisis_label, family_params

P = Label.PII

FAMILIES: Families = {
    "goodbye to the room, said briefly (crisis_self.txt)": [
        ("goodbye all. xx", S),
        ("goodbye you guys, love you all", S),
        ("goodbye everybody x", S),
        ("goodbye everyone, see you next week", NONE),
        ("Goodbye everyone. See you Thursday", NONE),
        ("goodbye all. off to bed, night x", NONE),
        ("goodbye everyone, have a lovely christmas", NONE),
        ("bye all, off to bed", NONE),
        ("he said goodbye everyone and walked out of the meeting", NONE),
    ],
    "a birthday or a year not to be reached (crisis_self.txt)": [
        ("i'm not going to see my 40th.", S),
        ("won't make it to my birthday. it's decided", S),
        ("i won't see another christmas with him, thank god", NONE),
        ("i'm not going to see my mum's birthday this year, he has the car", NONE),
        ("i won't make it to christmas dinner at mum's this year", NONE),
    ],
    "the abuser's job finished by the writer (crisis_self.txt)": [
        ("might as well finish the job my ex started", S),
        ("i'm going to finish what she started tonight", S),
        ("i'll just save him the trouble", S),
        ("i'm going to finish what i started with the garden", NONE),
        ("he finished what he started at court, the judge believed him", NONE),
        ("i'll save him the trouble of replying and block him", NONE),
        # Said of him, it is his threat (crisis_danger.txt).
        ("he's going to finish what he started", D),
    ],
    "a car running in a closed garage (crisis_self.txt)": [
        ("sat in the car, engine running in the garage", S),
        ("the garage door is shut and the engine is on", S),
        ("the garage door is down and the car's running fine again", NONE),
        ("he used to sit in the car with the engine running in the garage", NONE),
    ],
    "loose ends tied up so nobody is left with them (crisis_self_plans.txt)": [
        ("sorted the bills and the passwords, tying up my loose ends this week", S),
        ("paid everything off so nobody gets lumbered with my debts after", S),
        ("tying up loose ends before the divorce goes through", NONE),
        ("tying up loose ends at work before my maternity leave", NONE),
    ],
    "'it' wanted over, unless the message names another plan (crisis_self_plans.txt)": [
        ("i just want it to stop. tonight.", S),
        ("i just want it to stop, the police say the order covers texts", NONE),
        ("i want it to stop, court is on monday and i'm so tired of it", NONE),
    ],
    "a pet handed on, a story told to cover going (crisis_self_plans.txt)": [
        ("my neighbour's offered to rehome the dog.", S),
        ("told my mum i'm going backpacking for a while", S),
        ("told everyone i'm going away for a bit", S),
        ("my mum agreed to take the dog while we're in the refuge", NONE),
        ("my mum agreed to take the dog for the weekend", NONE),
        ("told him i'm going away with the kids to my mum's", NONE),
        ("told my boss i'm going travelling in may", NONE),
    ],
    "the insurance for the children (crisis_self_plans.txt)": [
        ("the life insurance will look after them", S),
        ("my policy will pay for the funeral.", S),
        ("the insurance will cover the kids' dental", NONE),
        ("the insurance should cover the damage he did", NONE),
    ],
    "a way out of one's own, a message set to go out later (crisis_self_plans.txt)": [
        ("found my own way out. it's decided", S),
        ("scheduled a message to send on sunday morning. you all were the best part of it all", S),
        ("you guys were the best part of my life", S),
        ("got my own way out of the flat now, a side door he doesn't know", NONE),
        ("you guys have been the best part of my year", NONE),
        ("set up a scheduled post for the group's anniversary on monday", NONE),
    ],
    "someone at the door who will not stop (crisis_danger.txt)": [
        ("someone's been knocking for twenty minutes and won't say who it is", D),
        ("he keeps ringing the doorbell and then hiding", D),
        ("they won't stop banging, i'm upstairs with the baby", D),
        ("my neighbour keeps knocking to borrow sugar", NONE),
        ("he kept knocking on my door for months after i left", NONE),
        ("he keeps knocking things over, toddlers are chaos", NONE),
        ("he keeps knocking for my son to come out and play", NONE),
    ],
    "he is back, in a few words or letter-spaced (crisis_danger.txt, phrases.py)": [
        ("my ex is back. his car is on the drive", D),
        ("he's already back", D),
        ("h e s b a c k a g a i n", D),
        ("he's back on track with his meds", NONE),
        ("my son is back.", NONE),
    ],
    "the writer cannot talk or must keep quiet: he is near (crisis_danger.txt)": [
        ("shh he's awake", D),
        ("whispering so he can't hear me", D),
        ("typing silently, he's asleep next to me", D),
        ("can't talk now, my son is home from school", NONE),
        ("typing quietly so the baby doesn't wake", NONE),
        ("quiet please, the baby is asleep", NONE),
        ("turned the tv up so he can't hear me crying", NONE),
    ],
    "hiding in a wardrobe or cupboard now (crisis_danger.txt)": [
        ("me and the kids are in the airing cupboard, typing", D),
        ("i'm in the cupboard under the stairs right now", D),
        ("i'm in the closet texting with the door locked", D),
        ("found my old diary in the wardrobe", NONE),
        ("i'm in the wardrobe sorting his old clothes out", NONE),
    ],
    "a car outside again, in a few words (crisis_danger.txt)": [
        ("same van outside again tonight", D),
        ("his car's parked outside my work again", D),
        ("the car outside the school was his mum's", NONE),
        ("car's outside, on my way to the meeting", NONE),
    ],
    "a quoted threat from 'we' (crisis_danger.txt)": [
        ("his mum messaged 'we can see you'", D),
        ("his mate texted me 'we know where you are staying'", D),
    ],
    "someone else's threat to harm themselves (crisis_danger.txt, other_threats.txt)": [
        ("my ex is threatening to kill himself again because i won't answer his calls", NONE),
        ("her mum says she's threatening to hurt herself if i don't drop the case", NONE),
        ("he's threatening to kill himself and take the kids with him", D),
        ("he is threatening to kill me and then himself", D),
    ],
    "in through the back, with a sign of now (crisis_danger_recent.txt)": [
        ("she just crept in through the side gate", D),
        ("he came in through the back door drunk every night for years", NONE),
    ],
}

CONTEXT: Families = {
    "a next sentence that dates the one before to the past (past_after.txt, context.py)": [
        ("he said he'd put me in hospital. that was years ago.", NONE),
        ("wrote 'goodbye cruel world' on my mirror in lipstick. that was back in 2012.", NONE),
        ("he said he would find me and finish me. that was 2015. he has never come", NONE),
        ("i wanted to die. that was years ago", NONE),
        # A sign of now keeps it: "last night" dates nothing to the past.
        ("he said he'd stab me. that was last night.", D),
        ("he locked me in the bathroom again. this was ten minutes ago", D),
    ],
    "the speaker named after the quoted words (reported_after.txt, context.py)": [
        ("'i'll kill myself tonight' she'd scream whenever i went out", NONE),
        ("the 'i'll end it all' messages he kept sending were just control", NONE),
        ("'i want to die' he would text me every night", NONE),
        # A reporting verb that starts a new clause does not make the writer's words his.
        ("i want to die, he said i should", S),
        ("i want to kill myself he said it's my fault", S),
        ("i told him i want to die, he said nothing", S),
        ("i just want it all to stop, he texts fifty times a day", S),
    ],
    "a speaker label before the quoted words (reported.txt)": [
        ("My ex: 'I'll kill myself if you leave me.' Me: left anyway.", NONE),
        ("her: 'i'll end it all if you go to the police'. me: went to the police", NONE),
        ("me: i want to die", S),
    ],
    "a dream told (dreams.txt, context.py)": [
        ("had that nightmare again where I was standing on the bridge about to jump", NONE),
        ("in my dream i jumped off a bridge and woke up laughing", NONE),
        ("in my nightmares he is outside my door", NONE),
        # "dreaming about" is thinking about; a dream told before a crisis now is not one.
        ("i keep dreaming about killing myself", S),
        ("had a nightmare last night and now i want to die", S),
    ],
    "recovery said after the story (recovery.txt)": [
        (
            "five years ago tonight i swallowed a box of paracetamol. i'm still here and so happy",
            NONE,
        ),
        ("he said he would find me and kill me. i live somewhere he can't find now", NONE),
        ("he said he'd find me and finish me. he doesn't know where i live now", NONE),
        ("it's a therapy exercise: the letter i want to have written to my younger self", NONE),
        ("honestly i want to have a life again and i feel really hopeful", NONE),
        # Hope does not cancel a crisis said now, nor does "he doesn't know where i live yet".
        ("i want it to be over and i feel hopeful", S),
        ("he doesn't know where i live yet but he's outside my mum's right now", D),
    ],
}


@pytest.mark.parametrize(("family", "text", "label"), family_params(FAMILIES))
def test_crisis_families(family: str, text: str, label: Label | None) -> None:
    assert_crisis_label(text, label, family)


@pytest.mark.parametrize(("family", "text", "label"), family_params(CONTEXT))
def test_context_rules(family: str, text: str, label: Label | None) -> None:
    assert_crisis_label(text, label, family)


HARASSMENT: dict[str, list[tuple[str, bool]]] = {
    "victim-blaming aimed at the person in the chat (harassment.txt)": [
        ("people like you make it harder for genuine survivors to be believed", True),
        ("honestly you give real victims a bad name", True),
        ("if you stayed after the first time, that's on you", True),
        ("some of you secretly enjoy being the victim", True),
        ("ur kids would honestly be better off with their dad", True),
        ("false reports make it harder for real victims, it's so frustrating", False),
        ("people like you make this group feel safe", False),
        ("that's not on you, he made those choices", False),
        ("it's on you to decide, nobody else", False),
        ("the drinks are on you next time lol", False),
        ("my kids are better off without him", False),
        ("i used to think i liked being the victim, my therapist says that's a myth", False),
    ],
    "the abuser made the victim, the writer made bitter (harassment.txt)": [
        ("i reckon your ex was the real victim here", True),
        ("you're only bitter he found someone", True),
        ("you just keep lying about him", True),
        ("my ex tells everyone he's the real victim", False),
        ("i'm just bitter he moved on so fast", False),
        ("you keep lying awake too? me every night", False),
    ],
    "mockery of someone's need for support (harassment.txt)": [
        ("look who's back for more attention", True),
        ("you're clearly just fishing for sympathy", True),
        ("imagine getting so worked up over a text lol", True),
        ("you can't even string a sentence together", True),
        ("i'm back for more advice, sorry everyone", False),
        ("he's always fishing for sympathy from my family", False),
        ("you can't even see the bruise now", False),
        ("imagine being so scared of a text that you shake, that was me", False),
    ],
    "outing someone to the room (harassment.txt)": [
        ("found your real facebook, not so anonymous now", True),
        ("here's her address for everyone who wants to tell her what they think", True),
        ("go and look at this pathetic liar's profile", True),
        ("go on, call him yourselves", True),
        ("found my real account password finally, locked him out", False),
        ("here's the number for everyone who needs the helpline", False),
        ("you can ring them yourselves, the helpline is free", False),
    ],
    "an insult spelled out letter by letter (harassment_spaced.txt)": [
        ("u g l y  c o w", True),
        ("d u m b  s l a g", True),
        ("my ex is a stupid bitch", False),
        ("i feel so s t u p i d today", False),
        ("u g l y c r y i n g again", False),
    ],
}


@pytest.mark.parametrize(("family", "text", "expected"), family_params(HARASSMENT))
def test_harassment_families(family: str, text: str, expected: bool) -> None:
    assert (H in review(text).labels) is expected, family


HARASSMENT_CONTEXT: list[tuple[str, bool]] = [
    # Insults retold with their speaker as a label, or named after them, are his words.
    ("my ex: 'you're a worthless cow'", False),
    ("'you're pathetic' he'd scream whenever i cried", False),
    ("his sister wrote 'watch your back' under my photo. that was years ago", False),
    # Said to someone here now, they stay harassment.
    ("you're pathetic, he said it and he was right", True),
    ("you're a worthless cow", True),
]


@pytest.mark.parametrize(("text", "expected"), HARASSMENT_CONTEXT)
def test_harassment_context_rules(text: str, expected: bool) -> None:
    assert (H in review(text).labels) is expected


PII: list[tuple[str, bool]] = [
    # A full name after "he's" or "she's" (pii_name_intros.txt), as after "he is".
    ("He's Callum Reid, works at the tyre place on the ring road", True),
    ("she's Siobhan Kelly and she lives two streets from me", True),
    ("hes gary mcbride, look him up", True),
    # A first name alone, or capitals that are no name.
    ("she's siobhan, my sponsor", False),
    ("he's callum's dad", False),
    ("he's Prince Charming to everyone else", False),
    ("she's Head Girl material apparently", False),
]


@pytest.mark.parametrize(("text", "expected"), PII)
def test_full_names_after_a_contracted_intro(text: str, expected: bool) -> None:
    assert (P in review(text).labels) is expected
