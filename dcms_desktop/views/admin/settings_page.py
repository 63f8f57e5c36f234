"""The clinic's settings: name and contact details, invoices, the logo, workstation habits.

Every workstation shares them (they live in the database). Each field is checked as it is
typed, with the message under it. Saving names the version that was opened: if another
admin saved in between, the save is refused with who and when, the edits stay in the
form, and Reload brings their values in with these edits on top.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import StaleRecordError, ValidationError
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.settings import ClinicSettingsView
from dcms_desktop.services.settings import SCHEDULE_GRIDS, SettingsService, clean_settings
from dcms_desktop.views.admin.common import (
    align_labels,
    busy_bar,
    error_text,
    merge_edits,
    stale_message,
    stale_row,
    when_text,
    widen,
)
from dcms_desktop.views.change_password import field_message, show_message, with_message
from dcms_desktop.views.tasks import TaskHandle, run_task

LOGO_MAX_WIDTH = 600
LOGO_MAX_HEIGHT = 300
PREVIEW_WIDTH = 220
PREVIEW_HEIGHT = 90
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg)"

_TEXT_FIELDS = ("clinic_name", "phone", "email", "tax_id", "tax_rate", "currency")
_LONG_TEXT_FIELDS = ("address", "invoice_footer")


def logo_png_from_file(path: str | Path) -> bytes:
    """The image at ``path`` (PNG or JPEG) as PNG bytes, shrunk to fit an invoice header."""
    image = QImage(str(path))
    if image.isNull():
        raise ValidationError("That file is not a PNG or JPEG image.", field="logo_png")
    if image.width() > LOGO_MAX_WIDTH or image.height() > LOGO_MAX_HEIGHT:
        image = image.scaled(
            LOGO_MAX_WIDTH,
            LOGO_MAX_HEIGHT,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def _rate_text(rate: Decimal) -> str:
    """12.00 -> "12", 12.50 -> "12.5"."""
    text = f"{rate.normalize():f}"
    return text


def form_values(view: ClinicSettingsView) -> dict[str, Any]:
    """The settings as the form holds them (text for text fields, "" for none)."""
    return {
        "clinic_name": view.clinic_name,
        "address": view.address or "",
        "phone": view.phone or "",
        "email": view.email or "",
        "tax_id": view.tax_id or "",
        "tax_rate": _rate_text(view.tax_rate),
        "currency": view.currency,
        "invoice_footer": view.invoice_footer or "",
        "payment_terms_days": view.payment_terms_days,
        "logo_png": view.logo_png,
        "idle_lock_minutes": view.idle_lock_minutes,
        "schedule_grid_minutes": view.schedule_grid_minutes,
    }


def field_problem(name: str, value: Any) -> str | None:
    """What is wrong with one field's value, or None."""
    if name == "email" and value and "@" not in str(value):
        return "Write the clinic's email like hello@clinic.com"
    try:
        clean_settings({name: value})
    except ValidationError as exc:
        return exc.message
    return None


