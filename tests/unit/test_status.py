"""The appointment status machine: every pair of statuses, messages and the reason rule."""

from __future__ import annotations

import itertools

import pytest

from dcms_desktop.domain.enums import AppointmentStatus
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.status import (
    ACTION_FOR,
    ALLOWED_TRANSITIONS,
    can_transition,
    check_transition,
    is_final,
)

S = AppointmentStatus

# Written out from ARCHITECTURE.md, not derived from the module under test.
EXPECTED_ALLOWED = {
    (S.PENDING, S.CONFIRMED),
    (S.PENDING, S.IN_PROGRESS),
    (S.PENDING, S.CANCELLED),
    (S.PENDING, S.NO_SHOW),
    (S.CONFIRMED, S.IN_PROGRESS),
    (S.CONFIRMED, S.CANCELLED),
    (S.CONFIRMED, S.NO_SHOW),
    (S.IN_PROGRESS, S.COMPLETED),
}
ALL_PAIRS = list(itertools.product(S, S))


def test_the_table_covers_every_status() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S)


@pytest.mark.parametrize(("src", "dst"), ALL_PAIRS)
def test_every_pair_is_allowed_exactly_when_architecture_says(
    src: AppointmentStatus, dst: AppointmentStatus
) -> None:
    expected = (src, dst) in EXPECTED_ALLOWED
    assert can_transition(src, dst) is expected
    assert (dst in ALLOWED_TRANSITIONS[src]) is expected
    if expected:
        check_transition(src, dst, reason="Patient called in sick")
    else:
        with pytest.raises(ValidationError) as caught:
            check_transition(src, dst, reason="Patient called in sick")
        assert caught.value.field == "status"
        assert caught.value.message  # a sentence for the desk, never empty
        assert "_" not in caught.value.message  # no enum values leak into the text


def test_statuses_work_by_their_stored_strings_too() -> None:
    assert can_transition("pending", "in_progress")
    check_transition("in_progress", "completed")


@pytest.mark.parametrize("status", list(S))
def test_only_completed_cancelled_and_no_show_are_final(status: AppointmentStatus) -> None:
    assert is_final(status) is (status in {S.COMPLETED, S.CANCELLED, S.NO_SHOW})
    assert is_final(status) is (not ALLOWED_TRANSITIONS[status])


@pytest.mark.parametrize(
    ("src", "dst", "message"),
    [
        (S.COMPLETED, S.CANCELLED, "A completed appointment can't be cancelled"),
        (S.CANCELLED, S.CONFIRMED, "A cancelled appointment can't be confirmed"),
        (S.NO_SHOW, S.IN_PROGRESS, "A no-show appointment can't be started"),
        (S.IN_PROGRESS, S.CANCELLED, "An in-progress appointment can't be cancelled"),
        (S.IN_PROGRESS, S.NO_SHOW, "An in-progress appointment can't be marked as a no-show"),
        (S.CONFIRMED, S.PENDING, "A confirmed appointment can't be set back to pending"),
        (S.PENDING, S.COMPLETED, "Start the visit before completing it"),
        (S.CONFIRMED, S.COMPLETED, "Start the visit before completing it"),
        (S.CONFIRMED, S.CONFIRMED, "The appointment is already confirmed"),
    ],
)
def test_refusals_say_what_is_wrong_in_plain_words(
    src: AppointmentStatus, dst: AppointmentStatus, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_transition(src, dst, reason="any")
    assert caught.value.message == message


@pytest.mark.parametrize("reason", [None, "", "   \n"])
@pytest.mark.parametrize("src", [S.PENDING, S.CONFIRMED])
def test_cancelling_without_a_reason_is_refused_on_the_reason_field(
    src: AppointmentStatus, reason: str | None
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_transition(src, S.CANCELLED, reason=reason)
    assert caught.value.field == "cancellation_reason"


def test_a_forbidden_cancellation_is_refused_for_the_status_before_the_reason() -> None:
    with pytest.raises(ValidationError) as caught:
        check_transition(S.COMPLETED, S.CANCELLED)
    assert caught.value.field == "status"


def test_other_steps_need_no_reason() -> None:
    check_transition(S.PENDING, S.CONFIRMED)
    check_transition(S.CONFIRMED, S.NO_SHOW, reason=None)


def test_the_who_columns_are_those_of_the_schema() -> None:
    assert dict(ACTION_FOR) == {
        S.CONFIRMED: "confirmed_by",
        S.CANCELLED: "cancelled_by",
        S.COMPLETED: "completed_by",
    }


def test_the_tables_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        ALLOWED_TRANSITIONS[S.COMPLETED] = frozenset({S.PENDING})  # type: ignore[index]
    with pytest.raises(TypeError):
        ACTION_FOR[S.NO_SHOW] = "no_show_by"  # type: ignore[index]
