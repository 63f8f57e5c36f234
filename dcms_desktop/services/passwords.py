"""Password hashing: argon2id with the OWASP minimum parameters, stored as a PHC string.

``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>``: the string carries its own parameters,
so hashes made with other parameters still verify after these change. Hashing takes tens
of milliseconds on purpose; a job that needs one password for many accounts (the demo
clinic) hashes it once and reuses the string.
"""

from __future__ import annotations

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
