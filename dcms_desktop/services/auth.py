"""Signing in and out, the lock screen, one's own password, the clinic's first admin.

Who may sign in: an active staff member, dentist or admin whose account is not locked.
Unknown email, wrong password, locked account, deactivated account and patient account
all get the one :data:`SIGN_IN_MESSAGE` and take about the same time: the typed password
is checked against a dummy hash whenever there is no usable account to check it against,
and every attempt writes its audit row in a write transaction, so nothing in the answer
tells whether an email exists.

Five wrong passwords in a row (:data:`LOCK_AFTER`) lock the account for 15 minutes
(:data:`LOCK_FOR`); while locked, no password is even checked. A right password resets
the count and sets ``last_login``; a hash made with older parameters is replaced by one
made with the current ones (the only moment the password is at hand). Wrong passwords at
the lock screen and in "change my password" count too: a locked screen is exactly where
someone else might try guesses.

The password is checked outside any transaction (argon2 takes tens of milliseconds on
purpose), and the outcome recorded in a short write transaction afterwards that looks at
the account again, so a lock or a deactivation that lands in between still wins.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dcms_desktop.data import cache_keys
from dcms_desktop.data.repositories.users import Credentials, normalise_email
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError, DcmsError, NotFoundError, ValidationError
from dcms_desktop.domain.password_policy import check_new_password
from dcms_desktop.domain.permissions import Action, is_allowed, require
from dcms_desktop.domain.readmodels.people import Actor, NewUser, User
from dcms_desktop.services import audit, passwords
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.users import USER_ENTITY, clean_profile

log = logging.getLogger(__name__)

SIGN_IN_MESSAGE = (
    "The email or password is not right, or the account is locked or inactive. "
    "Ask an admin if this persists."
)
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
MAX_EMAIL_LENGTH = 255

# Audit actions and outcomes of this module.
SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
LOCK = "lock"
UNLOCK_SCREEN = "unlock_screen"
CHANGE_OWN_PASSWORD = Action.CHANGE_OWN_PASSWORD.value
CREATE_FIRST_ADMIN = "create_first_admin"
OK = "ok"
FAILED = "failed"
LOCKED = "locked"
INACTIVE = "inactive"
REFUSED = "refused"


class SignInError(DcmsError):
    """The sign-in was refused; the message never says why (see the module docstring)."""

    def __init__(self, message: str = SIGN_IN_MESSAGE) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class SignedIn:
    """What the shell keeps while someone is signed in."""

    actor: Actor
    user: User
    must_change_password: bool


@dataclass(frozen=True)
class _Checked:
    matches: bool
    really: bool
    """False when the password was only checked against the dummy hash."""


def actor_of(user: User) -> Actor:
    """The actor that a signed-in ``user`` passes to every use case."""
    return Actor(user_id=user.id, email=user.email, role=user.role, display_name=user.display_name)


def refusal(credentials: Credentials, now: datetime) -> str | None:
    """Why ``credentials`` can't sign in now (an audit outcome), or None when they may."""
    if not is_allowed(credentials.role, Action.SIGN_IN):
        return REFUSED
    if not credentials.is_active:
        return INACTIVE
    if credentials.is_locked(now):
        return LOCKED
    if not passwords.is_usable(credentials.password_hash):
        return REFUSED
    return None


