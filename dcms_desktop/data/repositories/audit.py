"""The audit trail: who did what, when, to which record, from which workstation.

Entries are only ever added, in the transaction of the change they describe, so a change
that rolls back leaves no entry and a committed change always has one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dcms_desktop.data.models import AuditEntry
from dcms_desktop.data.types import utcnow
from dcms_desktop.domain.readmodels.audit import AuditEntryView


class AuditRepository:
    """The audit trail."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        user_id: uuid.UUID | None,
        user_email: str | None,
        workstation: str,
        action: str,
        entity: str,
        entity_id: object | None,
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> AuditEntryView:
        """Add one entry. ``details`` must be JSON-ready and hold no secrets."""
        entry = AuditEntry(
            at=at or utcnow(),
            user_id=user_id,
            user_email=user_email,
            workstation=workstation,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            outcome=outcome,
            details=details,
        )
        self.session.add(entry)
        self.session.flush()
        return _view(entry)

    def recent(
        self,
        entity: str | None = None,
        entity_id: object | None = None,
        limit: int = 100,
        *,
        user_id: uuid.UUID | None = None,
    ) -> list[AuditEntryView]:
        """The newest entries first, optionally about one entity (and record) or one user."""
        query = select(AuditEntry)
        if entity is not None:
            query = query.where(AuditEntry.entity == entity)
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == str(entity_id))
        if user_id is not None:
            query = query.where(AuditEntry.user_id == user_id)
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id).limit(limit)
        return [_view(entry) for entry in self.session.scalars(query)]


def _view(entry: AuditEntry) -> AuditEntryView:
    return AuditEntryView(
        id=entry.id,
        at=entry.at,
        user_id=entry.user_id,
        user_email=entry.user_email,
        workstation=entry.workstation,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        outcome=entry.outcome,
        details=entry.details,
    )
