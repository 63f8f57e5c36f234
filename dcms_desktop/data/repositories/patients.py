"""Patients: registering, editing and reading them for the front desk."""

from __future__ import annotations

from sqlalchemy.orm import Session


class PatientRepository:
    """Patients: registering, editing and reading them for the front desk."""

    def __init__(self, session: Session) -> None:
        self.session = session
