"""Read-only figures from the reporting views."""

from __future__ import annotations

from sqlalchemy.orm import Session


class ReportRepository:
    """Read-only figures from the reporting views."""

    def __init__(self, session: Session) -> None:
        self.session = session
