"""The service catalogue: what the clinic offers, at what price, and the supplies each uses.

Everyone at a workstation reads the catalogue; admins edit it (``EDIT_SERVICES``). An
entry is saved on the version the admin had open (``StaleRecordError`` naming who saved
in between, otherwise); a name is unique whatever its case (checked first, and refused by
the database too when another workstation saved it meanwhile: the same ``ConflictError``
on ``name`` either way). Deactivating keeps every visit, bill and chart entry that names
the service intact: it just can't be booked any more. Deleting is only for an entry
nothing refers to (a mistake just made); anything else is refused with "in use:
deactivate it instead".

The supplies a service uses (issue 7) are saved as a whole set in one transaction
(``EDIT_INVENTORY``), in exactly the shape the completion's deduction reads
(``ServiceRepository.mappings_for`` and ``SchedulingService._deduct_supplies``).

Every change is audited, drops ``dcms:service:{id}`` after commit and goes out on the bus
as ``service <id> <what>`` (created, updated, deactivated, reactivated, deleted,
supplies_saved).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dcms_desktop.data import cache_keys
from dcms_desktop.data.repositories.services import name_taken_error
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.errors import (
    ConflictError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.money import to_money
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.catalog import (
    DentalService,
    MappingDraft,
    ServiceDraft,
    SupplyMappingView,
    dental_service_from_json,
    dental_service_to_json,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

SERVICE_CACHE_SECONDS = 3600
SERVICE_ENTITY = "service"
SAVE_SUPPLIES = "save_supplies"

MAX_NAME = 200
MAX_CATEGORY = 100
MAX_DESCRIPTION = 2000
MIN_DURATION = 1
MAX_DURATION = 480
MAX_PRICE = Decimal("99999999.99")  # DECIMAL(10,2)
MAX_QUANTITY = Decimal("999999.99")  # DECIMAL(8,2)


def clean_service(draft: ServiceDraft) -> dict[str, Any]:
    """The draft's fields checked and tidied, as the repository saves them.

    ``ValidationError`` names the first bad field (name, category, price, duration,
    pricing_model, tooth_chart_use, description)."""
    name = " ".join((draft.name or "").split())
    if not name:
        raise ValidationError("Enter the service's name", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"A name has at most {MAX_NAME} characters", field="name")
    category = " ".join((draft.category or "").split())
    if not category:
        raise ValidationError(
            "Enter a category (e.g. Preventive, Restorative, Surgery)", field="category"
        )
    if len(category) > MAX_CATEGORY:
        raise ValidationError(f"A category has at most {MAX_CATEGORY} characters", field="category")
    description = (draft.description or "").strip() or None
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            f"A description has at most {MAX_DESCRIPTION} characters", field="description"
        )
    price = _price(draft.price)
    duration = draft.duration
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise ValidationError("Enter the duration in whole minutes", field="duration")
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise ValidationError(
            f"A duration is between {MIN_DURATION} and {MAX_DURATION} minutes (8 hours)",
            field="duration",
        )
    try:
        pricing_model = PricingModel(draft.pricing_model)
    except ValueError:
        raise ValidationError("Choose how the service is priced", field="pricing_model") from None
    try:
        chart_use = ToothChartUse(draft.tooth_chart_use)
    except ValueError:
        raise ValidationError(
            "Choose whether the service needs teeth chosen", field="tooth_chart_use"
        ) from None
    return {
        "name": name,
        "description": description,
        "category": category,
        "price": price,
        "duration": duration,
        "pricing_model": pricing_model,
        "tooth_chart_use": chart_use,
        "is_active": bool(draft.is_active),
    }


def _price(value: Decimal | str | int) -> Decimal:
    if isinstance(value, str) and not value.strip():
        raise ValidationError("Enter the price (0.00 for a free service)", field="price")
    text = value.strip().replace(",", "") if isinstance(value, str) else value
    try:
        exact = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ValidationError(f'"{value}" is not a price', field="price") from None
    if exact.is_finite() and exact != round(exact, 2):
        raise ValidationError("A price is to the cent (two decimal places)", field="price")
    price = to_money(text, field="price")
    if price < 0:
        raise ValidationError("A price can't be negative", field="price")
    if price > MAX_PRICE:
        raise ValidationError("That price is too large", field="price")
    return price


def mapping_field(row: int, name: str) -> str:
    """The ``field`` of an error about row ``row`` (from 0) of the supplies:
    ``supplies.<row>.<name>`` with name item, quantity_used, per_tooth_quantity or
    alternatives."""
    return f"supplies.{row}.{name}"


def _quantity(
    value: Decimal | str | int | None, field: str, what: str, minimum: Decimal
) -> Decimal:
    if isinstance(value, bool | float):
        raise TypeError("quantities are Decimal, int or str")
    text = value.strip() if isinstance(value, str) else value
    try:
        amount = Decimal(text) if text not in (None, "") else None
    except (InvalidOperation, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(f"Enter the {what}", field=field)
    if amount != round(amount, 2):
        raise ValidationError(f"The {what} has at most two decimal places", field=field)
    if amount < minimum:
        raise ValidationError(f"The {what} is at least {minimum}", field=field)
    if amount > MAX_QUANTITY:
        raise ValidationError(f"The {what} is at most {MAX_QUANTITY}", field=field)
    return amount.quantize(Decimal("0.01"))


class CatalogService:
    """Reading and editing the service catalogue and the supplies each service uses."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- reading ----------------------------------------------------------------------------
    def list_active(self, actor: Actor) -> tuple[DentalService, ...]:
        """What can be booked, by category then name."""
        require(actor.role, Action.VIEW_SERVICES)
        with self.context.uow(write=False) as uow:
            return uow.services.list_active()

    def list_services(
        self,
        actor: Actor,
        *,
        search: str = "",
        category: str | None = None,
        pricing_model: PricingModel | str | None = None,
        active: bool | None = None,
    ) -> tuple[DentalService, ...]:
        """Every service matching the filters (``active`` None: active and not), by
        category then name; ``search`` looks in the name, category and description."""
        require(actor.role, Action.VIEW_SERVICES)
        model = None if pricing_model in (None, "") else PricingModel(pricing_model)
        with self.context.uow(write=False) as uow:
            return uow.services.search(
                search, category=category or None, pricing_model=model, active=active
            )

    def categories(self, actor: Actor) -> tuple[str, ...]:
        """The categories in use, alphabetically (for the filter and the form)."""
        require(actor.role, Action.VIEW_SERVICES)
        with self.context.uow(write=False) as uow:
            return uow.services.categories()

    def get(self, actor: Actor, service_id: uuid.UUID) -> DentalService:
        """One service, active or not (cached under ``dcms:service:{id}``)."""
        require(actor.role, Action.VIEW_SERVICES)
        key = cache_keys.service(service_id)
        cached = self.context.cache.get_json(key)
        if cached is not None:
            return dental_service_from_json(cached)
        token = self.context.cache.fill_token(key)
        with self.context.uow(write=False) as uow:
            service = uow.services.get(service_id)
        if service is None:
            raise NotFoundError("That service is not in the catalogue")
        self.context.cache.fill_json(
            key, dental_service_to_json(service), token, SERVICE_CACHE_SECONDS
        )
        return service

    # -- editing ----------------------------------------------------------------------------
    def create_service(self, actor: Actor, draft: ServiceDraft) -> DentalService:
        """Add a service to the catalogue (admins)."""
        require(actor.role, Action.EDIT_SERVICES)
        values = clean_service(draft)
        now = self.context.now()
        with self.context.uow() as uow:
            self._refuse_taken_name(uow, values["name"], None)
            service = uow.services.add(values, by=actor.user_id, at=now)
            audit.record(
                uow,
                actor,
                "create_service",
                SERVICE_ENTITY,
                service.id,
                at=now,
                details=_audit_values(values),
            )
            self._changed(uow, service.id, "created")
            uow.commit()
        log.info("service %s created", service.id)
        return service

    def update_service(
        self, actor: Actor, service_id: uuid.UUID, version: int, draft: ServiceDraft
    ) -> DentalService:
        """Save ``draft`` over the service as read at ``version`` (admins);
        ``StaleRecordError`` naming who and when if someone saved it in between."""
        require(actor.role, Action.EDIT_SERVICES)
        values = clean_service(draft)
        now = self.context.now()
        with self.context.uow() as uow:
            self._refuse_taken_name(uow, values["name"], service_id)
            service, changed = uow.services.update(
                service_id, version, values, by=actor.user_id, at=now
            )
            if not changed:
                return service  # nothing to save: no audit entry, no event
            audit.record(
                uow,
                actor,
                "update_service",
                SERVICE_ENTITY,
                service_id,
                at=now,
                details={
                    "changed": {
                        name: [_plain(before), _plain(after)]
                        for name, (before, after) in changed.items()
                    },
                    "version": service.version,
                },
            )
            self._changed(uow, service_id, "updated")
            uow.commit()
        return service

    def deactivate_service(
        self, actor: Actor, service_id: uuid.UUID, *, expected_version: int
    ) -> DentalService:
        """Stop offering the service (admins); its visits, bills and history stay."""
        return self._set_active(actor, service_id, False, expected_version)

    def reactivate_service(
        self, actor: Actor, service_id: uuid.UUID, *, expected_version: int
    ) -> DentalService:
        """Offer a deactivated service again (admins)."""
        return self._set_active(actor, service_id, True, expected_version)

    def _set_active(
        self, actor: Actor, service_id: uuid.UUID, active: bool, expected_version: int
    ) -> DentalService:
        require(actor.role, Action.EDIT_SERVICES)
        now = self.context.now()
        with self.context.uow() as uow:
            service, changed = uow.services.update(
                service_id, expected_version, {"is_active": active}, by=actor.user_id, at=now
            )
            if not changed:
                return service
            what = "reactivated" if active else "deactivated"
            audit.record(
                uow,
                actor,
                "reactivate_service" if active else "deactivate_service",
                SERVICE_ENTITY,
                service_id,
                at=now,
                details={"name": service.name, "version": service.version},
            )
            self._changed(uow, service_id, what)
            uow.commit()
        return service

    def delete_service(self, actor: Actor, service_id: uuid.UUID) -> None:
        """Remove a service nothing refers to (admins); a service booked, billed, charted
        or with supplies is refused: "in use: deactivate it instead"."""
        require(actor.role, Action.EDIT_SERVICES)
        now = self.context.now()
        with self.context.uow() as uow:
            service = uow.services.get(service_id)
            if service is None:
                raise NotFoundError("That service is not in the catalogue")
            usage = uow.services.usage(service_id)
            if usage.in_use:
                raise ConflictError(
                    f"{service.name} is in use ({_usage_text(usage)}): deactivate it "
                    "instead, which keeps its history",
                    field="service",
                )
            uow.services.delete(service_id)
            audit.record(
                uow,
                actor,
                "delete_service",
                SERVICE_ENTITY,
                service_id,
                at=now,
                details={"name": service.name, "category": service.category},
            )
            self._changed(uow, service_id, "deleted")
            uow.commit()
        log.info("service %s deleted", service_id)

    # -- supplies (issue 7) -------------------------------------------------------------------
    def mappings(self, actor: Actor, service_id: uuid.UUID) -> tuple[SupplyMappingView, ...]:
        """The inventory items the service uses, in the order the completion deducts them."""
        require(actor.role, Action.VIEW_SERVICES)
        with self.context.uow(write=False) as uow:
            if uow.services.get(service_id) is None:
                raise NotFoundError("That service is not in the catalogue")
            return uow.services.supply_mappings(service_id)

    def save_mappings(
        self,
        actor: Actor,
        service_id: uuid.UUID,
        mappings: Sequence[MappingDraft],
        *,
        expected: Sequence[MappingDraft] | None = None,
    ) -> tuple[SupplyMappingView, ...]:
        """Replace the service's supplies by ``mappings`` in one transaction (admins).

        Each row: an active inventory item used once per service; quantity used at least
        1 (or 0 with a per-tooth quantity); a per-tooth quantity (above 0) or none;
        alternatives that are active items, other than the row's own, each once. Errors
        name the row and column (:func:`mapping_field`). With ``expected`` (the set as
        the editor read it), a set saved by someone else meanwhile is refused with
        ``StaleRecordError``.
        """
        require(actor.role, Action.EDIT_INVENTORY)
        now = self.context.now()
        with self.context.uow() as uow:
            service = uow.services.get(service_id)
            if service is None:
                raise NotFoundError("That service is not in the catalogue")
            before = uow.services.supply_mappings(service_id)
            current = [view.to_draft() for view in before]
            if expected is not None and not _same_set(current, expected):
                raise self._stale_supplies(uow, service)
            cleaned = self._clean_mappings(uow, mappings, {d.item_id for d in current})
            if _same_set(current, cleaned):
                return before
            uow.services.replace_mappings(service_id, cleaned, at=now)
            saved = uow.services.supply_mappings(service_id)
            audit.record(
                uow,
                actor,
                SAVE_SUPPLIES,
                SERVICE_ENTITY,
                service_id,
                at=now,
                details={
                    "before": [_mapping_audit(view) for view in before],
                    "after": [_mapping_audit(view) for view in saved],
                },
            )
            self._changed(uow, service_id, "supplies_saved")
            uow.commit()
        return saved

    def _clean_mappings(
        self, uow: UnitOfWork, mappings: Sequence[MappingDraft], already: set[uuid.UUID]
    ) -> list[MappingDraft]:
        wanted = {ident for m in mappings for ident in (m.item_id, *m.alternatives)}
        items = uow.services.supply_items(wanted)
        seen: dict[uuid.UUID, int] = {}
        cleaned = []
        for row, draft in enumerate(mappings):
            field = mapping_field(row, "item")
            item = items.get(draft.item_id)
            if item is None:
                raise ValidationError("Choose an item from the inventory", field=field)
            if not item.is_active:
                raise ValidationError(
                    f"{item.name} is no longer stocked: choose another item or remove the row",
                    field=field,
                )
            if draft.item_id in seen:
                raise ValidationError(
                    f"{item.name} is already on row {seen[draft.item_id] + 1}: one row per item",
                    field=field,
                )
            seen[draft.item_id] = row
            per_tooth = None
            if draft.per_tooth_quantity not in (None, ""):
                per_tooth = _quantity(
                    draft.per_tooth_quantity,
                    mapping_field(row, "per_tooth_quantity"),
                    "quantity per tooth",
                    Decimal("0.01"),
                )
            # Counted per tooth, an item may use nothing per visit besides (the demo's
            # anaesthetic: 0 per visit, 2 per tooth); otherwise a visit uses at least one.
            quantity = _quantity(
                draft.quantity_used,
                mapping_field(row, "quantity_used"),
                "quantity used",
                Decimal(0) if per_tooth is not None else Decimal(1),
            )
            alternatives: list[uuid.UUID] = []
            alt_field = mapping_field(row, "alternatives")
            for alternative in draft.alternatives:
                alt = items.get(alternative)
                if alt is None:
                    raise ValidationError("An alternative is not in the inventory", field=alt_field)
                if alternative == draft.item_id:
                    raise ValidationError(f"{item.name} can't stand in for itself", field=alt_field)
                if not alt.is_active:
                    raise ValidationError(
                        f"{alt.name} is no longer stocked: remove it from the alternatives",
                        field=alt_field,
                    )
                if alternative in alternatives:
                    raise ValidationError(
                        f"{alt.name} is listed twice as an alternative", field=alt_field
                    )
                alternatives.append(alternative)
            cleaned.append(
                MappingDraft(
                    item_id=draft.item_id,
                    quantity_used=quantity,
                    per_tooth_quantity=per_tooth,
                    is_required=bool(draft.is_required),
                    alternatives=tuple(alternatives),
                )
            )
        return cleaned

    def _stale_supplies(self, uow: UnitOfWork, service: DentalService) -> StaleRecordError:
        name = service.name
        saved = next(
            (
                entry
                for entry in uow.audit.recent(SERVICE_ENTITY, service.id, 50)
                if entry.action == SAVE_SUPPLIES
            ),
            None,
        )
        who = saved.user_email if saved is not None else None
        when: datetime | None = saved.at if saved is not None else None
        message = f"{who or 'Someone else'} changed the supplies of {name}"
        if when is not None:
            local = when.astimezone()
            message += f" at {local:%H:%M} on {local:%d %b %Y}"
        return StaleRecordError(
            message + " while you were editing them; reload to see theirs.",
            changed_by=who,
            changed_at=when,
        )

    # -- plumbing ---------------------------------------------------------------------------
    def _refuse_taken_name(self, uow: UnitOfWork, name: str, service_id: uuid.UUID | None) -> None:
        taken = uow.services.name_taken(name, other_than=service_id)
        if taken is not None:
            # The database refuses a name taken meanwhile with this same error.
            raise name_taken_error(taken)

    def _changed(self, uow: UnitOfWork, service_id: uuid.UUID, what: str) -> None:
        uow.drop_cache(cache_keys.service(service_id))
        uow.announce(SERVICE_ENTITY, service_id, what)


