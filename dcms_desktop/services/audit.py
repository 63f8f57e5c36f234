"""The audit trail: how use cases write it, and how an admin reads it.

Every use case that changes something calls :func:`record` with its own unit of work, so
the entry commits (or rolls back) with the change it describes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.audit import AuditEntryView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext


def record(
    uow: UnitOfWork,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object | None,
    *,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntryView:
    """Add an audit entry inside ``uow``: ``actor`` did ``action`` to ``entity`` ``entity_id``
    from this workstation, at ``at`` (pass the service context's clock; default now).
    ``details`` is JSON-ready and never holds a secret."""
    return uow.audit.record(
        None if actor is None else actor.user_id,
        None if actor is None else actor.email,
        uow.workstation,
        action,
        entity,
        entity_id,
        outcome,
        details,
        at=at,
    )


class AuditService:
    """Reading the audit trail (admins)."""

    record = staticmethod(record)
    """:func:`record`, for use cases that prefer ``AuditService.record(uow, ...)``."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def recent(
        self,
        actor: Actor,
        *,
        entity: str | None = None,
        entity_id: object | None = None,
        limit: int = 100,
    ) -> list[AuditEntryView]:
        """The newest entries first, optionally about one kind of record or one record."""
        require(actor.role, Action.VIEW_AUDIT_LOG)
        with self.context.uow(write=False) as uow:
            return uow.audit.recent(entity, entity_id, limit)
