"""The clinic's settings: everyone signed in reads them, admins change them.

A change names the version it was made on; if another workstation saved in between, the
save is refused with who and when (``StaleRecordError``) rather than overwriting theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.settings import EDITABLE_SETTINGS, ClinicSettingsView
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

SETTINGS_ENTITY = "settings"
SCHEDULE_GRIDS = (5, 10, 15)
_OPTIONAL_TEXT = ("address", "phone", "email", "tax_id", "invoice_footer")


def clean_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` checked and tidied for saving; ``ValidationError`` names the bad field."""
    unknown = set(values) - EDITABLE_SETTINGS
    if unknown:
        raise ValidationError(f"Unknown setting {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "clinic_name":
            text = str(value).strip()
            if not text:
                raise ValidationError("The clinic needs a name", field=name)
            cleaned[name] = text
        elif name in _OPTIONAL_TEXT:
            cleaned[name] = (str(value).strip() or None) if value is not None else None
        elif name == "tax_rate":
            cleaned[name] = _percent(value)
        elif name == "currency":
            code = str(value).strip().upper()
            if len(code) != 3 or not code.isalpha():
                raise ValidationError("Use a three-letter currency code, like USD", field=name)
            cleaned[name] = code
        elif name == "payment_terms_days":
            cleaned[name] = _whole(value, name, minimum=0, what="Payment terms")
        elif name == "idle_lock_minutes":
            cleaned[name] = _whole(value, name, minimum=1, what="The idle lock")
        elif name == "schedule_grid_minutes":
            grid = _whole(value, name, minimum=1, what="The schedule grid")
            if grid not in SCHEDULE_GRIDS:
                raise ValidationError("The schedule grid is 5, 10 or 15 minutes", field=name)
            cleaned[name] = grid
        elif name == "logo_png":
            cleaned[name] = None if value is None else bytes(value)
    return cleaned


def _percent(value: Any) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f'"{value}" is not a percentage', field="tax_rate") from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
        raise ValidationError("The tax rate must be between 0 and 100 %", field="tax_rate")
    if rate != rate.quantize(Decimal("0.01")):
        raise ValidationError("Give the tax rate to at most two decimals", field="tax_rate")
    return rate.quantize(Decimal("0.01"))


def _whole(value: Any, field: str, *, minimum: int, what: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"{what} must be a whole number", field=field) from None
    if number < minimum:
        raise ValidationError(f"{what} can't be less than {minimum}", field=field)
    return number


class SettingsService:
    """Reading and changing the clinic's settings."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def get(self, actor: Actor) -> ClinicSettingsView:
        """The settings; the first read of a new database creates them with the defaults."""
        require(actor.role, Action.SIGN_IN)
        with self.context.uow(write=False) as uow:
            found = uow.settings.find()
        if found is not None:
            return found
        with self.context.uow() as uow:
            settings = uow.settings.get()
            uow.commit()
        return settings

    def update(
        self, actor: Actor, values: Mapping[str, Any], expected_version: int
    ) -> ClinicSettingsView:
        """Save ``values`` over the settings read at ``expected_version``."""
        require(actor.role, Action.EDIT_SETTINGS)
        cleaned = clean_settings(values)
        now = self.context.now()
        with self.context.uow() as uow:
            settings = uow.settings.update(cleaned, expected_version, actor.user_id, at=now)
            audit.record(
                uow,
                actor,
                Action.EDIT_SETTINGS.value,
                SETTINGS_ENTITY,
                1,
                at=now,
                details={"changed": sorted(cleaned), "version": settings.version},
            )
            uow.announce(SETTINGS_ENTITY, 1, "updated")
            uow.commit()
        return settings
