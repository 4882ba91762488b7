"""Personal details that would break a room's anonymity: what kinds a message contains.

Owns: finding phone numbers (any common format, spaced, dotted, +44/0044, spelled out in
words), email addresses (also "name at gmail dot com"), street addresses ("42 Elm Street",
"flat 3, 12 High Road"), postcodes (UK postcodes, and US ZIP codes where the text says so),
social media usernames ("@name", "my insta is x", "snap: x", "name#1234"), links to social
media profiles, and (through pii_names.py) full names given as identification ("my name is
Jane Smith", "my ex is John Carter"). Links to other sites (a charity, a news story) are not
personal, nor are helpline numbers (lexicons/pii_safe_numbers.txt and
moderation/data/resources.json), nor "@" mentions of the room's own pseudonyms or "@mods".

Must not: store or return the details themselves (only their kinds), or decide what happens
to the message (review.py does).
"""

from __future__ import annotations

import json
import re
from enum import Enum
from functools import cache
from pathlib import Path

from moderation.datafiles import read_entries
from moderation.pii_names import NAME_WORDS, has_full_name
from moderation.skeleton import TextView, canonical_words

__all__ = ["PiiKind", "find_pii", "warm_up"]


class PiiKind(Enum):
    """Kinds in the order the author is told about them; the value is how they are named."""

    PHONE = "a phone number"
    EMAIL = "an email address"
    ADDRESS = "a home or street address"
    POSTCODE = "a postcode or ZIP code"
    HANDLE = "a social media username"
    LINK = "a link to a social media profile or personal site"
    NAME = "a full name"


def _words(name: str) -> frozenset[str]:
    return frozenset(entry.lower() for _, entry in read_entries(name))


_COMMON = _words("common_words.txt")

# --- phone numbers -----------------------------------------------------------------------------

_PHONE = re.compile(r"(?<![\w+/.])(?:\+|00)?\s?\(?\d(?:[ .\-()]{0,3}\d){6,16}(?![\w/])")
_YEAR_LIST = re.compile(r"(?:(?:19|20)\d\d[\s.\-]*)+")
_NUMBER_WORDS = frozenset({
    "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "double", "triple", "hundred"
})  # fmt: skip
# "nine hundred" is three digits: "hundred" stands for "00" inside a spoken number.
_SPOKEN_NUMBER = re.compile(
    r"(?:\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple|hundred)\b"
    r"[\s,.\-]*){7,}"
)


