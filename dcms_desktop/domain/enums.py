"""The closed vocabularies of the schema, as string enums.

Their values are exactly the strings the schema document's CHECK constraints allow, so
they can be stored as they are and compared with what another tool wrote.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who someone is at the clinic; higher roles may do what lower ones may."""

    PATIENT = "patient"
    STAFF = "staff"
    DENTIST = "dentist"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        """True when this role is ``other`` or above it (admin > dentist > staff > patient)."""
        return self.rank >= other.rank


_ROLE_RANK = {Role.PATIENT: 0, Role.STAFF: 1, Role.DENTIST: 2, Role.ADMIN: 3}


class AppointmentStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def is_active(self) -> bool:
        """An active appointment holds its chair time; cancelled and no-show free it."""
        return self not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


ACTIVE_APPOINTMENT_STATUSES: tuple[AppointmentStatus, ...] = tuple(
    s for s in AppointmentStatus if s.is_active
)


class AppointmentType(StrEnum):
    REGULAR = "regular"
    WALK_IN = "walk_in"
    EMERGENCY = "emergency"
    FOLLOW_UP = "follow_up"


class PricingModel(StrEnum):
    PER_TOOTH = "Per Tooth"
    PER_TOOTH_PACKAGE = "Per Tooth Package"
    PER_SESSION = "Per Session"
    PER_FILM = "Per Film"
    PER_TREATMENT_PACKAGE = "Per Treatment Package"


class ToothChartUse(StrEnum):
    REQUIRED = "required"
    NOT_NEEDED = "not needed"
    OPTIONAL = "optional"


class BillStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIAL = "partial"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    INSURANCE = "insurance"
    OTHER = "other"


class MovementType(StrEnum):
    RESTOCK = "restock"
    DEDUCTION = "deduction"
    ADJUSTMENT = "adjustment"
    EXPIRED = "expired"
    DAMAGED = "damaged"


class RestockStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ORDERED = "ordered"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class Urgency(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class RecordCategory(StrEnum):
    DIAGNOSTIC_IMAGES = "diagnostic-images"
    TREATMENT_PHOTOS = "treatment-photos"
    FORMS_DOCUMENTS = "forms-documents"
    ADMINISTRATIVE = "administrative"
    INSURANCE = "insurance"
    CORRESPONDENCE = "correspondence"


class AlertLevel(StrEnum):
    CRITICAL = "critical"
    URGENT = "urgent"
    LOW = "low"
    NORMAL = "normal"


class ToothSurface(StrEnum):
    MESIAL = "M"
    DISTAL = "D"
    OCCLUSAL = "O"  # incisal on anterior teeth
    BUCCAL = "B"  # labial on anterior teeth
    LINGUAL = "L"  # palatal on upper teeth
