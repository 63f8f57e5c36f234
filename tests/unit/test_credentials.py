"""Passwords go to the keyring, never to the config file, and are completed from it."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from dcms_desktop import credentials


def test_database_url_without_password_is_completed_from_the_keyring() -> None:
    url = "postgresql+psycopg://dcms@clinic-server:5432/dcms"
    credentials.store_password(credentials.database_account(url), "s3cret/with@chars")
    completed = credentials.complete_database_url(url)
    assert "s3cret" in completed
    assert credentials.redact(completed) == "postgresql+psycopg://dcms:***@clinic-server:5432/dcms"


def test_url_with_a_password_is_left_alone() -> None:
    url = "postgresql+psycopg://dcms:given@clinic-server/dcms"
    credentials.store_password(credentials.database_account(url), "other")
    assert credentials.complete_database_url(url) == url


def test_sqlite_urls_never_ask_the_keyring() -> None:
    assert credentials.complete_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_redis_url_is_completed_and_redacted() -> None:
    url = "rediss://default@cache.example:6380/0"
    credentials.store_password(credentials.redis_account(url), "p@ss word")
    completed = credentials.complete_redis_url(url)
    assert completed == "rediss://default:p%40ss%20word@cache.example:6380/0"
    assert "p%40ss" not in credentials.redact(completed or "")


def test_missing_keyring_backend_gives_a_clear_error_not_a_traceback() -> None:
    keyring.set_keyring(FailKeyring())
    with pytest.raises(credentials.KeyringUnavailableError, match="No OS keyring"):
        credentials.store_password("postgresql:dcms@host:5432", "x")
    # Reading just finds nothing, so start-up goes on and asks for the password.
    assert credentials.load_password("postgresql:dcms@host:5432") is None
