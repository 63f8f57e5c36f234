"""Read models of people: the signed-in actor, users, patients, staff.

``NewUser`` goes the other way: what a use case hands the user repository to store.
No read model here ever carries a password hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from dcms_desktop.domain.enums import Role


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