@cache
def _safe_numbers() -> frozenset[str]:
    numbers = {re.sub(r"\D", "", entry) for _, entry in read_entries("pii_safe_numbers.txt")}
    # The crisis resources shown to people in this app are by definition fine to share.
    resources = Path(__file__).resolve().parent / "data" / "resources.json"
    try:
        data = json.loads(resources.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("phone", "phone_dial", "sms", "emergency") and isinstance(value, str):
                    numbers.add(re.sub(r"\D", "", value))
                elif key == "emergency_other" and isinstance(value, list):
                    numbers.update(re.sub(r"\D", "", str(item)) for item in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    numbers.discard("")
    return frozenset(numbers)


def _is_safe_number(digits: str) -> bool:
    safe = _safe_numbers()
    if digits in safe:
        return True
    # "+1 800 799 7233" and "1-800-799-7233" are the same helpline.
    return any(digits.endswith(number) and len(number) >= 7 for number in safe)


# A standalone group of digits and the letters people type for them ("O77OO 9OO123"): the
# letters become digits before phone numbers are looked for.
_DIGITS_AND_LOOKALIKES = re.compile(r"(?<![A-Za-z])[\dOoIl]*\d[\dOoIl]*(?![A-Za-z])")
_LOOKALIKE_DIGITS = str.maketrans("OoIl", "0011")


def _with_lookalike_digits(body: str) -> str:
    return _DIGITS_AND_LOOKALIKES.sub(lambda m: m.group(0).translate(_LOOKALIKE_DIGITS), body)


def _digits_phone(body: str) -> bool:
    for match in _PHONE.finditer(body):
        text = match.group(0)
        digits = re.sub(r"\D", "", text)
        if not 7 <= len(digits) <= 15:
            continue
        if _YEAR_LIST.fullmatch(text.strip()):
            continue  # "2019 2020" is a list of years
        if not _is_safe_number(digits):
            return True
    return False


def _seven_number_words(lower: str) -> bool:
    """At least seven number words in the text, which _SPOKEN_NUMBER needs to match (str.count
    is a fast scan where the regex is slow; words inside other words count too)."""
    return sum(map(lower.count, _NUMBER_WORDS)) >= 7


def _spoken_phone(view: TextView) -> bool:
    # Seven spoken digits need at least a few number words; most messages have none or one.
    lower = view.lower
    if len(_NUMBER_WORDS & view.word_set) >= 2 and _seven_number_words(lower):
        for match in _SPOKEN_NUMBER.finditer(lower):
            words = re.findall(r"[a-z]+", match.group(0))
            digits = sum(
                3 if w == "triple" else 2 if w in ("double", "hundred") else 1 for w in words
            )
            digits -= sum(1 for w in words if w in ("double", "triple"))
            if digits >= 7:
                return True
    return False


# --- email -------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_AT = r"(?:\s*(?:@|\(at\)|\[at\]|\{at\}|<at>)\s*|\s+at\s+)"
_DOT = r"(?:\s*(?:\.|\(dot\)|\[dot\]|\{dot\}|<dot>)\s*|\s+dot\s+)"
_TLD = r"(?:com|net|org|co|uk|io|me|edu|gov|info|de|fr|ca|au|ie|nz|us|biz|mail|email)"
_SPELLED_EMAIL = re.compile(rf"[\w.+\-]{{2,}}{_AT}[\w\-]+(?:{_DOT}[\w\-]+)*{_DOT}{_TLD}\b")


# "k.morris at hotmail", "jane(at)gmail" with no ".com": an address at a known provider whose
# name part looks like one (a digit, ".", "_" or "+"), or right after the word email.
_PROVIDERS = frozenset({"gmail", "googlemail", "hotmail", "outlook", "yahoo", "ymail", "icloud",
                        "aol", "protonmail", "proton", "btinternet"})  # fmt: skip
_AT_PROVIDER = re.compile(
    rf"([\w.+\-]{{2,}}){_AT}(?:{'|'.join(sorted(_PROVIDERS, key=len, reverse=True))})\b"
)
_EMAIL_INTRO = re.compile(r"\b(?:e-?mail|mail)\b(?:\s+\S+){0,3}\s*$")


def _email_at_provider(lower: str) -> bool:
    for match in _AT_PROVIDER.finditer(lower):
        name = match.group(1)
        if any(char in name for char in "0123456789._+") or _EMAIL_INTRO.search(
            lower, 0, match.start()
        ):
            return True
    return False


def _spelled_email(lower: str) -> bool:
    if "dot" in lower or "(at)" in lower or "[at]" in lower or "{at}" in lower:
        for match in _SPELLED_EMAIL.finditer(lower):
            text = match.group(0)
            # An ordinary email is found above; this one must be spelled out to count here.
            if re.search(r"\bdot\b|[(\[{<]at[)\]}>]|[(\[{<]dot[)\]}>]", text):
                return True
    return False


# --- links and handles -------------------------------------------------------------------------

_PROFILE_LINK = re.compile(
    r"(?<![\w.])(?:https?://)?(?:www\.|m\.|mobile\.|[a-z]{2}\.)?"
    r"(?:facebook|fb|instagram|instagr\.am|tiktok|twitter|x|linkedin|snapchat|youtube|threads"
    r"|bsky|reddit|onlyfans|vk|t|wa|discord|discordapp|pinterest|tumblr|twitch|linktr|patreon"
    r"|cash|venmo|paypal|kik|telegram|mastodon\.social|bsky\.app)"
    r"\.(?:com|me|net|app|gg|ee|social|am|co)/(?!r/|groups/|hashtag/|explore/|help)[\w.\-@%/]+"
)
# A personal site on a blogging host ("thenarcsurvivor.wordpress.com"): as identifying as a
# profile, and written without a "/"; the hosts' own pages ("support.wordpress.com") are not.
# Gated by the host's name among the message's words.
_SITE_HOSTS = frozenset(
    {"wordpress", "blogspot", "substack", "wixsite", "weebly", "carrd", "neocities", "webnode"}
)
# The gate holds the hosts as the message's words spell them ("carrd" reads as "card").
_SITE_GATE = frozenset(word for host in _SITE_HOSTS for word in canonical_words(host))
_PERSONAL_SITE = re.compile(
    r"(?<![\w.-])(?!(?:www|support|help|docs|developer|en|status|apps|blog|news)\.)"
    r"[a-z0-9][a-z0-9-]{0,62}\.(?:" + "|".join(sorted(_SITE_HOSTS)) + r")\.[a-z]{2,4}\b"
)
_AT_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
_DISCORD_TAG = re.compile(r"(?<![\w#])[\w.]{2,32}#\d{4}\b")
_MENTIONS = _words("pii_mentions.txt")


@cache
def _pseudonym_mentions() -> frozenset[str]:
    """ "@QuietHeron": people mention each other by pseudonym; that reveals nothing."""
    try:
        from rooms.pseudonyms import ADJECTIVES, CREATURES
    except Exception:  # rooms may not be importable here (tools, tests): no exemptions then
        return frozenset()
    return frozenset(f"{a}{c}".lower() for a in ADJECTIVES for c in CREATURES)


def _platform_pattern() -> str:
    names = sorted(
        {" ".join(canonical_words(entry)) for _, entry in read_entries("pii_platforms.txt")},
        key=len,
        reverse=True,
    )
    return "|".join(re.escape(name) for name in names if name)


_PLATFORM = _platform_pattern()
_PLATFORM_WORDS = frozenset(
    canonical_words(entry)[0] for _, entry in read_entries("pii_platforms.txt")
)
# "my snap's x" has the word "snaps" (short names are left out: "wa" + "s" is "was").
_PLATFORM_PLURALS = {word + "s": word for word in _PLATFORM_WORDS if len(word) >= 4}
# A message needs one of these words for a platform username to be found.
_PLATFORM_GATE = _PLATFORM_WORDS | frozenset(_PLATFORM_PLURALS)


# "sn@pchat", "1nsta": the platform's name as typed, with the usual look-alike characters.
_LEET_NAME = {"a": "[a@4]", "e": "[e3]", "i": "[i1!]", "o": "[o0]", "s": "[s5$]", "t": "[t7]"}


def _leet_name(part: str) -> str:
    return "".join(_LEET_NAME.get(char, re.escape(char)) for char in part)


def _platform_then_username() -> dict[str, list[re.Pattern[str]]]:
    """For each platform word, regexes for its name right before a username-like word: "snap
    lilbee_22", "ig - hannah.heals", "tiktok: nora99". They run on the lower-case text, where
    the username is as typed; it must start with a letter and hold a digit, "_" or an inner
    ".", which ordinary words and times do not; the name must start a word (the caller checks
    the character before it). One regex per name, starting with the name so that the regex
    engine finds it quickly; only the names a message has are looked for.
    """
    regexes: dict[str, list[re.Pattern[str]]] = {}
    for _, entry in read_entries("pii_platforms.txt"):
        name = r"\s*".join(_leet_name(part) for part in entry.lower().split())
        regexes.setdefault(canonical_words(entry)[0], []).append(
            re.compile(
                rf"{name}(?:['\u2019]s)?(?:\s+is)?\s*[:=>\-\u2013\u2014]*\s*@?"
                r"([a-z][a-z0-9_.]*(?:[0-9_]|\.[a-z0-9])[a-z0-9_.]*)(?![\w@])"
            )
        )
    return regexes


_PLATFORM_THEN_USERNAME = _platform_then_username()

# Run on canonical text, so "sn@p" is "snap" and "it's" is "it is" ("its", which is also a
# word, is listed); the value is the next token. "my snap's x" is "my snaps x".
_PLATFORM_HANDLE = re.compile(
    rf"(?<!\S)(?:(?:my|his|her|their|our) (?:{_PLATFORM}) (?:(?:handle|name|username|user name"
    rf"|account|id|tag|page|profile|@) )?(?:is|=|:|it is|its) (?:: )?"
    rf"|(?:my|his|her|their|our) (?:{_PLATFORM})s "
    rf"|(?:add|follow|find|message|msg|dm|text|contact|reach|hit|search) me (?:up )?(?:on|at|via"
    rf"|through|@) (?:{_PLATFORM}) (?:(?:[:,\-=]|at|on|is|it is|its|as|@|under) )*"
    rf"|(?:^ |[.,:] )(?:{_PLATFORM}) (?:handle |name |username |id )?(?:[:=]|it is|its) (?:: )?"
    rf"|(?<!\S)(?:snap|snapchat|insta|instagram|ig|kik|discord|telegram|whatsapp|dm|message) me "
    rf"(?:(?:on|at|@|:) )*)"
    rf"@?([^\s.,:]+) "
)


def _handle_value(value: str) -> bool:
    if len(value) < 2 or value in _COMMON or value in _PLATFORM_WORDS:
        return False
    return not value.isdigit() or len(value) >= 4


def _has_link(view: TextView) -> bool:
    return "/" in view.lower and _PROFILE_LINK.search(view.lower) is not None


def _has_personal_site(view: TextView) -> bool:
    return _PERSONAL_SITE.search(view.lower) is not None


def _has_handle(view: TextView) -> bool:
    body = view.body
    if "@" in body:
        for match in _AT_HANDLE.finditer(body):
            name = match.group(1).lower()
            if name in _MENTIONS or name in _pseudonym_mentions():
                continue
            return True
    if "#" in body and _DISCORD_TAG.search(body):
        return True
    platforms = _PLATFORM_GATE & view.word_set
    if platforms:
        for match in _PLATFORM_HANDLE.finditer(view.canonical):
            if _handle_value(match.group(1)):
                return True
        for word in platforms:
            for regex in _PLATFORM_THEN_USERNAME[_PLATFORM_PLURALS.get(word, word)]:
                for match in regex.finditer(view.lower):
                    before = view.lower[match.start() - 1] if match.start() else " "
                    if not (before.isalnum() or before in "_@.") and _handle_value(match.group(1)):
                        return True
    return False


# --- addresses and postcodes -------------------------------------------------------------------

_STREET_STOP = sorted(_words("pii_street_stopwords.txt"))
_SUFFIXES = sorted(
    (entry.lower() for _, entry in read_entries("pii_street_suffixes.txt")), key=len, reverse=True
)
_STREET = re.compile(
    r"\b\d{1,5}[a-z]?,?\s+"
    rf"(?:(?!(?:{'|'.join(_STREET_STOP)})\b)[a-z][a-z'\-]*\.?\s+){{1,3}}"
    rf"(?:{'|'.join(re.escape(s) for s in _SUFFIXES)})\b"
)
# Starting with a character class (no \b) lets the search skip ahead: a lookbehind is checked
# only where a capital letter is.
_UK_POSTCODE = re.compile(r"[A-Z](?<![A-Za-z][A-Z])[A-Z]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b")
_POSTCODE_IN_CONTEXT = re.compile(
    r"\b(?:post ?code|postal code|zip(?: ?code)?|address|area code)\b\W+(?:is\W+|was\W+)?"
    r"(?:[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}|\d{5}(?:-\d{4})?)\b"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_STATE_ZIP = re.compile(rf"[A-Z][A-Z](?<=\b(?:{_US_STATES})),?\s+\d{{5}}(?:-\d{{4}})?\b")
_POSTCODE_WORDS = frozenset({"postcode", "post", "postal", "zip", "zipcode", "address", "area"})


_SUFFIX_WORDS = frozenset(suffix.split()[0] for suffix in _SUFFIXES)


# "my address is flat 4, 22 Kingsway": an address named as one, with a house number, even when
# the street's name is not a known street type.
_ADDRESS_GIVEN = re.compile(
    r"\b(?:my|our|his|her|their|the) (?:home |new |current |old )?address(?: is|:| is:)\s*"
    r"(?:(?:flat|apartment|apt|unit|room|no\.?|number)\s*\w{1,4},?\s*)?\d{1,5}[a-z]?\b"
)


def _has_address(view: TextView) -> bool:
    if "address" in view.word_set and _ADDRESS_GIVEN.search(view.lower):
        return True
    if _SUFFIX_WORDS.isdisjoint(view.word_set):
        return False
    return _STREET.search(view.lower) is not None


def _has_postcode(view: TextView) -> bool:
    body = view.body
    if body.islower():  # no capitals: neither a written-out UK postcode nor a US state code
        return not _POSTCODE_WORDS.isdisjoint(view.word_set) and bool(
            _POSTCODE_IN_CONTEXT.search(view.lower)
        )
    return bool(
        _UK_POSTCODE.search(body)
        or _STATE_ZIP.search(body)
        or (
            not _POSTCODE_WORDS.isdisjoint(view.word_set)
            and _POSTCODE_IN_CONTEXT.search(view.lower)
        )
    )


_DIGIT_RUN = re.compile(r"\d+")


def _postcode_shaped(body: str, runs: list[tuple[int, int]]) -> bool:
    """A digit run next to a letter ("M14 5RT", "SW1A") or of five digits (a ZIP code)."""
    for start, end in runs:
        if end - start == 5:
            return True
        if (start and body[start - 1].isalpha()) or body[end : end + 1].isalpha():
            return True
    return False


def warm_up() -> None:
    """Load what is otherwise loaded on first use (helpline numbers, room pseudonyms)."""
    _safe_numbers()
    _pseudonym_mentions()


# Every word that some detector needs before it can find anything: one set intersection per
# message tells which of those detectors can be skipped (most of them, usually).
_GATE_WORDS = (
    _NUMBER_WORDS | _PLATFORM_GATE | _POSTCODE_WORDS | _PROVIDERS | NAME_WORDS | _SITE_GATE
)
# A character without which most detectors find nothing: a digit (phone numbers, addresses,
# postcodes), "@" or "#" (emails, handles), "/" (links). One scan of a character class, the
# fastest regex there is; most messages have none of them.
_MARKS = re.compile(r"[0-9@#/]")


_SPELLED_EMAIL_ONLY = (PiiKind.EMAIL,)


def find_pii(view: TextView) -> tuple[PiiKind, ...]:
    """The kinds of personal detail in the message, in PiiKind order (empty: none)."""
    # Every detector is gated by something cheap (a mark, a word in the set, the digit runs
    # found once here), because each full regex scan costs microseconds and most messages
    # contain no personal detail. Each gate is a condition its detector checks too (or needs
    # in order to find anything), so skipping a detector cannot change the answer.
    body = view.body
    gate_words = _GATE_WORDS & view.word_set
    marked = _MARKS.search(body) is not None
    if not marked and not gate_words:
        # The usual message. Every detector below but the spelled-out email needs a mark or a
        # gate word (tests/moderation/test_fast_paths.py runs them all beside this).
        return _SPELLED_EMAIL_ONLY if _spelled_email(view.lower) else ()
    # Ten substring tests (memchr in C) beat one regex scan for "has a digit".
    has_digit = marked and any(digit in body for digit in "0123456789")
    runs = [match.span() for match in _DIGIT_RUN.finditer(body)] if has_digit else []
    found = []
    phone_text, digits = body, 0
    if has_digit:  # letters typed for digits count as digits here: "O77OO 9OO123"
        phone_text = _with_lookalike_digits(body)
        digits = sum(map(len, _DIGIT_RUN.findall(phone_text)))
    if (digits >= 7 and _digits_phone(phone_text)) or (
        len(_NUMBER_WORDS & gate_words) >= 2 and _spoken_phone(view)
    ):
        found.append(PiiKind.PHONE)
    lower = view.lower
    if (
        (marked and "@" in body and _EMAIL.search(body))
        or _spelled_email(lower)
        or (not _PROVIDERS.isdisjoint(gate_words) and _email_at_provider(lower))
    ):
        found.append(PiiKind.EMAIL)
    if runs and _has_address(view):
        found.append(PiiKind.ADDRESS)
    postcode_possible = runs and (
        _postcode_shaped(body, runs) or not _POSTCODE_WORDS.isdisjoint(gate_words)
    )
    if postcode_possible and _has_postcode(view):
        found.append(PiiKind.POSTCODE)
    handle_possible = (marked and ("@" in body or "#" in body)) or not _PLATFORM_GATE.isdisjoint(
        gate_words
    )
    if handle_possible and _has_handle(view):
        found.append(PiiKind.HANDLE)
    if (marked and "/" in body and _has_link(view)) or (
        not _SITE_GATE.isdisjoint(gate_words) and _has_personal_site(view)
    ):
        found.append(PiiKind.LINK)
    if not NAME_WORDS.isdisjoint(gate_words) and has_full_name(view):
        found.append(PiiKind.NAME)
    return tuple(found)