class SettingsPage(QWidget):
    """Clinic settings: one form, Save with optimistic locking."""

    saved = Signal(object)
    """Emitted with the saved :class:`ClinicSettingsView` (the idle lock can follow it)."""

    def __init__(
        self,
        actor: Actor,
        service: SettingsService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPage")
        self._actor = actor
        self._service = service
        self._opened: ClinicSettingsView | None = None
        self._opened_values: dict[str, Any] = {}
        self._logo: bytes | None = None
        self._task: TaskHandle | None = None
        self._filling = False
        self.errors: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {}
        self._build()

    # -- building ---------------------------------------------------------------------------
    def _line(self, name: str, max_length: int, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"setting_{name}")
        edit.setMaxLength(max_length)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(lambda _t, n=name: self._edited(n))
        self.inputs[name] = edit
        return edit

    def _long(self, name: str, placeholder: str) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setObjectName(f"setting_{name}")
        edit.setPlaceholderText(placeholder)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(64)
        edit.textChanged.connect(lambda n=name: self._edited(n))
        self.inputs[name] = edit
        return edit

    def _spin(self, name: str, low: int, high: int, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(f"setting_{name}")
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setMinimumWidth(130)
        spin.valueChanged.connect(lambda _v, n=name: self._edited(n))
        self.inputs[name] = spin
        return spin

    def _row(self, form: QFormLayout, label: str, name: str, widget: QWidget) -> None:
        caption = QLabel(label)
        caption.setBuddy(widget)
        message = field_message(f"setting_{name}_error")
        widen(message)
        self.errors[name] = message
        form.addRow(caption, with_message(widget, message))

    @staticmethod
    def _card(title: str, name: str) -> tuple[QFrame, QFormLayout]:
        """A white card with a heading over a form."""
        card = QFrame()
        card.setObjectName("card")
        card.setAccessibleName(title)
        heading = QLabel(title)
        heading.setObjectName(f"{name}Heading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        heading.setFont(font)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(4)
        form.setHorizontalSpacing(10)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(16, 12, 16, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addLayout(form)
        return card, form

    def _build(self) -> None:
        title = QLabel("Clinic settings")
        title.setObjectName("sectionTitle")
        subtitle = QLabel("Shared by every workstation of the clinic.")
        subtitle.setObjectName("settingsSubtitle")

        self.stale, self.reload_button, stale_line = stale_row(
            "settings",
            "Bring in the other admin's values, keeping your changes",
            self.reload_keeping_edits,
        )

        # Clinic: who we are, for invoices and letters.
        clinic, clinic_form = self._card("Clinic", "settingsClinicCard")
        self._row(clinic_form, "Clinic &name", "clinic_name", self._line("clinic_name", 200))
        self._row(
            clinic_form,
            "&Address",
            "address",
            self._long("address", "Street, city, postcode: as printed on invoices"),
        )
        self._row(clinic_form, "&Phone", "phone", self._line("phone", 40))
        self._row(clinic_form, "&Email", "email", self._line("email", 255, "hello@yourclinic.com"))
        self._row(clinic_form, "Ta&x ID", "tax_id", self._line("tax_id", 60))
        self._row(clinic_form, "&Logo", "logo_png", self._logo_widget())

        # Invoices.
        invoices, invoice_form = self._card("Invoices", "settingsInvoicesCard")
        rate = self._line("tax_rate", 6)
        rate.setMaximumWidth(90)
        rate.setAlignment(Qt.AlignmentFlag.AlignRight)
        rate_row = QWidget()
        rate_layout = QHBoxLayout(rate_row)
        rate_layout.setContentsMargins(0, 0, 0, 0)
        rate_layout.addWidget(rate)
        rate_layout.addWidget(QLabel("%  on the bill after any discount"))
        rate_layout.addStretch(1)
        rate_row.setFocusProxy(rate)
        self._row(invoice_form, "&Tax rate", "tax_rate", rate_row)
        currency = self._line("currency", 3, "USD")
        currency.setMaximumWidth(90)
        currency.textEdited.connect(lambda text: self._upper(currency, text))
        self._row(invoice_form, "C&urrency", "currency", currency)
        terms = self._spin("payment_terms_days", 0, 365, " days")
        terms.setToolTip("A bill becomes overdue this many days after it is issued")
        self._row(invoice_form, "Payment &terms", "payment_terms_days", terms)
        self._row(
            invoice_form,
            "Invoice &footer",
            "invoice_footer",
            self._long("invoice_footer", "Printed at the bottom of every invoice"),
        )

        # Workstations.
        stations, station_form = self._card("Workstations", "settingsStationsCard")
        idle = self._spin("idle_lock_minutes", 1, 240, " minutes")
        idle.setToolTip("A workstation left alone this long locks until its user signs in")
        self._row(station_form, "&Lock after", "idle_lock_minutes", idle)
        grid = QComboBox()
        grid.setObjectName("setting_schedule_grid_minutes")
        grid.setMinimumWidth(130)
        for minutes in SCHEDULE_GRIDS:
            grid.addItem(f"{minutes} minutes", minutes)
        grid.currentIndexChanged.connect(lambda _i: self._edited("schedule_grid_minutes"))
        self.inputs["schedule_grid_minutes"] = grid
        self._row(station_form, "Schedule &grid", "schedule_grid_minutes", grid)
        align_labels(invoice_form, station_form)

        right = QVBoxLayout()
        right.setSpacing(16)
        right.addWidget(invoices)
        right.addWidget(stations)
        right.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(clinic)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)

        body = QWidget()
        body.setObjectName("settingsBody")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 8, 0)
        body_layout.addLayout(columns)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        # The page's background shows through, as on the other screens.
        scroll.viewport().setAutoFillBackground(False)
        body.setAutoFillBackground(False)

        self.message = field_message("settingsMessage")
        self.busy = busy_bar("settingsBusy")
        self.revert_button = QPushButton("&Undo changes")
        self.revert_button.setObjectName("settingsRevert")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("&Save settings")
        self.save_button.setObjectName("settingsSave")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Save the settings (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_shortcut.activated.connect(self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addStretch(0)
        bottom.addWidget(self.revert_button)
        bottom.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(stale_line)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.busy)
        layout.addLayout(bottom)
        self._set_enabled(False)

    def _logo_widget(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.logo_preview = QLabel("No logo")
        self.logo_preview.setObjectName("settingsLogoPreview")
        self.logo_preview.setFixedSize(PREVIEW_WIDTH, PREVIEW_HEIGHT)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.logo_preview.setAccessibleName("Logo preview")
        self.choose_logo_button = QPushButton("C&hoose image…")
        self.choose_logo_button.setObjectName("settingsChooseLogo")
        self.choose_logo_button.setToolTip("A PNG or JPEG file; large images are shrunk")
        self.choose_logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button = QPushButton("Remo&ve")
        self.remove_logo_button.setObjectName("settingsRemoveLogo")
        self.remove_logo_button.clicked.connect(lambda: self.set_logo(None))
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose_logo_button)
        buttons.addWidget(self.remove_logo_button)
        buttons.addStretch(1)
        row.addWidget(self.logo_preview)
        row.addLayout(buttons)
        row.addStretch(1)
        box.setFocusProxy(self.choose_logo_button)
        return box

    @staticmethod
    def _upper(edit: QLineEdit, text: str) -> None:
        if text != text.upper():
            position = edit.cursorPosition()
            edit.setText(text.upper())
            edit.setCursorPosition(position)

    # -- reading and filling ----------------------------------------------------------------
    def refresh(self) -> None:
        """Read the settings again (F5); unsaved edits are kept if there are any."""
        if self.is_dirty():
            self.reload_keeping_edits()
            return
        self._start(
            lambda _r: self._service.get(self._actor),
            self._loaded,
            "Reading the clinic settings…",
            "reading the clinic settings",
        )

    def _loaded(self, view: ClinicSettingsView) -> None:
        self._open(view)
        self._fill(form_values(view))
        self._set_enabled(True)
        self._show_stale("")
        self._say(self._last_saved_text(view), "hint")

    def _open(self, view: ClinicSettingsView) -> None:
        self._opened = view
        self._opened_values = form_values(view)

    def _fill(self, values: dict[str, Any]) -> None:
        self._filling = True
        try:
            for name, value in values.items():
                widget = self.inputs.get(name)
                if isinstance(widget, QLineEdit):
                    widget.setText(str(value))
                elif isinstance(widget, QPlainTextEdit):
                    widget.setPlainText(str(value))
                elif isinstance(widget, QSpinBox):
                    widget.setValue(int(value))
                elif isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(widget.findData(int(value)), 0))
            self.set_logo(values.get("logo_png"), edited=False)
        finally:
            self._filling = False
        for message in self.errors.values():
            show_message(message, "")
        self._update_buttons()

    def values(self) -> dict[str, Any]:
        """What the form holds now, in the same shape as :func:`form_values`."""
        values: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, QLineEdit):
                values[name] = widget.text()
            elif isinstance(widget, QPlainTextEdit):
                values[name] = widget.toPlainText()
            elif isinstance(widget, QSpinBox):
                values[name] = widget.value()
            elif isinstance(widget, QComboBox):
                values[name] = widget.currentData()
        values["logo_png"] = self._logo
        return values

    def changed_values(self) -> dict[str, Any]:
        """The fields that differ from what was opened."""
        return {
            name: value
            for name, value in self.values().items()
            if value != self._opened_values.get(name)
        }

    def is_dirty(self) -> bool:
        return self._opened is not None and bool(self.changed_values())

    # -- the logo ---------------------------------------------------------------------------
    def choose_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose the clinic's logo", "", IMAGE_FILTER
        )
        if path:
            self.set_logo_from_file(path)

    def set_logo_from_file(self, path: str | Path) -> None:
        try:
            self.set_logo(logo_png_from_file(path))
        except ValidationError as exc:
            show_message(self.errors["logo_png"], exc.message)

    def set_logo(self, png: bytes | None, *, edited: bool = True) -> None:
        self._logo = png
        pixmap = QPixmap()
        if png and pixmap.loadFromData(png):
            self.logo_preview.setPixmap(
                pixmap.scaled(
                    PREVIEW_WIDTH - 8,
                    PREVIEW_HEIGHT - 8,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.logo_preview.clear()
            self.logo_preview.setText("No logo")
        self.remove_logo_button.setEnabled(png is not None)
        show_message(self.errors["logo_png"], "")
        if edited:
            self._edited("logo_png")

    # -- editing ----------------------------------------------------------------------------
    def _edited(self, name: str) -> None:
        if self._filling:
            return
        value = self.values().get(name)
        show_message(self.errors[name], field_problem(name, value) or "")
        self._update_buttons()

    def _problems(self) -> dict[str, str]:
        found = {}
        for name, value in self.values().items():
            problem = field_problem(name, value)
            if problem:
                found[name] = problem
        return found

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        idle = self._task is None or self._task.done
        self.save_button.setEnabled(dirty and idle)
        self.revert_button.setEnabled(dirty and idle)

    def revert(self) -> None:
        """Back to the values as opened (or as last reloaded)."""
        if self._opened is not None:
            self._fill(form_values(self._opened))
            self._show_stale("")
            self._say("Your changes were undone.", "hint")

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        if self._opened is None or (self._task is not None and not self._task.done):
            return
        changed = self.changed_values()
        if not changed:
            return
        problems = self._problems()
        if problems:
            for name, problem in problems.items():
                show_message(self.errors[name], problem)
            self._focus(next(iter(problems)))
            self._say("Fix the fields marked in red, then save.", "error")
            return
        version = self._opened.version
        self._start(
            lambda _r: self._service.update(self._actor, changed, version),
            self._saved,
            "Saving…",
            "saving the clinic settings",
        )

    def _saved(self, view: ClinicSettingsView) -> None:
        self._open(view)
        self._fill(form_values(view))
        self._show_stale("")
        self._say(f"Saved at {when_text(view.updated_at)}. Every workstation now uses these.", "ok")
        self.saved.emit(view)

    def reload_keeping_edits(self) -> None:
        """Read the latest settings; keep this person's edits on top of them."""
        if self._opened is None:
            self.refresh()
            return
        mine = self.values()
        opened = dict(self._opened_values)
        self._start(
            lambda _r: self._service.get(self._actor),
            lambda view: self._merged(view, opened, mine),
            "Reading the clinic settings…",
            "reading the clinic settings",
        )

    def saved_elsewhere(self) -> None:
        """Another workstation saved the settings: show theirs, or offer them over edits."""
        if self._opened is None:
            return
        if not self.is_dirty():
            self.refresh()
            return
        show_message(
            self.stale,
            "Another admin has just saved the clinic settings. Reload brings their changes "
            "in and keeps yours on top.",
            "hint",
        )
        self.reload_button.show()

    def _merged(
        self, view: ClinicSettingsView, opened: dict[str, Any], mine: dict[str, Any]
    ) -> None:
        theirs = form_values(view)
        merged, clashes = merge_edits(opened, mine, theirs)
        self._open(view)
        self._fill(merged)
        for name in clashes:
            show_message(
                self.errors[name],
                f"Also changed by the other admin (to “{theirs[name]}”); yours is kept.",
                "hint",
            )
        self._show_stale("")
        if self.is_dirty():
            self._say("Their changes are in, with yours on top: check them and save.", "hint")
        else:
            self._say(self._last_saved_text(view), "hint")

    def _failed(self, error: BaseException, doing: str) -> None:
        if isinstance(error, StaleRecordError):
            self._show_stale(stale_message(error, "the clinic settings"))
            self._say("", "hint")
            return
        if isinstance(error, ValidationError) and error.field in self.errors:
            show_message(self.errors[error.field], error.message)
            self._focus(error.field)
            self._say("Fix the field marked in red, then save.", "error")
            return
        self._say(error_text(error, doing), "error")

    # -- plumbing ---------------------------------------------------------------------------
    def _start(self, work: Any, done: Any, busy_text: str, doing: str) -> None:
        if self._task is not None and not self._task.done:
            return
        self.busy.show()
        self._say(busy_text, "hint")

        def finished(result: Any) -> None:
            self.busy.hide()
            done(result)
            self._update_buttons()

        def failed(error: BaseException) -> None:
            self.busy.hide()
            self._failed(error, doing)
            self._update_buttons()

        self._task = run_task(work, on_done=finished, on_error=failed)
        self._update_buttons()

    def _show_stale(self, text: str) -> None:
        show_message(self.stale, text)
        self.reload_button.setVisible(bool(text))

    def _say(self, text: str, role: str) -> None:
        show_message(self.message, text, role)

    def _focus(self, name: str) -> None:
        widget = self.inputs.get(name)
        if name == "logo_png":
            widget = self.choose_logo_button
        if widget is not None:
            widget.setFocus()

    def _set_enabled(self, enabled: bool) -> None:
        for widget in self.inputs.values():
            widget.setEnabled(enabled)
        self.choose_logo_button.setEnabled(enabled)
        self.remove_logo_button.setEnabled(enabled and self._logo is not None)

    def focus_first_field(self) -> None:
        self.inputs["clinic_name"].setFocus()

    @staticmethod
    def _last_saved_text(view: ClinicSettingsView) -> str:
        if view.version <= 1:
            return ""
        return f"Last saved at {when_text(view.updated_at)}."
