"""Password hashing: argon2id with the OWASP minimum parameters, stored as a PHC string.

``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>``: the string carries its own parameters,
so hashes made with other parameters (older, weaker ones; argon2i) still verify after these
change, and :func:`needs_rehash` tells the sign-in to replace them. Hashing takes tens
of milliseconds on purpose; a job that needs one password for many accounts (the demo
clinic) hashes it once and reuses the string.

A sign-in for an email nobody has, or for an account that can't sign in, still verifies
the typed password against a dummy hash (:func:`verify_dummy`), so it takes as long as a
wrong password and its timing does not tell which emails exist.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MEMORY_COST_KIB = 19_456
TIME_COST = 2
PARALLELISM = 1

UNUSABLE_PASSWORD = "!unusable"
"""The ``password_hash`` of an account that can never sign in with a password (patients).

No PHC string starts with ``!``, so nothing verifies against it.
"""

_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (with a fresh random salt)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for an unusable or damaged
    hash as well as for a wrong password (never raises for those)."""
    if not password_hash or password_hash.startswith("!"):
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def is_usable(password_hash: str) -> bool:
    """False for :data:`UNUSABLE_PASSWORD` and anything else that can never verify."""
    return bool(password_hash) and not password_hash.startswith("!")


def needs_rehash(password_hash: str) -> bool:
    """True when ``password_hash`` is usable but was made with other parameters (or another
    argon2 variant) than :func:`hash_password` uses now: re-hash it at the next successful
    sign-in, the one moment the password itself is at hand."""
    if not is_usable(password_hash):
        return False
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False


_DUMMY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$lBMO5UPmyIsQ6IiuIR0txw"
    "$ySs4HZ5vhm2TQVSatO0CSYh9cuHvoeXpYG2RDFrjonY"
)
"""A hash of a random secret nobody kept, made with the current parameters."""


@cache
def _dummy_hash() -> str:
    if needs_rehash(_DUMMY_HASH):  # the parameters changed: make one like the new hashes
        return _HASHER.hash(secrets.token_urlsafe(24))
    return _DUMMY_HASH


def verify_dummy(password: str) -> bool:
    """Spend as long as :func:`verify_password` on a current hash, and return False."""
    verify_password(_dummy_hash(), password)
    return False
