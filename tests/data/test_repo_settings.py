"""SettingsRepository on both backends: the single row, and optimistic locking that names who
saved in between and when."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import User
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.errors import StaleRecordError

UowFactory = Callable[..., UnitOfWork]
SAVED_AT = datetime(2026, 5, 4, 14, 5, tzinfo=UTC)


def _admin(uow: UnitOfWork, first: str, last: str) -> uuid.UUID:
    user = User(
        email=f"{first.lower()}@clinic.test",
        first_name=first,
        last_name=last,
        password_hash="not-a-real-hash",
        role="admin",
    )
    uow.session.add(user)
    uow.session.flush()
    return user.id


def test_the_settings_row_is_created_with_defaults_on_first_read(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.settings.find() is None
        settings = uow.settings.get()
        uow.commit()
    assert (settings.clinic_name, settings.tax_rate, settings.currency) == (
        "My Dental Clinic",
        Decimal("0.00"),
        "USD",
    )
    assert (settings.payment_terms_days, settings.schedule_grid_minutes) == (30, 15)
    assert settings.version == 1
    with uow_factory(write=False) as uow:
        assert uow.settings.find() == settings
        assert uow.settings.get() == settings


def test_an_update_saves_the_values_bumps_the_version_and_records_who(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        ana = _admin(uow, "Ana", "Reyes")
        version = uow.settings.get().version
        saved = uow.settings.update(
            {"clinic_name": "Smile Co", "tax_rate": Decimal("12.50")}, version, ana, at=SAVED_AT
        )
        uow.commit()
    assert (saved.clinic_name, saved.tax_rate, saved.version) == (
        "Smile Co",
        Decimal("12.50"),
        version + 1,
    )
    assert (saved.updated_by, saved.updated_at) == (ana, SAVED_AT)
    with uow_factory(write=False) as uow:
        assert uow.settings.get() == saved


def test_saving_over_a_version_someone_else_replaced_names_them_and_when(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        ana = _admin(uow, "Ana", "Reyes")
        ben = _admin(uow, "Ben", "Ortiz")
        opened = uow.settings.get().version
        uow.commit()
    with uow_factory() as uow:
        uow.settings.update({"phone": "555-0100"}, opened, ana, at=SAVED_AT)
        uow.commit()
    with uow_factory() as uow, pytest.raises(StaleRecordError) as refused:
        uow.settings.update({"phone": "555-0199"}, opened, ben)
    assert refused.value.changed_by == "Ana Reyes"
    assert refused.value.changed_at == SAVED_AT
    assert refused.value.message.startswith("Ana Reyes changed the clinic settings at ")
    with uow_factory(write=False) as uow:
        assert uow.settings.get().phone == "555-0100"


def test_only_editable_settings_can_be_updated(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        version = uow.settings.get().version
        with pytest.raises(ValueError, match="is_demo"):
            uow.settings.update({"is_demo": True}, version, None)


def test_a_save_racing_another_between_read_and_write_is_refused_on_postgresql(
    pg_database: Database,
) -> None:
    """The version check is in the UPDATE itself: a save committed by another workstation
    after ours read the row (but before ours wrote) is caught, not overwritten."""

    def uow() -> UnitOfWork:
        return UnitOfWork(pg_database, MemoryCache(), LocalEventBus(), "ws-test")

    with uow() as setup:
        ana = _admin(setup, "Ana", "Reyes")
        ben = _admin(setup, "Ben", "Ortiz")
        version = setup.settings.get().version
        setup.commit()

    def other_workstation_saves(*_: Any) -> None:
        with uow() as other:
            other.settings.update({"phone": "555-0100"}, version, ana, at=SAVED_AT)
            other.commit()

    with uow() as ours:
        event.listen(ours.session, "before_flush", other_workstation_saves, once=True)
        with pytest.raises(StaleRecordError) as refused:
            ours.settings.update({"phone": "555-0199"}, version, ben)
    assert (refused.value.changed_by, refused.value.changed_at) == ("Ana Reyes", SAVED_AT)
    with uow() as check:
        assert check.settings.get().phone == "555-0100"
