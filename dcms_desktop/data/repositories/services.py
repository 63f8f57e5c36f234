"""The service catalogue: its entries, what refers to them, and the supplies they use.

Edits are optimistic: the row's ``version`` makes the UPDATE conditional, so an edit made
on an older version raises ``StaleRecordError`` naming who saved last and when.

A name is unique whatever its case: the service checks before saving, and the database
refuses a name taken meanwhile by another workstation (``uq_services_name_lower``); either
way the admin sees the same :func:`name_taken_error`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from dcms_desktop.data.models import (
    AppointmentService,
    BillItem,
    InventoryItem,
    ServiceInventoryMapping,
    ToothTreatment,
)
from dcms_desktop.data.models import Service as ServiceRow
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.errors import ConflictError, NotFoundError, StaleRecordError
from dcms_desktop.domain.readmodels.catalog import (
    DentalService,
    MappingDraft,
    ServiceUsage,
    SupplyItemRef,
    SupplyMappingView,
)
from dcms_desktop.domain.readmodels.people import full_name

_UPDATER = aliased(UserRow, name="service_updater")
NAME_INDEX = "uq_services_name_lower"
"""The unique index on ``lower(services.name)`` (migration 0004)."""
EDITABLE_FIELDS = (
    "name",
    "description",
    "category",
    "price",
    "duration",
    "pricing_model",
    "tooth_chart_use",
    "is_active",
)
"""The columns an admin edits, as ``add``/``update`` take them."""


@dataclass(frozen=True)
class SupplyMapping:
    """An inventory item a service uses up: ``quantity_used`` per visit, or
    ``per_tooth_quantity`` per tooth treated when set; ``alternatives`` are the items that
    may stand in for it, in the order given."""

    service_id: uuid.UUID
    item_id: uuid.UUID
    quantity_used: Decimal
    per_tooth_quantity: Decimal | None
    is_required: bool
    alternatives: tuple[uuid.UUID, ...]


def _alternatives(raw: list[str] | None) -> tuple[uuid.UUID, ...]:
    found = []
    for value in raw or ():
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # a stray entry in the JSON list is no item: skip it
    return tuple(found)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned values as the columns store them (enums by value)."""
    return {
        name: value.value if isinstance(value, PricingModel | ToothChartUse) else value
        for name, value in values.items()
        if name in EDITABLE_FIELDS
    }


def name_taken_error(taken: str) -> ConflictError:
    """The refusal of a name another service has (``taken``: its saved spelling)."""
    return ConflictError(
        f"There is already a service called “{taken}”: choose another name, or edit that one",
        field="name",
    )


def _is_name_clash(error: IntegrityError) -> bool:
    """Whether ``error`` is the unique name index refusing a row (psycopg names the index
    in its diagnostics; SQLite in the message: "UNIQUE constraint failed: index '…'")."""
    diag = getattr(error.orig, "diag", None)
    if getattr(diag, "constraint_name", None) == NAME_INDEX:
        return True
    return f"index '{NAME_INDEX}'" in str(error.orig)


def _to_service(row: ServiceRow) -> DentalService:
    return DentalService(
        id=row.id,
        name=row.name,
        description=row.description,
        category=row.category,
        price=row.price,
        duration=row.duration,
        pricing_model=PricingModel(row.pricing_model),
        tooth_chart_use=ToothChartUse(row.tooth_chart_use),
        is_active=row.is_active,
        version=row.version,
    )


