"""Patient use cases: finding, registering and editing patients, opening their page.

The desk's patient form sends a :class:`PatientForm` (the text as typed). Every field is
checked and tidied before anything is saved (:func:`clean_patient_form`), and every
problem comes back at once, each with the field it is about (:class:`PatientFormError`),
so the form can put each message next to its field:

- first and last name: required, at most 100 characters, with a letter;
- email: required (it is the patient's account), shaped like ``name@example.com``,
  stored lower-case, not anyone else's;
- phone and emergency phone: optional; 7-15 digits, stored compact (``+639175550101``,
  see :mod:`dcms_desktop.domain.contact`); a named emergency contact needs a phone;
- date of birth: optional; not in the future, not more than 130 years ago;
- address (500), emergency contact (100) and medical history (10,000 characters): free
  text, blank stored as nothing.

Patients are ``users`` rows with the role ``patient`` and an unusable password: they never
sign in at a workstation. Editing is optimistic: the second of two workstations saving
one patient is refused with who saved first and when (``StaleRecordError``), and the
form keeps its edits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from dcms_desktop.data import cache_keys
from dcms_desktop.domain.contact import (
    NAME_MAX_LENGTH,
    clean_email,
    clean_name,
    clean_phone,
    display_phone,
    is_valid_email,
)
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError, NotFoundError, ValidationError
from dcms_desktop.domain.medical import medical_alerts
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.people import (
    Actor,
    NewUser,
    PatientHit,
    PatientPage,
    User,
)
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.passwords import UNUSABLE_PASSWORD

__all__ = [
    "PatientForm",
    "PatientFormError",
    "PatientPage",
    "PatientService",
    "clean_patient_form",
]

MAX_SEARCH_RESULTS = 100
PAST_VISITS_SHOWN = 200
OLDEST_AGE_YEARS = 130
ADDRESS_MAX_LENGTH = 500
MEDICAL_HISTORY_MAX_LENGTH = 10_000
PATIENT = "patient"
CREATED = "created"
UPDATED = "updated"


@dataclass(frozen=True)
class PatientForm:
    """What the patient form sends: every field as typed, the birth date as a date."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    date_of_birth: date | None = None
    address: str = ""
    emergency_contact: str = ""
    emergency_phone: str = ""
    medical_history: str = ""

    @classmethod
    def from_user(cls, user: User) -> PatientForm:
        """The form filled in from a patient's record (phones grouped for reading)."""
        return cls(
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            phone=display_phone(user.phone),
            date_of_birth=user.date_of_birth,
            address=user.address or "",
            emergency_contact=user.emergency_contact or "",
            emergency_phone=display_phone(user.emergency_phone),
            medical_history=user.medical_history or "",
        )


FORM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PatientForm))
"""The form's fields in the order they appear on it (and their errors are listed)."""


class PatientFormError(ValidationError):
    """The form has one or more invalid fields. ``errors`` maps each to its message, in
    the form's order; ``message`` and ``field`` are the first of them."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(errors[first], field=first)
        self.errors = dict(errors)


def clean_patient_form(form: PatientForm, today: date) -> dict[str, Any]:
    """The form's values as they are stored, or :class:`PatientFormError` naming every
    invalid field. ``today`` is the clinic's date (birth dates can't be after it)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def take(name: str, check: Any) -> None:
        try:
            values[name] = check()
        except ValidationError as exc:
            errors[exc.field or name] = exc.message

    take("first_name", lambda: clean_name(form.first_name, field="first_name", what="first name"))
    take("last_name", lambda: clean_name(form.last_name, field="last_name", what="last name"))
    take("email", lambda: clean_email(form.email))
    take("phone", lambda: clean_phone(form.phone))
    take("date_of_birth", lambda: _birth_date(form.date_of_birth, today))
    take(
        "address",
        lambda: _free_text(form.address, "address", "The address", ADDRESS_MAX_LENGTH),
    )
    take(
        "emergency_contact",
        lambda: _free_text(
            " ".join(form.emergency_contact.split()),
            "emergency_contact",
            "The emergency contact's name",
            NAME_MAX_LENGTH,
        ),
    )
    take(
        "emergency_phone",
        lambda: clean_phone(
            form.emergency_phone, field="emergency_phone", what="emergency phone number"
        ),
    )
    if (
        values.get("emergency_contact")
        and "emergency_phone" not in errors
        and not values.get("emergency_phone")
    ):
        errors["emergency_phone"] = "Give a phone number for the emergency contact"
    take(
        "medical_history",
        lambda: _free_text(
            form.medical_history,
            "medical_history",
            "The medical history",
            MEDICAL_HISTORY_MAX_LENGTH,
        ),
    )
    if errors:
        raise PatientFormError({name: errors[name] for name in FORM_FIELDS if name in errors})
    return values


def _birth_date(value: date | None, today: date) -> date | None:
    if value is None:
        return None
    if value > today:
        raise ValidationError("The date of birth can't be in the future", field="date_of_birth")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age > OLDEST_AGE_YEARS:
        raise ValidationError(
            f"Check the year: that would make the patient {age} years old",
            field="date_of_birth",
        )
    return value


def _free_text(text: str | None, field: str, what: str, limit: int) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > limit:
        raise ValidationError(f"{what} is too long (at most {limit:,} characters)", field=field)
    return cleaned or None


