"""The audit trail."""

from __future__ import annotations

from sqlalchemy.orm import Session


class AuditRepository:
    """The audit trail."""

    def __init__(self, session: Session) -> None:
        self.session = session
