"""classify(): each label with positives and hard negatives, and the obfuscation it sees through.

These cases are separate from the labelled evaluation set (data/labelled.jsonl): they pin
behaviour that must not regress when lexicons change.
"""

from __future__ import annotations

import pytest

from moderation.classify import classify
from moderation.decision import Label
from moderation.normalize import normalize
from moderation.skeleton import canonical_words, respell, view

S, D, H, P = Label.CRISIS_SELF, Label.CRISIS_DANGER, Label.HARASSMENT, Label.PII


def labels(text: str) -> frozenset[Label]:
    return classify(normalize(text)).labels


def crisis(text: str) -> bool:
    return bool(labels(text) & {S, D})


# --- the de-obfuscated skeleton ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("I WANT TO DIE", "i want to die"),
        ("i want to d1e", "i want to die"),
        ("k1ll ki11 k!ll", "kill kill kill"),
        ("$uicide", "suicide"),
        ("p@thetic l0ser", "pathetic loser"),
        ("diiiiie kiiiilllll", "die kill"),
        ("scared of myself", "scared of myself"),
        ("as ass", "as ass"),
        ("k i l l m y s e l f", "killmyself"),
        ("k.y.s", "kill yourself"),
        ("k i l l myself", "kill myself"),
        ("u r a loser", "you are a loser"),
        ("w\u0430nt t\u043e di\u0435", "want to die"),
        ("\u03ba\u03b9ll", "kill"),
        ("\u1d0b\u026a\u029f\u029f", "kill"),
        ("b*tch f**k", "bitch fuck"),
        ("don't can't won't i'm he's", "do not can not will not i am he is"),
        ("dont cant im gonna wanna", "do not can not i am going to want to"),
        ("caf\u00e9 na\u00efve", "cafe naive"),
        ("he is 100mg 3am 2nd", "he is 100mg 3am 2nd"),
    ],
)
def test_skeleton(text: str, words: str) -> None:
    canonical = view(normalize(text)).canonical.split()
    assert " ".join(w for w in canonical if w not in ".,:") == words


def test_respell_only_returns_words_the_token_spells() -> None:
    assert respell("offf") == "off"
    assert respell("of") == "of"
    assert respell("sooooo") == "so"
    assert respell("zzzzzz") == "zz"


def test_canonical_words_of_a_phrase() -> None:
    assert canonical_words("I'm gonna") == ("i", "am", "going", "to")


# --- crisis_self -------------------------------------------------------------------------------

SELF_POSITIVE = [
    "i really dont want to be here anymore",
    "I'm going to overdose tonight",
    "i'm so tired of living",
    "been thinking about suicide a lot lately",
    "I can't take it anymore, I want to end my life",
    "just want to disappear forever",
    "i've got a bottle of pills in front of me",
    "thinking of jumping off the bridge tonight",
    "i want to kms",
    "gonna unalive myself",
    "what's the point in living anymore",
    "i wish i could just fall asleep and not wake up",
    "my family would be better off without me",
    "I'm such a burden to everyone",
    "i hate myself so much i want to die",
    "i want to stop existing",
    "I dont wanna be alive",
    "I don't think I can go on",
    "nooo i want to die",
    "I used to cut but I've started cutting again",
    "my therapist asked if I wanted to die and I said yes",
    "he makes me want to kill myself",
    "I want to D I E",
    "s.u.i.c.i.d.a.l",
    # Mathematical bold letters: "i want to die".
    "\U0001d422 \U0001d430\U0001d41a\U0001d427\U0001d42d "
    "\U0001d42d\U0001d428 \U0001d41d\U0001d422\U0001d41e",
    "i w\u0430nt to k\u0456ll mys\u0435lf",
    "I'm n0t 0k, I w4nt t0 d1e",
]

SELF_NEGATIVE = [
    "I'm not going to kill myself, I promise",
    "She said she wants to die",
    "my friend is self harming and I'm worried",
    "I used to want to die every day, now I'm thriving",
    "My cat died last week",
    "I could kill him for what he did",
    "how do I help my sister who wants to kill herself",
    "I'm dying to tell you all about my new job",
    "this book about suicide prevention was helpful",
    "Do you ever feel like you want to die?",
    "he made me feel worthless and I wanted to die, but I'm in a better place now",
    "I never want to see him again",
    "i'm so done with him",
    "I can't do this anymore with him, I'm leaving",
    "I'm scared of myself when I get this angry",
    "I'm proud of myself today",
    "I cut him off completely",
    "I'm cutting ties with my family",
    "I took my life back when I left",
    "I'd rather die than go back",
    "I want to dye my hair",
    "I want to die my hair blue",
    "he told me to kill myself every day for years",
    "when I was 15 I tried to kill myself. I'm 40 now and happy",
    "I have so many reasons to live",
    "my dad died by suicide when I was young",
]


