"""Read model of the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntryView:
    """Who did what, when, to which record, from which workstation, and how it went."""

    id: uuid.UUID
    at: datetime
    user_id: uuid.UUID | None
    user_email: str | None
    workstation: str
    action: str
    entity: str
    entity_id: str | None
    outcome: str
    details: dict[str, Any] | None
