"""What a new password must be: a passphrase, not a pattern (NIST SP 800-63B).

- 15 to 128 characters of anything (spaces and any script welcome); no composition
  rules ("one digit, one symbol") and no expiry, as NIST asks of a password that is the
  only factor;
- not on the bundled list of common and breached passwords
  (``resources/common-passwords.txt``), whatever its case;
- not mostly predictable: attackers' tools try common passwords with a few characters
  added, repeated patterns and keyboard or alphabet runs long before anything else, so a
  password is refused when, once those parts are taken out, fewer than
  :data:`MIN_UNPREDICTABLE` characters are left ("password2024!!!", "passwordpassword",
  "qwertyuiopasdfg", "123456789012345", "Summer2024Summer2024"), or when it is one
  string said again and again;
- not containing the name part of the person's email (before the ``@``, and each of its
  parts of four letters or more: "maria" and "santos" of maria.santos@clinic.ph).

The comparisons ignore case, spaces and punctuation, and also run on a copy with the
usual look-alike substitutions undone ("p@55w0rd" reads "password").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from itertools import pairwise

from dcms_desktop.domain.errors import ValidationError

MIN_LENGTH = 15
MAX_LENGTH = 128
MIN_UNPREDICTABLE = 8
"""Characters a password must keep once common passwords, runs and repeats are removed."""
MIN_EMAIL_PART = 3
"""An email name part shorter than this ("jo") is too common to forbid."""
MIN_EMAIL_TOKEN = 4

COMMON_PASSWORDS_RESOURCE = "common-passwords.txt"
FIELD = "password"

TOO_SHORT = "Use at least 15 characters: a few unrelated words make a good passphrase."
TOO_LONG = "Use at most 128 characters."
COMMON = "That password is on a list of common or breached passwords; choose another."
PREDICTABLE = (
    "That password is too easy to guess: it is mostly a common password, a repeated "
    "pattern or a keyboard run. Add a few unrelated words."
)
HAS_EMAIL = "Don't use your email's name in the password."

# Keyboard rows and columns, the alphabet and the digits (cyclic: ...8 9 0 1 2...): a run
# goes along one of them, forwards or backwards.
SEQUENCES = (
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "zaq1xsw2cde3vfr4bgt5nhy6mju7ki8lo9p0",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
)
MIN_RUN = 4
MAX_REPEAT_UNIT = 4
MIN_REPEAT_COPIES = 3
MIN_ECHO = 4
"""A part at least this long that follows a copy of itself ("horsehorse") counts once."""

_LOOK_ALIKES = str.maketrans(
    {"@": "a", "4": "a", "8": "b", "(": "c", "3": "e", "6": "g", "!": "i", "1": "i"}
    | {"|": "l", "0": "o", "$": "s", "5": "s", "+": "t", "7": "t", "2": "z"}
)
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def check_new_password(password: str, *, email: str) -> None:
    """Raise ``ValidationError(field="password")`` unless ``password`` may be chosen by the
    person with ``email``; the message says what to change."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"{TOO_SHORT} ({len(password)} so far)", field=FIELD)
    if len(password) > MAX_LENGTH:
        raise ValidationError(TOO_LONG, field=FIELD)
    plain = _normalise(password)
    look_alikes = _normalise(password.casefold().translate(_LOOK_ALIKES))
    common = common_passwords()
    if password.casefold() in common or plain in common or look_alikes in common:
        raise ValidationError(COMMON, field=FIELD)
    if any(part in plain or part in look_alikes for part in _email_parts(email)):
        raise ValidationError(HAS_EMAIL, field=FIELD)
    if any(_is_predictable(form, common) for form in {plain, look_alikes}):
        raise ValidationError(PREDICTABLE, field=FIELD)


def password_problem(password: str, *, email: str) -> str | None:
    """What is wrong with ``password`` (the message of :func:`check_new_password`), or
    None; for forms that check as the user types."""
    try:
        check_new_password(password, email=email)
    except ValidationError as exc:
        return exc.message
    return None


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, lower-cased, each entry also without spaces and punctuation.

    Read once, on first use (about 12,000 entries)."""
    text = (
        resources.files("dcms_desktop.resources")
        .joinpath(COMMON_PASSWORDS_RESOURCE)
        .read_text(encoding="utf-8")
    )
    return frozenset(_entries(text.splitlines()))


def _entries(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        entry = line.strip().casefold()
        if not entry or entry.startswith("#"):
            continue
        yield entry
        plain = _normalise(entry)
        if len(plain) >= MIN_RUN:
            yield plain


def _normalise(text: str) -> str:
    """Case-folded, without spaces, punctuation or symbols."""
    return _NOT_LETTER_OR_DIGIT.sub("", text.casefold())


def _email_parts(email: str) -> set[str]:
    local = email.strip().partition("@")[0].casefold()
    parts = set()
    whole = _normalise(local)
    if len(whole) >= MIN_EMAIL_PART:
        parts.add(whole)
    for token in _NOT_LETTER_OR_DIGIT.split(local):
        if len(token) >= MIN_EMAIL_TOKEN:
            parts.add(token)
    return parts


# -- predictability ------------------------------------------------------------------------
def _successors() -> dict[str, frozenset[tuple[str, str]]]:
    pairs: dict[str, frozenset[tuple[str, str]]] = {}
    for sequence in SEQUENCES:
        for name, text in ((sequence, sequence), (sequence + "<", sequence[::-1])):
            pairs[name] = frozenset(pairwise(text))
    return pairs


_SUCCESSORS = _successors()


def _is_predictable(text: str, common: frozenset[str]) -> bool:
    if len(text) < MIN_UNPREDICTABLE:
        return True
    if _has_period(text):
        return True
    return unpredictable_characters(text, common) < MIN_UNPREDICTABLE


def _has_period(text: str) -> bool:
    """True when ``text`` is one string said at least twice ("summer24summer24summ")."""
    return any(
        all(text[k] == text[k - period] for k in range(period, len(text)))
        for period in range(1, len(text) // 2 + 1)
    )


def unpredictable_characters(text: str, common: frozenset[str] | None = None) -> int:
    """How many characters of ``text`` (already normalised) are left once the fewest are
    kept by taking out common passwords, runs of :data:`MIN_RUN` or more along a keyboard,
    the alphabet or the digits, a short unit said three times or more, and a part that
    repeats the part just before it."""
    common = common_passwords() if common is None else common
    n = len(text)
    run_ending = _longest_runs(text)
    repeat_ending = {
        unit: _matches_at_distance(text, unit) for unit in range(1, MAX_REPEAT_UNIT + 1)
    }
    longest_entry = max(map(len, common), default=0)
    # kept[i]: the fewest characters of text[:i] that are not part of a predictable piece.
    kept = [0] * (n + 1)
    for end in range(1, n + 1):
        best = kept[end - 1] + 1
        for start in range(end - 1, -1, -1):
            length = end - start
            if best == 0:
                break
            if kept[start] >= best:
                continue
            if (
                (length >= MIN_RUN and run_ending[end - 1] >= length)
                or (length <= longest_entry and text[start:end] in common)
                or _is_repeat(repeat_ending, end, length)
                or (
                    length >= MIN_ECHO
                    and start >= length
                    and text[start - length : start] == text[start:end]
                )
            ):
                best = kept[start]
        kept[end] = best
    return kept[n]


def _longest_runs(text: str) -> list[int]:
    """For each position, the longest run along one sequence that ends there."""
    longest = [1] * len(text)
    for pairs in _SUCCESSORS.values():
        length = 1
        for i in range(1, len(text)):
            length = length + 1 if (text[i - 1], text[i]) in pairs else 1
            longest[i] = max(longest[i], length)
    return longest


def _matches_at_distance(text: str, unit: int) -> list[int]:
    """For each position i, how many positions up to i in a row equal the one ``unit``
    before them."""
    matches = [0] * len(text)
    for i in range(unit, len(text)):
        matches[i] = matches[i - 1] + 1 if text[i] == text[i - unit] else 0
    return matches


def _is_repeat(repeat_ending: dict[int, list[int]], end: int, length: int) -> bool:
    """True when ``text[end - length:end]`` is a short unit said three times or more."""
    for unit, matches in repeat_ending.items():
        if length >= max(MIN_RUN, MIN_REPEAT_COPIES * unit) and matches[end - 1] >= length - unit:
            return True
    return False
