"""What ``dcms bench`` needs from storage: seeded inputs and hand-written SQL baselines.

Each ``raw_*`` function runs, through the raw DB-API driver (no SQLAlchemy on the way),
the query a careful person would write by hand for the same read the repositories do,
using the same indexes. The benchmark compares the two so the layers' overhead is seen.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import Appointment, InventoryItem, User
from dcms_desktop.domain.enums import Role

_NAMED = re.compile(r"(?<!:):(\w+)")


@dataclass(frozen=True)
class PatientSample:
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str | None


@dataclass(frozen=True)
class BenchInputs:
    """Seeded random inputs drawn from the clinic in the database."""

    patients: tuple[PatientSample, ...]
    dentist_ids: tuple[uuid.UUID, ...]
    first_day: date
    last_day: date
    busiest_day: date
    admin_id: uuid.UUID | None


def table_counts(session: Session) -> dict[str, int]:
    """Rows per main table, for the report's header."""
    counts = {}
    for name, column in (
        ("patients", User.id),
        ("appointments", Appointment.id),
        ("inventory", InventoryItem.id),
    ):
        query = select(func.count(column))
        if name == "patients":
            query = query.where(User.role == Role.PATIENT.value)
        counts[name] = int(session.scalar(query) or 0)
    from dcms_desktop.data.models import Bill, StockMovement

    counts["bills"] = int(session.scalar(select(func.count(Bill.id))) or 0)
    counts["stock_movements"] = int(session.scalar(select(func.count(StockMovement.id))) or 0)
    return counts


def draw_inputs(session: Session, rng: random.Random, patients: int = 200) -> BenchInputs:
    """A reproducible sample of patients, the dentists and the calendar's extent."""
    ids = list(session.scalars(select(User.id).where(User.role == "patient").order_by(User.id)))
    chosen = rng.sample(ids, min(patients, len(ids)))
    by_id = {
        row.id: PatientSample(row.id, row.first_name, row.last_name, row.email, row.phone)
        for row in session.execute(
            select(User.id, User.first_name, User.last_name, User.email, User.phone).where(
                User.id.in_(chosen)
            )
        )
    }
    sample = [by_id[i] for i in chosen]
    dentists = tuple(
        session.scalars(
            select(User.id)
            .where(User.role == "dentist", User.is_active.is_(True))
            .order_by(User.id)
        )
    )
    first_day, last_day = session.execute(
        select(func.min(Appointment.appointment_date), func.max(Appointment.appointment_date))
    ).one()
    busiest = session.execute(
        select(Appointment.appointment_date)
        .group_by(Appointment.appointment_date)
        .order_by(func.count().desc(), Appointment.appointment_date)
        .limit(1)
    ).scalar()
    admin = session.scalar(
        select(User.id).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id)
    )
    today = date.today()
    return BenchInputs(
        patients=tuple(sample),
        dentist_ids=dentists,
        first_day=first_day or today,
        last_day=last_day or today,
        busiest_day=busiest or today,
        admin_id=admin,
    )


def delete_appointments(session: Session, ids: Sequence[uuid.UUID]) -> None:
    """Remove the appointments the benchmark booked (their services cascade)."""
    if ids:
        session.query(Appointment).filter(Appointment.id.in_(list(ids))).delete(
            synchronize_session=False
        )


