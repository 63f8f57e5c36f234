"""Medical record files' metadata."""

from __future__ import annotations

from sqlalchemy.orm import Session


class MedicalRecordRepository:
    """Medical record files' metadata."""

    def __init__(self, session: Session) -> None:
        self.session = session
