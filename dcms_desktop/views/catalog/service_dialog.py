"""Creating a service, or editing one: name, category, price, duration, pricing model,
tooth chart use, description and whether it can be booked.

Fields are checked as they are typed (the service's own rules, :func:`clean_service`) and
the service's refusals land next to the field they are about (a name already in the
catalogue under the name). Editing is optimistic: when another admin saved the same
service after this dialog opened, the save is refused saying who and when, the edits stay
in the form, and Reload brings their version in with these edits on top.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.errors import DcmsError, StaleRecordError, ValidationError
from dcms_desktop.domain.readmodels.catalog import DentalService, ServiceDraft
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.catalog import (
    MAX_CATEGORY,
    MAX_DURATION,
    MAX_NAME,
    MIN_DURATION,
    CatalogService,
    clean_service,
)
from dcms_desktop.views.admin.common import (
    busy_bar,
    button_row,
    error_text,
    merge_edits,
    save_and_cancel,
    stale_row,
    widen,
)
from dcms_desktop.views.catalog.services_model import CHART_USE_TEXT
from dcms_desktop.views.change_password import field_message, show_message, with_message
from dcms_desktop.views.tasks import TaskHandle, run_task

FIELDS = (
    "name",
    "category",
    "price",
    "duration",
    "pricing_model",
    "tooth_chart_use",
    "description",
    "is_active",
)
MODEL_HINTS = {
    PricingModel.PER_TOOTH: "Charged once per tooth treated (price × teeth).",
    PricingModel.PER_TOOTH_PACKAGE: "One price for the teeth treated together.",
    PricingModel.PER_SESSION: "Charged per session (one unless the visit says more).",
    PricingModel.PER_FILM: "Charged per film or image taken.",
    PricingModel.PER_TREATMENT_PACKAGE: "One price for the whole treatment.",
}
CHART_HINTS = {
    ToothChartUse.REQUIRED: "Can't be booked or completed without teeth.",
    ToothChartUse.OPTIONAL: "Teeth may be recorded.",
    ToothChartUse.NOT_NEEDED: "No teeth are recorded.",
}
_SAMPLE = ServiceDraft(name="Sample", category="Sample", price="1.00", duration=30)


def _check(name: str, values: dict[str, Any]) -> str | None:
    """What the service would say about one field as typed, or None (it checks again)."""
    try:
        clean_service(_draft_of({**_draft_values(_SAMPLE), name: values[name]}))
    except ValidationError as exc:
        return exc.message if exc.field == name else None
    return None


def _draft_values(draft: ServiceDraft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in FIELDS}


def _draft_of(values: dict[str, Any]) -> ServiceDraft:
    return ServiceDraft(**{name: values[name] for name in FIELDS})


def service_values(service: DentalService) -> dict[str, Any]:
    """A saved service as the form holds it."""
    return {
        "name": service.name,
        "category": service.category,
        "price": f"{service.price:.2f}",
        "duration": service.duration,
        "pricing_model": service.pricing_model,
        "tooth_chart_use": service.tooth_chart_use,
        "description": service.description or "",
        "is_active": service.is_active,
    }


class ServiceDialog(QDialog):
    """New service (``service`` None) or edit ``service``; ``saved_service`` after Save."""

    def __init__(
        self,
        catalog: CatalogService,
        actor: Actor,
        service: DentalService | None = None,
        categories: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("serviceDialog")
        self._catalog = catalog
        self._actor = actor
        self._service = service
        self._opened = service_values(service) if service else {}
        self._task: TaskHandle | None = None
        self.saved_service: DentalService | None = None
        self.errors: dict[str, QLabel] = {}
        self.setWindowTitle(f"Edit {service.name}" if service else "New service")
        self.setModal(True)
        self.setMinimumWidth(600)
        self._build(categories)
        if service is not None:
            self._fill(self._opened)
        else:
            self._typed("pricing_model")
            self._typed("tooth_chart_use")
        self.name.setFocus()

    @property
    def is_new(self) -> bool:
        return self._service is None

    # -- building ---------------------------------------------------------------------------
    def _add(self, form: QFormLayout, caption: str, name: str, widget: QWidget) -> None:
        label = QLabel(caption)
        label.setBuddy(widget)
        self.errors[name] = field_message(f"service_{name}_error")
        widen(self.errors[name])
        form.addRow(label, with_message(widget, self.errors[name]))

    def _build(self, categories: Sequence[str]) -> None:
        self.stale, self.reload_button, stale_line = stale_row(
            "service",
            "Bring in their version, keeping your changes on top",
            self.reload_keeping_edits,
        )

        self.name = QLineEdit()
        self.name.setObjectName("service_name")
        self.name.setMaxLength(MAX_NAME)
        self.name.setAccessibleName("Service name")
        self.name.setPlaceholderText("e.g. Composite filling")
        self.name.textChanged.connect(lambda _t: self._typed("name"))
        self.category = QComboBox()
        self.category.setObjectName("service_category")
        self.category.setEditable(True)
        self.category.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category.addItems(list(categories))
        self.category.setCurrentIndex(-1)
        self.category.setAccessibleName("Category")
        line = self.category.lineEdit()
        line.setMaxLength(MAX_CATEGORY)
        line.setPlaceholderText("Choose or type a category")
        self.category.editTextChanged.connect(lambda _t: self._typed("category"))
        self.price = QLineEdit()
        self.price.setObjectName("service_price")
        self.price.setAccessibleName("Price")
        self.price.setPlaceholderText("0.00")
        self.price.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.price.setMaximumWidth(160)
        self.price.textChanged.connect(lambda _t: self._typed("price"))
        self.duration = QSpinBox()
        self.duration.setObjectName("service_duration")
        self.duration.setAccessibleName("Duration in minutes")
        self.duration.setRange(MIN_DURATION, MAX_DURATION)
        self.duration.setSingleStep(5)
        self.duration.setValue(30)
        self.duration.setSuffix(" min")
        self.duration.setMaximumWidth(160)
        self.pricing_model = QComboBox()
        self.pricing_model.setObjectName("service_pricing_model")
        self.pricing_model.setAccessibleName("Pricing model")
        for model in PricingModel:
            self.pricing_model.addItem(model.value, model)
        self.pricing_model.setCurrentIndex(self.pricing_model.findData(PricingModel.PER_SESSION))
        self.pricing_model.currentIndexChanged.connect(lambda _i: self._typed("pricing_model"))
        self.tooth_chart_use = QComboBox()
        self.tooth_chart_use.setObjectName("service_tooth_chart_use")
        self.tooth_chart_use.setAccessibleName("Tooth chart use")
        for use in (ToothChartUse.NOT_NEEDED, ToothChartUse.OPTIONAL, ToothChartUse.REQUIRED):
            self.tooth_chart_use.addItem(CHART_USE_TEXT[use], use)
        self.tooth_chart_use.currentIndexChanged.connect(lambda _i: self._typed("tooth_chart_use"))
        self.description = QPlainTextEdit()
        self.description.setObjectName("service_description")
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("Optional: what the service includes")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(64)
        self.description.textChanged.connect(lambda: self._typed("description"))
        self.is_active = QCheckBox("Can be &booked (active)")
        self.is_active.setObjectName("service_is_active")
        self.is_active.setChecked(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(4)
        self._add(form, "&Name", "name", self.name)
        self._add(form, "&Category", "category", self.category)
        self._add(form, "&Price", "price", self.price)
        self._add(form, "&Duration", "duration", self.duration)
        self._add(form, "Pricing &model", "pricing_model", self.pricing_model)
        self._add(form, "&Tooth chart", "tooth_chart_use", self.tooth_chart_use)
        self._add(form, "D&escription", "description", self.description)
        self._add(form, "", "is_active", self.is_active)

        self.message = field_message("serviceMessage")
        widen(self.message, self.stale)
        self.busy = busy_bar("serviceBusy")
        self.save_button, self.cancel_button = save_and_cancel(
            self, "service", "&Create service" if self.is_new else "&Save", self.save
        )
        buttons = button_row(self.cancel_button, self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        layout.addLayout(stale_line)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

        order: list[QWidget] = [
            self.name,
            self.category,
            self.price,
            self.duration,
            self.pricing_model,
            self.tooth_chart_use,
            self.description,
            self.is_active,
            self.save_button,
            self.cancel_button,
            self.reload_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    # -- values -----------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "category": self.category.currentText(),
            "price": self.price.text(),
            "duration": self.duration.value(),
            "pricing_model": self.pricing_model.currentData(),
            "tooth_chart_use": self.tooth_chart_use.currentData(),
            "description": self.description.toPlainText(),
            "is_active": self.is_active.isChecked(),
        }

    def _fill(self, values: dict[str, Any]) -> None:
        self.name.setText(values["name"])
        self.category.setEditText(values["category"])
        self.price.setText(values["price"])
        self.duration.setValue(values["duration"])
        self.pricing_model.setCurrentIndex(
            max(self.pricing_model.findData(values["pricing_model"]), 0)
        )
        self.tooth_chart_use.setCurrentIndex(
            max(self.tooth_chart_use.findData(values["tooth_chart_use"]), 0)
        )
        if self.description.toPlainText() != values["description"]:
            self.description.setPlainText(values["description"])
        self.is_active.setChecked(values["is_active"])
        for name in FIELDS:
            self._typed(name)

    def _typed(self, name: str) -> None:
        if name == "pricing_model":
            hint = MODEL_HINTS.get(self.pricing_model.currentData(), "")
            show_message(self.errors[name], hint, "hint")
            return
        if name == "tooth_chart_use":
            hint = CHART_HINTS.get(self.tooth_chart_use.currentData(), "")
            show_message(self.errors[name], hint, "hint")
            return
        if name not in ("name", "category", "price", "description"):
            return
        values = self.values()
        # An empty field is only flagged on Save: a new form shouldn't open in red.
        problem = _check(name, values) if str(values[name]).strip() else None
        show_message(self.errors[name], problem or "")
        self._mark(name, problem is not None)

    def _mark(self, name: str, invalid: bool) -> None:
        widget = self._widget(name)
        target = widget.lineEdit() if isinstance(widget, QComboBox) else widget
        if target is None:
            return
        target.setProperty("invalid", invalid)
        target.style().unpolish(target)
        target.style().polish(target)

    def _widget(self, name: str) -> QWidget:
        return getattr(self, name)

    def _problems(self) -> dict[str, str]:
        found = {}
        values = self.values()
        for name in ("name", "category", "price", "description"):
            problem = _check(name, values)
            if problem:
                found[name] = problem
        return found

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        if self._task is not None and not self._task.done:
            return
        show_message(self.message, "")
        problems = self._problems()
        for name, problem in problems.items():
            show_message(self.errors[name], problem)
            self._mark(name, True)
        if problems:
            self._widget(next(iter(problems))).setFocus()
            return
        self._set_busy(True)
        self._task = run_task(self._work(), on_done=self._saved, on_error=self._failed)

    def _work(self) -> Callable[[Any], DentalService]:
        draft = _draft_of(self.values())
        catalog, actor = self._catalog, self._actor
        if self._service is None:
            return lambda _report: catalog.create_service(actor, draft)
        service_id, version = self._service.id, self._service.version
        return lambda _report: catalog.update_service(actor, service_id, version, draft)

    def _saved(self, service: DentalService) -> None:
        self._set_busy(False)
        self.saved_service = service
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, StaleRecordError):
            show_message(self.stale, error.message)
            self.reload_button.show()
            self.reload_button.setFocus()
            return
        if isinstance(error, DcmsError) and error.field in self.errors:
            field = error.field
            assert field is not None
            show_message(self.errors[field], error.message)
            self._mark(field, True)
            self._widget(field).setFocus()
            return
        show_message(self.message, error_text(error, "saving the service"))

    def reload_keeping_edits(self) -> None:
        """Read the service as saved now; keep this person's edits on top."""
        if self._service is None or (self._task is not None and not self._task.done):
            return
        mine, opened = self.values(), dict(self._opened)
        catalog, actor, service_id = self._catalog, self._actor, self._service.id
        self._set_busy(True)
        self._task = run_task(
            lambda _report: catalog.get(actor, service_id),
            on_done=lambda service: self._reloaded(service, opened, mine),
            on_error=self._failed,
        )

    def _reloaded(
        self, service: DentalService, opened: dict[str, Any], mine: dict[str, Any]
    ) -> None:
        self._set_busy(False)
        theirs = service_values(service)
        merged, clashes = merge_edits(opened, mine, theirs)
        self._service = service
        self._opened = theirs
        self._fill(merged)
        for name in sorted(clashes):
            shown = getattr(theirs[name], "value", theirs[name])
            show_message(
                self.errors[name], f"They changed this to “{shown}”; yours is kept.", "hint"
            )
        self.reload_button.hide()
        if merged != theirs:
            show_message(
                self.stale, "Their version is in, with your changes on top: check and save.", "hint"
            )
        else:
            show_message(self.stale, "")

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.save_button.setEnabled(not busy)
        self.reload_button.setEnabled(not busy)
        for edit in (self.name, self.price):
            edit.setReadOnly(busy)
        self.description.setReadOnly(busy)
        for widget in (
            self.category,
            self.duration,
            self.pricing_model,
            self.tooth_chart_use,
            self.is_active,
        ):
            widget.setEnabled(not busy)
