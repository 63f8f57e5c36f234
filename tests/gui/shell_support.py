"""A stand-in for the auth service's API, for screen tests that need to control timing or
outcomes (a slow sign-in, a database that does not answer). End-to-end tests of each
flow use the real services on a real database instead.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError, DcmsError, ValidationError
from dcms_desktop.domain.readmodels.people import Actor, User

GENERIC = (
    "The email or password is not right, or the account is locked or inactive. "
    "Ask an admin if this persists."
)


def make_user(
    first: str = "Ana",
    last: str = "Reyes",
    role: Role = Role.ADMIN,
    email: str | None = None,
    must_change_password: bool = False,
) -> User:
    now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    return User(
        id=uuid.uuid4(),
        email=email or f"{first.lower()}.{last.lower()}@clinic.example",
        first_name=first,
        last_name=last,
        role=role,
        phone=None,
        date_of_birth=None,
        address=None,
        emergency_contact=None,
        emergency_phone=None,
        medical_history=None,
        is_active=True,
        is_email_verified=True,
        must_change_password=must_change_password,
        last_login=None,
        version=1,
        created_at=now,
        updated_at=now,
    )


@dataclass(frozen=True)
class FakeSignedIn:
    actor: Actor
    user: User
    must_change_password: bool


def signed_in_as(user: User) -> FakeSignedIn:
    actor = Actor(user.id, user.email, user.role, user.display_name)
    return FakeSignedIn(actor, user, user.must_change_password)


class SignInRefusedError(DcmsError):
    pass


@dataclass
class FakeAuth:
    """The AuthService API over a dict of accounts; ``delay`` seconds per password check."""

    accounts: dict[str, tuple[User, str]] = field(default_factory=dict)
    delay: float = 0.0
    first_admin_needed: bool = False
    demo: dict[str, str] | None = None
    fail_with: BaseException | None = None
    calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, user: User, password: str) -> User:
        self.accounts[user.email] = (user, password)
        return user

    def _check(self) -> None:
        time.sleep(self.delay)
        if self.fail_with is not None:
            raise self.fail_with

    def needs_first_admin(self) -> bool:
        return self.first_admin_needed

    def create_first_admin(self, *, email, first_name, last_name, password) -> FakeSignedIn:
        self._check()
        if not self.first_admin_needed:
            raise ConflictError("An admin exists already.")
        if email in self.accounts:
            raise ConflictError("That email is taken.", field="email")
        user = self.add(make_user(first_name, last_name, Role.ADMIN, email), password)
        self.first_admin_needed = False
        return signed_in_as(user)

    def sign_in(self, email: str, password: str) -> FakeSignedIn:
        with self._lock:
            self.calls.append(f"sign_in {email}")
        self._check()
        found = self.accounts.get(email)
        if found is None or found[1] != password or found[0].role is Role.PATIENT:
            raise SignInRefusedError(GENERIC)
        return signed_in_as(found[0])

    def sign_out(self, signed_in: FakeSignedIn) -> None:
        with self._lock:
            self.calls.append(f"sign_out {signed_in.user.email}")

    def verify_password(self, signed_in: FakeSignedIn, password: str) -> bool:
        self._check()
        with self._lock:
            self.calls.append(f"verify {signed_in.user.email}")
        return self.accounts[signed_in.user.email][1] == password

    def change_own_password(self, actor: Actor, *, current: str, new: str) -> None:
        self._check()
        user, password = self.accounts[actor.email]
        if current != password:
            raise ValidationError("Your current password is not right.", field="current_password")
        if new == current:
            raise ValidationError("Choose a password you haven't used.", field="new_password")
        self.accounts[actor.email] = (user, new)

    def demo_credentials(self) -> dict[str, str] | None:
        return self.demo


# -- a real demo clinic -------------------------------------------------------------------------
def make_demo_template(folder: Path) -> Path:
    """A migrated SQLite file holding the tiny demo clinic (about a second to make)."""
    from dcms_desktop.data import migrate
    from dcms_desktop.data.engine import create_database
    from dcms_desktop.services.demo import generate_demo

    path = folder / "demo-template.db"
    database = create_database(f"sqlite:///{path}")
    migrate.upgrade(database.engine)
    generate_demo(database, "tiny", seed=3)
    database.dispose()
    return path


def copy_clinic(template: Path, folder: Path) -> str:
    """A fresh copy of ``template`` in ``folder``; its SQLite URL."""
    path = folder / "clinic.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def settings_for(url: str, folder: Path, *, demo: bool = False):
    """App settings on ``url`` with data and config (window memory) under ``folder``."""
    from dcms_desktop.config import load_settings

    env = {
        "DCMS_DATA_DIR": str(folder / "data"),
        "DCMS_CONFIG_DIR": str(folder / "config"),
        "DCMS_DATABASE_URL": url,
        "DCMS_WORKSTATION": "front-desk-1",
    }
    return load_settings(env, demo=demo)
