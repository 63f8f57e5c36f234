"""SettingsService and AuditService on both backends: admins change the settings, every
change is audited and announced, a stale save names who got there first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.data.models import User
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import PermissionDeniedError, StaleRecordError, ValidationError
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services import audit
from dcms_desktop.services.audit import AuditService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.settings import SettingsService

NOON = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _actor(context: ServiceContext, role: Role, first: str = "Ana", last: str = "Reyes") -> Actor:
    with context.uow() as uow:
        user = User(
            email=f"{first.lower()}-{uuid.uuid4().hex[:6]}@clinic.test",
            first_name=first,
            last_name=last,
            password_hash="not-a-real-hash",
            role=role.value,
        )
        uow.session.add(user)
        uow.commit()
    return Actor(user_id=user.id, email=user.email, role=role, display_name=f"{first} {last}")


@pytest.fixture
def events(local_bus: LocalEventBus) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    local_bus.subscribe(seen.append)
    return seen


def test_everyone_signed_in_reads_the_settings_created_on_first_use(
    service_context: ServiceContext,
) -> None:
    settings = SettingsService(service_context).get(_actor(service_context, Role.STAFF))
    assert (settings.clinic_name, settings.version) == ("My Dental Clinic", 1)
    with pytest.raises(PermissionDeniedError):
        SettingsService(service_context).get(_actor(service_context, Role.PATIENT))


def test_an_admins_change_is_saved_audited_and_announced(
    service_context: ServiceContext, events: list[ChangeEvent]
) -> None:
    service_context.clock = lambda: NOON
    admin = _actor(service_context, Role.ADMIN)
    service = SettingsService(service_context)
    opened = service.get(admin)
    saved = service.update(
        admin,
        {"clinic_name": "  Smile Co ", "tax_rate": "12.5", "currency": "php", "phone": " "},
        opened.version,
    )
    assert (saved.clinic_name, saved.tax_rate, saved.currency, saved.phone) == (
        "Smile Co",
        Decimal("12.50"),
        "PHP",
        None,
    )
    assert (saved.version, saved.updated_by, saved.updated_at) == (2, admin.user_id, NOON)
    assert events == [ChangeEvent("settings", "1", "updated", "test-ws")]
    (entry,) = AuditService(service_context).recent(admin, entity="settings")
    assert (entry.user_id, entry.action, entry.entity_id, entry.at) == (
        admin.user_id,
        "edit_settings",
        "1",
        NOON,
    )
    assert entry.details == {
        "changed": ["clinic_name", "currency", "phone", "tax_rate"],
        "version": 2,
    }


def test_a_stale_save_is_refused_naming_who_saved_first_and_when(
    service_context: ServiceContext, events: list[ChangeEvent]
) -> None:
    ana = _actor(service_context, Role.ADMIN, "Ana", "Reyes")
    ben = _actor(service_context, Role.ADMIN, "Ben", "Ortiz")
    service = SettingsService(service_context)
    opened = service.get(ben)
    service_context.clock = lambda: NOON
    service.update(ana, {"phone": "555-0100"}, opened.version)
    events.clear()
    with pytest.raises(StaleRecordError) as refused:
        service.update(ben, {"phone": "555-0199"}, opened.version)
    assert (refused.value.changed_by, refused.value.changed_at) == ("Ana Reyes", NOON)
    assert events == []
    assert service.get(ben).phone == "555-0100"
    assert len(AuditService(service_context).recent(ana, entity="settings")) == 1


def test_only_admins_change_settings(service_context: ServiceContext) -> None:
    for role in (Role.STAFF, Role.DENTIST):
        actor = _actor(service_context, role)
        with pytest.raises(PermissionDeniedError):
            SettingsService(service_context).update(actor, {"clinic_name": "X"}, 1)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"clinic_name": "  "}, "clinic_name"),
        ({"tax_rate": "101"}, "tax_rate"),
        ({"tax_rate": "-1"}, "tax_rate"),
        ({"tax_rate": "12.345"}, "tax_rate"),
        ({"tax_rate": "twelve"}, "tax_rate"),
        ({"currency": "US"}, "currency"),
        ({"schedule_grid_minutes": 20}, "schedule_grid_minutes"),
        ({"idle_lock_minutes": 0}, "idle_lock_minutes"),
        ({"payment_terms_days": "soon"}, "payment_terms_days"),
        ({"is_demo": True}, "is_demo"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_field(
    service_context: ServiceContext, values: dict[str, object], field: str
) -> None:
    admin = _actor(service_context, Role.ADMIN)
    service = SettingsService(service_context)
    version = service.get(admin).version
    with pytest.raises(ValidationError) as refused:
        service.update(admin, values, version)
    assert refused.value.field == field


def test_the_audit_log_is_for_admins_and_is_written_inside_the_callers_unit_of_work(
    service_context: ServiceContext,
) -> None:
    admin = _actor(service_context, Role.ADMIN)
    with service_context.uow() as uow:
        audit.record(uow, admin, "export", "report", None, details={"rows": 3})
        # rolled back: no commit
    with service_context.uow() as uow:
        audit.record(uow, admin, "export", "report", "revenue", outcome="ok")
        uow.commit()
    (entry,) = AuditService(service_context).recent(admin)
    assert (entry.action, entry.entity_id, entry.workstation) == ("export", "revenue", "test-ws")
    with pytest.raises(PermissionDeniedError):
        AuditService(service_context).recent(_actor(service_context, Role.DENTIST))
