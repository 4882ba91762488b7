"""The moderation step every chat message passes before anyone sees it.

Owns: review(text) -> Decision: normalise, sanitise, classify, apply watched words, and decide:
- crisis (either kind): deliver, resources=True (the author privately gets crisis resources,
  the caller opens a high-priority flag);
- harassment: hold, reason "harassment";
- personal details: hold, reason "pii", detail naming what to remove; a crisis message with
  personal details is held too (anonymity first) and still gets resources;
- watched words: block or hold with reason "watched_word", or deliver with reason
  "watched_word" (Decision.flag) when the entry only asks for a flag;
- an empty body after normalising and sanitising: delivered as "" (callers reject it earlier).
When several apply, the strongest action wins; for the reason, a watched block outranks
harassment, which outranks pii (removing a detail would not make an attack postable), which
outranks a watched hold.

Must not: do I/O, touch the database, or say anything to the author that shames them.
"""

from __future__ import annotations

from moderation.classify import classify_view
from moderation.classify import warm_up as _warm_up_classifier
from moderation.decision import CRISIS_LABELS, Action, Decision, Label
from moderation.normalize import normalize
from moderation.pii import PiiKind
from moderation.sanitize import sanitize
from moderation.skeleton import view
from moderation.watched import WatchedRules

__all__ = ["review", "warm_up"]

HARASSMENT_DETAIL = "A moderator will look at this message before others see it."
WATCHED_HOLD_DETAIL = "A moderator will look at this message before others see it."
WATCHED_BLOCK_DETAIL = (
    "This room has chosen not to allow some of the words in this message. "
    "Please rephrase it and send again."
)


def warm_up() -> None:
    """Do now the one-time work review() otherwise does on first use (a few hundred ms):
    compiling every lexicon regex and loading the room pseudonyms. Optional; call it from a
    process's startup so the first messages are as fast as the rest."""
    _warm_up_classifier()
    review("warm up: I want to die, he is outside, you idiot, 07700 900123, @QuietHeron")


def pii_detail(kinds: tuple[PiiKind, ...]) -> str:
    """One kind sentence naming what to remove, e.g. "...contains a phone number. ..."."""
    names = [kind.value for kind in kinds] or ["a personal detail"]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    it = "it" if len(names) == 1 else "them"
    return (
        f"Your message looks like it contains {listed}. "
        f"To keep everyone anonymous, please remove {it} and send again."
    )


# Enum members looked up once: an attribute of an Enum class costs about 75 ns, and review()
# would otherwise look up half a dozen for every message.
_DELIVER, _HOLD, _BLOCK = Action.DELIVER, Action.HOLD, Action.BLOCK
_HARASSMENT, _PII = Label.HARASSMENT, Label.PII


def review(text: str, *, watched: WatchedRules | None = None) -> Decision:
    """Judge one message; pure and fast (see docs/moderation.md for the figures)."""
    body = sanitize(normalize(text))
    if not body:
        return Decision("", frozenset(), _DELIVER, False, None, None)
    text_view = view(body)
    result = classify_view(text_view)
    labels = result.labels
    watched_action = watched.match_view(text_view) if watched else None
    if not labels and watched_action is None:  # the usual message: nothing to weigh below
        return Decision(body, labels, _DELIVER, False, None, None)
    resources = not labels.isdisjoint(CRISIS_LABELS)

    action, reason, detail = _DELIVER, None, None
    if watched_action is _BLOCK:
        action, reason, detail = _BLOCK, "watched_word", WATCHED_BLOCK_DETAIL
    elif _HARASSMENT in labels:
        action, reason, detail = _HOLD, "harassment", HARASSMENT_DETAIL
    elif _PII in labels:
        action, reason, detail = _HOLD, "pii", pii_detail(result.pii_kinds)
    elif watched_action is _HOLD:
        action, reason, detail = _HOLD, "watched_word", WATCHED_HOLD_DETAIL
    elif watched_action is _DELIVER:
        reason = "watched_word"
    # Positional: Decision is a frozen dataclass, and keywords cost more per message.
    return Decision(body, labels, action, resources, reason, detail)
