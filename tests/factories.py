"""Test data: plain functions that insert rows through the ORM models.

Each ``make_*`` takes an open ``Session`` (``uow.session``, or one from
:func:`write_session`), adds the row, flushes, and returns the ORM object, whose ``id``
the test then uses. Every argument has a believable default and any column can be
overridden by keyword::

    with write_session(database) as session:
        dentist = make_dentist(session, last_name="Reyes")
        patient = make_patient(session, first_name="Maria", last_name="Santos")
        filling = make_service(session, name="Filling", pricing_model="Per Tooth")
        make_appointment(session, patient=patient, dentist=dentist,
                         start=datetime(2030, 3, 5, 10, 0), duration=45,
                         services=[(filling, [16, 17])])

The ``clinic_clock`` helpers give a ServiceContext a fixed "now".
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import (
    Appointment,
    AppointmentService,
    Service,
    ToothChart,
    ToothTreatment,
    User,
)
from dcms_desktop.data.types import utcnow
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.readmodels.people import Actor, dentist_title, full_name
from dcms_desktop.services import passwords
from dcms_desktop.services.passwords import UNUSABLE_PASSWORD

FIRST_NAMES = ("Maria", "Jose", "Ana", "Luis", "Carmen", "Pedro", "Rosa", "Miguel", "Elena")
LAST_NAMES = ("Santos", "Reyes", "Cruz", "Garcia", "Mendoza", "Torres", "Flores", "Ramos")

# Fixed "now" for service tests: Monday 4 March 2030, 11:00 on the clinic's wall clock.
CLINIC_NOW = datetime(2030, 3, 4, 11, 0)

_serial = itertools.count(1)


def clinic_clock(local: datetime = CLINIC_NOW) -> Callable[[], datetime]:
    """A ServiceContext clock whose ``local_now()`` is ``local`` (naive wall-clock time)."""
    moment = local.astimezone()
    return lambda: moment


@contextmanager
def write_session(database: Database) -> Iterator[Session]:
    """A session that commits when the block ends without an error."""
    session = database.write_sessions()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def _next() -> int:
    return next(_serial)


# -- people ---------------------------------------------------------------------------------
def make_user(session: Session, role: Role | str = Role.PATIENT, **overrides: Any) -> User:
    """A user of ``role``; the email is unique unless given."""
    n = _next()
    first = overrides.pop("first_name", FIRST_NAMES[n % len(FIRST_NAMES)])
    last = overrides.pop("last_name", LAST_NAMES[n % len(LAST_NAMES)])
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "email": f"{first}.{last}.{n}@example.org".lower(),
        "first_name": first,
        "last_name": last,
        "password_hash": UNUSABLE_PASSWORD,
        "role": Role(role).value,
        "phone": f"+63 917 {n % 1000:03d} {n % 10000:04d}",
        "date_of_birth": date(1960, 1, 1) + timedelta(days=(n * 397) % 20000),
        "is_active": True,
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_patient(session: Session, **overrides: Any) -> User:
    return make_user(session, Role.PATIENT, **overrides)


def make_dentist(session: Session, **overrides: Any) -> User:
    return make_user(session, Role.DENTIST, **overrides)


def make_staff(session: Session, **overrides: Any) -> User:
    return make_user(session, Role.STAFF, **overrides)


def make_admin(session: Session, **overrides: Any) -> User:
    return make_user(session, Role.ADMIN, **overrides)


def actor_for(user: User) -> Actor:
    """The signed-in actor of ``user``."""
    role = Role(user.role)
    name = (
        dentist_title(user.last_name)
        if role is Role.DENTIST
        else full_name(user.first_name, user.last_name)
    )
    return Actor(user_id=user.id, email=user.email, role=role, display_name=name)


# -- catalogue ------------------------------------------------------------------------------
def make_service(session: Session, **overrides: Any) -> Service:
    """A catalogue entry; by default a 30-minute check-up at 50.00 per session."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": f"Check-up {_next()}",
        "category": "General",
        "price": Decimal("50.00"),
        "duration": 30,
        "pricing_model": "Per Session",
        "tooth_chart_use": "not needed",
        "is_active": True,
    }
    values.update(overrides)
    service = Service(**values)
    session.add(service)
    session.flush()
    return service


# -- appointments ---------------------------------------------------------------------------
ServiceSpec = Service | tuple[Service, Sequence[int]]


def make_appointment(
    session: Session,
    *,
    patient: User,
    dentist: User | None,
    start: datetime,
    duration: int = 30,
    status: str = "pending",
    type: str = "regular",
    services: Iterable[ServiceSpec] = (),
    **overrides: Any,
) -> Appointment:
    """An appointment at ``start`` (naive wall-clock time) with service lines.

    ``services`` holds services, or ``(service, teeth)`` pairs; a per-tooth line counts
    its teeth, every other line counts one.
    """
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "patient_name": full_name(patient.first_name, patient.last_name),
        "patient_email": patient.email,
        "patient_phone": patient.phone,
        "dentist_id": None if dentist is None else dentist.id,
        "appointment_date": start.date(),
        "appointment_time": start.time(),
        "duration": duration,
        "status": status,
        "type": type,
    }
    values.update(overrides)
    appointment = Appointment(**values)
    session.add(appointment)
    session.flush()
    booked_at = utcnow()
    for position, spec in enumerate(services):
        service, teeth = spec if isinstance(spec, tuple) else (spec, ())
        quantity = len(teeth) if service.pricing_model == "Per Tooth" and teeth else 1
        session.add(
            AppointmentService(
                id=uuid.uuid4(),
                appointment_id=appointment.id,
                service_id=service.id,
                service_name=service.name,
                pricing_model=service.pricing_model,
                teeth_selected=list(teeth),
                quantity=quantity,
                unit_price=service.price,
                subtotal=service.price * quantity,
                # Lines list in booking order: (created_at, id).
                created_at=booked_at + timedelta(microseconds=position),
            )
        )
    session.flush()
    return appointment


# -- tooth charts ---------------------------------------------------------------------------
def make_chart(
    session: Session,
    patient: User,
    *,
    missing: Sequence[int] = (),
    treated: Sequence[int] = (),
    disabled: Sequence[int] = (),
    **overrides: Any,
) -> ToothChart:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "missing_teeth": list(missing),
        "treated_teeth": list(treated),
        "disabled_teeth": list(disabled),
    }
    values.update(overrides)
    chart = ToothChart(**values)
    session.add(chart)
    session.flush()
    return chart


def make_treatment(
    session: Session,
    patient: User,
    *,
    treatment_date: date,
    teeth: Sequence[int] = (),
    service: Service | None = None,
    **overrides: Any,
) -> ToothTreatment:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "service_id": None if service is None else service.id,
        "service_name": "Treatment" if service is None else service.name,
        "treatment_date": treatment_date,
        "teeth_fdi": list(teeth),
    }
    values.update(overrides)
    treatment = ToothTreatment(**values)
    session.add(treatment)
    session.flush()
    return treatment


# -- sign-in tests: a known password and a hand-moved clock ---------------------------------
PASSWORD = "copper lamp river basket"
T0 = datetime(2030, 3, 4, 2, 0, tzinfo=UTC)


@cache
def password_hash() -> str:
    """One hash of :data:`PASSWORD` for the session (argon2 is slow on purpose)."""
    return passwords.hash_password(PASSWORD)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