# -- hand-written SQL -------------------------------------------------------------------------
class RawSql:
    """Runs hand-written SQL through the driver's own connection."""

    def __init__(self, database: Database) -> None:
        self.backend = database.backend
        self._connection = database.engine.raw_connection()

    def close(self) -> None:
        self._connection.close()

    def _value(self, value: Any) -> Any:
        if self.backend == "sqlite":
            if isinstance(value, uuid.UUID):
                return value.hex
            if isinstance(value, date):
                return value.isoformat()
        return value

    def run(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        if self.backend == "postgresql":
            sql = _NAMED.sub(r"%(\1)s", sql)
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, {k: self._value(v) for k, v in params.items()})
            rows = cursor.fetchall()
        finally:
            cursor.close()
        self._connection.commit()
        return rows

    def _key(self, expression: str) -> str:
        """A bytewise-ordered search key, as the repository's indexes have it."""
        return f'{expression} COLLATE "C"' if self.backend == "postgresql" else expression

    # The reads ------------------------------------------------------------------------------
    def patient_search(self, text: str) -> list[tuple[Any, ...]]:
        prefix = text.strip().lower()
        keys = [
            self._key("lower(last_name)"),
            self._key("lower(first_name || ' ' || last_name)"),
            self._key("lower(email)"),
        ]
        if len(prefix) >= 3 and prefix.isdigit():
            phone = "phone"
            for mark in (" ", "-", "(", ")", "+", "."):
                phone = f"replace({phone}, '{mark}', '')"
            keys.append(self._key(phone))
        matches = " OR ".join(f"({key} >= :lo AND {key} < :hi)" for key in keys)
        last, first = self._key("lower(last_name)"), self._key("lower(first_name)")
        sql = f"""
            SELECT id, first_name, last_name, email, phone, date_of_birth FROM users
            WHERE role = 'patient' AND is_active = true AND ({matches})
            ORDER BY {last}, {first}, id
            LIMIT 20
        """
        return self.run(sql, lo=prefix, hi=prefix + "\U0010ffff")

    _APPOINTMENTS = """
        SELECT a.id, a.appointment_date, a.appointment_time, a.duration, a.status, a.type,
               a.patient_id, p.first_name, p.last_name, a.patient_phone,
               a.dentist_id, d.first_name, d.last_name, a.version
        FROM appointments a
        LEFT JOIN users d ON d.id = a.dentist_id
        LEFT JOIN users p ON p.id = a.patient_id
        WHERE {where}
        ORDER BY a.appointment_date, a.appointment_time, d.last_name, a.id
    """
    _SERVICES = """
        SELECT s.appointment_id, s.service_name, s.teeth_selected, s.quantity, s.unit_price
        FROM appointment_services s
        WHERE s.appointment_id IN (SELECT a.id FROM appointments a WHERE {where})
    """

    def _appointments(self, where: str, **params: Any) -> list[tuple[Any, ...]]:
        rows = self.run(self._APPOINTMENTS.format(where=where), **params)
        if rows:
            rows += self.run(self._SERVICES.format(where=where), **params)
        return rows

    def day_schedule(self, day: date) -> list[tuple[Any, ...]]:
        return self._appointments("a.appointment_date = :day", day=day)

    def dentist_week(self, dentist_id: uuid.UUID, monday: date) -> list[tuple[Any, ...]]:
        return self._appointments(
            "a.dentist_id = :dentist AND a.appointment_date BETWEEN :first AND :last",
            dentist=dentist_id,
            first=monday,
            last=monday + timedelta(days=6),
        )

    def patient_chart(self, patient_id: uuid.UUID) -> list[tuple[Any, ...]]:
        rows = self.run(
            """SELECT u.email, c.missing_teeth, c.treated_teeth, c.disabled_teeth, c.version
               FROM users u LEFT JOIN tooth_charts c ON c.patient_id = u.id
               WHERE u.id = :patient""",
            patient=patient_id,
        )
        rows += self.run(
            """SELECT id, service_name, treatment_date, detail, teeth_fdi, surfaces,
                      appointment_id, completed_by
               FROM tooth_treatments WHERE patient_id = :patient
               ORDER BY treatment_date DESC, created_at DESC, id DESC""",
            patient=patient_id,
        )
        rows += self.run(
            """SELECT a.id, a.appointment_date, a.appointment_time, a.status, s.service_name,
                      s.teeth_selected
               FROM appointments a JOIN appointment_services s ON s.appointment_id = a.id
               WHERE a.patient_id = :patient
                 AND a.status IN ('pending', 'confirmed', 'in_progress')
               ORDER BY a.appointment_date, a.appointment_time""",
            patient=patient_id,
        )
        return rows

    def low_stock(self) -> list[tuple[Any, ...]]:
        return self.run(
            """SELECT * FROM low_stock_alerts
               ORDER BY CASE alert_level WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END,
                        current_stock - min_stock, name"""
        )

    def revenue_summary(self) -> list[tuple[Any, ...]]:
        return self.run("SELECT * FROM revenue_summary ORDER BY month DESC")

    def patient_summary(self, patient_id: uuid.UUID) -> list[tuple[Any, ...]]:
        return self.run("SELECT * FROM patient_summary WHERE id = :patient", patient=patient_id)

    def receivables_aging(self, as_of: date) -> list[tuple[Any, ...]]:
        """What open bills owe by age at ``as_of``: 0-30, 31-60, 61-90, over 90 days."""
        return self.run(
            """SELECT CASE WHEN appointment_date >= :cut_30 THEN 0
                           WHEN appointment_date >= :cut_60 THEN 1
                           WHEN appointment_date >= :cut_90 THEN 2 ELSE 3 END AS bucket,
                      count(*), sum(total_amount - amount_paid)
               FROM bills
               WHERE status IN ('pending', 'partial', 'overdue')
                 AND amount_paid < total_amount AND appointment_date <= :as_of
               GROUP BY 1 ORDER BY 1""",
            as_of=as_of,
            cut_30=as_of - timedelta(days=30),
            cut_60=as_of - timedelta(days=60),
            cut_90=as_of - timedelta(days=90),
        )