def _same_set(current: Sequence[MappingDraft], other: Sequence[MappingDraft]) -> bool:
    def key(draft: MappingDraft) -> tuple[Any, ...]:
        per_tooth = draft.per_tooth_quantity
        return (
            draft.item_id,
            Decimal(draft.quantity_used),
            None if per_tooth in (None, "") else Decimal(per_tooth),
            bool(draft.is_required),
            tuple(draft.alternatives),
        )

    return [key(d) for d in current] == [key(d) for d in other]


def _usage_text(usage: Any) -> str:
    parts = []
    for count, one, many in (
        (usage.appointment_lines, "appointment", "appointments"),
        (usage.bill_items, "bill item", "bill items"),
        (usage.treatments, "charted treatment", "charted treatments"),
        (usage.supply_mappings, "supply", "supplies"),
    ):
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, PricingModel | ToothChartUse):
        return value.value
    return value


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in values.items()}


def _mapping_audit(view: SupplyMappingView) -> dict[str, Any]:
    return {
        "item_id": str(view.item.id),
        "quantity_used": str(view.quantity_used),
        "per_tooth_quantity": None
        if view.per_tooth_quantity is None
        else str(view.per_tooth_quantity),
        "is_required": view.is_required,
        "alternatives": [str(ref.id) for ref in view.alternatives],
    }
