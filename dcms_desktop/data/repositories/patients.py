"""Patients: registering, editing and reading them for the front desk.

A patient is a ``users`` row with the role ``patient`` (registered through
:meth:`UserRepository.add_user`, which keeps emails unique in any case). Edits are
optimistic, as for the clinic settings: an edit names the version it started from, and
saving over someone else's newer save raises ``StaleRecordError`` naming who and when. The
ORM's ``version_id_col`` makes the UPDATE itself conditional on the version, so this also
holds between two workstations saving at the very same moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dcms_desktop.data.models import User as UserRow
from dcms_desktop.data.models import email_key, first_name_key, last_name_key
from dcms_desktop.data.repositories.users import UserRepository, normalise_email
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError, NotFoundError, StaleRecordError
from dcms_desktop.domain.readmodels.people import PatientHit, User, full_name

EDITABLE_FIELDS: frozenset[str] = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "address",
        "emergency_contact",
        "emergency_phone",
        "medical_history",
    }
)
"""The columns a patient edit may change (not the role, the password or the account)."""

MAX_DUPLICATES = 20


class PatientRepository:
    """Patients: registering, editing and reading them for the front desk."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._dialect = session.get_bind().dialect.name

    def possible_duplicates(
        self,
        *,
        email: str | None,
        first_name: str,
        last_name: str,
        date_of_birth: date | None,
        exclude_id: uuid.UUID | None = None,
    ) -> tuple[PatientHit, ...]:
        """Patients (active or not) with this email, or with this first and last name
        (any case) and this date of birth; by last then first name. One statement, on
        the email and name indexes."""
        matches = []
        if email and email.strip():
            matches.append(email_key(UserRow.email) == normalise_email(email))
        if date_of_birth is not None and first_name.strip() and last_name.strip():
            matches.append(
                and_(
                    last_name_key(UserRow.last_name) == self._name_key(last_name),
                    first_name_key(UserRow.first_name) == self._name_key(first_name),
                    UserRow.date_of_birth == date_of_birth,
                )
            )
        if not matches:
            return ()
        query = (
            select(
                UserRow.id,
                UserRow.first_name,
                UserRow.last_name,
                UserRow.email,
                UserRow.phone,
                UserRow.date_of_birth,
                UserRow.is_active,
            )
            .where(UserRow.role == Role.PATIENT.value, or_(*matches))
            .order_by(last_name_key(UserRow.last_name), first_name_key(UserRow.first_name))
            .limit(MAX_DUPLICATES)
        )
        if exclude_id is not None:
            query = query.where(UserRow.id != exclude_id)
        return tuple(
            PatientHit(
                id=row.id,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                phone=row.phone,
                date_of_birth=row.date_of_birth,
                is_active=row.is_active,
            )
            for row in self.session.execute(query)
        )

    def medical_histories(self, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The medical history of each of these patients who has one (one statement)."""
        wanted = list(set(patient_ids))
        if not wanted:
            return {}
        rows = self.session.execute(
            select(UserRow.id, UserRow.medical_history).where(
                UserRow.id.in_(wanted), UserRow.medical_history.is_not(None)
            )
        )
        return {row.id: row.medical_history for row in rows if row.medical_history.strip()}

    def update(
        self,
        patient_id: uuid.UUID,
        values: Mapping[str, Any],
        *,
        expected_version: int,
        by: uuid.UUID | None,
    ) -> User:
        """Save ``values`` over the patient's record at ``expected_version``; returns it
        as saved. ``StaleRecordError`` when someone saved it since that version;
        ``ConflictError`` (``email``) when the new email is someone else's. The values
        are checked and tidied by the caller."""
        unknown = set(values) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable on a patient: {', '.join(sorted(unknown))}")
        row = self.session.get(UserRow, patient_id, populate_existing=True)
        if row is None or row.role != Role.PATIENT.value:
            raise NotFoundError("That patient no longer exists")
        if row.version != expected_version:
            raise self.stale_error(patient_id)
        email = values.get("email")
        if email is not None and normalise_email(email) != normalise_email(row.email):
            self._check_email_free(email, patient_id)
        try:
            # A savepoint keeps the session usable after a refused UPDATE, to read who
            # saved in between.
            with self.session.begin_nested():
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_by = by
                self.session.flush()
        except StaleDataError:
            raise self.stale_error(patient_id) from None
        except IntegrityError as exc:
            # Another workstation took the email between the check and the UPDATE.
            raise _email_taken(str(email)) from exc
        self.session.refresh(row)
        saved = UserRepository(self.session).get(patient_id)
        assert saved is not None
        return saved

    def stale_error(self, patient_id: uuid.UUID) -> StaleRecordError:
        """The refusal of an edit made on an old version: who saved since, and when."""
        updater = UserRow.__table__.alias("updater")
        with self.session.no_autoflush:
            latest = self.session.execute(
                select(
                    UserRow.updated_at,
                    UserRow.first_name,
                    UserRow.last_name,
                    updater.c.first_name.label("by_first"),
                    updater.c.last_name.label("by_last"),
                    updater.c.email.label("by_email"),
                )
                .outerjoin(updater, updater.c.id == UserRow.updated_by)
                .where(UserRow.id == patient_id)
            ).one_or_none()
        if latest is None:
            return StaleRecordError("That patient no longer exists")
        if latest.by_first or latest.by_last:
            who: str | None = full_name(latest.by_first or "", latest.by_last or "")
        else:
            who = latest.by_email
        local = latest.updated_at.astimezone()
        patient = full_name(latest.first_name, latest.last_name)
        return StaleRecordError(
            f"{who or 'Someone else'} saved {patient}'s details at {local:%H:%M} on "
            f"{local:%d %b %Y}, after you opened them. Your changes are still in the form: "
            "reload to see theirs, then apply yours again.",
            changed_by=who,
            changed_at=latest.updated_at,
        )

    def _check_email_free(self, email: str, patient_id: uuid.UUID) -> None:
        taken = self.session.execute(
            select(UserRow.id).where(
                email_key(UserRow.email) == normalise_email(email), UserRow.id != patient_id
            )
        ).first()
        if taken is not None:
            raise _email_taken(email)

    def _name_key(self, name: str) -> str:
        """``name`` folded as the name keys are: ``lower()``, which on SQLite folds ASCII
        letters only (see the user repository)."""
        if self._dialect == "sqlite":
            return "".join(c.lower() if c.isascii() else c for c in name.strip())
        return name.strip().lower()


def _email_taken(email: str) -> ConflictError:
    return ConflictError(
        f"There is already someone with the email {normalise_email(email)}", field="email"
    )
