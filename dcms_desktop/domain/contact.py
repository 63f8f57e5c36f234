"""A person's name, email and phone numbers: checked and tidied for storing.

Each ``clean_*`` function takes the text as typed and returns what to store, or raises
``ValidationError`` with a message for the desk and the field it is about.

Phone numbers are stored compact: an optional leading ``+`` and the digits, nothing else
("+63 (917) 555-0101" is stored as ``+639175550101``). One form per number keeps
comparisons and look-ups simple (the patient search matches digits anyway) and fits the
schema's 20 characters; :func:`display_phone` groups the digits again for reading. A
number needs 7 to 15 digits (15 is the longest international number, E.164); spaces,
dashes, dots, slashes and brackets may be typed between them, and letters may not (no
"ext. 12": the desk writes extensions in the notes).

Emails are stored stripped and lower-cased, as the user repository compares them.
"""

from __future__ import annotations

import re

from dcms_desktop.domain.errors import ValidationError

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_MAX_LENGTH = 64
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15

_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
_LOCAL_CHARACTERS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
_PHONE_SEPARATORS = " -.()/"
_EMAIL_EXAMPLE = "maria@example.com"


# -- names ------------------------------------------------------------------------------------
def clean_name(text: str | None, *, field: str, what: str) -> str:
    """A first or last name: required, spaces tidied, at most 100 characters, with at
    least one letter. ``what`` names it in messages ("first name")."""
    name = _SPACES.sub(" ", text or "").strip()
    if not name:
        raise ValidationError(f"Enter the {what}", field=field)
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"The {what} is too long (at most {NAME_MAX_LENGTH} characters)", field=field
        )
    if not _LETTER.search(name):
        raise ValidationError(f"The {what} needs at least one letter", field=field)
    return name


# -- email ------------------------------------------------------------------------------------
def clean_email(text: str | None, *, field: str = "email") -> str:
    """A required email address, checked for its shape and lower-cased."""
    email = (text or "").strip()
    if not email:
        raise ValidationError("Enter an email address", field=field)
    if any(c.isspace() for c in email):
        raise ValidationError("An email address has no spaces in it", field=field)
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"That email address is too long (at most {EMAIL_MAX_LENGTH} characters)",
            field=field,
        )
    if email.count("@") != 1:
        raise ValidationError(f"An email address has one @, like {_EMAIL_EXAMPLE}", field=field)
    local, domain = email.split("@")
    if not local:
        raise ValidationError(
            f"Something is missing before the @, like {_EMAIL_EXAMPLE}", field=field
        )
    if not domain:
        raise ValidationError(
            f"Something is missing after the @, like {_EMAIL_EXAMPLE}", field=field
        )
    _check_local_part(local, field)
    _check_domain(domain, field)
    return email.lower()


def is_valid_email(text: str | None) -> bool:
    try:
        clean_email(text)
    except ValidationError:
        return False
    return True


def _check_local_part(local: str, field: str) -> None:
    if len(local) > EMAIL_LOCAL_MAX_LENGTH:
        raise ValidationError("The part before the @ is too long", field=field)
    if not _LOCAL_CHARACTERS.fullmatch(local):
        bad = next(c for c in local if not _LOCAL_CHARACTERS.fullmatch(c))
        raise ValidationError(f"“{bad}” can't be in an email address", field=field)
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError(
            "Dots in an email address go between letters, never two in a row", field=field
        )


def _check_domain(domain: str, field: str) -> None:
    labels = domain.split(".")
    if len(labels) < 2:
        raise ValidationError(
            "The part after the @ is a domain with a dot, like example.com", field=field
        )
    if not all(_DOMAIN_LABEL.fullmatch(label) for label in labels[:-1]) or not (
        _TOP_LEVEL.fullmatch(labels[-1])
    ):
        raise ValidationError(
            f"The part after the @ doesn't look like a domain (example.com); check “{domain}”",
            field=field,
        )


# -- phones -----------------------------------------------------------------------------------
def clean_phone(
    text: str | None, *, field: str = "phone", what: str = "phone number"
) -> str | None:
    """An optional phone number: None when blank, else its compact stored form
    (``+`` and digits, see the module docstring)."""
    typed = (text or "").strip()
    if not typed:
        return None
    plus = typed.startswith("+")
    body = typed[1:] if plus else typed
    digits = []
    for char in body:
        if char.isdigit() and char.isascii():
            digits.append(char)
        elif char not in _PHONE_SEPARATORS:
            raise ValidationError(
                f"A {what} has only digits, spaces, dashes and brackets, and may start with +",
                field=field,
            )
    count = len(digits)
    if count < PHONE_MIN_DIGITS:
        raise ValidationError(
            f"That {what} is too short (at least {PHONE_MIN_DIGITS} digits)", field=field
        )
    if count > PHONE_MAX_DIGITS:
        raise ValidationError(
            f"That {what} is too long (at most {PHONE_MAX_DIGITS} digits)", field=field
        )
    return ("+" if plus else "") + "".join(digits)


def display_phone(stored: str | None) -> str:
    """A stored phone number grouped for reading: the last four digits, the three before,
    then threes, with a short head kept whole: ``+639175550101`` -> "+63 917 555 0101",
    ``09175550101`` -> "0917 555 0101". Anything not in the compact form (typed in before
    numbers were tidied) is shown as it is."""
    if not stored:
        return ""
    plus = stored.startswith("+")
    digits = stored[1:] if plus else stored
    if not digits.isdigit():
        return stored
    groups: list[str] = []
    rest = digits
    size = 4
    while len(rest) > 4:
        groups.insert(0, rest[-size:])
        rest = rest[:-size]
        size = 3
    if rest:
        groups.insert(0, rest)
    return ("+" if plus else "") + " ".join(groups)
