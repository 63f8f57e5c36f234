"""Undo of moves in the appointment book: each move remembers where the visit was.

Undoing is itself a move through the service, back to where the visit was, named with
the version the move left it at: if another workstation changed the visit since, or
booked the old slot, the service refuses and the page says why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

MAX_UNDO = 20


@dataclass(frozen=True)
class MoveRecord:
    """A move done from this screen: the visit, where it was, its version after."""

    appointment_id: uuid.UUID
    patient_name: str
    dentist_id: uuid.UUID | None
    start: datetime
    duration: int
    version_after: int


class MoveHistory:
    """The moves done here, last first (at most :data:`MAX_UNDO`)."""

    def __init__(self) -> None:
        self._records: list[MoveRecord] = []

    def push(self, record: MoveRecord) -> None:
        self._records.append(record)
        del self._records[:-MAX_UNDO]

    def peek(self) -> MoveRecord | None:
        return self._records[-1] if self._records else None

    def pop(self) -> MoveRecord | None:
        return self._records.pop() if self._records else None

    def forget(self, appointment_id: uuid.UUID) -> None:
        """Drop the moves of a visit that can't be undone any more."""
        self._records = [r for r in self._records if r.appointment_id != appointment_id]

    def clear(self) -> None:
        self._records.clear()

    def __len__(self) -> int:
        return len(self._records)

    @property
    def can_undo(self) -> bool:
        return bool(self._records)
