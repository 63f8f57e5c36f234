"""Read model of a medical record file's metadata (the file itself lives on disk)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dcms_desktop.domain.enums import RecordCategory, Role


@dataclass(frozen=True)
class MedicalRecordView:
    """A record file's metadata; ``access_level`` is the lowest role that may see it."""

    id: uuid.UUID
    patient_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    file_name: str
    original_file_name: str
    file_type: str
    file_size: int
    file_path: str
    category: RecordCategory
    subcategory: str | None
    description: str | None
    access_level: Role
    tags: tuple[str, ...]
    metadata: dict[str, Any] | None
    uploaded_by: uuid.UUID | None
    upload_date: datetime
    is_archived: bool