class ServiceRepository:
    """The service catalogue."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, service_id: uuid.UUID) -> DentalService | None:
        row = self.session.get(ServiceRow, service_id)
        return None if row is None else _to_service(row)

    def search(
        self,
        text: str = "",
        *,
        category: str | None = None,
        pricing_model: PricingModel | None = None,
        active: bool | None = None,
    ) -> tuple[DentalService, ...]:
        """Every service matching all the filters, by category then name. ``text``: each
        word in the name, category or description (case-insensitive)."""
        query = select(ServiceRow)
        for word in text.lower().split():
            pattern = f"%{_escape_like(word)}%"
            query = query.where(
                or_(
                    func.lower(ServiceRow.name).like(pattern, escape="\\"),
                    func.lower(ServiceRow.category).like(pattern, escape="\\"),
                    func.lower(func.coalesce(ServiceRow.description, "")).like(
                        pattern, escape="\\"
                    ),
                )
            )
        if category is not None:
            query = query.where(ServiceRow.category == category)
        if pricing_model is not None:
            query = query.where(ServiceRow.pricing_model == PricingModel(pricing_model).value)
        if active is not None:
            query = query.where(ServiceRow.is_active.is_(active))
        rows = self.session.scalars(
            query.order_by(ServiceRow.category, ServiceRow.name, ServiceRow.id)
        )
        return tuple(_to_service(row) for row in rows)

    def categories(self) -> tuple[str, ...]:
        """The categories in use, alphabetically."""
        rows = self.session.scalars(
            select(ServiceRow.category).distinct().order_by(ServiceRow.category)
        )
        return tuple(rows)

    def name_taken(self, name: str, *, other_than: uuid.UUID | None = None) -> str | None:
        """The saved spelling of another service called ``name`` (whatever its case and
        surrounding spaces), or None."""
        query = select(ServiceRow.name).where(
            func.lower(func.trim(ServiceRow.name)) == name.strip().lower()
        )
        if other_than is not None:
            query = query.where(ServiceRow.id != other_than)
        return self.session.scalars(query.limit(1)).first()

    # -- editing ----------------------------------------------------------------------------
    def add(
        self, values: Mapping[str, Any], *, by: uuid.UUID | None, at: datetime
    ) -> DentalService:
        """A new catalogue entry from cleaned ``values`` (:data:`EDITABLE_FIELDS`)."""
        row = ServiceRow(id=uuid.uuid4(), **_columns(values), updated_by=by)
        row.created_at = at
        row.updated_at = at
        name = row.name
        try:
            # A savepoint keeps the transaction usable after the database refuses the row.
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError as exc:
            if not _is_name_clash(exc):
                raise
            # Another workstation saved the name between the service's check and here.
            raise self._name_clash(name, None) from exc
        return _to_service(row)

    def update(
        self,
        service_id: uuid.UUID,
        expected_version: int,
        values: Mapping[str, Any],
        *,
        by: uuid.UUID | None,
        at: datetime,
    ) -> tuple[DentalService, dict[str, tuple[Any, Any]]]:
        """Save cleaned ``values`` over the entry read at ``expected_version``; returns it
        and the changed fields as ``{name: (before, after)}`` (none: nothing written).
        ``StaleRecordError`` when someone saved it since that version."""
        row = self._row_at(service_id, expected_version)
        wanted = _columns(values)
        changed = {
            name: (getattr(row, name), value)
            for name, value in wanted.items()
            if getattr(row, name) != value
        }
        if changed:
            self._save(row, {name: after for name, (_before, after) in changed.items()}, by, at)
        return _to_service(row), changed

    def delete(self, service_id: uuid.UUID) -> None:
        """Remove an entry nothing refers to; ``ConflictError`` when something does (a
        visit booked meanwhile on another workstation trips the foreign key)."""
        row = self.session.get(ServiceRow, service_id)
        if row is None:
            raise NotFoundError("That service is not in the catalogue")
        try:
            with self.session.begin_nested():
                self.session.delete(row)
                self.session.flush()
        except IntegrityError as exc:
            raise ConflictError(
                f"{row.name} is in use: deactivate it instead", field="service"
            ) from exc

    def usage(self, service_id: uuid.UUID) -> ServiceUsage:
        """How many appointment lines, bill items, supply mappings and charted treatments
        refer to the entry."""

        def count(column: Any) -> int:
            return int(self.session.scalar(select(func.count()).where(column == service_id)) or 0)

        return ServiceUsage(
            appointment_lines=count(AppointmentService.service_id),
            bill_items=count(BillItem.service_id),
            supply_mappings=count(ServiceInventoryMapping.service_id),
            treatments=count(ToothTreatment.service_id),
        )

    def _row_at(self, service_id: uuid.UUID, expected_version: int) -> ServiceRow:
        row = self.session.get(ServiceRow, service_id, populate_existing=True)
        if row is None:
            raise NotFoundError("That service is not in the catalogue")
        if row.version != expected_version:
            raise self.stale_error(service_id)
        return row

    def _save(
        self, row: ServiceRow, columns: Mapping[str, Any], by: uuid.UUID | None, at: datetime
    ) -> None:
        service_id = row.id
        name = columns.get("name", row.name)
        try:
            # A savepoint keeps the transaction usable after a refused UPDATE, to read who
            # saved in between or which service has the name. (The changes are made inside
            # it: opening it flushes whatever is pending.)
            with self.session.begin_nested():
                for column, value in columns.items():
                    setattr(row, column, value)
                row.updated_by = by
                row.updated_at = at
                self.session.flush()
        except StaleDataError:
            raise self.stale_error(service_id) from None
        except IntegrityError as exc:
            if not _is_name_clash(exc):
                raise
            # Another workstation saved the name between the service's check and here.
            raise self._name_clash(name, service_id) from exc

    def _name_clash(self, name: str, service_id: uuid.UUID | None) -> ConflictError:
        with self.session.no_autoflush:
            taken = self.name_taken(name, other_than=service_id)
        return name_taken_error(taken or name)

    def stale_error(self, service_id: uuid.UUID) -> StaleRecordError:
        """The refusal of an edit made on an old version: who saved the entry, and when."""
        with self.session.no_autoflush:
            latest = self.session.execute(
                select(
                    ServiceRow.name,
                    ServiceRow.updated_at,
                    _UPDATER.first_name,
                    _UPDATER.last_name,
                    _UPDATER.email,
                )
                .outerjoin(_UPDATER, _UPDATER.id == ServiceRow.updated_by)
                .where(ServiceRow.id == service_id)
            ).one()
        who = None
        if latest.first_name or latest.last_name:
            who = full_name(latest.first_name or "", latest.last_name or "")
        elif latest.email:
            who = latest.email
        local = latest.updated_at.astimezone()
        return StaleRecordError(
            f"{who or 'Someone'} changed {latest.name} at {local:%H:%M} on {local:%d %b %Y} "
            "while you were editing it; reload it to see their changes.",
            changed_by=who,
            changed_at=latest.updated_at,
        )

    # -- supplies ---------------------------------------------------------------------------
    def supply_items(self, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, SupplyItemRef]:
        """The inventory items with these ids (active or not); unknown ids are absent."""
        wanted = list(dict.fromkeys(item_ids))
        if not wanted:
            return {}
        rows = self.session.execute(
            select(
                InventoryItem.id, InventoryItem.name, InventoryItem.unit, InventoryItem.is_active
            ).where(InventoryItem.id.in_(wanted))
        )
        return {row.id: SupplyItemRef(row.id, row.name, row.unit, row.is_active) for row in rows}

    def supply_mappings(self, service_id: uuid.UUID) -> tuple[SupplyMappingView, ...]:
        """The supplies the service uses, with the items' names, in the order the
        completion deducts them (:meth:`mappings_for`)."""
        mappings = self.mappings_for([service_id]).get(service_id, ())
        items = self.supply_items(ident for m in mappings for ident in (m.item_id, *m.alternatives))

        def ref(item_id: uuid.UUID) -> SupplyItemRef:
            return items.get(item_id) or SupplyItemRef(item_id, "(removed item)", "", False)

        return tuple(
            SupplyMappingView(
                service_id=service_id,
                item=ref(m.item_id),
                quantity_used=m.quantity_used,
                per_tooth_quantity=m.per_tooth_quantity,
                is_required=m.is_required,
                alternatives=tuple(ref(a) for a in m.alternatives),
            )
            for m in mappings
        )

    def replace_mappings(
        self, service_id: uuid.UUID, drafts: Sequence[MappingDraft], *, at: datetime
    ) -> None:
        """Replace the service's supplies by cleaned ``drafts`` (in this transaction);
        ``created_at`` steps by a microsecond so :meth:`mappings_for` keeps their order."""
        m = ServiceInventoryMapping
        self.session.execute(delete(m).where(m.service_id == service_id))
        for position, draft in enumerate(drafts):
            self.session.add(
                m(
                    id=uuid.uuid4(),
                    service_id=service_id,
                    inventory_item_id=draft.item_id,
                    quantity_used=Decimal(draft.quantity_used),
                    per_tooth_quantity=None
                    if draft.per_tooth_quantity is None
                    else Decimal(draft.per_tooth_quantity),
                    is_required=draft.is_required,
                    alternative_items=[str(a) for a in draft.alternatives] or None,
                    created_at=at + timedelta(microseconds=position),
                )
            )
        self.session.flush()

    def list_active(self) -> tuple[DentalService, ...]:
        """The services that can be booked, by category then name."""
        rows = self.session.scalars(
            select(ServiceRow)
            .where(ServiceRow.is_active.is_(True))
            .order_by(ServiceRow.category, ServiceRow.name, ServiceRow.id)
        )
        return tuple(_to_service(row) for row in rows)

    def by_ids(self, service_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DentalService]:
        """The services with these ids (active or not) in one statement; ids that don't
        exist are simply absent from the result."""
        wanted = list(dict.fromkeys(service_ids))
        if not wanted:
            return {}
        rows = self.session.scalars(select(ServiceRow).where(ServiceRow.id.in_(wanted)))
        return {row.id: _to_service(row) for row in rows}

    def mappings_for(
        self, service_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[SupplyMapping, ...]]:
        """The supplies each of these services uses, in one statement; services without
        any are absent. Within a service, by creation then id (a stable order)."""
        wanted = list(dict.fromkeys(service_ids))
        if not wanted:
            return {}
        m = ServiceInventoryMapping
        rows = self.session.scalars(
            select(m).where(m.service_id.in_(wanted)).order_by(m.created_at, m.id)
        )
        found: dict[uuid.UUID, list[SupplyMapping]] = {}
        for row in rows:
            found.setdefault(row.service_id, []).append(
                SupplyMapping(
                    service_id=row.service_id,
                    item_id=row.inventory_item_id,
                    quantity_used=row.quantity_used,
                    per_tooth_quantity=row.per_tooth_quantity,
                    is_required=row.is_required,
                    alternatives=_alternatives(row.alternative_items),
                )
            )
        return {service_id: tuple(mappings) for service_id, mappings in found.items()}
