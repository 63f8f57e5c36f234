"""“Already registered?”: the possible duplicates of a new patient, before it is saved.

The receptionist sees each patient with the same email, or the same name and date of
birth, and chooses: open that patient instead, save the new one anyway, or go back to
the form.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.contact import display_phone
from dcms_desktop.domain.readmodels.people import PatientHit
from dcms_desktop.views.patients.search_model import birth_text

_STYLE = """
QFrame#duplicateRow { background: #ffffff; border: 1px solid #d9e2ec; border-radius: 4px; }
QFrame#duplicateRow QLabel { border: none; background: transparent; }
QLabel#duplicatesTitle { font-size: 13pt; font-weight: 600; color: #102a43; }
QLabel#duplicatesIntro { color: #486581; }
"""


class Choice(StrEnum):
    OPEN = "open"
    SAVE_ANYWAY = "save_anyway"
    BACK = "back"


def describe_hit(hit: PatientHit) -> str:
    """ "Maria Santos, born 1984-03-02, maria@example.com, 0917 555 0101"."""
    parts = [hit.full_name]
    if hit.date_of_birth is not None:
        parts.append(f"born {birth_text(hit.date_of_birth)}")
    parts.append(hit.email)
    if hit.phone:
        parts.append(display_phone(hit.phone))
    return ", ".join(parts)


def _rich(hit: PatientHit) -> str:
    """The patient's name in bold over the facts to compare, for the dialog's row."""
    facts = [f"born {birth_text(hit.date_of_birth)}" if hit.date_of_birth else "no birth date"]
    facts.append(escape(hit.email))
    if hit.phone:
        facts.append(display_phone(hit.phone).replace(" ", "&nbsp;"))  # never split a number
    return f"<b>{escape(hit.full_name)}</b><br>{' · '.join(facts)}"


class DuplicatesDialog(QDialog):
    """Lists possible duplicates; ``choice`` and ``chosen_id`` say what the user picked."""

    def __init__(
        self, hits: tuple[PatientHit, ...], new_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("duplicatesDialog")
        self.setWindowTitle("Already registered?")
        self.setStyleSheet(_STYLE)
        self.setMinimumWidth(660)
        self.choice = Choice.BACK
        self.chosen_id: uuid.UUID | None = None
        self.hits = hits

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        many = len(hits) > 1
        title = QLabel(
            f"{len(hits)} patients like {new_name} already exist"
            if many
            else f"{hits[0].full_name} already exists"
        )
        title.setObjectName("duplicatesTitle")
        title.setWordWrap(True)
        intro = QLabel(
            "Same email, or same name and date of birth. Open the patient the clinic "
            "already has instead of registering them twice, or save the new patient anyway "
            "if this is someone else."
        )
        intro.setObjectName("duplicatesIntro")
        intro.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(intro)

        self.open_buttons: list[QPushButton] = []
        for hit in hits:
            layout.addWidget(self._row(hit))

        buttons = QHBoxLayout()
        self.back_button = QPushButton("Back to the form")
        self.back_button.setObjectName("duplicatesBack")
        self.back_button.clicked.connect(self._back)
        self.save_anyway_button = QPushButton("Save as a new patient anyway")
        self.save_anyway_button.setObjectName("duplicatesSaveAnyway")
        self.save_anyway_button.clicked.connect(self._save_anyway)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_anyway_button)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        if self.open_buttons:
            self.open_buttons[0].setDefault(True)
            self.open_buttons[0].setFocus()

    def _row(self, hit: PatientHit) -> QFrame:
        row = QFrame()
        row.setObjectName("duplicateRow")
        line = QHBoxLayout(row)
        line.setContentsMargins(12, 8, 8, 8)
        text = QLabel(_rich(hit))
        text.setObjectName("duplicateText")
        text.setAccessibleName(describe_hit(hit))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        button = QPushButton(f"Open {hit.first_name} instead")
        button.setObjectName("duplicateOpen")
        button.setProperty("primary", True)
        button.clicked.connect(lambda _checked=False, h=hit: self._open(h))
        self.open_buttons.append(button)
        line.addWidget(text, 1)
        line.addWidget(button)
        return row

    def texts(self) -> list[str]:
        """What each duplicate row says, as one line (also its accessible name)."""
        labels = self.findChildren(QLabel, "duplicateText")
        return [label.accessibleName() for label in labels]

    def _open(self, hit: PatientHit) -> None:
        self.choice = Choice.OPEN
        self.chosen_id = hit.id
        self.accept()

    def _save_anyway(self) -> None:
        self.choice = Choice.SAVE_ANYWAY
        self.accept()

    def _back(self) -> None:
        self.choice = Choice.BACK
        self.reject()