@pytest.mark.parametrize("text", SELF_POSITIVE)
def test_crisis_self_positive(text: str) -> None:
    assert S in labels(text)


# A plan named only as "it" counts when the message names no other plan (other_plans.txt).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the plan is to do it this weekend while he has the kids", True),
        ("i know exactly how im going to do it now", True),
        ("i've written letters to both my boys", True),
        ("planning to do it while he's at work, the refuge has a room for us", False),
        ("my plan is to do it on Monday, then tell the police everything", False),
        ("getting my affairs in order for the divorce is exhausting", False),
        ("I wrote letters to the court and to my MP", False),
    ],
)
def test_plans_named_only_as_it(text: str, expected: bool) -> None:
    assert (S in labels(text)) is expected


@pytest.mark.parametrize("text", SELF_NEGATIVE)
def test_crisis_self_negative(text: str) -> None:
    assert S not in labels(text)


# --- crisis_danger -----------------------------------------------------------------------------

DANGER_POSITIVE = [
    "he's in the house right now and I'm scared",
    "my ex has just turned up at my door",
    "he's sending me death threats",
    "he said he's going to come and kill me tonight",
    "I'm scared he's going to kill me",
    "he threatened me with a knife tonight",
    "my husband is going to kill me when he finds out",
    "she won't let me out of the house",
    "he is watching my house",
    "he keeps messaging me from new accounts",
    "he got hold of my new address",
    "he's drunk and smashing the place up",
    "he is coming over right now and he's angry",
    "he hit me again last night",
    "HE IS OUTSIDE",
    "h e i s o u t s i d e my door",
]

DANGER_NEGATIVE = [
    "he used to hit me when he was drunk",
    "my ex beat me for years",
    "I'm scared he will find me one day",
    "the police were called when he hit me last year",
    "he is outside of my life now",
    "my dad is coming over for Christmas and I'm dreading it",
    "he never laid a finger on me",
    "unless he hurts me the police won't act",
    "my mum will kill me if I'm late lol",
    "he's here in this group too? no way",
    "my phone died",
    "he followed me home once in 2016",
]


@pytest.mark.parametrize("text", DANGER_POSITIVE)
def test_crisis_danger_positive(text: str) -> None:
    assert D in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        # "'s" before a past participle is "has": "he's been", "he's got", "she's found".
        "he's been following me",
        "he's got a knife",
        "she's found my new address",
        # The writer's own negation before a threat about someone else is not a denial.
        "if I don't answer he'll come round and hurt me",
        "if I don't go back he will kill me",
    ],
)
def test_danger_phrasings_the_skeleton_and_negation_rules_handle(text: str) -> None:
    assert D in labels(text)


def test_has_for_is_only_before_a_participle() -> None:
    assert view("he's been following me").canonical == " he has been following me . "
    assert view("he's outside").canonical == " he is outside . "
    assert view("it's been ok").canonical == " it has been ok . "


@pytest.mark.parametrize("text", DANGER_NEGATIVE)
def test_crisis_danger_negative(text: str) -> None:
    assert D not in labels(text)


# --- harassment --------------------------------------------------------------------------------

HARASSMENT_POSITIVE = [
    "you're a disgrace",
    "ur pathetic lmao",
    "shut ur mouth",
    "you deserve to be alone",
    "nobody believes you",
    "u deserved it",
    "i'll kill you",
    "lmao nobody cares",
    "why don't you just go back to your abuser",
    "YOU ARE SO STUPID",
    "y o u  i d i o t",
    "you're a f*cking l0ser",
    "kill yourself",
    "k y s",
]

HARASSMENT_NEGATIVE = [
    "you are not a burden",
    "you aren't stupid",
    "don't listen to him, you're not worthless",
    "he told me I was worthless",
    "am I stupid for missing him?",
    "you're so strong",
    "you guys are the best",
    "you deserve so much better",
    "you didn't deserve it",
    "you deserved better",
    "Stop blaming yourself",
    "I keep crying at night",
    "he said 'you'll regret this'",
    "what a loser he is",
    "your ex is a loser",
    "you poor thing",
    "please don't kill yourself over this",
    "people who say 'just get over it' don't understand",
    "I feel like nobody cares",
    "I'll find you a link to the helpline",
    "thank you, stupid autocorrect ruined my message",
]


@pytest.mark.parametrize("text", HARASSMENT_POSITIVE)
def test_harassment_positive(text: str) -> None:
    assert H in labels(text)


@pytest.mark.parametrize("text", HARASSMENT_NEGATIVE)
def test_harassment_negative(text: str) -> None:
    assert H not in labels(text)


def test_kill_yourself_at_someone_is_harassment_not_a_crisis() -> None:
    assert labels("just go kill yourself") == {H}
