"""Passwords for the clinic's PostgreSQL and Redis, kept in the OS keyring.

A URL without a password is completed from the keyring at start-up; nothing here ever
writes a secret to disk or to a log. A machine with no usable keyring backend raises
:class:`KeyringUnavailableError`, whose message the CLI and the connect dialog show.
"""

from __future__ import annotations

import contextlib
import logging

import keyring
from keyring.errors import KeyringError, NoKeyringError
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

SERVICE_NAME = "dcms-desktop"


class KeyringUnavailableError(Exception):
    """No keyring backend can store or read secrets on this machine."""


def _account(kind: str, user: str | None, host: str | None, port: int | None) -> str:
    return f"{kind}:{user or ''}@{host or 'localhost'}:{port or ''}"


def database_account(url: str) -> str:
    parsed = make_url(url)
    return _account("postgresql", parsed.username, parsed.host, parsed.port)


def redis_account(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return _account("redis", parts.username, parts.hostname, parts.port)


def _backend_usable() -> bool:
    backend = keyring.get_keyring()
    priority = getattr(backend, "priority", 1)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):  # some backends compute priority lazily
        return True


def store_password(account: str, password: str) -> None:
    """Save ``password`` for ``account`` in the OS keyring."""
    if not _backend_usable():
        raise KeyringUnavailableError(_NO_KEYRING)
    try:
        keyring.set_password(SERVICE_NAME, account, password)
    except (NoKeyringError, KeyringError) as exc:
        raise KeyringUnavailableError(_NO_KEYRING) from exc
    log.info("stored a password in the keyring for %s", account.split("@")[0])


def load_password(account: str) -> str | None:
    """The stored password for ``account``, or None (also when no keyring exists)."""
    if not _backend_usable():
        return None
    try:
        return keyring.get_password(SERVICE_NAME, account)
    except (NoKeyringError, KeyringError):
        log.warning("the OS keyring could not be read; continuing without a stored password")
        return None


def delete_password(account: str) -> None:
    with contextlib.suppress(NoKeyringError, KeyringError):
        keyring.delete_password(SERVICE_NAME, account)


def complete_database_url(url: str) -> str:
    """``url`` with its password from the keyring when it names a server and has none."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or parsed.password:
        return url
    password = load_password(database_account(url))
    if not password:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def complete_redis_url(url: str | None) -> str | None:
    """``url`` with its password from the keyring when it has none and one is stored."""
    if not url:
        return url
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        return url
    password = load_password(redis_account(url))
    if not password:
        return url
    user = quote(parts.username or "", safe="")
    host = parts.hostname or "localhost"
    netloc = f"{user}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact(url: str) -> str:
    """``url`` safe to show or log: any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not an SQLAlchemy URL (a Redis URL)
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        if not parts.password:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


_NO_KEYRING = (
    "No OS keyring is available on this machine, so the password cannot be stored "
    "safely. Install a keyring backend (for example GNOME Keyring or KWallet), or "
    "enter the password when asked at start-up."
)