class AuthService:
    """Signing in and out, the lock screen, and passwords of the signed-in user."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- before anyone is signed in ------------------------------------------------------
    def needs_first_admin(self) -> bool:
        """True while the clinic has no active admin: the app then offers to create one."""
        with self.context.uow(write=False) as uow:
            return not uow.users.active_admin_ids()

    def create_first_admin(
        self, *, email: str, first_name: str, last_name: str, password: str
    ) -> SignedIn:
        """Create the clinic's first admin and sign them in; ``ConflictError`` once an
        active admin exists (they create everyone else)."""
        profile = clean_profile(email=email, first_name=first_name, last_name=last_name)
        check_new_password(password, email=profile.email)
        password_hash = passwords.hash_password(password)
        now = self.context.now()
        with self.context.uow() as uow:
            if uow.users.active_admin_ids(lock=True):
                raise ConflictError("The clinic already has an admin: sign in instead.")
            user = uow.users.add_user(
                NewUser(
                    email=profile.email,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    role=Role.ADMIN,
                    password_hash=password_hash,
                )
            )
            uow.users.record_sign_in(user.id, at=now)
            actor = actor_of(user)
            audit.record(uow, actor, CREATE_FIRST_ADMIN, USER_ENTITY, user.id, at=now)
            audit.record(uow, actor, SIGN_IN, USER_ENTITY, user.id, at=now)
            signed_in = uow.users.get(user.id)
            uow.announce(USER_ENTITY, user.id, "created")
            uow.commit()
        assert signed_in is not None
        log.info("first admin %s created", user.id)
        return SignedIn(actor=actor, user=signed_in, must_change_password=False)

    def sign_in(self, email: str, password: str) -> SignedIn:
        """Sign in with email and password; ``SignInError`` when refused, for any reason."""
        typed = normalise_email(email)[:MAX_EMAIL_LENGTH]
        if "\x00" in typed:  # no email has one, and PostgreSQL can't even compare it
            typed = typed.replace("\x00", "")
            found = None
        else:
            with self.context.uow(write=False) as uow:
                found = uow.users.credentials_for(typed) if typed else None
        now = self.context.now()
        checked = self._check(found, password, now)
        new_hash = None
        if checked.matches and found and passwords.needs_rehash(found.password_hash):
            new_hash = passwords.hash_password(password)

        with self.context.uow() as uow:
            if found is None:
                _audit_attempt(uow, None, typed, SIGN_IN, FAILED, now, {"reason": "unknown email"})
                uow.commit()
                raise SignInError()
            current = uow.users.credentials_of(found.id, lock=True)
            if current is None:  # deleted between the two transactions
                _audit_attempt(uow, None, typed, SIGN_IN, FAILED, now, {"reason": "unknown email"})
                uow.commit()
                raise SignInError()
            refused = refusal(current, now) or (None if checked.really else refusal(found, now))
            if refused is not None:
                _audit_attempt(uow, current.id, current.email, SIGN_IN, refused, now)
                uow.commit()
                raise SignInError()
            if not checked.matches:
                self._count_failure(uow, current, SIGN_IN, now)
                uow.commit()
                raise SignInError()
            uow.users.record_sign_in(current.id, at=now, new_hash=new_hash)
            details = {"rehashed": True} if new_hash is not None else None
            _audit_attempt(uow, current.id, current.email, SIGN_IN, OK, now, details)
            user = uow.users.get(current.id)
            uow.commit()
        assert user is not None
        log.info("user %s signed in", user.id)
        return SignedIn(
            actor=actor_of(user),
            user=user,
            must_change_password=user.must_change_password,
        )

    def demo_credentials(self) -> dict[str, str] | None:
        """On a demo clinic only: one email per role and the shared password, for the
        sign-in screen to show: ``{"admin": …, "dentist": …, "staff": …, "password": …}``."""
        from dcms_desktop.services.demo import DEMO_PASSWORD

        with self.context.uow(write=False) as uow:
            settings = uow.settings.find()
            if settings is None or not settings.is_demo:
                return None
            staff = uow.users.list_staff()
        found: dict[str, str] = {}
        # The generator names its admin admin@…; otherwise the first of each role by name.
        for member in sorted(staff, key=lambda m: (not m.email.startswith("admin@"), m.email)):
            if member.is_active and member.role.value not in found:
                found[member.role.value] = member.email
        if not found:
            return None
        return found | {"password": DEMO_PASSWORD}

    # -- signed in -----------------------------------------------------------------------
    def sign_out(self, signed_in: SignedIn) -> None:
        """Record that the user signed out (the shell forgets ``signed_in``)."""
        actor = signed_in.actor
        now = self.context.now()
        with self.context.uow() as uow:
            audit.record(uow, actor, SIGN_OUT, USER_ENTITY, actor.user_id, at=now)
            uow.commit()
        log.info("user %s signed out", actor.user_id)

    def verify_password(self, signed_in: SignedIn, password: str) -> bool:
        """The lock screen: True when ``password`` is the signed-in user's and the account
        may still sign in. A wrong one counts towards the lock like a failed sign-in."""
        actor = signed_in.actor
        now = self.context.now()
        with self.context.uow(write=False) as uow:
            found = uow.users.credentials_of(actor.user_id)
        checked = self._check(found, password, now)
        with self.context.uow() as uow:
            current = uow.users.credentials_of(actor.user_id, lock=True)
            if current is None or found is None:
                return False
            refused = refusal(current, now) or (None if checked.really else refusal(found, now))
            if refused is not None:
                _audit_attempt(uow, current.id, current.email, UNLOCK_SCREEN, refused, now)
            elif checked.matches:
                uow.users.clear_failed_sign_ins(current.id, at=now)
                _audit_attempt(uow, current.id, current.email, UNLOCK_SCREEN, OK, now)
            else:
                self._count_failure(uow, current, UNLOCK_SCREEN, now)
            uow.commit()
        return checked.matches and refused is None

    def change_own_password(self, actor: Actor, *, current: str, new: str) -> None:
        """Change the actor's own password. ``ValidationError`` with ``field`` =
        ``"current_password"`` (not the current one; the account is locked) or
        ``"new_password"`` (the policy's reason, or the same as the current one)."""
        require(actor.role, Action.CHANGE_OWN_PASSWORD)
        if new == current:
            raise ValidationError(
                "Choose a new password different from the current one", field="new_password"
            )
        now = self.context.now()
        with self.context.uow(write=False) as uow:
            found = uow.users.credentials_of(actor.user_id)
        if found is None:
            raise NotFoundError("Your account no longer exists")
        try:
            check_new_password(new, email=found.email)
        except ValidationError as exc:
            raise ValidationError(exc.message, field="new_password") from None
        checked = self._check(found, current, now)
        new_hash = passwords.hash_password(new) if checked.matches else None

        with self.context.uow() as uow:
            account = uow.users.credentials_of(actor.user_id, lock=True)
            if account is None:
                raise NotFoundError("Your account no longer exists")
            refused = refusal(account, now) or (None if checked.really else refusal(found, now))
            if refused is None and new_hash is not None:
                uow.users.set_password(
                    account.id, new_hash, must_change=False, by=actor.user_id, at=now
                )
                audit.record(uow, actor, CHANGE_OWN_PASSWORD, USER_ENTITY, account.id, at=now)
                uow.drop_cache(cache_keys.user(account.email))
                uow.announce(USER_ENTITY, account.id, "updated")
                uow.commit()
                log.info("user %s changed their password", account.id)
                return
            if refused is not None:
                _audit_attempt(uow, account.id, account.email, CHANGE_OWN_PASSWORD, refused, now)
            else:
                failure = self._count_failure(uow, account, CHANGE_OWN_PASSWORD, now)
                refused = LOCKED if failure else None
            uow.commit()
        if refused == LOCKED:
            raise ValidationError(
                "Your account is locked after too many wrong passwords; try again later or "
                "ask an admin to unlock it.",
                field="current_password",
            )
        if refused is not None:
            raise ValidationError("Your account can't sign in any more", field="current_password")
        raise ValidationError("That is not your current password", field="current_password")

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _check(found: Credentials | None, password: str, now: datetime) -> _Checked:
        """Verify ``password``, against a dummy hash when there is no usable account, so
        that every refusal costs one argon2 verification."""
        if found is None or refusal(found, now) is not None:
            return _Checked(matches=passwords.verify_dummy(password), really=False)
        return _Checked(passwords.verify_password(found.password_hash, password), really=True)

    @staticmethod
    def _count_failure(uow: UnitOfWork, account: Credentials, action: str, now: datetime) -> bool:
        """Count a wrong password and audit it (and the lock it causes); True when the
        account is now locked."""
        failure = uow.users.record_failed_sign_in(
            account.id, at=now, lock_after=LOCK_AFTER, lock_for=LOCK_FOR
        )
        _audit_attempt(
            uow, account.id, account.email, action, FAILED, now, {"attempts": failure.attempts}
        )
        if failure.newly_locked:
            assert failure.locked_until is not None
            _audit_attempt(
                uow,
                account.id,
                account.email,
                LOCK,
                OK,
                now,
                {"attempts": failure.attempts, "until": failure.locked_until.isoformat()},
            )
            log.warning("user %s locked after %d failed sign-ins", account.id, failure.attempts)
        return failure.locked_until is not None and failure.locked_until > now


def _audit_attempt(
    uow: UnitOfWork,
    user_id: uuid.UUID | None,
    email: str,
    action: str,
    outcome: str,
    at: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit row about an account (or a typed email nobody has) without an actor: the
    attempt is not yet anyone's action."""
    uow.audit.record(
        user_id,
        email or None,
        uow.workstation,
        action,
        USER_ENTITY,
        user_id,
        outcome,
        details,
        at=at,
    )
