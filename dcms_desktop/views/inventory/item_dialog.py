"""The item form (admins): every field of an inventory item, checked as it is typed.

New items also take their opening stock, which the service brings in as an
"Opening stock" adjustment; an existing item's stock is shown but not edited here (it
moves only through Move stock…). Two columns, so the whole form fits a 1366×768 screen.

While an item is open, a save made at another workstation comes in through
:meth:`ItemDialog.changed_elsewhere`: their values fill the form with this person's own
edits kept on top, so the next save neither overwrites theirs nor is refused as stale.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.readmodels.inventory import InventoryItemView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.inventory import (
    InventoryService,
    ItemForm,
    clean_item_form,
    needs_expiry,
)
from dcms_desktop.views.admin.common import merge_edits, when_text
from dcms_desktop.views.change_password import show_message
from dcms_desktop.views.inventory.form_dialog import FormDialog, Work

MAX_COUNT = 1_000_000
_SAMPLE = ItemForm(name="Sample", category="Sample", unit="box", cost_per_unit="1.00")
_CHECKED = (
    "name",
    "category",
    "unit",
    "cost_per_unit",
    "min_stock",
    "max_stock",
    "current_stock",
    "expiration_date",
    "supplier",
    "supplier_contact",
    "storage_location",
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _as_text(value: Any) -> str:
    if value in (None, ""):
        return "nothing"
    return f"{value.day} {value:%b %Y}" if isinstance(value, date) else str(value)


def item_values(item: InventoryItemView) -> dict[str, Any]:
    """``item``'s details as the form shows them (text as typed, "" for nothing)."""
    return {
        "name": item.name,
        "category": item.category,
        "unit": item.unit,
        "cost_per_unit": f"{item.cost_per_unit:.2f}",
        "min_stock": item.min_stock,
        "max_stock": item.max_stock,
        "description": item.description or "",
        "supplier": item.supplier or "",
        "supplier_contact": item.supplier_contact or "",
        "expiration_date": item.expiration_date,
        "storage_location": item.storage_location or "",
    }


