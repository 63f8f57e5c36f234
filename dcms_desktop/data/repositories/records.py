"""Medical record files' metadata (the files themselves live in the records folder).

A record's ``access_level`` is the lowest role that may see it: a staff-level record is
seen by staff, dentists and admins; an admin-level one by admins only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dcms_desktop.data.models import MedicalRecord
from dcms_desktop.data.types import utcnow
from dcms_desktop.domain.enums import RecordCategory, Role
from dcms_desktop.domain.readmodels.records import MedicalRecordView


def levels_visible_to(role: Role | str) -> list[str]:
    """The access levels a ``role`` may see: its own and every one below it."""
    ceiling = Role(role)
    return [level.value for level in Role if ceiling.at_least(level)]


class MedicalRecordRepository:
    """Medical record files' metadata."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, record_id: uuid.UUID) -> MedicalRecordView | None:
        record = self.session.get(MedicalRecord, record_id)
        return None if record is None else _view(record)

    def list_for_patient(
        self,
        patient_id: uuid.UUID,
        max_role: Role | str,
        *,
        include_archived: bool = False,
        category: RecordCategory | str | None = None,
    ) -> list[MedicalRecordView]:
        """The patient's records that ``max_role`` may see, newest first."""
        query = select(MedicalRecord).where(
            MedicalRecord.patient_id == patient_id,
            MedicalRecord.access_level.in_(levels_visible_to(max_role)),
        )
        if not include_archived:
            query = query.where(MedicalRecord.is_archived.is_(False))
        if category is not None:
            query = query.where(MedicalRecord.category == RecordCategory(category).value)
        query = query.order_by(MedicalRecord.upload_date.desc(), MedicalRecord.id)
        return [_view(record) for record in self.session.scalars(query)]

    def add(
        self,
        *,
        patient_id: uuid.UUID,
        file_name: str,
        original_file_name: str,
        file_type: str,
        file_size: int,
        file_path: str,
        category: RecordCategory | str,
        uploaded_by: uuid.UUID | None,
        appointment_id: uuid.UUID | None = None,
        subcategory: str | None = None,
        description: str | None = None,
        access_level: Role | str = Role.STAFF,
        tags: Iterable[str] = (),
        metadata: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> MedicalRecordView:
        """Store a record's metadata (the caller has stored the file at ``file_path``)."""
        record = MedicalRecord(
            patient_id=patient_id,
            appointment_id=appointment_id,
            file_name=file_name,
            original_file_name=original_file_name,
            file_type=file_type,
            file_size=file_size,
            file_path=file_path,
            category=RecordCategory(category).value,
            subcategory=subcategory,
            description=description,
            access_level=Role(access_level).value,
            tags=list(tags) or None,
            metadata_=metadata,
            uploaded_by=uploaded_by,
            upload_date=at or utcnow(),
        )
        self.session.add(record)
        self.session.flush()
        return _view(record)


def _view(record: MedicalRecord) -> MedicalRecordView:
    return MedicalRecordView(
        id=record.id,
        patient_id=record.patient_id,
        appointment_id=record.appointment_id,
        file_name=record.file_name,
        original_file_name=record.original_file_name,
        file_type=record.file_type,
        file_size=record.file_size,
        file_path=record.file_path,
        category=RecordCategory(record.category),
        subcategory=record.subcategory,
        description=record.description,
        access_level=Role(record.access_level),
        tags=tuple(record.tags or ()),
        metadata=record.metadata_,
        uploaded_by=record.uploaded_by,
        upload_date=record.upload_date,
        is_archived=record.is_archived,
    )
