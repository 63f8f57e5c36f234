"""Read model of the clinic's shared settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

EDITABLE_SETTINGS: frozenset[str] = frozenset(
    {
        "clinic_name",
        "address",
        "phone",
        "email",
        "tax_id",
        "tax_rate",
        "currency",
        "invoice_footer",
        "payment_terms_days",
        "logo_png",
        "idle_lock_minutes",
        "schedule_grid_minutes",
    }
)
"""The settings a user may change (``is_demo`` and the bookkeeping columns are not)."""


@dataclass(frozen=True)
class ClinicSettingsView:
    """The clinic's settings. ``version`` is what an edit must name to be saved."""

    clinic_name: str
    address: str | None
    phone: str | None
    email: str | None
    tax_id: str | None
    tax_rate: Decimal
    currency: str
    invoice_footer: str | None
    payment_terms_days: int
    logo_png: bytes | None
    idle_lock_minutes: int
    schedule_grid_minutes: int
    is_demo: bool
    version: int
    updated_by: uuid.UUID | None
    updated_at: datetime
