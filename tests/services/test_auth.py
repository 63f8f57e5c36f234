"""AuthService on both backends: the first admin, signing in and out, the lock after five
failures, one message and one pace for every refusal, re-hashing old hashes, the lock
screen and changing one's own password. Every attempt leaves an audit row."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type
from argon2 import extract_parameters as argon2_parameters

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from dcms_desktop.domain.readmodels.audit import AuditEntryView
from dcms_desktop.services import passwords
from dcms_desktop.services.auth import (
    LOCK_AFTER,
    LOCK_FOR,
    SIGN_IN_MESSAGE,
    AuthService,
    SignedIn,
    SignInError,
)
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.users import UserService
from tests.factories import PASSWORD, T0, Clock, actor_for, make_user, password_hash, write_session

OTHER_PASSWORD = "violet harbour under snow"


@pytest.fixture
def auth(service_context: ServiceContext, clock: Clock) -> AuthService:
    return AuthService(service_context)


def add_user(database: Database, role: Role = Role.STAFF, **values: object) -> UserRow:
    values.setdefault("password_hash", password_hash())
    with write_session(database) as session:
        user = make_user(session, role, **values)
        session.expunge(user)
    return user


def row(database: Database, user_id: uuid.UUID) -> UserRow:
    with write_session(database) as session:
        found = session.get(UserRow, user_id)
        assert found is not None
        session.expunge(found)
    return found


def entries(context: ServiceContext, user_id: uuid.UUID | None = None) -> list[AuditEntryView]:
    """The audit rows, oldest first (about one user when given)."""
    with context.uow(write=False) as uow:
        found = uow.audit.recent(limit=500, user_id=user_id)
    return sorted(found, key=lambda e: (e.at, _WITHIN_A_USE_CASE.get(e.action, 1)))


# Entries of one use case share their moment: a first admin is created, then signed in;
# a failed attempt is counted, then locks.
_WITHIN_A_USE_CASE = {"create_first_admin": 0, "lock": 2}


def outcomes(context: ServiceContext, user_id: uuid.UUID) -> list[tuple[str, str]]:
    return [(e.action, e.outcome) for e in entries(context, user_id)]


def refused(auth: AuthService, email: str, password: str) -> str:
    with pytest.raises(SignInError) as caught:
        auth.sign_in(email, password)
    return caught.value.message


# -- the first admin ------------------------------------------------------------------------
def test_a_new_clinic_needs_a_first_admin_who_is_created_signed_in_and_audited(
    auth: AuthService, service_context: ServiceContext, database: Database
) -> None:
    add_user(database, Role.STAFF)
    add_user(database, Role.ADMIN, is_active=False)
    assert auth.needs_first_admin()

    signed_in = auth.create_first_admin(
        email=" Ana.Reyes@Clinic.PH ", first_name="Ana", last_name="Reyes", password=PASSWORD
    )

    assert signed_in.actor.role is Role.ADMIN
    assert signed_in.user.email == "ana.reyes@clinic.ph"
    assert signed_in.user.last_login == T0
    assert not signed_in.must_change_password
    assert not auth.needs_first_admin()
    assert outcomes(service_context, signed_in.actor.user_id) == [
        ("create_first_admin", "ok"),
        ("sign_in", "ok"),
    ]
    assert auth.sign_in("ana.reyes@clinic.ph", PASSWORD).actor == signed_in.actor


def test_the_first_admin_can_only_be_created_once(auth: AuthService) -> None:
    auth.create_first_admin(
        email="ana@clinic.ph", first_name="Ana", last_name="Reyes", password=PASSWORD
    )
    with pytest.raises(ConflictError):
        auth.create_first_admin(
            email="eve@clinic.ph", first_name="Eve", last_name="Cruz", password=OTHER_PASSWORD
        )


def test_the_first_admin_needs_a_good_password_and_nothing_is_created_without_one(
    auth: AuthService,
) -> None:
    with pytest.raises(ValidationError) as caught:
        auth.create_first_admin(
            email="ana@clinic.ph", first_name="Ana", last_name="Reyes", password="password1234567"
        )
    assert caught.value.field == "password"
    with pytest.raises(ValidationError) as caught:
        auth.create_first_admin(
            email="not an email", first_name="Ana", last_name="Reyes", password=PASSWORD
        )
    assert caught.value.field == "email"
    assert auth.needs_first_admin()


# -- signing in -----------------------------------------------------------------------------
def test_sign_in_with_the_right_password_sets_last_login_and_is_audited(
    auth: AuthService, service_context: ServiceContext, database: Database
) -> None:
    dentist = add_user(database, Role.DENTIST, last_name="Reyes", failed_login_attempts=3)

    signed_in = auth.sign_in(f"  {dentist.email.upper()} ", PASSWORD)

    assert isinstance(signed_in, SignedIn)
    assert signed_in.actor == actor_for(dentist)
    assert signed_in.actor.display_name == "Dr Reyes"
    assert signed_in.user.last_login == T0
    assert (row(database, dentist.id).failed_login_attempts, signed_in.user.version) == (0, 1)
    [entry] = entries(service_context, dentist.id)
    assert (entry.action, entry.outcome, entry.workstation, entry.at) == (
        "sign_in",
        "ok",
        "test-ws",
        T0,
    )
    assert entry.user_email == dentist.email


def test_a_wrong_password_is_refused_counted_and_audited_though_sign_in_raises(
    auth: AuthService, service_context: ServiceContext, database: Database
) -> None:
    staff = add_user(database)

    assert refused(auth, staff.email, "not the password at all") == SIGN_IN_MESSAGE

    assert row(database, staff.id).failed_login_attempts == 1
    [entry] = entries(service_context, staff.id)
    assert (entry.action, entry.outcome, entry.details) == ("sign_in", "failed", {"attempts": 1})


def test_five_failures_in_a_row_lock_the_account_for_15_minutes(
    auth: AuthService, service_context: ServiceContext, database: Database, clock: Clock
) -> None:
    staff = add_user(database)
    for _ in range(LOCK_AFTER):
        refused(auth, staff.email, "wrong guess number")
        clock.advance(seconds=10)
    locked_at = clock.now - timedelta(seconds=10)
    assert row(database, staff.id).locked_until == locked_at + LOCK_FOR

    # Even the right password is refused while the lock lasts, with the same message.
    assert refused(auth, staff.email, PASSWORD) == SIGN_IN_MESSAGE
    clock.now = locked_at + LOCK_FOR - timedelta(seconds=1)
    refused(auth, staff.email, PASSWORD)

    clock.now = locked_at + LOCK_FOR
    signed_in = auth.sign_in(staff.email, PASSWORD)
    assert signed_in.user.last_login == clock.now
    after = row(database, staff.id)
    assert (after.failed_login_attempts, after.locked_until) == (0, None)

    assert outcomes(service_context, staff.id) == [
        *[("sign_in", "failed")] * 5,
        ("lock", "ok"),
        ("sign_in", "locked"),
        ("sign_in", "locked"),
        ("sign_in", "ok"),
    ]
    lock = next(e for e in entries(service_context, staff.id) if e.action == "lock")
    assert lock.details == {"attempts": 5, "until": (locked_at + LOCK_FOR).isoformat()}


def test_a_success_resets_the_count_so_only_five_in_a_row_lock(
    auth: AuthService, database: Database
) -> None:
    staff = add_user(database)
    for _ in range(LOCK_AFTER - 1):
        refused(auth, staff.email, "wrong guess number")
    auth.sign_in(staff.email, PASSWORD)
    for _ in range(LOCK_AFTER - 1):
        refused(auth, staff.email, "wrong guess number")
    after = row(database, staff.id)
    assert (after.failed_login_attempts, after.locked_until) == (LOCK_AFTER - 1, None)
    auth.sign_in(staff.email, PASSWORD)


def test_after_a_lock_runs_out_the_count_starts_again(
    auth: AuthService, database: Database, clock: Clock
) -> None:
    staff = add_user(database, failed_login_attempts=5, locked_until=T0 + timedelta(minutes=1))
    clock.advance(minutes=2)
    refused(auth, staff.email, "wrong guess number")
    after = row(database, staff.id)
    assert (after.failed_login_attempts, after.locked_until) == (1, None)


def test_deactivated_patient_and_unknown_accounts_get_the_same_message_and_are_audited(
    auth: AuthService, service_context: ServiceContext, database: Database
) -> None:
    gone = add_user(database, Role.STAFF, is_active=False)
    patient = add_user(database, Role.PATIENT)
    no_password = add_user(database, Role.STAFF, password_hash=passwords.UNUSABLE_PASSWORD)

    for email in (gone.email, patient.email, no_password.email):
        assert refused(auth, email, PASSWORD) == SIGN_IN_MESSAGE
    assert refused(auth, "Nobody@Clinic.ph", PASSWORD) == SIGN_IN_MESSAGE
    assert refused(auth, "", PASSWORD) == SIGN_IN_MESSAGE
    assert refused(auth, f"{gone.email}\x00", PASSWORD) == SIGN_IN_MESSAGE

    assert outcomes(service_context, gone.id) == [("sign_in", "inactive")]
    assert outcomes(service_context, patient.id) == [("sign_in", "refused")]
    assert outcomes(service_context, no_password.id) == [("sign_in", "refused")]
    # Refusals that never checked a password don't count towards a lock.
    assert row(database, gone.id).failed_login_attempts == 0
    unknown = [e for e in entries(service_context) if e.user_id is None]
    assert {e.user_email for e in unknown} == {None, gone.email, "nobody@clinic.ph"}
    assert all((e.outcome, e.details) == ("failed", {"reason": "unknown email"}) for e in unknown)


def _seconds(attempt: Callable[[], object]) -> float:
    started = time.perf_counter()
    with pytest.raises(SignInError):
        attempt()
    return time.perf_counter() - started


def test_every_kind_of_refusal_takes_about_as_long_as_a_wrong_password(
    auth: AuthService, database: Database
) -> None:
    rounds = 7
    staff = [add_user(database) for _ in range(rounds)]  # one wrong password each: no lock
    gone = add_user(database, is_active=False)
    locked = add_user(database, failed_login_attempts=5, locked_until=T0 + timedelta(days=1))
    patient = add_user(database, Role.PATIENT)
    auth.sign_in(add_user(database).email, PASSWORD)  # warm connections and code paths
    kinds = {
        "unknown email": lambda: auth.sign_in("nobody@clinic.ph", PASSWORD),
        "deactivated": lambda: auth.sign_in(gone.email, PASSWORD),
        "locked": lambda: auth.sign_in(locked.email, PASSWORD),
        "patient": lambda: auth.sign_in(patient.email, PASSWORD),
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    wrong: list[float] = []
    for member in staff:  # interleaved, so that a busy moment hits every kind
        wrong.append(_seconds(lambda member=member: auth.sign_in(member.email, "wrong guess")))
        for kind, attempt in kinds.items():
            times[kind].append(_seconds(attempt))

    baseline = statistics.median(wrong)
    for kind, seconds in times.items():
        median = statistics.median(seconds)
        assert 0.5 * baseline <= median <= 2 * baseline, (kind, median, baseline)


def test_a_hash_made_with_older_parameters_is_replaced_at_the_next_sign_in(
    auth: AuthService, service_context: ServiceContext, database: Database
) -> None:
    weak_id = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    weak_i = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, type=Type.I)
    old_id = add_user(database, password_hash=weak_id.hash(PASSWORD))
    old_i = add_user(database, password_hash=weak_i.hash(PASSWORD))
    current = add_user(database)

    for user in (old_id, old_i, current):
        assert passwords.needs_rehash(user.password_hash) is (user is not current)
        auth.sign_in(user.email, PASSWORD)
        stored = row(database, user.id).password_hash
        parameters = argon2_parameters(stored)
        assert (parameters.type, parameters.time_cost, parameters.memory_cost) == (
            Type.ID,
            passwords.TIME_COST,
            passwords.MEMORY_COST_KIB,
        )
        assert not passwords.needs_rehash(stored)
        assert (stored == user.password_hash) is (user is current)
        auth.sign_in(user.email, PASSWORD)  # the new hash verifies

    details = [e.details for e in entries(service_context, old_id.id) if e.action == "sign_in"]
    assert sorted(details, key=str) == [None, {"rehashed": True}]


def test_sign_out_is_audited(
    auth: AuthService, service_context: ServiceContext, database: Database, clock: Clock
) -> None:
    staff = add_user(database)
    signed_in = auth.sign_in(staff.email, PASSWORD)
    clock.advance(hours=8)
    auth.sign_out(signed_in)
    assert outcomes(service_context, staff.id) == [("sign_in", "ok"), ("sign_out", "ok")]


# -- the lock screen ------------------------------------------------------------------------
def test_the_lock_screen_opens_with_the_users_password_only_and_counts_wrong_ones(
    auth: AuthService, service_context: ServiceContext, database: Database, clock: Clock
) -> None:
    staff = add_user(database)
    signed_in = auth.sign_in(staff.email, PASSWORD)

    assert not auth.verify_password(signed_in, "someone else guessing")
    assert row(database, staff.id).failed_login_attempts == 1
    assert auth.verify_password(signed_in, PASSWORD)
    assert row(database, staff.id).failed_login_attempts == 0

    for _ in range(LOCK_AFTER):
        clock.advance(seconds=1)
        assert not auth.verify_password(signed_in, "someone else guessing")
    clock.advance(seconds=1)
    assert not auth.verify_password(signed_in, PASSWORD)  # locked now
    assert outcomes(service_context, staff.id)[-3:] == [
        ("unlock_screen", "failed"),
        ("lock", "ok"),
        ("unlock_screen", "locked"),
    ]


def test_the_lock_screen_stays_shut_once_the_account_is_deactivated(
    auth: AuthService, database: Database
) -> None:
    staff = add_user(database)
    signed_in = auth.sign_in(staff.email, PASSWORD)
    with write_session(database) as session:
        session.get(UserRow, staff.id).is_active = False  # type: ignore[union-attr]
    assert not auth.verify_password(signed_in, PASSWORD)


# -- one's own password ---------------------------------------------------------------------
def test_changing_ones_own_password_needs_the_current_one_and_a_good_new_one(
    auth: AuthService, service_context: ServiceContext, database: Database
) -> None:
    staff = add_user(database, email="bea.tan@clinic.ph")
    actor = auth.sign_in(staff.email, PASSWORD).actor

    cases = [
        ("not my password at all", OTHER_PASSWORD, "current_password"),
        (PASSWORD, "short one", "new_password"),
        (PASSWORD, "password2024!!!", "new_password"),
        (PASSWORD, "bea.tan rides a bike", "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
    ]
    for current, new, field in cases:
        with pytest.raises(ValidationError) as caught:
            auth.change_own_password(actor, current=current, new=new)
        assert caught.value.field == field, (current, new)

    auth.change_own_password(actor, current=PASSWORD, new=OTHER_PASSWORD)

    refused(auth, staff.email, PASSWORD)
    auth.sign_in(staff.email, OTHER_PASSWORD)
    assert ("change_own_password", "ok") in outcomes(service_context, staff.id)
    assert ("change_own_password", "failed") in outcomes(service_context, staff.id)


def test_patients_cannot_change_a_password_at_a_workstation(
    auth: AuthService, database: Database
) -> None:
    patient = add_user(database, Role.PATIENT)
    with pytest.raises(PermissionDeniedError):
        auth.change_own_password(actor_for(patient), current=PASSWORD, new=OTHER_PASSWORD)


def test_a_temporary_password_must_be_changed_at_the_next_sign_in(
    auth: AuthService, service_context: ServiceContext, database: Database
) -> None:
    admin = add_user(database, Role.ADMIN)
    staff = add_user(database)
    UserService(service_context).reset_password(actor_for(admin), staff.id, OTHER_PASSWORD)

    refused(auth, staff.email, PASSWORD)
    signed_in = auth.sign_in(staff.email, OTHER_PASSWORD)
    assert signed_in.must_change_password
    auth.change_own_password(signed_in.actor, current=OTHER_PASSWORD, new="lantern over the bay")
    assert not auth.sign_in(staff.email, "lantern over the bay").must_change_password


# -- the demo clinic ------------------------------------------------------------------------
def test_demo_credentials_are_offered_on_a_demo_clinic_only_and_they_sign_in(
    auth: AuthService, database: Database
) -> None:
    assert auth.demo_credentials() is None
    from dcms_desktop.services.demo import generate_demo

    generate_demo(database, "tiny")
    credentials = auth.demo_credentials()
    assert credentials is not None
    assert credentials["admin"].startswith("admin@")
    for role in ("admin", "dentist", "staff"):
        signed_in = auth.sign_in(credentials[role], credentials["password"])
        assert signed_in.actor.role is Role(role)
