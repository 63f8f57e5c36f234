"""User accounts: the admin's list, creating, editing, deactivating, unlocking, resetting.

Every use case here is an admin's (``manage_users``), except :meth:`UserService.create_user`
called without an actor: that is the ``dcms user create`` command, run by whoever holds
the database. Patients are not managed here: they are registered at the front desk and
never sign in at a workstation.

Rules:

- emails are unique whatever their case; names are required; a password follows
  :mod:`dcms_desktop.domain.password_policy`;
- the last active admin can't be deactivated or demoted (``ValidationError`` on
  ``is_active`` or ``role``), and no admin can deactivate their own account; the check
  holds the admins' rows (see ``UserRepository.active_admin_ids``), so two admins demoting
  each other at the same moment can't both succeed;
- an edit names the version it was made on: if someone saved the user in between, it is
  refused with who and when (``StaleRecordError``), as the settings are;
- a reset password is temporary: the user must choose their own at the next sign-in.

Every change is audited in its own transaction, drops the user's cache entry and
announces ``user <id> updated`` after the commit.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dcms_desktop.data import cache_keys
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import NotFoundError, ValidationError
from dcms_desktop.domain.password_policy import check_new_password
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.people import Actor, NewUser, User, UserAccount
from dcms_desktop.services import audit, passwords
from dcms_desktop.services.context import ServiceContext

__all__ = ["USER_ENTITY", "Profile", "UserAccount", "UserService", "clean_profile"]

log = logging.getLogger(__name__)

USER_ENTITY = "user"
UPDATED = "updated"
STAFF_ROLES = (Role.STAFF, Role.DENTIST, Role.ADMIN)
MAX_EMAIL = 255
MAX_NAME = 100
MAX_PHONE = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Profile:
    """A user's profile fields, checked and tidied."""

    email: str
    first_name: str
    last_name: str
    phone: str | None = None


def clean_profile(
    *, email: str, first_name: str, last_name: str, phone: str | None = None
) -> Profile:
    """The profile fields checked and tidied; ``ValidationError`` names the bad field."""
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise ValidationError("Enter an email address like ana.reyes@clinic.ph", field="email")
    if len(email) > MAX_EMAIL:
        raise ValidationError(f"An email has at most {MAX_EMAIL} characters", field="email")
    names = {}
    for field, value, what in (
        ("first_name", first_name, "first name"),
        ("last_name", last_name, "last name"),
    ):
        text = " ".join((value or "").split())
        if not text:
            raise ValidationError(f"Enter the {what}", field=field)
        if len(text) > MAX_NAME:
            raise ValidationError(f"A {what} has at most {MAX_NAME} characters", field=field)
        names[field] = text
    phone = (phone or "").strip() or None
    if phone is not None and len(phone) > MAX_PHONE:
        raise ValidationError(f"A phone number has at most {MAX_PHONE} characters", field="phone")
    return Profile(email=email, phone=phone, **names)


def _staff_role(role: Role | str) -> Role:
    try:
        chosen = Role(role)
    except ValueError:
        chosen = Role.PATIENT
    if chosen not in STAFF_ROLES:
        raise ValidationError(
            "Choose staff, dentist or admin; patients are added from the Patients section",
            field="role",
        )
    return chosen


