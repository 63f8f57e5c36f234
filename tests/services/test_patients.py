"""PatientService and CatalogService on both backends: search, the patient form's rules
(each field's message), duplicates, optimistic editing, the patient page."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from dcms_desktop.data import cache_keys
from dcms_desktop.data.events import ChangeEvent
from dcms_desktop.data.models import AuditEntry
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
)
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.passwords import UNUSABLE_PASSWORD
from dcms_desktop.services.patients import (
    PatientForm,
    PatientFormError,
    PatientService,
    clean_patient_form,
)
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    write_session,
)


@pytest.fixture
def clinic(database):
    with write_session(database) as s:
        return {
            "desk": make_staff(s),
            "dentist": make_dentist(s, first_name="Ana", last_name="Reyes"),
            "maria": make_patient(s, first_name="Maria", last_name="Santos", phone="0917 555 0101"),
            "mario": make_patient(s, first_name="Mario", last_name="Aquino"),
        }


def test_search_finds_patients_by_name_email_or_phone(service_context, clinic) -> None:
    patients = PatientService(service_context)
    desk = actor_for(clinic["desk"])
    assert [p.full_name for p in patients.search(desk, "MAR")] == ["Mario Aquino", "Maria Santos"]
    assert [p.full_name for p in patients.search(desk, "maria san")] == ["Maria Santos"]
    assert [p.full_name for p in patients.search(desk, clinic["maria"].email[:8])] == [
        "Maria Santos"
    ]
    assert [p.full_name for p in patients.search(desk, "0917-555")] == ["Maria Santos"]
    assert [p.full_name for p in patients.search(desk, "mar", limit=1)] == ["Mario Aquino"]
    # A silly limit is kept within bounds instead of failing.
    assert len(patients.search(desk, "mar", limit=0)) == 1


def test_get_returns_a_patients_record(service_context, clinic) -> None:
    record = PatientService(service_context).get(actor_for(clinic["desk"]), clinic["maria"].id)
    assert (record.full_name, record.phone) == ("Maria Santos", "0917 555 0101")


@pytest.mark.parametrize("who", ["dentist", None])
def test_get_of_someone_who_is_not_a_patient_is_not_found(service_context, clinic, who) -> None:
    user_id = uuid.uuid4() if who is None else clinic[who].id
    with pytest.raises(NotFoundError):
        PatientService(service_context).get(actor_for(clinic["desk"]), user_id)


def test_patient_accounts_cannot_search_or_read_patients(service_context, clinic) -> None:
    patients = PatientService(service_context)
    maria = actor_for(clinic["maria"])
    with pytest.raises(PermissionDeniedError):
        patients.search(maria, "mar")
    with pytest.raises(PermissionDeniedError):
        patients.get(maria, clinic["mario"].id)


def test_catalogue_lists_active_services_and_caches_one(
    service_context, memory_cache, database, clinic
) -> None:
    with write_session(database) as s:
        cleaning = make_service(s, name="Cleaning", price=Decimal("40.00"), category="Hygiene")
        make_service(s, name="Old", is_active=False)
        make_service(s, name="Exam", category="General")
    catalog = CatalogService(service_context)
    desk = actor_for(clinic["desk"])
    assert [s.name for s in catalog.list_active(desk)] == ["Exam", "Cleaning"]
    first = catalog.get(desk, cleaning.id)
    assert memory_cache.get_json(cache_keys.service(cleaning.id))["price"] == "40.00"
    assert catalog.get(desk, cleaning.id) == first
    with pytest.raises(NotFoundError):
        catalog.get(desk, uuid.uuid4())


# -- registering and editing patients (issue 4) ------------------------------------------------
TODAY = CLINIC_NOW.date()


def form(**overrides: Any) -> PatientForm:
    values: dict[str, Any] = {
        "first_name": " Lea ",
        "last_name": "Bautista",
        "email": "Lea.Bautista@Example.org",
        "phone": "+63 (917) 555-0199",
        "date_of_birth": date(1990, 6, 15),
        "address": " 12 Mabini St, Quezon City ",
        "emergency_contact": "Jun  Bautista",
        "emergency_phone": "0917-555-0198",
        "medical_history": "Allergic to penicillin. Takes warfarin.",
    }
    values.update(overrides)
    return PatientForm(**values)


@pytest.fixture
def desk_context(database, memory_cache, local_bus) -> ServiceContext:
    return ServiceContext(database, memory_cache, local_bus, "test-ws", clock=clinic_clock())


@pytest.fixture
def patients(desk_context) -> PatientService:
    return PatientService(desk_context)


@pytest.fixture
def events(local_bus) -> list[ChangeEvent]:
    received: list[ChangeEvent] = []
    local_bus.subscribe(received.append)
    return received


def count_users(database) -> int:
    with database.read_sessions() as s:
        return s.scalar(select(func.count()).select_from(UserRow)) or 0


# Each rule of the form, checked without a database: field -> (typed, message).
FIELD_RULES = [
    ("first_name", {"first_name": "  "}, "Enter the first name"),
    ("last_name", {"last_name": ""}, "Enter the last name"),
    ("last_name", {"last_name": "x" * 101}, "The last name is too long (at most 100 characters)"),
    ("email", {"email": ""}, "Enter an email address"),
    ("email", {"email": "lea@example"}, "The part after the @ is a domain with a dot"),
    ("phone", {"phone": "555-01"}, "That phone number is too short (at least 7 digits)"),
    (
        "phone",
        {"phone": "0917 555 CALL"},
        "A phone number has only digits, spaces, dashes and brackets, and may start with +",
    ),
    ("date_of_birth", {"date_of_birth": TODAY + timedelta(days=1)}, "can't be in the future"),
    (
        "date_of_birth",
        {"date_of_birth": date(1885, 1, 1)},
        "Check the year: that would make the patient 145 years old",
    ),
    ("address", {"address": "x" * 501}, "The address is too long (at most 500 characters)"),
    (
        "emergency_contact",
        {"emergency_contact": "x" * 101},
        "The emergency contact's name is too long (at most 100 characters)",
    ),
    (
        "emergency_phone",
        {"emergency_phone": "12345"},
        "That emergency phone number is too short (at least 7 digits)",
    ),
    (
        "emergency_phone",
        {"emergency_phone": "  "},
        "Give a phone number for the emergency contact",
    ),
    (
        "medical_history",
        {"medical_history": "x" * 10_001},
        "The medical history is too long (at most 10,000 characters)",
    ),
]


@pytest.mark.parametrize(("field", "typed", "message"), FIELD_RULES)
def test_each_invalid_field_is_named_with_a_message_for_the_desk(field, typed, message) -> None:
    with pytest.raises(PatientFormError) as caught:
        clean_patient_form(form(**typed), TODAY)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]
    assert (caught.value.field, caught.value.message) == (field, caught.value.errors[field])


def test_every_invalid_field_is_reported_at_once_in_the_forms_order() -> None:
    bad = form(first_name="", email="nope", phone="1", date_of_birth=TODAY + timedelta(days=3))
    with pytest.raises(PatientFormError) as caught:
        clean_patient_form(bad, TODAY)
    assert list(caught.value.errors) == ["first_name", "email", "phone", "date_of_birth"]


def test_a_valid_form_is_tidied_for_storing() -> None:
    assert clean_patient_form(form(), TODAY) == {
        "first_name": "Lea",
        "last_name": "Bautista",
        "email": "lea.bautista@example.org",
        "phone": "+639175550199",
        "date_of_birth": date(1990, 6, 15),
        "address": "12 Mabini St, Quezon City",
        "emergency_contact": "Jun Bautista",
        "emergency_phone": "09175550198",
        "medical_history": "Allergic to penicillin. Takes warfarin.",
    }


def test_only_names_and_email_are_required() -> None:
    minimal = PatientForm(first_name="Lea", last_name="Bautista", email="lea@example.org")
    values = clean_patient_form(minimal, TODAY)
    assert values["phone"] is None and values["date_of_birth"] is None
    assert values["medical_history"] is None and values["emergency_contact"] is None


def test_a_birth_date_of_today_is_allowed() -> None:
    assert clean_patient_form(form(date_of_birth=TODAY), TODAY)["date_of_birth"] == TODAY


def test_validate_uses_the_clinics_date_and_reads_no_database(patients) -> None:
    assert patients.validate(form()) == {}
    tomorrow = CLINIC_NOW.date() + timedelta(days=1)
    assert patients.validate(form(date_of_birth=tomorrow)) == {
        "date_of_birth": "The date of birth can't be in the future"
    }


def test_a_new_patient_is_saved_tidied_audited_and_announced(
    patients, clinic, database, events
) -> None:
    created = patients.create_patient(actor_for(clinic["desk"]), form())
    assert (created.full_name, created.email, created.role) == (
        "Lea Bautista",
        "lea.bautista@example.org",
        Role.PATIENT,
    )
    assert (created.phone, created.emergency_phone) == ("+639175550199", "09175550198")
    assert created.version == 1
    with database.read_sessions() as s:
        row = s.get(UserRow, created.id)
        assert row.password_hash == UNUSABLE_PASSWORD
        assert row.updated_by == clinic["desk"].id
        entry = s.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.entity, entry.entity_id) == (
        "create_patient",
        "patient",
        str(created.id),
    )
    assert events == [ChangeEvent("patient", str(created.id), "created", "test-ws")]
    assert patients.search(actor_for(clinic["desk"]), "bautista")[0].id == created.id


def test_an_invalid_form_saves_nothing(patients, clinic, database, events) -> None:
    before = count_users(database)
    with pytest.raises(PatientFormError) as caught:
        patients.create_patient(actor_for(clinic["desk"]), form(email="lea@", last_name=""))
    assert set(caught.value.errors) == {"last_name", "email"}
    assert count_users(database) == before
    assert events == []


def test_an_email_someone_has_is_refused_naming_them(patients, clinic) -> None:
    desk = actor_for(clinic["desk"])
    with pytest.raises(ConflictError) as caught:
        patients.create_patient(desk, form(email=clinic["maria"].email.upper()))
    assert (caught.value.field, caught.value.message) == (
        "email",
        "Maria Santos already has this email: open their record instead",
    )
    with pytest.raises(ConflictError) as caught:
        patients.create_patient(desk, form(email=clinic["dentist"].email))
    assert caught.value.message == "This email belongs to a clinic account; use another"


def test_only_the_desk_registers_patients(patients, clinic) -> None:
    with pytest.raises(PermissionDeniedError):
        patients.create_patient(actor_for(clinic["maria"]), form())


# -- possible duplicates ---------------------------------------------------------------------
def test_possible_duplicates_are_the_same_email_or_the_same_name_and_birth_date(
    patients, clinic, database
) -> None:
    with write_session(database) as s:
        twin = make_patient(
            s, first_name="Lea", last_name="Bautista", date_of_birth=date(1990, 6, 15)
        )
        same_email = make_patient(
            s, first_name="Leah", last_name="Cruz", email="lea.bautista@example.org"
        )
        make_patient(s, first_name="Lea", last_name="Bautista", date_of_birth=date(1991, 6, 15))
        gone = make_patient(
            s,
            first_name="LEA",
            last_name="bautista",
            date_of_birth=date(1990, 6, 15),
            is_active=False,
        )
    desk = actor_for(clinic["desk"])
    found = patients.possible_duplicates(desk, form(first_name=" lea ", last_name="BAUTISTA"))
    assert {p.id for p in found} == {twin.id, same_email.id, gone.id}
    assert {p.id: p.is_active for p in found}[gone.id] is False
    # Editing the twin: the twin itself isn't its own duplicate.
    assert twin.id not in {
        p.id for p in patients.possible_duplicates(desk, form(), exclude_id=twin.id)
    }


def test_no_duplicates_without_a_matching_email_or_birth_date(patients, clinic) -> None:
    desk = actor_for(clinic["desk"])
    assert patients.possible_duplicates(desk, form(date_of_birth=None, email="x@y.org")) == ()
    # Same name as Maria Santos, but no birth date to tell: not enough to call a duplicate.
    maria = form(first_name="Maria", last_name="Santos", date_of_birth=None, email="")
    assert patients.possible_duplicates(desk, maria) == ()
    # An email being typed is not looked up until it is valid.
    assert patients.possible_duplicates(desk, form(email=clinic["maria"].email[:5])) == ()


# -- editing ---------------------------------------------------------------------------------
def test_an_edit_is_saved_announced_and_drops_the_patients_cached_appointments(
    patients, clinic, database, events, memory_cache
) -> None:
    desk = actor_for(clinic["desk"])
    created = patients.create_patient(desk, form())
    with write_session(database) as s:
        visit = make_appointment(
            s,
            patient=s.get(UserRow, created.id),
            dentist=s.get(UserRow, clinic["dentist"].id),
            start=CLINIC_NOW + timedelta(days=1),
        )
    memory_cache.set_json(cache_keys.appointment(visit.id), {"stale": True})
    events.clear()
    saved = patients.update_patient(
        desk,
        created.id,
        form(last_name="Bautista-Reyes", phone="0917 555 0100"),
        expected_version=created.version,
    )
    assert (saved.full_name, saved.phone, saved.version) == (
        "Lea Bautista-Reyes",
        "09175550100",
        created.version + 1,
    )
    assert events == [ChangeEvent("patient", str(created.id), "updated", "test-ws")]
    assert memory_cache.get_json(cache_keys.appointment(visit.id)) is None
    with database.read_sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "update_patient")).one()
    assert entry.details["changed"] == ["last_name", "phone"]


def test_a_second_save_of_the_same_version_is_refused_naming_who_saved_first(
    patients, clinic, database
) -> None:
    desk = actor_for(clinic["desk"])
    with write_session(database) as s:
        other = make_staff(s, first_name="Rita", last_name="Lim")
    opened = patients.get(desk, clinic["maria"].id)
    # Two workstations open the same record; Rita saves first.
    patients.update_patient(
        actor_for(other),
        opened.id,
        replace(PatientForm.from_user(opened), phone="0917 000 0000"),
        expected_version=opened.version,
    )
    mine = replace(PatientForm.from_user(opened), address="New address")
    with pytest.raises(StaleRecordError) as caught:
        patients.update_patient(desk, opened.id, mine, expected_version=opened.version)
    error = caught.value
    assert error.changed_by == "Rita Lim"
    assert error.changed_at is not None
    assert error.message.startswith("Rita Lim saved Maria Santos's details at ")
    assert "Your changes are still in the form" in error.message
    reloaded = patients.get(desk, opened.id)
    assert (reloaded.phone, reloaded.address) == ("09170000000", None)
    # Reload and re-apply: saved on the new version.
    again = patients.update_patient(desk, opened.id, mine, expected_version=reloaded.version)
    assert again.address == "New address"


def test_an_edit_taking_someone_elses_email_is_refused(patients, clinic) -> None:
    desk = actor_for(clinic["desk"])
    mario = patients.get(desk, clinic["mario"].id)
    taken = replace(PatientForm.from_user(mario), email=clinic["maria"].email)
    with pytest.raises(ConflictError) as caught:
        patients.update_patient(desk, mario.id, taken, expected_version=mario.version)
    assert caught.value.field == "email"
    assert "Maria Santos" in caught.value.message


def test_editing_someone_who_is_not_a_patient_is_not_found(patients, clinic) -> None:
    with pytest.raises(NotFoundError):
        patients.update_patient(
            actor_for(clinic["desk"]), clinic["dentist"].id, form(), expected_version=1
        )


# -- the patient page ------------------------------------------------------------------------
def test_the_patient_page_holds_the_summary_visits_and_alerts(patients, clinic, database) -> None:
    maria = clinic["maria"]
    with write_session(database) as s:
        row = s.get(UserRow, maria.id)
        row.medical_history = "Allergic to latex. Diabetic."
        dentist = s.get(UserRow, clinic["dentist"].id)
        patient = s.get(UserRow, maria.id)
        done = make_appointment(
            s, patient=patient, dentist=dentist, start=datetime(2030, 2, 1, 10), status="completed"
        )
        earlier = make_appointment(
            s, patient=patient, dentist=dentist, start=datetime(2030, 1, 5, 10), status="completed"
        )
        running = make_appointment(  # 10:30-11:30 today, now is 11:00: not over yet
            s, patient=patient, dentist=dentist, start=datetime(2030, 3, 4, 10, 30), duration=60
        )
        coming = make_appointment(
            s, patient=patient, dentist=dentist, start=datetime(2030, 4, 1, 9)
        )
        make_appointment(
            s,
            patient=s.get(UserRow, clinic["mario"].id),
            dentist=dentist,
            start=datetime(2030, 4, 1, 10),
        )
    page = patients.patient_page(actor_for(clinic["desk"]), maria.id)
    assert page.user.id == maria.id
    assert [v.id for v in page.upcoming] == [running.id, coming.id]
    assert [v.id for v in page.past] == [done.id, earlier.id]
    assert page.alerts == ("Allergy: latex", "Diabetes")
    assert (page.summary.total_appointments, page.summary.completed_appointments) == (4, 2)
    assert page.summary.last_visit == date(2030, 2, 1)
    assert page.summary.outstanding == Decimal("0.00")
    assert patients.alerts(actor_for(clinic["desk"]), maria.id) == page.alerts


def test_the_page_of_an_unknown_patient_is_not_found(patients, clinic) -> None:
    with pytest.raises(NotFoundError):
        patients.patient_page(actor_for(clinic["desk"]), uuid.uuid4())


def test_a_patient_is_found_by_date_of_birth_typed_year_first(service_context, clinic) -> None:
    with write_session(service_context.database) as session:
        born = make_patient(
            session, first_name="Zoë", last_name="Ñúñez", date_of_birth=date(1984, 3, 2)
        )
        make_patient(
            session, first_name="Other", last_name="Person", date_of_birth=date(1984, 3, 3)
        )
    patients = PatientService(service_context)
    desk = actor_for(clinic["desk"])
    for typed in ("1984-03-02", "1984/3/2", " 1984-03-02 "):
        assert [hit.id for hit in patients.search(desk, typed)] == [born.id], typed
    assert patients.search(desk, "1984-02-30") == ()
