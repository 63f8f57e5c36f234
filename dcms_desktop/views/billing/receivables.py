"""Receivables: what patients owe, by the age of the bill, as of a chosen day.

Four buckets (current 0–30 days, 31–60, 61–90, over 90) each show the amount owed and
how many bills; the list below shows the bills with money owed, all of them or only
one bucket's (click the bucket, or Alt+1…4). Both are read in the background.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.readmodels.billing import AGING_BUCKETS
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.views.admin.common import banner, busy_bar, error_text
from dcms_desktop.views.billing.common import day_text, money
from dcms_desktop.views.billing.models import ROW_ROLE, ReceivablesModel, sorting_proxy, table
from dcms_desktop.views.change_password import show_message
from dcms_desktop.views.tasks import TaskHandle, run_task

LIST_LIMIT = 500

BUCKET_CAPTIONS = tuple(label for _key, label, _days in AGING_BUCKETS)

_STYLE = """
QPushButton.bucket { text-align: left; padding: 8px 14px; background: #ffffff;
    border: 1px solid #d9e2ec; border-radius: 6px; }
QPushButton.bucket:checked { background: #d1eefc; border: 2px solid #2680c2; }
QPushButton.bucket:focus { border: 2px solid #2680c2; }
"""


class _EnterOpens(QObject):
    """Enter in the list opens the bill (the table would only move down)."""

    def __init__(self, tab: ReceivablesTab) -> None:
        super().__init__(tab)
        self._tab = tab

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._tab.open_current()
            return True
        return False


class ReceivablesTab(QWidget):
    """The ageing buckets with the receivables list under them."""

    loaded = Signal(object)
    """The ``AgingReport`` just shown."""
    rows_shown = Signal()
    open_requested = Signal(object)
    """The id of the bill to open."""

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        currency: Callable[[], str | None] = lambda: None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("receivablesTab")
        self.setStyleSheet(_STYLE)
        self._billing = billing
        self._actor = actor
        self._currency = currency
        self._today = today
        self._seq = 0
        self._task: TaskHandle | None = None
        self._rows_task: TaskHandle | None = None
        self.report: Any = None
        self.bucket: str | None = None
        self.model = ReceivablesModel(self, currency=currency, today=today)
        self.proxy = sorting_proxy(self.model, self)
        self._build()

    def _build(self) -> None:
        self.as_of = QDateEdit()
        self.as_of.setObjectName("receivablesAsOf")
        self.as_of.setAccessibleName("As of")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("d MMM yyyy")
        self.as_of.setDate(QDate(self._today()))
        self.as_of.dateChanged.connect(lambda _d: self.refresh())
        as_of_label = QLabel("&As of")
        as_of_label.setBuddy(self.as_of)
        self.total = QLabel("")
        self.total.setObjectName("receivablesTotal")
        top = QHBoxLayout()
        top.addWidget(as_of_label)
        top.addWidget(self.as_of)
        top.addSpacing(16)
        top.addWidget(self.total, 1)

        self.buckets: list[QPushButton] = []
        row = QHBoxLayout()
        row.setSpacing(10)
        for index, caption in enumerate(BUCKET_CAPTIONS):
            button = QPushButton(f"{caption}\n—")
            button.setObjectName(f"bucket{index}")
            button.setProperty("class", "bucket")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(58)
            button.setToolTip(f"Show only the bills {caption.lower()} old (Alt+{index + 1})")
            button.clicked.connect(lambda _checked, i=index: self.choose_bucket(i))
            self.buckets.append(button)
            row.addWidget(button, 1)
            shortcut = QShortcut(QKeySequence(f"Alt+{index + 1}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda i=index: self.choose_bucket(i))

        self.list_caption = QLabel("")
        self.list_caption.setObjectName("receivablesCaption")
        self.list_caption.setProperty("class", "sectionHeading")
        self.message = banner("receivablesMessage")
        self.busy = busy_bar("receivablesBusy")
        # Oldest due first (the service's order) until a header is clicked.
        self.table = table("receivablesTable", self.proxy, 3, sortable=True)
        self.table.doubleClicked.connect(lambda _index: self.open_current())
        self.table.installEventFilter(_EnterOpens(self))
        self.open_button = QPushButton("&Open bill")
        self.open_button.setObjectName("receivablesOpen")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_current)
        bottom = QHBoxLayout()
        hint = QLabel("Enter opens the bill · Alt+1…4 picks a bucket, again shows all")
        hint.setProperty("class", "muted")
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.open_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.list_caption)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    # -- loading ----------------------------------------------------------------------------
    def as_of_date(self) -> date:
        return self.as_of.date().toPython()

    def refresh(self) -> None:
        """Read the buckets and the list again (the chosen bucket stays chosen)."""
        if self._task is not None:
            self._task.cancel()
        self._seq += 1
        seq = self._seq
        billing, actor, as_of = self._billing, self._actor, self.as_of_date()
        self.busy.show()
        self._task = run_task(
            lambda _report: billing.receivables_aging(actor, as_of),
            on_done=lambda report: self._aging_loaded(seq, report),
            on_error=lambda error: self._failed(seq, error),
            owner=self,
        )
        self._load_rows()

    def _aging_loaded(self, seq: int, report: Any) -> None:
        if seq != self._seq:
            return
        self.report = report
        currency = self._currency()
        for button, bucket in zip(self.buckets, report.buckets, strict=False):
            caption = BUCKET_CAPTIONS[self.buckets.index(button)]
            bills = "bill" if bucket.count == 1 else "bills"
            button.setText(
                f"{caption}\n{money(bucket.amount, currency)}  ·  {bucket.count} {bills}"
            )
        self.total.setText(
            f"Owed as of {day_text(report.as_of)}: {money(report.total, currency)} on "
            f"{report.count} {'bill' if report.count == 1 else 'bills'}"
        )
        show_message(self.message, "")
        self.loaded.emit(report)

    def _failed(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        self.busy.hide()
        show_message(self.message, error_text(error, "reading the receivables"))

    def choose_bucket(self, index: int) -> None:
        """Show only bucket ``index``'s bills (choosing it again shows all)."""
        label = self._bucket_label(index)
        self.bucket = None if self.bucket == label else label
        for i, button in enumerate(self.buckets):
            button.setChecked(self.bucket is not None and i == index)
        self._load_rows()

    def _bucket_label(self, index: int) -> str:
        """What the service calls bucket ``index`` (its key)."""
        return AGING_BUCKETS[index][0]

    def _load_rows(self) -> None:
        if self._rows_task is not None:
            self._rows_task.cancel()
        seq = self._seq
        billing, actor, as_of, bucket = self._billing, self._actor, self.as_of_date(), self.bucket
        self.busy.show()
        self._rows_task = run_task(
            lambda _report: billing.receivables(actor, as_of, bucket=bucket, limit=LIST_LIMIT),
            on_done=lambda rows: self._rows_loaded(seq, bucket, rows),
            on_error=lambda error: self._failed(seq, error),
            owner=self,
        )

    def _rows_loaded(self, seq: int, bucket: str | None, rows: list[Any]) -> None:
        if seq != self._seq or bucket != self.bucket:
            return
        self.busy.hide()
        self.model.as_of = self.as_of_date()
        self.model.set_rows(rows)
        keys = [key for key, _label, _days in AGING_BUCKETS]
        which = (
            "All bills with money owed"
            if bucket is None
            else f"Bills {BUCKET_CAPTIONS[keys.index(bucket)].lower()} old"
        )
        more = f" (the first {LIST_LIMIT})" if len(rows) >= LIST_LIMIT else ""
        self.list_caption.setText(f"{which}: {len(rows)}{more}")
        if rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self.rows_shown.emit()

    # -- opening ----------------------------------------------------------------------------
    def current_bill_id(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.proxy.data(index, ROW_ROLE).bill_id

    def open_current(self) -> None:
        bill_id = self.current_bill_id()
        if bill_id is not None:
            self.open_requested.emit(bill_id)
