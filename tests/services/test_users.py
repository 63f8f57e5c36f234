"""UserService on both backends: the admin's list of accounts, creating, editing with
optimistic locking, deactivating, unlocking and resetting passwords, and the clinic never
left without an active admin, not even when two admins demote each other at once."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest

from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import (
    ConflictError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.auth import AuthService, SignInError
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.users import UserAccount, UserService
from tests.factories import PASSWORD, T0, Clock, actor_for, make_user, password_hash, write_session

TEMPORARY = "violet harbour under snow"


@pytest.fixture
def users(service_context: ServiceContext, clock: Clock) -> UserService:
    return UserService(service_context)


@pytest.fixture
def auth(service_context: ServiceContext, clock: Clock) -> AuthService:
    return AuthService(service_context)


def add_user(database: Database, role: Role = Role.STAFF, **values: object) -> UserRow:
    values.setdefault("password_hash", password_hash())
    with write_session(database) as session:
        user = make_user(session, role, **values)
        session.expunge(user)
    return user


@pytest.fixture
def admin(database: Database) -> Actor:
    return actor_for(add_user(database, Role.ADMIN, first_name="Ana", last_name="Reyes"))


def edit(users: UserService, actor: Actor, account: UserAccount, **changes: object) -> UserAccount:
    values: dict[str, object] = {
        "email": account.email,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "phone": account.phone,
        "role": account.role,
    }
    values.update(changes)
    return users.update_user(
        actor,
        account.id,
        expected_version=account.version,
        **values,  # type: ignore[arg-type]
    )


def audit_actions(context: ServiceContext, user_id: uuid.UUID) -> list[tuple[str, str]]:
    with context.uow(write=False) as uow:
        found = uow.audit.recent("user", user_id, 500)
    return sorted((e.action, e.outcome) for e in found)


# -- the list -------------------------------------------------------------------------------
def test_the_list_holds_staff_dentists_and_admins_by_name_but_no_patients(
    users: UserService, admin: Actor, database: Database
) -> None:
    add_user(database, Role.DENTIST, first_name="Luis", last_name="Cruz")
    add_user(database, Role.STAFF, first_name="Bea", last_name="Tan", is_active=False)
    add_user(database, Role.PATIENT, first_name="Maria", last_name="Santos")

    accounts = users.list_accounts(admin)

    assert [(a.display_name, a.role, a.lock_state) for a in accounts] == [
        ("Dr Cruz", Role.DENTIST, ""),
        ("Ana Reyes", Role.ADMIN, ""),
        ("Bea Tan", Role.STAFF, "Deactivated"),
    ]
    assert all(a.as_of == T0 for a in accounts)
    assert not hasattr(accounts[0], "password_hash")


def test_the_list_says_why_and_until_when_an_account_is_locked(
    users: UserService, auth: AuthService, admin: Actor, database: Database, clock: Clock
) -> None:
    staff = add_user(database, first_name="Bea", last_name="Tan")
    for _ in range(5):
        with pytest.raises(SignInError):
            auth.sign_in(staff.email, "a wrong guess here")

    account = users.get_account(admin, staff.id)

    until = (T0 + timedelta(minutes=15)).astimezone()
    assert account.is_locked
    assert account.lock_state == f"Locked until {until:%H:%M} (5 failed sign-ins)"
    clock.advance(minutes=15)
    assert users.get_account(admin, staff.id).lock_state == ""


def test_lock_state_names_the_day_of_a_lock_that_ends_on_another_day() -> None:
    now = datetime(2030, 3, 4, 12, 0).astimezone()
    account = UserAccount(
        id=uuid.uuid4(),
        email="bea@clinic.ph",
        first_name="Bea",
        last_name="Tan",
        role=Role.STAFF,
        is_active=True,
        phone=None,
        failed_login_attempts=1,
        locked_until=now + timedelta(days=1),
        last_login=None,
        must_change_password=False,
        version=1,
        updated_at=now,
        updated_by_name=None,
        as_of=now,
    )
    assert account.lock_state == "Locked until 12:00 on 05 Mar (1 failed sign-in)"


def test_patients_and_unknown_ids_are_not_accounts_here(
    users: UserService, admin: Actor, database: Database
) -> None:
    patient = add_user(database, Role.PATIENT)
    for user_id in (patient.id, uuid.uuid4()):
        with pytest.raises(NotFoundError):
            users.get_account(admin, user_id)


# -- creating -------------------------------------------------------------------------------
def test_an_admin_creates_a_user_who_can_sign_in(
    users: UserService,
    auth: AuthService,
    admin: Actor,
    service_context: ServiceContext,
    local_bus: LocalEventBus,
) -> None:
    heard: list[ChangeEvent] = []
    local_bus.subscribe(heard.append)

    user = users.create_user(
        admin,
        email=" Luis.Cruz@Clinic.PH",
        role=Role.DENTIST,
        first_name=" Luis ",
        last_name="Cruz",
        password=PASSWORD,
        phone=" 0917 555 0101 ",
    )

    assert (user.email, user.role, user.first_name, user.phone) == (
        "luis.cruz@clinic.ph",
        Role.DENTIST,
        "Luis",
        "0917 555 0101",
    )
    assert auth.sign_in("luis.cruz@clinic.ph", PASSWORD).actor.display_name == "Dr Cruz"
    assert ChangeEvent("user", str(user.id), "created", "test-ws") in heard
    assert ("create_user", "ok") in audit_actions(service_context, user.id)
    assert users.get_account(admin, user.id).updated_by_name == "Ana Reyes"


def test_the_dcms_command_creates_users_without_an_actor_and_says_so_in_the_audit(
    users: UserService, service_context: ServiceContext
) -> None:
    user = users.create_user(
        None,
        email="first@clinic.ph",
        role=Role.ADMIN,
        first_name="First",
        last_name="Admin",
        password=PASSWORD,
    )
    with service_context.uow(write=False) as uow:
        [entry] = uow.audit.recent("user", user.id)
    assert (entry.user_id, entry.details) == (
        None,
        {"email": "first@clinic.ph", "role": "admin", "via": "dcms command"},
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "x" * 250 + "@clinic.ph"}, "email"),
        ({"first_name": "  "}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"first_name": "A" * 101}, "first_name"),
        ({"phone": "0" * 21}, "phone"),
        ({"role": Role.PATIENT}, "role"),
        ({"password": "too short"}, "password"),
        ({"password": "password2024!!!"}, "password"),
        ({"password": "luis.cruz is my name"}, "password"),
    ],
)
def test_creating_a_user_refuses_bad_input_on_its_field(
    users: UserService, admin: Actor, changes: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {
        "email": "luis.cruz@clinic.ph",
        "role": Role.STAFF,
        "first_name": "Luis",
        "last_name": "Cruz",
        "password": PASSWORD,
    }
    values.update(changes)
    with pytest.raises(ValidationError) as caught:
        users.create_user(admin, **values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_an_email_taken_in_any_case_is_refused(
    users: UserService, admin: Actor, database: Database
) -> None:
    add_user(database, email="bea.tan@clinic.ph")
    with pytest.raises(ConflictError) as caught:
        users.create_user(
            admin,
            email="Bea.Tan@Clinic.ph",
            role=Role.STAFF,
            first_name="Bea",
            last_name="Tan",
            password=PASSWORD,
        )
    assert caught.value.field == "email"
    assert "bea.tan@clinic.ph" in caught.value.message


# -- editing --------------------------------------------------------------------------------
def test_an_edit_is_saved_audited_and_names_who_saved_it(
    users: UserService, admin: Actor, database: Database, service_context: ServiceContext
) -> None:
    staff = add_user(database, first_name="Bea", last_name="Tan")
    opened = users.get_account(admin, staff.id)

    saved = edit(users, admin, opened, last_name="Tan-Cruz", role=Role.DENTIST, phone="")

    assert (saved.last_name, saved.role, saved.phone, saved.version) == (
        "Tan-Cruz",
        Role.DENTIST,
        None,
        opened.version + 1,
    )
    assert (saved.updated_by_name, saved.updated_at) == ("Ana Reyes", T0)
    with service_context.uow(write=False) as uow:
        [entry] = uow.audit.recent("user", staff.id)
    assert entry.details == {
        "changed": ["last_name", "phone", "role"],
        "version": saved.version,
        "role": ["staff", "dentist"],
    }
    assert edit(users, admin, saved) == saved  # nothing changed, nothing written


def test_a_save_over_someone_elses_newer_save_is_refused_with_who_and_when(
    users: UserService, admin: Actor, database: Database, clock: Clock
) -> None:
    other_admin = actor_for(add_user(database, Role.ADMIN, first_name="Eve", last_name="Cruz"))
    staff = add_user(database)
    opened_by_ana = users.get_account(admin, staff.id)
    opened_by_eve = users.get_account(other_admin, staff.id)
    clock.advance(minutes=3)
    edit(users, other_admin, opened_by_eve, first_name="Beatriz")

    with pytest.raises(StaleRecordError) as caught:
        edit(users, admin, opened_by_ana, first_name="Bea")
    assert (caught.value.changed_by, caught.value.changed_at) == ("Eve Cruz", clock.now)
    assert "Eve Cruz changed" in caught.value.message
    for stale_use in (
        lambda: users.set_active(admin, staff.id, False, expected_version=opened_by_ana.version),
    ):
        with pytest.raises(StaleRecordError):
            stale_use()
    assert users.get_account(admin, staff.id).first_name == "Beatriz"


def test_failed_sign_ins_and_unlocks_do_not_make_an_open_edit_stale(
    users: UserService, auth: AuthService, admin: Actor, database: Database
) -> None:
    staff = add_user(database)
    opened = users.get_account(admin, staff.id)
    with pytest.raises(SignInError):
        auth.sign_in(staff.email, "a wrong guess here")
    users.unlock(admin, staff.id)
    auth.sign_in(staff.email, PASSWORD)
    assert edit(users, admin, opened, first_name="Beatriz").first_name == "Beatriz"


def test_an_edit_to_another_users_email_is_refused(
    users: UserService, admin: Actor, database: Database
) -> None:
    add_user(database, email="taken@clinic.ph")
    staff = add_user(database)
    with pytest.raises(ConflictError) as caught:
        edit(users, admin, users.get_account(admin, staff.id), email="TAKEN@clinic.ph")
    assert caught.value.field == "email"


# -- the last admin -------------------------------------------------------------------------
def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(
    users: UserService, admin: Actor, database: Database
) -> None:
    other = actor_for(add_user(database, Role.ADMIN, first_name="Eve", last_name="Cruz"))
    add_user(database, Role.ADMIN, is_active=False)  # an inactive admin doesn't count
    ana = users.get_account(other, admin.user_id)

    with pytest.raises(ValidationError) as caught:
        users.set_active(admin, admin.user_id, False, expected_version=ana.version)
    assert caught.value.field == "is_active"  # nobody deactivates themselves

    edit(users, admin, users.get_account(admin, other.user_id), role=Role.DENTIST)

    with pytest.raises(ValidationError) as caught:
        edit(users, admin, ana, role=Role.STAFF)
    assert caught.value.field == "role"
    assert "last active admin" in caught.value.message
    assert users.get_account(admin, admin.user_id).role is Role.ADMIN


def test_an_admin_can_deactivate_another_while_one_stays_and_reactivate_them(
    users: UserService, auth: AuthService, admin: Actor, database: Database
) -> None:
    eve = add_user(database, Role.ADMIN, first_name="Eve", last_name="Cruz")
    opened = users.get_account(admin, eve.id)

    gone = users.set_active(admin, eve.id, False, expected_version=opened.version)

    assert (gone.is_active, gone.lock_state, gone.version) == (False, "Deactivated", 2)
    with pytest.raises(SignInError):
        auth.sign_in(eve.email, PASSWORD)
    back = users.set_active(admin, eve.id, True, expected_version=gone.version)
    assert back.is_active
    auth.sign_in(eve.email, PASSWORD)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    users: UserService, database: Database, service_context: ServiceContext
) -> None:
    ana = add_user(database, Role.ADMIN, first_name="Ana", last_name="Reyes")
    eve = add_user(database, Role.ADMIN, first_name="Eve", last_name="Cruz")
    ana_opened = users.get_account(actor_for(ana), eve.id)
    eve_opened = users.get_account(actor_for(eve), ana.id)
    outcome: dict[str, BaseException | UserAccount] = {}

    # Ana's save is under way, holding the admins, when Eve's starts.
    with service_context.uow() as uow:
        assert len(uow.users.active_admin_ids(lock=True)) == 2

        def eve_demotes_ana() -> None:
            try:
                outcome["eve"] = edit(users, actor_for(eve), eve_opened, role=Role.STAFF)
            except BaseException as exc:
                outcome["eve"] = exc

        racer = threading.Thread(target=eve_demotes_ana)
        racer.start()
        time.sleep(0.3)
        assert racer.is_alive(), "Eve's save must wait for Ana's"
        uow.users.update_profile(
            eve.id,
            ana_opened.version,
            email=eve.email,
            first_name="Eve",
            last_name="Cruz",
            phone=eve.phone,
            role=Role.STAFF,
            by=ana.id,
            at=T0,
        )
        uow.commit()
    racer.join(timeout=30)

    assert isinstance(outcome["eve"], ValidationError), outcome
    assert outcome["eve"].field == "role"
    with service_context.uow(write=False) as uow:
        assert uow.users.active_admin_ids() == [ana.id]


# -- unlocking and resetting ----------------------------------------------------------------
def test_an_admin_unlocks_a_locked_account_and_it_signs_in_at_once(
    users: UserService,
    auth: AuthService,
    admin: Actor,
    database: Database,
    service_context: ServiceContext,
) -> None:
    staff = add_user(database)
    for _ in range(5):
        with pytest.raises(SignInError):
            auth.sign_in(staff.email, "a wrong guess here")

    unlocked = users.unlock(admin, staff.id)

    assert (unlocked.failed_login_attempts, unlocked.locked_until, unlocked.lock_state) == (
        0,
        None,
        "",
    )
    auth.sign_in(staff.email, PASSWORD)
    with service_context.uow(write=False) as uow:
        [entry] = [e for e in uow.audit.recent("user", staff.id) if e.action == "unlock_user"]
    assert (entry.user_id, entry.details) == (
        admin.user_id,
        {
            "failed_login_attempts": 5,
            "locked_until": (T0 + timedelta(minutes=15)).isoformat(),
        },
    )


def test_a_reset_password_is_temporary_lifts_the_lock_and_replaces_the_old_one(
    users: UserService, auth: AuthService, admin: Actor, database: Database
) -> None:
    staff = add_user(database, failed_login_attempts=5, locked_until=T0 + timedelta(minutes=9))

    with pytest.raises(ValidationError) as caught:
        users.reset_password(admin, staff.id, "password2024!!!")
    assert caught.value.field == "password"
    account = users.reset_password(admin, staff.id, TEMPORARY)

    assert account.must_change_password and account.lock_state == ""
    with pytest.raises(SignInError):
        auth.sign_in(staff.email, PASSWORD)
    assert auth.sign_in(staff.email, TEMPORARY).must_change_password
