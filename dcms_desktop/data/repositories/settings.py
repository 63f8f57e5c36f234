"""The clinic's shared settings row (one row, id 1, every workstation reads).

Edits are optimistic: an edit names the version it started from, and saving it when
someone else saved in between raises ``StaleRecordError`` naming who and when, instead of
silently overwriting their change. The ORM's ``version_id_col`` makes the UPDATE itself
conditional on the version, so the check also holds between two workstations saving at
the very same moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dcms_desktop.data.models import ClinicSettings, User
from dcms_desktop.data.types import utcnow
from dcms_desktop.domain.errors import StaleRecordError
from dcms_desktop.domain.readmodels.settings import EDITABLE_SETTINGS, ClinicSettingsView

SETTINGS_ID = 1


class SettingsRepository:
    """The clinic's shared settings row."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self) -> ClinicSettingsView | None:
        """The settings, or None before the row was first created (it writes nothing)."""
        row = self.session.get(ClinicSettings, SETTINGS_ID, populate_existing=True)
        return None if row is None else _view(row)

    def get(self) -> ClinicSettingsView:
        """The settings, creating the row with the defaults the first time."""
        return _view(self._row())

    def update(
        self,
        values: Mapping[str, Any],
        expected_version: int,
        by: uuid.UUID | None,
        *,
        at: datetime | None = None,
    ) -> ClinicSettingsView:
        """Save ``values`` over the settings at ``expected_version``.

        Raises ``StaleRecordError`` (``changed_by``, ``changed_at``) when the settings
        were saved by someone else since that version was read. ``values`` may only name
        :data:`EDITABLE_SETTINGS`; checking what they hold is the caller's business.
        """
        unknown = set(values) - EDITABLE_SETTINGS
        if unknown:
            raise ValueError(f"not editable settings: {', '.join(sorted(unknown))}")
        row = self._row()
        if row.version != expected_version:
            raise self._stale()
        try:
            # A savepoint (begun before any change, as beginning one flushes) keeps the
            # session usable after a refused UPDATE, to read who saved in between.
            with self.session.begin_nested():
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_by = by
                row.updated_at = at or utcnow()
                self.session.flush()
        except StaleDataError:
            # Saved by another workstation between our read and our UPDATE.
            raise self._stale() from None
        return _view(row)

    def _row(self) -> ClinicSettings:
        row = self.session.get(ClinicSettings, SETTINGS_ID, populate_existing=True)
        if row is not None:
            return row
        table = ClinicSettings.__table__
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # Two workstations opening a fresh database at once both get here: one inserts.
        self.session.execute(
            insert(table).values(id=SETTINGS_ID).on_conflict_do_nothing(index_elements=["id"])
        )
        row = self.session.get(ClinicSettings, SETTINGS_ID, populate_existing=True)
        assert row is not None
        return row

    def _stale(self) -> StaleRecordError:
        with self.session.no_autoflush:
            return self._stale_error()

    def _stale_error(self) -> StaleRecordError:
        latest = self.session.execute(
            select(
                ClinicSettings.updated_at,
                User.first_name,
                User.last_name,
                User.email,
            )
            .outerjoin(User, User.id == ClinicSettings.updated_by)
            .where(ClinicSettings.id == SETTINGS_ID)
        ).one()
        if latest.first_name or latest.last_name:
            who = f"{latest.first_name or ''} {latest.last_name or ''}".strip()
        else:
            who = latest.email or "Someone"
        when = latest.updated_at
        local = when.astimezone()
        return StaleRecordError(
            f"{who} changed the clinic settings at {local:%H:%M} on {local:%d %b %Y} while "
            "you were editing them; reopen them to see their changes.",
            changed_by=who,
            changed_at=when,
        )


def _view(row: ClinicSettings) -> ClinicSettingsView:
    return ClinicSettingsView(
        clinic_name=row.clinic_name,
        address=row.address,
        phone=row.phone,
        email=row.email,
        tax_id=row.tax_id,
        tax_rate=row.tax_rate,
        currency=row.currency,
        invoice_footer=row.invoice_footer,
        payment_terms_days=row.payment_terms_days,
        logo_png=row.logo_png,
        idle_lock_minutes=row.idle_lock_minutes,
        schedule_grid_minutes=row.schedule_grid_minutes,
        is_demo=row.is_demo,
        version=row.version,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )
