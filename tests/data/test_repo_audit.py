"""AuditRepository on both backends: entries are written in the change's transaction and
read back newest first, by record."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from dcms_desktop.data.models import User
from dcms_desktop.data.uow import UnitOfWork

UowFactory = Callable[..., UnitOfWork]
T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def _user(uow: UnitOfWork) -> User:
    user = User(
        email="ana.reyes@clinic.test",
        first_name="Ana",
        last_name="Reyes",
        password_hash="not-a-real-hash",
        role="admin",
    )
    uow.session.add(user)
    uow.session.flush()
    return user


def test_an_entry_records_who_what_when_which_record_and_workstation(
    uow_factory: UowFactory,
) -> None:
    item_id = uuid.uuid4()
    with uow_factory() as uow:
        user = _user(uow)
        written = uow.audit.record(
            user.id,
            user.email,
            "ws-front-1",
            "move_stock",
            "inventory",
            item_id,
            details={"quantity": -2, "new_stock": 8},
            at=T0,
        )
        uow.commit()
    with uow_factory(write=False) as uow:
        (entry,) = uow.audit.recent()
    assert entry == written
    assert (entry.user_id, entry.user_email, entry.workstation) == (
        user.id,
        "ana.reyes@clinic.test",
        "ws-front-1",
    )
    assert (entry.action, entry.entity, entry.entity_id, entry.outcome) == (
        "move_stock",
        "inventory",
        str(item_id),
        "ok",
    )
    assert entry.details == {"quantity": -2, "new_stock": 8}
    assert entry.at == T0


def test_recent_is_newest_first_and_filters_by_entity_and_record(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        user = _user(uow)
        for minute, (entity, entity_id) in enumerate(
            [("inventory", "a"), ("bill", "b"), ("inventory", "c"), ("inventory", "a")]
        ):
            uow.audit.record(
                user.id,
                user.email,
                "ws",
                f"action-{minute}",
                entity,
                entity_id,
                at=T0 + timedelta(minutes=minute),
            )
        uow.commit()
    with uow_factory(write=False) as uow:
        everything = [e.action for e in uow.audit.recent()]
        inventory = [e.action for e in uow.audit.recent("inventory")]
        item_a = [e.action for e in uow.audit.recent("inventory", "a")]
        newest_two = [e.action for e in uow.audit.recent(limit=2)]
        by_user = uow.audit.recent(user_id=user.id)
    assert everything == ["action-3", "action-2", "action-1", "action-0"]
    assert inventory == ["action-3", "action-2", "action-0"]
    assert item_a == ["action-3", "action-0"]
    assert newest_two == ["action-3", "action-2"]
    assert len(by_user) == 4


def test_an_entry_of_a_change_that_rolled_back_is_gone_with_it(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.audit.record(None, None, "ws", "edit_settings", "settings", 1, outcome="ok")
        # leaving without commit
    with uow_factory(write=False) as uow:
        assert uow.audit.recent() == []


def test_an_entry_without_a_signed_in_user_is_kept(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.audit.record(None, None, "cli", "db_upgrade", "database", None, outcome="ok")
        uow.commit()
    with uow_factory(write=False) as uow:
        (entry,) = uow.audit.recent()
    assert (entry.user_id, entry.entity_id, entry.details) == (None, None, None)
