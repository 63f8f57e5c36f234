"""Appointments and their services."""

from __future__ import annotations

from sqlalchemy.orm import Session


class AppointmentRepository:
    """Appointments and their services."""

    def __init__(self, session: Session) -> None:
        self.session = session
