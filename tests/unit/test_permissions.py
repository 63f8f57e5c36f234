"""The permission table: every role against every action, and the refusal messages."""

from __future__ import annotations

import itertools

import pytest

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import PermissionDeniedError
from dcms_desktop.domain.permissions import (
    ACTION_PHRASES,
    PERMISSIONS,
    Action,
    allowed_actions,
    can_view_record,
    is_allowed,
    refusal_message,
    require,
    roles_allowed,
)

A = Action

# Written out by hand from the decisions in permissions.py's docstring; the table in the
# module must agree with it, so a change to either is a deliberate change to both.
ADMIN_ONLY = {
    A.MANAGE_USERS, A.EDIT_SETTINGS, A.VIEW_AUDIT_LOG, A.EDIT_SERVICES, A.CANCEL_BILL,
    A.EDIT_INVENTORY, A.APPROVE_RESTOCK, A.CANCEL_RESTOCK, A.VIEW_REPORTS, A.RUN_BACKUP,
}  # fmt: skip
DENTIST_AND_UP = {A.COMPLETE_APPOINTMENT, A.EDIT_CHART}
STAFF_AND_UP = set(Action) - ADMIN_ONLY - DENTIST_AND_UP
EXPECTED = {
    Role.PATIENT: set(),
    Role.STAFF: STAFF_AND_UP,
    Role.DENTIST: STAFF_AND_UP | DENTIST_AND_UP,
    Role.ADMIN: set(Action),
}


def test_the_brief_actions_all_exist() -> None:
    names = [
        "sign_in",
        "manage_users",
        "edit_settings",
        "view_patients",
        "edit_patients",
        "view_schedule",
        "book_appointment",
        "change_appointment_status",
        "complete_appointment",
        "view_chart",
        "edit_chart",
        "view_services",
        "edit_services",
        "view_bills",
        "edit_bills",
        "record_payment",
        "cancel_bill",
        "view_inventory",
        "move_stock",
        "edit_inventory",
        "request_restock",
        "approve_restock",
        "order_restock",
        "receive_restock",
        "view_records",
        "upload_records",
        "view_reports",
        "print_invoice",
        "run_backup",
    ]
    assert set(names) <= {action.value for action in Action}


def test_every_action_has_a_lowest_role_and_a_phrase() -> None:
    assert set(PERMISSIONS) == set(Action)
    assert set(ACTION_PHRASES) == set(Action)


def test_no_action_is_open_to_patients() -> None:
    assert Role.PATIENT not in PERMISSIONS.values()


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_every_role_is_allowed_exactly_what_the_table_says(role: Role, action: Action) -> None:
    expected = action in EXPECTED[role]
    assert is_allowed(role, action) is expected
    assert is_allowed(role.value, action.value) is expected
    if expected:
        require(role, action)
    else:
        with pytest.raises(PermissionDeniedError) as caught:
            require(role, action)
        assert caught.value.message == refusal_message(role, action)
        assert caught.value.message.endswith(".")


def test_the_hierarchy_is_strict_a_higher_role_may_do_all_a_lower_one_may() -> None:
    ranked = [Role.PATIENT, Role.STAFF, Role.DENTIST, Role.ADMIN]
    for lower, higher in itertools.pairwise(ranked):
        assert allowed_actions(lower) <= allowed_actions(higher)


def test_allowed_actions_and_roles_allowed_read_the_same_table() -> None:
    for role in Role:
        assert allowed_actions(role) == EXPECTED[role]
    assert roles_allowed(A.APPROVE_RESTOCK) == {Role.ADMIN}
    assert roles_allowed(A.EDIT_CHART) == {Role.DENTIST, Role.ADMIN}
    assert roles_allowed(A.BOOK_APPOINTMENT) == {Role.STAFF, Role.DENTIST, Role.ADMIN}


@pytest.mark.parametrize(
    ("role", "action", "message"),
    [
        (Role.STAFF, A.APPROVE_RESTOCK, "Staff can't approve restock requests; ask an admin."),
        (Role.DENTIST, A.MANAGE_USERS, "Dentists can't manage users; ask an admin."),
        (
            Role.STAFF,
            A.COMPLETE_APPOINTMENT,
            "Staff can't complete visits; ask a dentist or an admin.",
        ),
        (Role.PATIENT, A.SIGN_IN, "Patient accounts can't sign in at a workstation."),
        (Role.PATIENT, A.VIEW_BILLS, "Patient accounts can't see bills at a workstation."),
    ],
)
def test_refusals_say_who_can_help(role: Role, action: Action, message: str) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        require(role, action)
    assert caught.value.message == message


def test_unknown_roles_and_actions_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        is_allowed("receptionist", A.SIGN_IN)
    with pytest.raises(ValueError):
        is_allowed(Role.ADMIN, "fly")


@pytest.mark.parametrize(("role", "level"), list(itertools.product(Role, Role)))
def test_a_record_is_seen_by_its_access_level_and_above_never_by_patients(
    role: Role, level: Role
) -> None:
    expected = role is not Role.PATIENT and role.rank >= level.rank
    assert can_view_record(role, level) is expected


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        PERMISSIONS[A.RUN_BACKUP] = Role.STAFF  # type: ignore[index]
