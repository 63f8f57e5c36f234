"""Who may do what: one table from each action to the lowest role allowed to do it.

The roles are a strict hierarchy (ARCHITECTURE.md: admin > dentist > staff > patient):
whatever a role may do, every role above it may do too, so one lowest role per action is
the whole table. Nothing here needs "staff but not dentist" (a dentist may book, bill or
move stock at a quiet desk). Patient accounts may do nothing at a workstation, not even
sign in; no action's lowest role is ``patient``.

Choices worth knowing (ARCHITECTURE.md and the issues leave them open):

- Completing a visit and editing the tooth chart are clinical: dentist and up. Everything
  else in the day of the front desk (patients, booking, confirming, starting, cancelling,
  no-shows, bills, payments, printing an invoice, stock movements, restock requests,
  ordering and receiving them) is staff and up.
- Money and stock controls are admin: cancelling an issued bill, editing the service
  catalogue and inventory items (and their mappings), approving and cancelling restock
  requests; so are reports (revenue is the business's figures), users, settings, the
  audit log and backups.
- ``view_records`` opens the records section; each record's ``access_level`` then says
  who sees it (:func:`can_view_record`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import PermissionDeniedError


class Action(StrEnum):
    """A use case a signed-in user may or may not be allowed to run."""

    SIGN_IN = "sign_in"
    CHANGE_OWN_PASSWORD = "change_own_password"
    MANAGE_USERS = "manage_users"
    EDIT_SETTINGS = "edit_settings"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_PATIENTS = "view_patients"
    EDIT_PATIENTS = "edit_patients"
    VIEW_SCHEDULE = "view_schedule"
    BOOK_APPOINTMENT = "book_appointment"
    CHANGE_APPOINTMENT_STATUS = "change_appointment_status"
    COMPLETE_APPOINTMENT = "complete_appointment"
    VIEW_CHART = "view_chart"
    EDIT_CHART = "edit_chart"
    VIEW_SERVICES = "view_services"
    EDIT_SERVICES = "edit_services"
    VIEW_BILLS = "view_bills"
    EDIT_BILLS = "edit_bills"
    RECORD_PAYMENT = "record_payment"
    CANCEL_BILL = "cancel_bill"
    PRINT_INVOICE = "print_invoice"
    VIEW_INVENTORY = "view_inventory"
    MOVE_STOCK = "move_stock"
    EDIT_INVENTORY = "edit_inventory"
    REQUEST_RESTOCK = "request_restock"
    APPROVE_RESTOCK = "approve_restock"
    ORDER_RESTOCK = "order_restock"
    RECEIVE_RESTOCK = "receive_restock"
    CANCEL_RESTOCK = "cancel_restock"
    VIEW_RECORDS = "view_records"
    UPLOAD_RECORDS = "upload_records"
    VIEW_REPORTS = "view_reports"
    RUN_BACKUP = "run_backup"


_A = Action

PERMISSIONS: Mapping[Action, Role] = MappingProxyType(
    {
        _A.SIGN_IN: Role.STAFF,
        _A.CHANGE_OWN_PASSWORD: Role.STAFF,
        _A.MANAGE_USERS: Role.ADMIN,
        _A.EDIT_SETTINGS: Role.ADMIN,
        _A.VIEW_AUDIT_LOG: Role.ADMIN,
        _A.VIEW_PATIENTS: Role.STAFF,
        _A.EDIT_PATIENTS: Role.STAFF,
        _A.VIEW_SCHEDULE: Role.STAFF,
        _A.BOOK_APPOINTMENT: Role.STAFF,
        _A.CHANGE_APPOINTMENT_STATUS: Role.STAFF,
        _A.COMPLETE_APPOINTMENT: Role.DENTIST,
        _A.VIEW_CHART: Role.STAFF,
        _A.EDIT_CHART: Role.DENTIST,
        _A.VIEW_SERVICES: Role.STAFF,
        _A.EDIT_SERVICES: Role.ADMIN,
        _A.VIEW_BILLS: Role.STAFF,
        _A.EDIT_BILLS: Role.STAFF,
        _A.RECORD_PAYMENT: Role.STAFF,
        _A.CANCEL_BILL: Role.ADMIN,
        _A.PRINT_INVOICE: Role.STAFF,
        _A.VIEW_INVENTORY: Role.STAFF,
        _A.MOVE_STOCK: Role.STAFF,
        _A.EDIT_INVENTORY: Role.ADMIN,
        _A.REQUEST_RESTOCK: Role.STAFF,
        _A.APPROVE_RESTOCK: Role.ADMIN,
        _A.ORDER_RESTOCK: Role.STAFF,
        _A.RECEIVE_RESTOCK: Role.STAFF,
        _A.CANCEL_RESTOCK: Role.ADMIN,
        _A.VIEW_RECORDS: Role.STAFF,
        _A.UPLOAD_RECORDS: Role.STAFF,
        _A.VIEW_REPORTS: Role.ADMIN,
        _A.RUN_BACKUP: Role.ADMIN,
    }
)

# What the action is, after "can't": "Staff can't approve restock requests".
ACTION_PHRASES: Mapping[Action, str] = MappingProxyType(
    {
        _A.SIGN_IN: "sign in",
        _A.CHANGE_OWN_PASSWORD: "change their password",
        _A.MANAGE_USERS: "manage users",
        _A.EDIT_SETTINGS: "change the clinic settings",
        _A.VIEW_AUDIT_LOG: "see the audit log",
        _A.VIEW_PATIENTS: "see patients",
        _A.EDIT_PATIENTS: "edit patients",
        _A.VIEW_SCHEDULE: "see the schedule",
        _A.BOOK_APPOINTMENT: "book appointments",
        _A.CHANGE_APPOINTMENT_STATUS: "change an appointment's status",
        _A.COMPLETE_APPOINTMENT: "complete visits",
        _A.VIEW_CHART: "see tooth charts",
        _A.EDIT_CHART: "edit tooth charts",
        _A.VIEW_SERVICES: "see the services",
        _A.EDIT_SERVICES: "edit the services",
        _A.VIEW_BILLS: "see bills",
        _A.EDIT_BILLS: "edit bills",
        _A.RECORD_PAYMENT: "record payments",
        _A.CANCEL_BILL: "cancel bills",
        _A.PRINT_INVOICE: "print invoices",
        _A.VIEW_INVENTORY: "see the inventory",
        _A.MOVE_STOCK: "record stock movements",
        _A.EDIT_INVENTORY: "edit inventory items",
        _A.REQUEST_RESTOCK: "request restocks",
        _A.APPROVE_RESTOCK: "approve restock requests",
        _A.ORDER_RESTOCK: "order restocks",
        _A.RECEIVE_RESTOCK: "receive restock deliveries",
        _A.CANCEL_RESTOCK: "cancel restock requests",
        _A.VIEW_RECORDS: "see medical records",
        _A.UPLOAD_RECORDS: "upload medical records",
        _A.VIEW_REPORTS: "see reports",
        _A.RUN_BACKUP: "run backups",
    }
)

_ROLE_PLURAL = MappingProxyType(
    {
        Role.PATIENT: "Patient accounts",
        Role.STAFF: "Staff",
        Role.DENTIST: "Dentists",
        Role.ADMIN: "Admins",
    }
)
# Only dentist- and admin-level actions can refuse someone who isn't a patient.
_WHO_TO_ASK = MappingProxyType(
    {
        Role.DENTIST: "a dentist or an admin",
        Role.ADMIN: "an admin",
    }
)


def is_allowed(role: Role | str, action: Action | str) -> bool:
    """True when someone signed in as ``role`` may do ``action``."""
    role = Role(role)
    return role is not Role.PATIENT and role.at_least(PERMISSIONS[Action(action)])


def refusal_message(role: Role | str, action: Action | str) -> str:
    """What to tell a ``role`` refused ``action``: "Staff can't approve restock requests;
    ask an admin." """
    role, action = Role(role), Action(action)
    phrase = ACTION_PHRASES[action]
    if role is Role.PATIENT:
        return f"Patient accounts can't {phrase} at a workstation."
    return f"{_ROLE_PLURAL[role]} can't {phrase}; ask {_WHO_TO_ASK[PERMISSIONS[action]]}."


def require(role: Role | str, action: Action | str) -> None:
    """Raise ``PermissionDeniedError`` unless ``role`` may do ``action``."""
    if not is_allowed(role, action):
        raise PermissionDeniedError(refusal_message(role, action))


def allowed_actions(role: Role | str) -> frozenset[Action]:
    """Everything ``role`` may do (nothing for patients)."""
    return frozenset(action for action in Action if is_allowed(role, action))


def roles_allowed(action: Action | str) -> frozenset[Role]:
    """Every role that may do ``action``."""
    return frozenset(role for role in Role if is_allowed(role, action))


def can_view_record(role: Role | str, access_level: Role | str) -> bool:
    """True when ``role`` may see a medical record whose ``access_level`` is given: the
    role may open records at all and is at or above the record's level."""
    return is_allowed(role, Action.VIEW_RECORDS) and Role(role).at_least(Role(access_level))
