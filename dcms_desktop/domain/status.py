"""The appointment status machine (ARCHITECTURE.md "Appointment status").

pending -> confirmed | in_progress (a walk-in starts at once) | cancelled | no_show;
confirmed -> in_progress | cancelled | no_show; in_progress -> completed. Completed,
cancelled and no_show are final. Cancelling needs a reason.

Who took a step is recorded in the column :data:`ACTION_FOR` names; starting a visit and
marking a no-show have no column of their own in the schema, so they are recorded by
``updated_by`` and the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from dcms_desktop.domain.enums import AppointmentStatus
from dcms_desktop.domain.errors import ValidationError

_S = AppointmentStatus

ALLOWED_TRANSITIONS: Mapping[AppointmentStatus, frozenset[AppointmentStatus]] = MappingProxyType(
    {
        _S.PENDING: frozenset({_S.CONFIRMED, _S.IN_PROGRESS, _S.CANCELLED, _S.NO_SHOW}),
        _S.CONFIRMED: frozenset({_S.IN_PROGRESS, _S.CANCELLED, _S.NO_SHOW}),
        _S.IN_PROGRESS: frozenset({_S.COMPLETED}),
        _S.COMPLETED: frozenset(),
        _S.CANCELLED: frozenset(),
        _S.NO_SHOW: frozenset(),
    }
)

FINAL_STATUSES: frozenset[AppointmentStatus] = frozenset(
    status for status, targets in ALLOWED_TRANSITIONS.items() if not targets
)

ACTION_FOR: Mapping[AppointmentStatus, str] = MappingProxyType(
    {
        _S.CONFIRMED: "confirmed_by",
        _S.CANCELLED: "cancelled_by",
        _S.COMPLETED: "completed_by",
    }
)

# How a status reads after "A(n) ... appointment".
STATUS_LABELS: Mapping[AppointmentStatus, str] = MappingProxyType(
    {
        _S.PENDING: "pending",
        _S.CONFIRMED: "confirmed",
        _S.IN_PROGRESS: "in-progress",
        _S.COMPLETED: "completed",
        _S.CANCELLED: "cancelled",
        _S.NO_SHOW: "no-show",
    }
)

# How moving to a status reads after "can't be ...".
_VERBS: Mapping[AppointmentStatus, str] = MappingProxyType(
    {
        _S.PENDING: "set back to pending",
        _S.CONFIRMED: "confirmed",
        _S.IN_PROGRESS: "started",
        _S.COMPLETED: "completed",
        _S.CANCELLED: "cancelled",
        _S.NO_SHOW: "marked as a no-show",
    }
)


def is_final(status: AppointmentStatus | str) -> bool:
    """True for completed, cancelled and no-show: nothing follows them."""
    return AppointmentStatus(status) in FINAL_STATUSES


def can_transition(src: AppointmentStatus | str, dst: AppointmentStatus | str) -> bool:
    return AppointmentStatus(dst) in ALLOWED_TRANSITIONS[AppointmentStatus(src)]


def _article(word: str) -> str:
    return "An" if word[0] in "aeiou" else "A"


def transition_refusal(src: AppointmentStatus | str, dst: AppointmentStatus | str) -> str:
    """Why ``src`` can't move to ``dst``, for the person at the desk."""
    src, dst = AppointmentStatus(src), AppointmentStatus(dst)
    if src is dst:
        return f"The appointment is already {STATUS_LABELS[src]}"
    if dst is _S.COMPLETED and src in (_S.PENDING, _S.CONFIRMED):
        return "Start the visit before completing it"
    label = STATUS_LABELS[src]
    return f"{_article(label)} {label} appointment can't be {_VERBS[dst]}"


def check_transition(
    src: AppointmentStatus | str,
    dst: AppointmentStatus | str,
    *,
    reason: str | None = None,
) -> None:
    """Refuse a step the machine doesn't allow (``status``), and a cancellation without a
    reason (``cancellation_reason``)."""
    src, dst = AppointmentStatus(src), AppointmentStatus(dst)
    if not can_transition(src, dst):
        raise ValidationError(transition_refusal(src, dst), field="status")
    if dst is _S.CANCELLED and (reason is None or not reason.strip()):
        raise ValidationError("Give a reason for cancelling", field="cancellation_reason")
