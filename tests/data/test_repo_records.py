"""MedicalRecordRepository on both backends: each record is seen by its access level and up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dcms_desktop.data.models import MedicalRecord, User
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import RecordCategory, Role

UowFactory = Callable[..., UnitOfWork]
T0 = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)


def _patient(uow: UnitOfWork) -> uuid.UUID:
    user = User(
        email=f"{uuid.uuid4().hex[:10]}@patients.test",
        first_name="Maria",
        last_name="Santos",
        password_hash="not-a-real-hash",
        role="patient",
    )
    uow.session.add(user)
    uow.session.flush()
    return user.id


def _add(uow: UnitOfWork, patient_id: uuid.UUID, level: Role, minute: int) -> uuid.UUID:
    record = uow.records.add(
        patient_id=patient_id,
        file_name=f"{level.value}-{minute}.png",
        original_file_name=f"scan {minute}.png",
        file_type="image/png",
        file_size=1024 * minute,
        file_path=f"records/{patient_id}/{level.value}-{minute}.png",
        category=RecordCategory.DIAGNOSTIC_IMAGES,
        uploaded_by=None,
        access_level=level,
        tags=("x-ray", "molar"),
        metadata={"teeth": [36]},
        at=T0 + timedelta(minutes=minute),
    )
    return record.id


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (Role.PATIENT, ["patient"]),
        (Role.STAFF, ["staff", "patient"]),
        (Role.DENTIST, ["dentist", "staff", "patient"]),
        (Role.ADMIN, ["admin", "dentist", "staff", "patient"]),
    ],
)
def test_a_role_sees_records_at_its_level_and_below_newest_first(
    uow_factory: UowFactory, role: Role, visible: list[str]
) -> None:
    with uow_factory() as uow:
        patient_id = _patient(uow)
        other_patient = _patient(uow)
        for minute, level in enumerate((Role.PATIENT, Role.STAFF, Role.DENTIST, Role.ADMIN)):
            _add(uow, patient_id, level, minute)
        _add(uow, other_patient, Role.PATIENT, 9)
        uow.commit()
    with uow_factory(write=False) as uow:
        records = uow.records.list_for_patient(patient_id, role)
    assert [r.access_level.value for r in records] == visible
    assert all(r.patient_id == patient_id for r in records)


def test_a_stored_record_reads_back_whole_and_archived_ones_are_hidden(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        patient_id = _patient(uow)
        kept = _add(uow, patient_id, Role.STAFF, 1)
        archived = _add(uow, patient_id, Role.STAFF, 2)
        uow.session.execute(
            update(MedicalRecord).where(MedicalRecord.id == archived).values(is_archived=True)
        )
        uow.commit()
    with uow_factory(write=False) as uow:
        shown = uow.records.list_for_patient(patient_id, Role.ADMIN)
        everything = uow.records.list_for_patient(patient_id, Role.ADMIN, include_archived=True)
        record = uow.records.get(kept)
    assert [r.id for r in shown] == [kept]
    assert {r.id for r in everything} == {kept, archived}
    assert record is not None
    assert record.category is RecordCategory.DIAGNOSTIC_IMAGES
    assert record.tags == ("x-ray", "molar")
    assert record.metadata == {"teeth": [36]}
    assert (record.file_size, record.upload_date) == (1024, T0 + timedelta(minutes=1))
