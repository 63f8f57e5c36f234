"""The Inventory section end to end on the real services (SQLite): the items with their
stock bars at every alert level and the filters, an item's ledger, Move stock… refused
below zero with the stock there is, the item form's errors, the low-stock list, the
restock requests and their steps, and the main window's low-stock badge following the
bus. Every screen is rendered to a PNG."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.domain.enums import MovementType, RestockStatus, Role
from dcms_desktop.domain.readmodels.inventory import InventoryItemView, StockMovementView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService, ItemForm
from dcms_desktop.views.inventory.item_dialog import ItemDialog
from dcms_desktop.views.inventory.ledger_dialog import ItemLedgerDialog
from dcms_desktop.views.inventory.low_stock_badge import LowStockMonitor
from dcms_desktop.views.inventory.models import ledger_reference
from dcms_desktop.views.inventory.page import LOW_TAB, REQUESTS_TAB, InventoryPage
from dcms_desktop.views.inventory.stock_bar import stock_bar_geometry
from dcms_desktop.views.inventory.stock_dialogs import MoveStockDialog, OrderDialog
from dcms_desktop.views.main_window import MainWindow, StatusInfo
from tests.factories import (
    actor_for,
    make_admin,
    make_appointment,
    make_patient,
    make_staff,
    write_session,
)

WAIT = 10_000


@dataclass
class Stockroom:
    context: ServiceContext
    service: InventoryService
    admin: Actor
    staff: Actor
    bus: LocalEventBus
    items: dict[str, InventoryItemView]

    @property
    def today(self) -> date:
        return self.context.local_now().date()


def _form(name: str, category: str, unit: str, cost: str, low: int, high: int, **kw) -> ItemForm:
    return ItemForm(
        name=name,
        category=category,
        unit=unit,
        cost_per_unit=Decimal(cost),
        min_stock=low,
        max_stock=high,
        **kw,
    )


@pytest.fixture
def stockroom(sqlite_database: Database) -> Iterator[Stockroom]:
    """A clinic's stock room with items at every alert level, a ledger with every kind
    of movement, and restock requests in every status."""
    bus = LocalEventBus()
    context = ServiceContext(sqlite_database, MemoryCache(), bus, "front-desk-1")
    with write_session(sqlite_database) as session:
        admin = actor_for(make_admin(session, first_name="Ana", last_name="Reyes"))
        staff = actor_for(make_staff(session, first_name="Ben", last_name="Cruz"))
        patient = make_patient(session, first_name="Maria", last_name="Santos")
        visit = make_appointment(
            session,
            patient=patient,
            dentist=None,
            start=datetime.combine(context.local_now().date(), time(10, 0)),
            status="completed",
        ).id
    service = InventoryService(context)
    today = context.local_now().date()
    specs = {
        "lido": (
            _form("Lidocaine 2% with epinephrine", "Anesthetics", "cartridge", "18.75", 40, 200,
                  expiration_date=today + timedelta(days=20), supplier="DentaSupply Manila",
                  storage_location="Drug cabinet", description="1.8 ml cartridges"),
            120,
        ),
        "arti": (
            _form("Articaine 4%", "Anesthetics", "cartridge", "24.00", 40, 200,
                  expiration_date=today + timedelta(days=240), storage_location="Drug cabinet"),
            15,
        ),
        "gloves": (
            _form("Nitrile gloves, medium", "Infection control", "box", "380.00", 6, 24,
                  supplier="MedPro", storage_location="Store room A1"),
            5,
        ),
        "ejectors": (
            _form("Saliva ejectors", "Infection control", "bag", "210.00", 4, 12,
                  storage_location="Operatory drawers"),
            1,
        ),
        "composite": (
            _form("Composite A2", "Restorative", "syringe", "1250.00", 4, 16,
                  expiration_date=today + timedelta(days=400), storage_location="Operatory 1"),
            12,
        ),
        "masks": (
            _form("Surgical face masks", "Infection control", "box", "250.00", 6, 24,
                  storage_location="Store room A2"),
            30,
        ),
        "peroxide": (
            _form("Hydrogen peroxide 3%", "Medications", "bottle", "85.00", 2, 10,
                  expiration_date=today + timedelta(days=60), storage_location="Sterilization"),
            4,
        ),
    }  # fmt: skip
    items = {
        key: service.create_item(admin, form, opening_stock=n) for key, (form, n) in specs.items()
    }
    # The lidocaine's ledger: every kind of movement, down to zero, and a shortfall.
    lido = items["lido"].id
    service.move_stock(staff, lido, -30, MovementType.DEDUCTION, "Used for fillings")
    service.move_stock(admin, lido, 50, MovementType.RESTOCK, "Delivery received",
                       unit_cost=Decimal("18.50"))  # fmt: skip
    service.move_stock(admin, lido, -4, MovementType.ADJUSTMENT, "Stock count")
    service.move_stock(admin, lido, -10, MovementType.EXPIRED, "Past its expiration date")
    service.move_stock(staff, lido, -2, MovementType.DAMAGED, "Dropped on the floor")
    service.move_stock(staff, lido, -124, MovementType.DEDUCTION, "Used for extractions",
                       reference_id=visit, reference_type="appointment")  # fmt: skip
    with context.uow() as uow:
        uow.inventory.record_shortfall(
            lido,
            "Short by 2 cartridge for Extraction; needs review",
            performed_by=staff.user_id,
            reference_id=visit,
            reference_type="appointment",
            short_by=2,
        )
        uow.commit()
    # The peroxide expired on the shelf (written as time passing would leave it).
    with context.uow() as uow:
        item = items["peroxide"]
        uow.inventory.update_item(
            item.id, item.version, {"expiration_date": today - timedelta(days=5)}, by=None,
            at=item.updated_at,
        )  # fmt: skip
        uow.commit()
    # Requests: the lidocaine's drafted by its moves, the others by hand.
    gloves = service.request_restock(staff, items["gloves"].id, 19, reason="Stock low: 5 of 6")
    approved = service.approve_restock(admin, gloves.id, expected_version=gloves.version)
    ejectors = service.request_restock(staff, items["ejectors"].id, 11, reason="Running out")
    ejectors = service.approve_restock(admin, ejectors.id, expected_version=ejectors.version)
    service.order_restock(
        staff, ejectors.id, expected_version=ejectors.version, order_date=today,
        supplier_order_id="MP-20931", expected_delivery=today + timedelta(days=3),
    )  # fmt: skip
    masks = service.request_restock(staff, items["masks"].id, 10, reason="Flu season")
    service.cancel_restock(admin, masks.id, "Enough on the shelf", expected_version=masks.version)
    assert approved.status is RestockStatus.APPROVED
    items = {key: service.item(admin, item.id) for key, item in items.items()}
    yield Stockroom(context, service, admin, staff, bus, items)


def _page(qtbot, stockroom: Stockroom, actor: Actor | None = None) -> InventoryPage:
    page = InventoryPage(
        None, actor or stockroom.admin, service=stockroom.service, bus=stockroom.bus
    )
    qtbot.addWidget(page)
    page.resize(1176, 700)  # the work area of a 1366×768 screen beside the section list
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(
        lambda: page.items_model.rowCount() > 0 and not page.busy.isVisible(), timeout=WAIT
    )
    return page


def _names(page: InventoryPage) -> list[str]:
    proxy = page.items_proxy
    return [proxy.index(row, 0).data() for row in range(proxy.rowCount())]


def _shot(qtbot, screenshot, widget, name: str) -> None:
    qtbot.wait(50)  # let the layouts settle after the last change
    screenshot(widget, name)


def _wait_idle(qtbot, page: InventoryPage) -> None:
    qtbot.waitUntil(lambda: all(t.done for t in page._tasks.values()), timeout=WAIT)
    qtbot.wait(10)


# -- pure geometry ---------------------------------------------------------------------------
def test_the_stock_bar_fills_to_stock_over_maximum_and_ticks_the_minimum() -> None:
    half = stock_bar_geometry(0, 0, 200, 24, 50, 20, 100, text_width=60)
    left, _top, width, _h = half.track
    assert half.fill[2] == pytest.approx(width / 2)
    assert half.minimum_x == pytest.approx(left + width * 0.2)
    assert half.text[0] >= left + width
    over = stock_bar_geometry(0, 0, 200, 24, 130, 20, 100, text_width=60)
    assert over.fill[2] == pytest.approx(over.track[2] * 1.0)  # full, not beyond
    empty = stock_bar_geometry(0, 0, 200, 24, 0, 0, 100, text_width=60)
    assert empty.fill[2] == 0 and empty.minimum_x is None


def test_a_ledger_reference_reads_as_words_even_when_what_it_names_is_gone() -> None:
    ident = uuid.UUID("1a2b3c4d-0000-4000-8000-000000000000")
    moved = StockMovementView(
        id=uuid.uuid4(), item_id=uuid.uuid4(), movement_type=MovementType.DEDUCTION,
        quantity=-1, previous_stock=2, new_stock=1, unit_cost=None, total_cost=None,
        reason="Used", reference_id=ident, reference_type="appointment", needs_review=False,
        performed_by=None, timestamp=datetime(2026, 11, 3, 9, 0),
    )  # fmt: skip
    assert ledger_reference(moved) == "Visit 1a2b3c4d"  # the visit is not there any more
    seen = replace(moved, visit_patient="Maria Santos", visit_date=date(2026, 11, 3))
    assert ledger_reference(seen) == "Visit of Maria Santos, 3 Nov 2026"
    request = replace(moved, reference_type="restock_request")
    assert ledger_reference(request) == "Restock request 1a2b3c4d"  # not ordered yet
    assert ledger_reference(replace(request, supplier_order_id="MP-20931")) == (
        "Restock request MP-20931"
    )
    assert ledger_reference(replace(moved, reference_type=None, reference_id=None)) == ""


# -- the items tab ---------------------------------------------------------------------------
def test_items_show_stock_bars_at_every_alert_level_and_the_filters_narrow_them(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    page = _page(qtbot, stockroom)
    _wait_idle(qtbot, page)
    assert page.items_model.rowCount() == 7
    levels = {i.name: i.alert_level.value for i in page.items_model.rows()}
    assert set(levels.values()) == {"critical", "urgent", "low", "normal"}
    assert page.tabs.tabText(LOW_TAB) == "&Low stock (4)"
    assert "3 open" in page.tabs.tabText(REQUESTS_TAB)  # one drafted by the moves
    page.select_item(stockroom.items["lido"].id)
    _shot(qtbot, screenshot, page, "inventory_items")

    page.level.setCurrentIndex(1)  # critical or urgent
    _wait_idle(qtbot, page)
    assert sorted(_names(page)) == [
        "Articaine 4%",
        "Lidocaine 2% with epinephrine",
        "Saliva ejectors",
    ]
    page.level.setCurrentIndex(0)
    page.expired.setChecked(True)
    _wait_idle(qtbot, page)
    assert _names(page) == ["Hydrogen peroxide 3%"]
    page.expired.setChecked(False)
    page.expiring.setChecked(True)
    _wait_idle(qtbot, page)
    assert sorted(_names(page)) == ["Hydrogen peroxide 3%", "Lidocaine 2% with epinephrine"]
    page.expiring.setChecked(False)
    page.category.setCurrentIndex(page.category.findData("Restorative"))
    _wait_idle(qtbot, page)
    assert _names(page) == ["Composite A2"]
    page.category.setCurrentIndex(0)
    page.focus_search()
    qtbot.keyClicks(page.search, "store room")
    qtbot.waitUntil(lambda: len(_names(page)) == 2, timeout=WAIT)
    assert sorted(_names(page)) == ["Nitrile gloves, medium", "Surgical face masks"]


def test_staff_see_no_item_editing_but_may_move_stock(qtbot, stockroom: Stockroom) -> None:
    page = _page(qtbot, stockroom, stockroom.staff)
    assert not page.new_action.isVisible() and not page.edit_action.isVisible()
    assert page.move_action.isVisible()
    assert not page.approve_action.isVisible() and not page.cancel_action.isVisible()
    assert page.order_action.isVisible() and page.receive_action.isVisible()


def test_deactivating_an_item_takes_it_off_the_list_until_show_inactive(
    qtbot, stockroom: Stockroom
) -> None:
    page = _page(qtbot, stockroom)
    page.confirm = lambda _title, _text: True
    page.select_item(stockroom.items["composite"].id)
    page.active_action.trigger()
    qtbot.waitUntil(lambda: "deactivated" in page.message_text(), timeout=WAIT)
    _wait_idle(qtbot, page)
    assert "Composite A2" not in _names(page)
    page.inactive.setChecked(True)
    _wait_idle(qtbot, page)
    assert "Composite A2 (inactive)" in _names(page)


# -- the item's ledger -----------------------------------------------------------------------
def test_an_items_ledger_lists_every_movement_with_who_and_the_review_flag(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    # The lidocaine's drafted request goes through to a delivery: a restock with a reference.
    service, admin, lido = stockroom.service, stockroom.admin, stockroom.items["lido"].id
    request = next(r for r in service.restock_requests(admin) if r.item_id == lido)
    request = service.approve_restock(admin, request.id, expected_version=request.version)
    request = service.order_restock(
        admin, request.id, expected_version=request.version, order_date=stockroom.today,
        supplier_order_id="DS-4471",
    )  # fmt: skip
    service.receive_restock(
        admin, request.id, expected_version=request.version, actual_delivery=stockroom.today,
        quantity=request.requested_quantity, unit_cost=Decimal("18.75"),
    )  # fmt: skip
    page = _page(qtbot, stockroom)
    page.select_item(lido)
    page.ledger_action.trigger()
    dialog = page.ledger
    assert isinstance(dialog, ItemLedgerDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 9, timeout=WAIT)
    by_reason = {
        dialog.proxy.index(r, 4).data(): dialog.proxy.index(r, 6).data()
        for r in range(dialog.proxy.rowCount())
    }
    visit = f"Visit of Maria Santos, {stockroom.today.day} {stockroom.today:%b %Y}"
    assert by_reason["Used for extractions"] == visit
    assert by_reason["Short by 2 cartridge for Extraction; needs review"] == visit
    assert by_reason["Restock request received (DS-4471)"] == "Restock request DS-4471"
    assert by_reason["Used for fillings"] == ""  # moved by hand: no reference
    shortfall = next(m for m in dialog.movements if m.needs_review)
    assert shortfall.short_by == 2
    review = next(r for r in range(dialog.proxy.rowCount()) if dialog.proxy.index(r, 7).data())
    assert dialog.proxy.index(review, 7).data() == "Needs review"
    assert dialog.proxy.index(review, 5).data() == "Ben Cruz"
    assert dialog.proxy.index(0, 0).data()
    texts = {dialog.proxy.index(r, 1).data() for r in range(dialog.proxy.rowCount())}
    assert texts == {"Adjustment", "Deduction", "Restock", "Expired", "Damaged"}
    assert "1 need review" in dialog.count.text()
    assert dialog.move_button.isEnabled()
    _shot(qtbot, screenshot, dialog, "inventory_ledger")
    dialog.close()


def test_an_inactive_items_ledger_does_not_offer_to_move_its_stock(
    qtbot, stockroom: Stockroom
) -> None:
    masks = stockroom.items["masks"]
    stockroom.service.set_item_active(
        stockroom.admin, masks.id, False, expected_version=masks.version
    )
    page = _page(qtbot, stockroom)
    page.inactive.setChecked(True)
    qtbot.waitUntil(lambda: page.select_item(masks.id), timeout=WAIT)
    assert not page.move_action.isEnabled()
    page.ledger_action.trigger()
    dialog = page.ledger
    assert isinstance(dialog, ItemLedgerDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=WAIT)
    assert dialog.title.text() == "Surgical face masks (inactive)"
    assert not dialog.move_button.isEnabled()
    dialog.close()


# -- moving stock ----------------------------------------------------------------------------
def test_a_move_below_zero_is_refused_next_to_the_quantity_with_the_stock_there_is(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    gloves = stockroom.items["gloves"]
    dialog = MoveStockDialog(stockroom.service, stockroom.staff, gloves)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_choice(MovementType.DAMAGED, -1)
    dialog.quantity.setValue(3)
    # Meanwhile another workstation takes four boxes: the dialog's figure is old.
    stockroom.service.move_stock(stockroom.admin, gloves.id, -4, MovementType.DEDUCTION, "Used")
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.error_of("quantity")), timeout=WAIT)
    assert dialog.error_of("quantity") == "Only 1 box of Nitrile gloves, medium left; can't take 3"
    assert dialog.isVisible() and dialog.quantity.value() == 3
    assert "1 box in stock" in dialog.intro.text()  # the figure is brought up to date
    _shot(qtbot, screenshot, dialog, "inventory_move_refused")

    dialog.reason.setCurrentText("")
    dialog.quantity.setValue(1)
    dialog.save()
    assert dialog.error_of("reason") == "Say why the stock changes"
    dialog.reason.setCurrentText("Box torn open")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    assert dialog.result_value.new_stock == 0


def test_moving_stock_from_the_page_refreshes_the_row(qtbot, stockroom: Stockroom) -> None:
    page = _page(qtbot, stockroom)
    page.select_item(stockroom.items["gloves"].id)
    page.move_action.trigger()
    qtbot.waitUntil(lambda: isinstance(page.dialog, MoveStockDialog), timeout=WAIT)
    dialog = page.dialog
    assert isinstance(dialog, MoveStockDialog)
    dialog.set_choice(MovementType.RESTOCK, 1)
    dialog.quantity.setValue(10)
    dialog.unit_cost.setText("375.50")
    dialog.save()
    qtbot.waitUntil(lambda: "5 → 15" in page.message_text(), timeout=WAIT)
    _wait_idle(qtbot, page)
    row = page.items_model.row_of(stockroom.items["gloves"].id)
    assert row is not None and page.items_model.row_at(row).current_stock == 15


# -- the item form ---------------------------------------------------------------------------
def test_the_item_form_shows_errors_next_to_the_fields_and_creates_the_item(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    dialog = ItemDialog(
        stockroom.service, stockroom.admin, None, categories=["Anesthetics", "Restorative"],
        today=stockroom.today,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "Articaine 4%")
    dialog.category.setCurrentText("Anesthetics")
    qtbot.keyClicks(dialog.unit, "cartridge")
    qtbot.keyClicks(dialog.cost, "-3")
    dialog.max_stock.setValue(10)
    dialog.min_stock.setValue(20)
    dialog.expires.setChecked(False)
    assert dialog.error_of("cost_per_unit") == "A cost can't be negative"
    assert dialog.error_of("min_stock") == "The minimum can't be above the maximum"
    assert dialog.error_of("expiration_date") == "Anesthetics must carry an expiration date"
    dialog.save()
    assert dialog.result_value is None
    _shot(qtbot, screenshot, dialog, "inventory_item_form_errors")

    dialog.cost.clear()  # required: a blank cost is not saved as 0.00
    dialog.max_stock.setValue(200)
    dialog.expires.setChecked(True)
    dialog.save()
    assert dialog.error_of("cost_per_unit")
    assert dialog.result_value is None and not dialog.busy_now

    dialog.cost.setText("24.00")
    dialog.max_stock.setValue(200)
    dialog.expires.setChecked(True)
    dialog.save()  # the name is taken: the service says so next to the name
    qtbot.waitUntil(lambda: bool(dialog.error_of("name")), timeout=WAIT)
    assert dialog.error_of("name") == "There is already an item called Articaine 4%"
    dialog.name.setText("Articaine 4% (Septanest)")
    dialog.stock.setValue(60)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    created = dialog.result_value
    assert created.current_stock == 60 and created.min_stock == 20
    assert stockroom.service.reconciliation(stockroom.admin) == []


def test_editing_an_item_is_refused_when_someone_saved_it_first(
    qtbot, stockroom: Stockroom
) -> None:
    masks = stockroom.items["masks"]
    dialog = ItemDialog(stockroom.service, stockroom.admin, masks, today=stockroom.today)
    qtbot.addWidget(dialog)
    dialog.show()
    stockroom.service.update_item(
        stockroom.admin,
        masks.id,
        replace(ItemForm.from_item(masks), supplier="Someone else's supplier"),
        expected_version=masks.version,
    )
    dialog.min_stock.setValue(8)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.stale.isVisible(), timeout=WAIT)
    assert stockroom.admin.email in dialog.stale.text()
    assert dialog.min_stock.value() == 8


def _edit_from_page(qtbot, stockroom: Stockroom, key: str) -> tuple[InventoryPage, ItemDialog]:
    page = _page(qtbot, stockroom)
    assert page.select_item(stockroom.items[key].id)
    page.edit_action.trigger()
    dialog = page.dialog
    assert isinstance(dialog, ItemDialog)
    return page, dialog


def test_an_open_item_takes_in_a_save_made_elsewhere_and_keeps_the_edits_typed(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    masks = stockroom.items["masks"]
    _owner, dialog = _edit_from_page(qtbot, stockroom, "masks")
    dialog.min_stock.setValue(8)
    dialog.supplier.setText("MedPro North")
    stockroom.service.update_item(  # the other workstation
        stockroom.admin,
        masks.id,
        replace(
            ItemForm.from_item(masks), supplier="Someone else's supplier", storage_location="B2"
        ),
        expected_version=masks.version,
    )
    qtbot.waitUntil(lambda: dialog.storage_location.text() == "B2", timeout=WAIT)
    assert dialog.min_stock.value() == 8
    assert dialog.supplier.text() == "MedPro North"
    assert "Someone else's supplier" in dialog.errors["supplier"].text()
    assert "Their changes are in, with yours on top" in dialog.stale.text()
    _shot(qtbot, screenshot, dialog, "inventory_item_changed_elsewhere")
    dialog.save()  # on their version: goes through, nothing of theirs is lost
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    saved = stockroom.service.item(stockroom.admin, masks.id)
    assert (saved.min_stock, saved.supplier, saved.storage_location) == (8, "MedPro North", "B2")


def test_an_untouched_open_item_shows_the_new_stock_and_the_new_values(
    qtbot, stockroom: Stockroom
) -> None:
    gloves = stockroom.items["gloves"]
    _owner, dialog = _edit_from_page(qtbot, stockroom, "gloves")
    stockroom.service.move_stock(
        stockroom.staff, gloves.id, -2, MovementType.DEDUCTION, "Used in surgery"
    )
    qtbot.waitUntil(lambda: dialog.stock.value() == 3, timeout=WAIT)
    assert dialog.stale.isHidden()  # a stock move isn't an edit of the item
    stockroom.service.update_item(
        stockroom.admin,
        gloves.id,
        replace(ItemForm.from_item(gloves), cost_per_unit=Decimal("395.00")),
        expected_version=gloves.version,
    )
    qtbot.waitUntil(lambda: dialog.cost.text() == "395.00", timeout=WAIT)
    assert "the form shows their changes" in dialog.stale.text()
    assert all(not dialog.error_of(name) for name in dialog.errors)


# -- low stock and restock requests ----------------------------------------------------------
def test_the_low_stock_list_leads_to_a_restock_request(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    page = _page(qtbot, stockroom)
    page.tabs.setCurrentIndex(LOW_TAB)
    _wait_idle(qtbot, page)
    first = page.alerts_proxy.index(0, 1).data()
    assert first == "Lidocaine 2% with epinephrine"  # critical first
    assert "1</b> critical" in page.low_summary.text()
    _shot(qtbot, screenshot, page, "inventory_low_stock")
    assert page.alerts_proxy.index(0, 6).data() == "Pending: 200"  # drafted by its moves
    assert page.alerts_proxy.index(3, 6).data() == "Approved: 19"
    asked: list[str] = []
    page.confirm = lambda title, _text: asked.append(title) is None
    page.alerts_table.selectRow(0)
    page.low_request_action.trigger()
    assert asked == ["Lidocaine 2% with epinephrine is already requested"]
    dialog = page.dialog
    assert dialog is not None
    assert dialog.quantity.value() == 200  # up to the maximum
    dialog.save()
    qtbot.waitUntil(lambda: "200 is requested" in page.message_text(), timeout=WAIT)


def test_restock_requests_move_through_their_steps_from_the_list(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    page = _page(qtbot, stockroom)
    page.confirm = lambda _title, _text: True
    page.tabs.setCurrentIndex(REQUESTS_TAB)
    page.status_filter.setCurrentIndex(1)  # all
    _wait_idle(qtbot, page)
    statuses = sorted(r.status.value for r in page.requests_model.rows())
    assert statuses == ["approved", "cancelled", "ordered", "pending"]
    _shot(qtbot, screenshot, page, "inventory_requests")

    pending = next(r for r in page.requests_model.rows() if r.status is RestockStatus.PENDING)
    page.select_request(pending.id)
    assert page.approve_action.isEnabled() and not page.receive_action.isEnabled()
    page.approve_action.trigger()
    qtbot.waitUntil(lambda: "approved" in page.message_text(), timeout=WAIT)
    _wait_idle(qtbot, page)
    page.select_request(pending.id)
    assert page.order_action.isEnabled()
    page.order_action.trigger()
    dialog = page.dialog
    assert isinstance(dialog, OrderDialog)
    dialog.save()
    assert dialog.error_of("supplier_order_id") == "Enter the supplier's order number"
    _shot(qtbot, screenshot, dialog, "inventory_order_dialog")
    dialog.order_id.setText("DS-4471")
    dialog.save()
    qtbot.waitUntil(lambda: "is ordered" in page.message_text(), timeout=WAIT)
    _wait_idle(qtbot, page)
    page.select_request(pending.id)
    page.receive_action.trigger()
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog is not dialog, timeout=WAIT)
    page.dialog.save()
    qtbot.waitUntil(lambda: "received into stock" in page.message_text(), timeout=WAIT)


# -- live refresh and the badge --------------------------------------------------------------
def test_a_move_elsewhere_refreshes_the_page_and_the_badge(
    qtbot, stockroom: Stockroom, screenshot
) -> None:
    page = _page(qtbot, stockroom)
    window = MainWindow(
        "DCMS Desktop — demo clinic",
        StatusInfo("SQLite clinic.db", "Live sync: local only", "Workstation: front-desk-1"),
        {"inventory": page},
        role=Role.ADMIN,
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.show_section_key("inventory")
    monitor = LowStockMonitor(stockroom.service, stockroom.admin, stockroom.bus, debounce_ms=50)
    window.watch_badge("inventory", monitor)
    qtbot.waitUntil(lambda: monitor.count == 3, timeout=WAIT)  # 1 critical, 2 urgent
    index = [s.key for s in window.sections].index("inventory")
    assert window.section_badge("inventory") == "3"
    _wait_idle(qtbot, page)
    _shot(qtbot, screenshot, window, "inventory_main_window_badge")

    # Another workstation takes the composite down to 1 syringe: urgent now.
    composite = stockroom.items["composite"]
    stockroom.service.move_stock(stockroom.staff, composite.id, -11, MovementType.DEDUCTION, "Used")
    qtbot.waitUntil(lambda: monitor.count == 4, timeout=WAIT)
    assert window.section_badge("inventory") == "4"
    assert "Composite A2" in window.section_list.item(index).toolTip()
    qtbot.waitUntil(
        lambda: any(i.id == composite.id and i.current_stock == 1 for i in page.items_model.rows()),
        timeout=WAIT,
    )
    window.shut_down()


def test_the_badge_is_empty_when_nothing_is_critical(qtbot, stockroom: Stockroom) -> None:
    window = MainWindow("DCMS", StatusInfo("db", "sync", "ws"), {}, role=Role.STAFF)
    qtbot.addWidget(window)
    window.set_section_badge("inventory", 2, "2 items out")
    index = [s.key for s in window.sections].index("inventory")
    assert window.section_badge("inventory") == "2"
    assert "2 items out" in window.section_list.item(index).toolTip()
    window.set_section_badge("inventory", 0)
    assert window.section_badge("inventory") == ""
    assert window.section_list.item(index).text() == "Inventory"
