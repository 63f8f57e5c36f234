"""PatientService and CatalogService on both backends."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from dcms_desktop.data import cache_keys
from dcms_desktop.domain.errors import NotFoundError, PermissionDeniedError
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.patients import PatientService
from tests.factories import (
    actor_for,
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