class PatientService:
    """Finding, registering, editing and reading patients."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- finding ---------------------------------------------------------------------------
    def search(self, actor: Actor, text: str, limit: int = 20) -> tuple[PatientHit, ...]:
        """Active patients whose first name, last name, "first last", email or phone
        digits start with ``text`` (any case), by last then first name."""
        require(actor.role, Action.VIEW_PATIENTS)
        limit = max(1, min(limit, MAX_SEARCH_RESULTS))
        with self.context.uow(write=False) as uow:
            return uow.users.search_patients(text, limit)

    def get(self, actor: Actor, patient_id: uuid.UUID) -> User:
        """A patient's record; ``NotFoundError`` for an id that isn't a patient's."""
        require(actor.role, Action.VIEW_PATIENTS)
        with self.context.uow(write=False) as uow:
            user = uow.users.get(patient_id)
        if user is None or user.role is not Role.PATIENT:
            raise NotFoundError("That patient no longer exists")
        return user

    def alerts(self, actor: Actor, patient_id: uuid.UUID) -> tuple[str, ...]:
        """The medical alerts of a patient, for the strip on any screen showing them."""
        return medical_alerts(self.get(actor, patient_id).medical_history)

    def possible_duplicates(
        self, actor: Actor, form: PatientForm, exclude_id: uuid.UUID | None = None
    ) -> tuple[PatientHit, ...]:
        """Patients who may be the one on the form: the same email, or the same first
        and last name (any case) and date of birth. Inactive ones too (``is_active``)."""
        require(actor.role, Action.VIEW_PATIENTS)
        email = form.email if is_valid_email(form.email) else None
        with self.context.uow(write=False) as uow:
            return uow.patients.possible_duplicates(
                email=email,
                first_name=" ".join(form.first_name.split()),
                last_name=" ".join(form.last_name.split()),
                date_of_birth=form.date_of_birth,
                exclude_id=exclude_id,
            )

    # -- the form --------------------------------------------------------------------------
    def validate(self, form: PatientForm) -> dict[str, str]:
        """Each invalid field of the form with its message; empty when it may be saved.
        Reads no database (an email already taken is found on saving)."""
        try:
            clean_patient_form(form, self.context.local_now().date())
        except PatientFormError as exc:
            return exc.errors
        return {}

    def create_patient(self, actor: Actor, form: PatientForm) -> User:
        """Register a patient from the form; :class:`PatientFormError` for invalid fields,
        ``ConflictError`` (``email``) for an email someone already has."""
        require(actor.role, Action.EDIT_PATIENTS)
        values = clean_patient_form(form, self.context.local_now().date())
        with self.context.uow() as uow:
            _check_email_free(uow.users.by_email(values["email"]))
            patient = uow.users.add_user(
                NewUser(role=Role.PATIENT, password_hash=UNUSABLE_PASSWORD, **values),
                created_by=actor.user_id,
            )
            audit.record(uow, actor, "create_patient", PATIENT, patient.id, at=self.context.now())
            uow.announce(PATIENT, patient.id, CREATED)
            uow.commit()
        return patient

    def update_patient(
        self, actor: Actor, patient_id: uuid.UUID, form: PatientForm, *, expected_version: int
    ) -> User:
        """Save the form over the patient's record read at ``expected_version``.

        ``StaleRecordError`` (``changed_by``, ``changed_at``) when someone saved it in
        between: nothing is saved, and the form keeps its edits to apply again after a
        reload. :class:`PatientFormError` for invalid fields.
        """
        require(actor.role, Action.EDIT_PATIENTS)
        values = clean_patient_form(form, self.context.local_now().date())
        with self.context.uow() as uow:
            before = uow.users.get(patient_id)
            if before is None or before.role is not Role.PATIENT:
                raise NotFoundError("That patient no longer exists")
            holder = uow.users.by_email(values["email"])
            if holder is not None and holder.id != patient_id:
                _check_email_free(holder)
            saved = uow.patients.update(
                patient_id, values, expected_version=expected_version, by=actor.user_id
            )
            changed = sorted(
                name for name in values if getattr(before, name) != getattr(saved, name)
            )
            audit.record(
                uow,
                actor,
                "update_patient",
                PATIENT,
                patient_id,
                at=self.context.now(),
                details={"changed": changed, "version": saved.version},
            )
            # Their appointments show their name and phone, their chart is cached by email.
            visits = uow.appointments.patient_schedule(patient_id)
            uow.drop_cache(
                cache_keys.user(before.email),
                cache_keys.user(saved.email),
                cache_keys.patient_chart(before.email),
                *(cache_keys.appointment(v.id) for v in visits),
            )
            uow.announce(PATIENT, patient_id, UPDATED)
            uow.commit()
        return saved

    # -- the patient page ------------------------------------------------------------------
    def patient_page(self, actor: Actor, patient_id: uuid.UUID) -> PatientPage:
        """The patient's record, summary, visits to come and past, and medical alerts;
        one read transaction."""
        require(actor.role, Action.VIEW_PATIENTS)
        with self.context.uow(write=False) as uow:
            user = uow.users.get(patient_id)
            if user is None or user.role is not Role.PATIENT:
                raise NotFoundError("That patient no longer exists")
            summary = uow.reports.patient_summary(patient_id)
            visits = uow.appointments.patient_schedule(patient_id)
        if summary is None:
            raise NotFoundError("That patient no longer exists")
        now = self.context.local_now()
        upcoming = tuple(v for v in visits if v.end > now)
        past = tuple(reversed([v for v in visits if v.end <= now]))[:PAST_VISITS_SHOWN]
        return PatientPage(
            user=user,
            summary=summary,
            upcoming=upcoming,
            past=past,
            alerts=medical_alerts(user.medical_history),
        )


def _check_email_free(holder: User | None) -> None:
    if holder is None:
        return
    if holder.role is Role.PATIENT:
        raise ConflictError(
            f"{holder.full_name} already has this email: open their record instead",
            field="email",
        )
    raise ConflictError("This email belongs to a clinic account; use another", field="email")