class UserService:
    """The admin's management of user accounts."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- reading ---------------------------------------------------------------------------
    def list_accounts(self, actor: Actor) -> list[UserAccount]:
        """Staff, dentists and admins with their account state, by last and first name."""
        require(actor.role, Action.MANAGE_USERS)
        now = self.context.now()
        with self.context.uow(write=False) as uow:
            return uow.users.accounts(as_of=now)

    def get_account(self, actor: Actor, user_id: uuid.UUID) -> UserAccount:
        """One account as the list shows it; ``NotFoundError`` for a patient or nobody."""
        require(actor.role, Action.MANAGE_USERS)
        with self.context.uow(write=False) as uow:
            return _account(uow, user_id, self.context.now())

    # -- changing --------------------------------------------------------------------------
    def create_user(
        self,
        actor: Actor | None,
        *,
        email: str,
        role: Role,
        first_name: str,
        last_name: str,
        password: str,
        phone: str | None = None,
    ) -> User:
        """A new staff member, dentist or admin who signs in with ``password``.

        ``actor`` None is the ``dcms user create`` command. ``ConflictError`` when the
        email is taken (in any case)."""
        if actor is not None:
            require(actor.role, Action.MANAGE_USERS)
        chosen = _staff_role(role)
        profile = clean_profile(
            email=email, first_name=first_name, last_name=last_name, phone=phone
        )
        check_new_password(password, email=profile.email)
        password_hash = passwords.hash_password(password)
        now = self.context.now()
        with self.context.uow() as uow:
            user = uow.users.add_user(
                NewUser(
                    email=profile.email,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    role=chosen,
                    password_hash=password_hash,
                    phone=profile.phone,
                ),
                created_by=None if actor is None else actor.user_id,
            )
            details: dict[str, Any] = {"email": user.email, "role": chosen.value}
            if actor is None:
                details["via"] = "dcms command"
            audit.record(uow, actor, "create_user", USER_ENTITY, user.id, at=now, details=details)
            uow.drop_cache(cache_keys.user(user.email))
            uow.announce(USER_ENTITY, user.id, "created")
            uow.commit()
        log.info("user %s created (%s)", user.id, chosen.value)
        return user

    def update_user(
        self,
        actor: Actor,
        user_id: uuid.UUID,
        *,
        expected_version: int,
        email: str,
        first_name: str,
        last_name: str,
        phone: str | None,
        role: Role,
    ) -> UserAccount:
        """Save a profile edited from ``expected_version`` (see the module's rules)."""
        require(actor.role, Action.MANAGE_USERS)
        chosen = _staff_role(role)
        profile = clean_profile(
            email=email, first_name=first_name, last_name=last_name, phone=phone
        )
        now = self.context.now()
        with self.context.uow() as uow:
            before = _account(uow, user_id, now)
            if before.version != expected_version:
                raise uow.users.stale_error(user_id)
            if before.role is Role.ADMIN and chosen is not Role.ADMIN and before.is_active:
                _keep_an_admin(uow, before, field="role")
            changed = uow.users.update_profile(
                user_id,
                expected_version,
                email=profile.email,
                first_name=profile.first_name,
                last_name=profile.last_name,
                phone=profile.phone,
                role=chosen,
                by=actor.user_id,
                at=now,
            )
            if not changed:
                return before
            after = _account(uow, user_id, now)
            audit.record(
                uow,
                actor,
                "update_user",
                USER_ENTITY,
                user_id,
                at=now,
                details={"changed": changed, "version": after.version}
                | ({"role": [before.role.value, chosen.value]} if "role" in changed else {}),
            )
            self._changed(uow, before, after)
            uow.commit()
        return after

    def set_active(
        self, actor: Actor, user_id: uuid.UUID, active: bool, *, expected_version: int
    ) -> UserAccount:
        """Deactivate (``active=False``) or reactivate a user read at ``expected_version``.
        A deactivated user can't sign in; their history stays."""
        require(actor.role, Action.MANAGE_USERS)
        now = self.context.now()
        with self.context.uow() as uow:
            before = _account(uow, user_id, now)
            if before.version != expected_version:
                raise uow.users.stale_error(user_id)
            if not active and before.is_active:
                if user_id == actor.user_id:
                    raise ValidationError(
                        "You can't deactivate your own account; ask another admin",
                        field="is_active",
                    )
                if before.role is Role.ADMIN:
                    _keep_an_admin(uow, before, field="is_active")
            if not uow.users.set_active(
                user_id, active, expected_version, by=actor.user_id, at=now
            ):
                return before
            after = _account(uow, user_id, now)
            action = "activate_user" if active else "deactivate_user"
            audit.record(
                uow, actor, action, USER_ENTITY, user_id, at=now, details={"version": after.version}
            )
            self._changed(uow, before, after)
            uow.commit()
        return after

    def unlock(self, actor: Actor, user_id: uuid.UUID) -> UserAccount:
        """Lift the lock of failed sign-ins (and forget them) before the 15 minutes end."""
        require(actor.role, Action.MANAGE_USERS)
        now = self.context.now()
        with self.context.uow() as uow:
            before = _account(uow, user_id, now)
            uow.users.unlock(user_id, by=actor.user_id, at=now)
            after = _account(uow, user_id, now)
            audit.record(
                uow,
                actor,
                "unlock_user",
                USER_ENTITY,
                user_id,
                at=now,
                details={
                    "failed_login_attempts": before.failed_login_attempts,
                    "locked_until": None
                    if before.locked_until is None
                    else before.locked_until.isoformat(),
                },
            )
            self._changed(uow, before, after)
            uow.commit()
        return after

    def reset_password(
        self, actor: Actor, user_id: uuid.UUID, temporary_password: str
    ) -> UserAccount:
        """Give the user a temporary password (told to them by the admin) that they must
        replace at their next sign-in; it also lifts a lock. The temporary password
        follows the policy (``ValidationError`` on ``password``)."""
        require(actor.role, Action.MANAGE_USERS)
        now = self.context.now()
        with self.context.uow(write=False) as uow:
            target = _account(uow, user_id, now)
        check_new_password(temporary_password, email=target.email)
        password_hash = passwords.hash_password(temporary_password)
        with self.context.uow() as uow:
            before = _account(uow, user_id, now)
            uow.users.set_password(
                user_id, password_hash, must_change=True, by=actor.user_id, at=now
            )
            after = _account(uow, user_id, now)
            audit.record(uow, actor, "reset_password", USER_ENTITY, user_id, at=now)
            self._changed(uow, before, after)
            uow.commit()
        log.info("password of user %s reset by %s", user_id, actor.user_id)
        return after

    @staticmethod
    def _changed(uow: UnitOfWork, before: UserAccount, after: UserAccount) -> None:
        uow.drop_cache(cache_keys.user(before.email), cache_keys.user(after.email))
        uow.announce(USER_ENTITY, after.id, UPDATED)


def _account(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> UserAccount:
    account = uow.users.account(user_id, as_of=now)
    if account is None or account.role not in STAFF_ROLES:
        raise NotFoundError("That user no longer exists")
    return account


def _keep_an_admin(uow: UnitOfWork, target: UserAccount, *, field: str) -> None:
    """Refuse to take away the clinic's last active admin."""
    admins = uow.users.active_admin_ids(lock=True)
    if target.id in admins and len(admins) <= 1:
        doing = "demoted" if field == "role" else "deactivated"
        raise ValidationError(
            f"{target.full_name} is the clinic's last active admin and can't be {doing}; "
            "make someone else an admin first",
            field=field,
        )
