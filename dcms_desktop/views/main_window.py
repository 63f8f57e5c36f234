"""The main window: a section list on the left, the section on the right, a status bar.

Sections that are not built yet say so plainly instead of showing an empty pane.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class Section:
    """One entry of the section list."""

    key: str
    title: str
    coming: str


SECTIONS: tuple[Section, ...] = (
    Section(
        "schedule",
        "Schedule",
        "The appointment book (day and week views, booking, check-in) is being built.",
    ),
    Section(
        "patients",
        "Patients",
        "Patient search, the patient form and the patient page are being built.",
    ),
    Section("billing", "Billing", "Bills, payments and printed invoices are being built."),
    Section(
        "inventory",
        "Inventory",
        "Stock, movements, restock requests and stock reports are being built.",
    ),
    Section("records", "Records", "Medical records (images, forms, letters) are being built."),
    Section("reports", "Reports", "Revenue and stock reports are being built."),
    Section("admin", "Admin", "Users, clinic settings and workstation set-up are being built."),
)


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows."""

    database: str
    sync: str
    workstation: str
    user: str = ""


class ComingSoonPage(QWidget):
    """A section that is not built yet, saying so."""

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"page_{section.key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        title = QLabel(section.title)
        title.setObjectName("sectionTitle")
        note = QLabel(f"Not available yet. {section.coming}")
        note.setObjectName("comingSoon")
        note.setWordWrap(True)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(note)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    """The clinic's main window."""

    def __init__(
        self,
        title: str,
        status: StatusInfo,
        pages: dict[str, QWidget] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(title)
        self.resize(1280, 720)
        self.setMinimumSize(1000, 600)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)

        self.section_list = QListWidget()
        self.section_list.setObjectName("sectionList")
        self.section_list.setFixedWidth(190)
        self.section_list.setAccessibleName("Sections")
        self.stack = QStackedWidget()
        pages = pages or {}
        for index, section in enumerate(SECTIONS, start=1):
            item = QListWidgetItem(section.title)
            item.setToolTip(f"{section.title} (Ctrl+{index})")
            self.section_list.addItem(item)
            self.stack.addWidget(pages.get(section.key) or ComingSoonPage(section))
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index}"), self)
            shortcut.activated.connect(lambda i=index - 1: self.show_section(i))
        self.section_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        row.addWidget(self.section_list)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel(status.user)
        self.database_label = QLabel(status.database)
        self.sync_label = QLabel(status.sync)
        self.workstation_label = QLabel(status.workstation)
        for label, name in (
            (self.user_label, "statusUser"),
            (self.database_label, "statusDatabase"),
            (self.sync_label, "statusSync"),
            (self.workstation_label, "statusWorkstation"),
        ):
            label.setObjectName(name)
            self.statusBar().addPermanentWidget(label)
        self.show_section(0)

    def show_section(self, index: int) -> None:
        """Switch to the section at ``index`` (0-based), as Ctrl+1…7 do."""
        self.section_list.setCurrentRow(index)

    def current_section(self) -> Section:
        return SECTIONS[self.stack.currentIndex()]

    def set_sync_state(self, text: str) -> None:
        self.sync_label.setText(text)

    def section_titles(self) -> list[str]:
        return [self.section_list.item(i).text() for i in range(self.section_list.count())]
