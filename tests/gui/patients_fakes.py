"""A small stand-in for our own PatientService (not for a database), for widget tests.

It follows the service API of ISSUE4_CONTRACT.md and the real rules where the widgets
depend on them (``domain/contact`` validation, optimistic locking, duplicates by email or
name and birth date). Tests can slow a search down (``delays``) to make an old search
finish after a newer one, and count the calls each method got.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any

from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType, Role
from dcms_desktop.domain.errors import NotFoundError, StaleRecordError
from dcms_desktop.domain.medical import medical_alerts
from dcms_desktop.domain.readmodels.people import Actor, PatientHit, PatientPage, User
from dcms_desktop.domain.readmodels.reports import PatientSummary
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.services.patients import PatientFormError, clean_patient_form

DESK = Actor(uuid.uuid4(), "desk@clinic.test", Role.STAFF, "Rosa Cruz")
TODAY = date(2030, 3, 4)


def make_user(
    first_name: str,
    last_name: str,
    *,
    email: str | None = None,
    phone: str | None = "09175550101",
    born: date | None = date(1984, 3, 2),
    medical_history: str | None = None,
    version: int = 1,
) -> User:
    moment = datetime(2029, 1, 15, 9, 30, tzinfo=UTC)
    return User(
        id=uuid.uuid4(),
        email=email or f"{first_name}.{last_name}@example.com".lower(),
        first_name=first_name,
        last_name=last_name,
        role=Role.PATIENT,
        phone=phone,
        date_of_birth=born,
        address="12 Rizal Street, Makati",
        emergency_contact="Jose Santos (husband)",
        emergency_phone="09175550199",
        medical_history=medical_history,
        is_active=True,
        is_email_verified=False,
        must_change_password=False,
        last_login=None,
        version=version,
        created_at=moment,
        updated_at=moment,
    )


def entry(
    patient: User,
    day: date,
    start: str,
    status: AppointmentStatus,
    *services: str,
    kind: AppointmentType = AppointmentType.REGULAR,
) -> ScheduleEntry:
    return ScheduleEntry(
        id=uuid.uuid4(),
        date=day,
        time=clock.fromisoformat(start),
        duration=45,
        status=status,
        type=kind,
        patient_id=patient.id,
        patient_name=patient.full_name,
        patient_phone=patient.phone,
        dentist_id=uuid.uuid4(),
        dentist_first_name="Ana",
        dentist_last_name="Reyes",
        reason=None,
        version=1,
        service_names=services,
    )


def hit_of(user: User) -> PatientHit:
    return PatientHit(
        user.id, user.first_name, user.last_name, user.email, user.phone, user.date_of_birth
    )


@dataclass
class FakePatients:
    """PatientService's API over a dict of users."""

    users: dict[uuid.UUID, User] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    """Search text -> seconds that search takes."""
    calls: dict[str, int] = field(default_factory=dict)
    entries: dict[uuid.UUID, tuple[tuple[ScheduleEntry, ...], tuple[ScheduleEntry, ...]]] = field(
        default_factory=dict
    )
    searched: list[tuple[str, int]] = field(default_factory=list)
    fail_next_save: Exception | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *users: User) -> None:
        for user in users:
            self.users[user.id] = user

    def _count(self, name: str) -> None:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1

    # -- reading ---------------------------------------------------------------------------
    def search(self, actor: Actor, text: str, limit: int = 20) -> tuple[PatientHit, ...]:
        self._count("search")
        with self.lock:
            self.searched.append((text, limit))
        time.sleep(self.delays.get(text, 0.0))
        typed = text.strip().lower()
        found = [
            u
            for u in self.users.values()
            if u.first_name.lower().startswith(typed)
            or u.last_name.lower().startswith(typed)
            or u.full_name.lower().startswith(typed)
            or u.email.startswith(typed)
        ]
        found.sort(key=lambda u: (u.last_name.lower(), u.first_name.lower(), str(u.id)))
        return tuple(hit_of(u) for u in found[: min(limit, 100)])

    def get(self, actor: Actor, patient_id: uuid.UUID) -> User:
        self._count("get")
        try:
            return self.users[patient_id]
        except KeyError:
            raise NotFoundError("That patient no longer exists") from None

    def patient_page(self, actor: Actor, patient_id: uuid.UUID) -> PatientPage:
        self._count("patient_page")
        user = self.get(actor, patient_id)
        upcoming, past = self.entries.get(patient_id, ((), ()))
        completed = [e for e in past if e.status is AppointmentStatus.COMPLETED]
        summary = PatientSummary(
            patient_id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            phone=user.phone,
            total_appointments=len(upcoming) + len(past),
            completed_appointments=len(completed),
            last_visit=max((e.date for e in completed), default=None),
            total_billed=Decimal("1250.00"),
            total_paid=Decimal("1000.00"),
        )
        return PatientPage(user, summary, upcoming, past, medical_alerts(user.medical_history))

    # -- checking --------------------------------------------------------------------------
    def validate(self, form: Any) -> dict[str, str]:
        """The real service's rules (they read no database), on the fake's "today"."""
        try:
            clean_patient_form(form, TODAY)
        except PatientFormError as exc:
            return exc.errors
        return {}

    def possible_duplicates(
        self, actor: Actor, form: Any, exclude_id: uuid.UUID | None = None
    ) -> tuple[PatientHit, ...]:
        self._count("possible_duplicates")
        email = form.email.strip().lower()
        first, last = form.first_name.strip().lower(), form.last_name.strip().lower()
        return tuple(
            hit_of(u)
            for u in self.users.values()
            if u.id != exclude_id
            and (
                u.email == email
                or (
                    (u.first_name.lower(), u.last_name.lower()) == (first, last)
                    and u.date_of_birth == form.date_of_birth
                )
            )
        )

    # -- writing ---------------------------------------------------------------------------
    def _raise_planned_failure(self) -> None:
        failure, self.fail_next_save = self.fail_next_save, None
        if failure is not None:
            raise failure

    def _values(self, form: Any) -> dict[str, Any]:
        return clean_patient_form(form, TODAY)

    def create_patient(self, actor: Actor, form: Any) -> User:
        self._count("create_patient")
        self._raise_planned_failure()
        user = replace(make_user("x", "y"), id=uuid.uuid4(), **self._values(form))
        self.add(user)
        return user

    def update_patient(
        self, actor: Actor, patient_id: uuid.UUID, form: Any, *, expected_version: int
    ) -> User:
        self._count("update_patient")
        self._raise_planned_failure()
        current = self.get(actor, patient_id)
        if current.version != expected_version:
            raise StaleRecordError(
                f"{current.full_name} was changed by someone else",
                changed_by="Luis Garcia",
                changed_at=current.updated_at,
            )
        user = replace(
            current,
            version=current.version + 1,
            updated_at=current.updated_at + timedelta(minutes=5),
            **self._values(form),
        )
        self.add(user)
        return user

    def someone_else_saves(self, patient_id: uuid.UUID, **changes: Any) -> User:
        """Another workstation saves the patient (bumps the version)."""
        current = self.users[patient_id]
        user = replace(
            current,
            version=current.version + 1,
            updated_at=datetime(2030, 3, 4, 10, 42, tzinfo=UTC),
            **changes,
        )
        self.add(user)
        return user
