"""Read models of people: the signed-in actor, users, patients, staff.

``NewUser`` goes the other way: what a use case hands the user repository to store.
No read model here ever carries a password hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from dcms_desktop.domain.enums import Role

if TYPE_CHECKING:
    from dcms_desktop.domain.readmodels.reports import PatientSummary
    from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry


def full_name(first_name: str, last_name: str) -> str:
    """ "Maria Santos"."""
    return f"{first_name} {last_name}".strip()


def dentist_title(last_name: str) -> str:
    """How the desk names a dentist: "Dr Reyes"."""
    return f"Dr {last_name}"


@dataclass(frozen=True)
class Actor:
    """Who is doing something: passed to every service use case."""

    user_id: uuid.UUID
    email: str
    role: Role
    display_name: str


@dataclass(frozen=True)
class User:
    """A user's profile: a patient, a staff member, a dentist or an admin."""

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: Role
    phone: str | None
    date_of_birth: date | None
    address: str | None
    emergency_contact: str | None
    emergency_phone: str | None
    medical_history: str | None
    is_active: bool
    is_email_verified: bool
    must_change_password: bool
    last_login: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        """ "Dr Reyes" for a dentist, the full name for everyone else."""
        if self.role is Role.DENTIST:
            return dentist_title(self.last_name)
        return self.full_name


@dataclass(frozen=True)
class PatientHit:
    """One line of the patient search: enough to tell two Maria Santoses apart."""

    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str | None
    date_of_birth: date | None
    is_active: bool = True

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)


@dataclass(frozen=True)
class StaffMember:
    """Someone who works at the clinic (staff, dentist or admin), as lists show them."""

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: Role
    phone: str | None
    is_active: bool

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        """ "Dr Reyes" for a dentist, the full name for everyone else."""
        if self.role is Role.DENTIST:
            return dentist_title(self.last_name)
        return self.full_name


@dataclass(frozen=True)
class NewUser:
    """A user to store. ``password_hash`` is already hashed (argon2); the repository
    stores it and never hands it back in a read model."""

    email: str
    first_name: str
    last_name: str
    role: Role
    password_hash: str
    phone: str | None = None
    date_of_birth: date | None = None
    address: str | None = None
    emergency_contact: str | None = None
    emergency_phone: str | None = None
    medical_history: str | None = None
    is_active: bool = True
    is_email_verified: bool = False
    must_change_password: bool = False


@dataclass(frozen=True)
class UserAccount:
    """A row of the admin's user list: a staff member, dentist or admin with the state of
    their account (never the password hash).

    ``as_of`` is when it was read (the service's clock); :attr:`lock_state` compares the
    lock with it, or with the current time when it is not given.
    """

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    phone: str | None
    failed_login_attempts: int
    locked_until: datetime | None
    last_login: datetime | None
    must_change_password: bool
    version: int
    updated_at: datetime
    updated_by_name: str | None
    as_of: datetime | None = None

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        """ "Dr Reyes" for a dentist, the full name for everyone else."""
        if self.role is Role.DENTIST:
            return dentist_title(self.last_name)
        return self.full_name

    @property
    def is_locked(self) -> bool:
        """True while too many failed sign-ins keep the account shut."""
        if self.locked_until is None:
            return False
        now = self.as_of or datetime.now(UTC)
        return self.locked_until > now

    @property
    def lock_state(self) -> str:
        """Why the account can't sign in, for the admin's list: "" when it can,
        "Deactivated", or "Locked until 14:35 (5 failed sign-ins)" (local time)."""
        if not self.is_active:
            return "Deactivated"
        if not self.is_locked or self.locked_until is None:
            return ""
        until = self.locked_until.astimezone()
        now = (self.as_of or datetime.now(UTC)).astimezone()
        when = f"{until:%H:%M}" if until.date() == now.date() else f"{until:%H:%M} on {until:%d %b}"
        attempts = self.failed_login_attempts
        return f"Locked until {when} ({attempts} failed sign-in{'' if attempts == 1 else 's'})"


@dataclass(frozen=True)
class PatientPage:
    """Everything the patient page shows, read in one go.

    ``summary`` is the ``patient_summary`` view's row (visits, last visit, billed, paid;
    ``summary.outstanding`` is the balance). ``upcoming`` are the visits not over yet,
    soonest first; ``past`` the rest, latest first (at most the latest
    ``PAST_VISITS_SHOWN`` of the service). ``alerts`` come from the medical history
    (:func:`dcms_desktop.domain.medical.medical_alerts`).
    """

    user: User
    summary: PatientSummary
    upcoming: tuple[ScheduleEntry, ...]
    past: tuple[ScheduleEntry, ...]
    alerts: tuple[str, ...]