class ItemDialog(FormDialog):
    """New item (``item`` None) or edit ``item``; ``result_value`` is the saved item."""

    def __init__(
        self,
        service: InventoryService,
        actor: Actor,
        item: InventoryItemView | None = None,
        *,
        categories: list[str] | None = None,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Edit {item.name}" if item else "New stock item",
            "itemDialog",
            "&Save" if item else "&Create item",
            parent,
            what="this item",
        )
        self._service = service
        self._actor = actor
        self._item = item
        self._today = today or date.today()
        self._build(categories or [])
        if item is not None:
            self._fill(item_values(item))
        else:
            self.expires.setChecked(False)
        self._expiry_toggled()
        self.name.setFocus()
        self.setMinimumWidth(880)

    def _build(self, categories: list[str]) -> None:
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            form.setVerticalSpacing(4)
        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.body.insertLayout(0, columns)

        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category.addItems(categories)
        self.category.setCurrentIndex(-1)
        self.category.lineEdit().setPlaceholderText("e.g. Anesthetics")
        self.unit = QLineEdit()
        self.unit.setMaxLength(50)
        self.unit.setPlaceholderText("box, cartridge, bottle…")
        self.cost = QLineEdit()
        self.cost.setPlaceholderText("0.00")
        self.min_stock = QSpinBox()
        self.max_stock = QSpinBox()
        self.stock = QSpinBox()
        for spin in (self.min_stock, self.max_stock, self.stock):
            spin.setRange(0, MAX_COUNT)
        self.max_stock.setValue(100)
        self.expires = QCheckBox("Has an expiration date")
        self.expires.setObjectName("itemDialog_expires")
        self.expiration = QDateEdit()
        self.expiration.setCalendarPopup(True)
        self.expiration.setDisplayFormat("d MMM yyyy")
        self.expiration.setDate(_qdate(self._today).addYears(1))
        expiry_row = QWidget()
        expiry_layout = QHBoxLayout(expiry_row)
        expiry_layout.setContentsMargins(0, 0, 0, 0)
        expiry_layout.addWidget(self.expires)
        expiry_layout.addWidget(self.expiration, 1)
        self.supplier = QLineEdit()
        self.supplier.setMaxLength(200)
        self.supplier_contact = QLineEdit()
        self.supplier_contact.setMaxLength(255)
        self.supplier_contact.setPlaceholderText("Phone or email for orders")
        self.storage_location = QLineEdit()
        self.storage_location.setMaxLength(100)
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(64)
        self.description.setTabChangesFocus(True)

        self.add_field("&Name", "name", self.name, form=left)
        self.add_field("Ca&tegory", "category", self.category, form=left)
        self.add_field("&Unit", "unit", self.unit, form=left)
        self.add_field("C&ost per unit", "cost_per_unit", self.cost, form=left)
        self.add_field("&Minimum", "min_stock", self.min_stock, form=left)
        self.add_field("Ma&ximum", "max_stock", self.max_stock, form=left)
        if self._item is None:
            self.add_field(
                "Opening stoc&k",
                "current_stock",
                self.stock,
                form=left,
                hint="Enters the ledger as “Opening stock”.",
            )
        else:
            self.stock.setValue(self._item.current_stock)
            self.stock.setReadOnly(True)
            self.add_field(
                "In stock",
                "current_stock",
                self.stock,
                form=left,
                hint="Changes only through Move stock….",
            )
        self.add_field("&Expires", "expiration_date", expiry_row, form=right)
        self.add_field("Su&pplier", "supplier", self.supplier, form=right)
        self.add_field("Supplier &contact", "supplier_contact", self.supplier_contact, form=right)
        self.add_field("Stored &at", "storage_location", self.storage_location, form=right)
        self.add_field("&Description", "description", self.description, form=right)
        self.fields["expiration_date"] = self.expiration  # focus goes to the date itself
        note = QLabel("Name, category, unit and cost are required; the rest is optional.")
        note.setObjectName("itemDialogNote")
        note.setWordWrap(True)
        note.setProperty("role", "hint")
        right.addRow(note)

        self.name.textChanged.connect(lambda _t: self._typed("name"))
        self.category.currentTextChanged.connect(lambda _t: self._category_changed())
        self.unit.textChanged.connect(lambda _t: self._typed("unit"))
        self.cost.textChanged.connect(lambda _t: self._typed("cost_per_unit"))
        self.min_stock.valueChanged.connect(lambda _v: self._typed("min_stock"))
        self.max_stock.valueChanged.connect(lambda _v: self._typed("min_stock"))
        self.expires.toggled.connect(lambda _c: self._expiry_toggled())
        self.expiration.dateChanged.connect(lambda _d: self._typed("expiration_date"))

        order = [
            self.name,
            self.category,
            self.unit,
            self.cost,
            self.min_stock,
            self.max_stock,
            self.stock,
            self.expires,
            self.expiration,
            self.supplier,
            self.supplier_contact,
            self.storage_location,
            self.description,
            self.save_button,
            self.cancel_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    # -- values -----------------------------------------------------------------------------
    def shown_values(self) -> dict[str, Any]:
        """What the form holds, field by field, as typed (see :func:`item_values`)."""
        return {
            "name": self.name.text(),
            "category": self.category.currentText(),
            "unit": self.unit.text(),
            "cost_per_unit": self.cost.text().strip(),
            "min_stock": self.min_stock.value(),
            "max_stock": self.max_stock.value(),
            "description": self.description.toPlainText(),
            "supplier": self.supplier.text(),
            "supplier_contact": self.supplier_contact.text(),
            "expiration_date": (
                _pydate(self.expiration.date()) if self.expires.isChecked() else None
            ),
            "storage_location": self.storage_location.text(),
        }

    def form_values(self) -> ItemForm:
        """What the form holds, as the service takes it (a blank cost stays blank: the
        service refuses it next to the field rather than store 0.00)."""
        return ItemForm(**self.shown_values())

    def _fill(self, values: dict[str, Any]) -> None:
        self.name.setText(values["name"])
        self.category.setCurrentText(values["category"])
        self.unit.setText(values["unit"])
        self.cost.setText(values["cost_per_unit"])
        self.max_stock.setValue(values["max_stock"])
        self.min_stock.setValue(values["min_stock"])
        self.supplier.setText(values["supplier"])
        self.supplier_contact.setText(values["supplier_contact"])
        self.storage_location.setText(values["storage_location"])
        self.description.setPlainText(values["description"])
        self.expires.setChecked(values["expiration_date"] is not None)
        if values["expiration_date"] is not None:
            self.expiration.setDate(_qdate(values["expiration_date"]))

    # -- changes made elsewhere ---------------------------------------------------------------
    @property
    def item_id(self) -> uuid.UUID | None:
        """The item being edited (None for a new one)."""
        return self._item.id if self._item is not None else None

    def changed_elsewhere(self, fresh: InventoryItemView) -> None:
        """``fresh`` is the item as another workstation just left it.

        A stock move only updates the stock shown. A save brings their values in, with the
        fields this person has edited kept as typed; a field both changed gets a note
        saying what theirs was. The form then edits their version, so Save goes through.
        """
        if self._item is None or fresh.id != self._item.id or self.busy_now:
            return
        self.stock.setValue(fresh.current_stock)
        if fresh.version <= self._item.version:
            return
        opened, mine, theirs = item_values(self._item), self.shown_values(), item_values(fresh)
        merged, clashes = merge_edits(opened, mine, theirs)
        edited = any(mine[name] != opened[name] for name in mine)
        self._item = fresh
        self._fill(merged)
        for name in clashes:
            note = f"Also changed there, to “{_as_text(theirs[name])}”; yours is kept."
            show_message(self.errors[name], note, "hint")
        at = when_text(fresh.updated_at)
        said = f"This item was saved at another workstation{f' at {at}' if at else ''}"
        if edited:
            said += ". Their changes are in, with yours on top: check them and save."
        else:
            said += "; the form shows their changes."
        show_message(self.stale, said, "hint")
        self.fit()

    def _expiry_toggled(self) -> None:
        self.expiration.setEnabled(self.expires.isChecked())
        self._typed("expiration_date")

    def _category_changed(self) -> None:
        self._typed("category")
        if needs_expiry(self.category.currentText()) and not self.expires.isChecked():
            self.expires.setChecked(True)
        self._typed("expiration_date")

    # -- checking ---------------------------------------------------------------------------
    def problem(self, field: str) -> str | None:
        """What the service would say about ``field`` as it is now (it checks again)."""
        mine = self.form_values()
        sample = _SAMPLE
        if field in ("name", "category", "unit", "supplier", "supplier_contact"):
            sample = replace(sample, **{field: getattr(mine, field)})
        elif field == "storage_location":
            sample = replace(sample, storage_location=mine.storage_location)
        elif field == "cost_per_unit":
            sample = replace(sample, cost_per_unit=mine.cost_per_unit)
        elif field in ("min_stock", "max_stock"):
            sample = replace(sample, min_stock=mine.min_stock, max_stock=mine.max_stock)
        elif field == "expiration_date":
            sample = replace(
                sample,
                category=mine.category or "Sample",
                expiration_date=mine.expiration_date,
            )
        before = self._item.expiration_date if self._item is not None else None
        try:
            clean_item_form(sample, today=self._today, expiry_before=before)
        except ValidationError as error:
            return error.message if error.field == field else None
        return None

    def _typed(self, field: str) -> None:
        hint = ""
        if field == "expiration_date" and needs_expiry(self.category.currentText()):
            hint = f"{self.category.currentText().strip()} must carry an expiration date."
        widget_text = {
            "name": self.name.text(),
            "unit": self.unit.text(),
            "cost_per_unit": self.cost.text(),
            "category": self.category.currentText(),
        }.get(field)
        # An empty required field is flagged on Save, not while the form is being filled.
        problem = self.problem(field) if widget_text is None or widget_text.strip() else None
        if problem:
            show_message(self.errors[field], problem)
        else:
            self.clear_error(field, hint)
        self.fit()

    def work(self) -> Work:
        for field in _CHECKED:
            if field == "current_stock":
                continue
            problem = self.problem(field)
            if problem:
                raise ValidationError(problem, field=field)
        values = self.form_values()
        service, actor = self._service, self._actor
        if self._item is None:
            opening = self.stock.value()
            return lambda _report: service.create_item(actor, values, opening_stock=opening)
        item_id, version = self._item.id, self._item.version
        return lambda _report: service.update_item(actor, item_id, values, expected_version=version)
