"""Users, staff and patients.

The patient search is the busiest query of the front desk and must stay fast on a clinic of
100,000 patients, whatever is typed. Its keys (see :mod:`dcms_desktop.data.models`) are
indexed, bytewise-collated expressions, so a prefix is an index range ``key >= 'p' AND key
< 'p' || U+10FFFF`` on both backends, and the result order (last name, first name, id) is
an index too. One statement asks for the union of

(a) the first ``limit`` last-name matches: a range of the order index, read in order;
(b) the first ``limit`` full-name, email or phone matches: when they are few, read by
    their own indexes and sorted; when they are many, found by walking the order index
    from the start, where they come soon because they are spread over all last names;

and (a) and (b) are merged in the same order and cut to ``limit``. Which way (b) goes is
decided by a first statement that counts its matches on their indexes, up to
:data:`DENSE_MATCHES` for each key. The planners are not left to choose: given a LIMIT
and an underestimated prefix, PostgreSQL's walks the whole order index (100 ms on 100,000
patients), and SQLite keeps no statistics to choose by.

SQLite's ``lower()`` folds ASCII letters only, so on SQLite the typed text is folded the
same way: "ángel" finds "ángel" and "Ángel" finds "Ángel", but "ÁNGEL" doesn't find
"Ángel". PostgreSQL folds every letter.
"""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from dcms_desktop.data.models import User as UserRow
from dcms_desktop.data.models import (
    email_key,
    first_name_key,
    full_name_key,
    last_name_key,
    phone_digits_key,
)
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError, NotFoundError, StaleRecordError
from dcms_desktop.domain.readmodels.people import (
    NewUser,
    PatientHit,
    StaffMember,
    User,
    UserAccount,
    full_name,
)

# The greatest code point: every string starting with p sorts below p + this.
_AFTER_EVERYTHING = "\U0010ffff"
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_SPACES = re.compile(r"\s+")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NOT_DIGITS = re.compile(r"\D")
_LETTERS = re.compile(r"[^\W\d_]")

_ADMIN_ROSTER_LOCK = 0x64636D7341646D6E  # "dcmsAdmn": the advisory lock of the admin roster

MIN_PHONE_DIGITS = 3
"""A shorter run of digits would match a large part of the clinic's phone numbers."""

DENSE_MATCHES = 1500
"""From this many matches of one key (full name, email or phone) on, walking the order
index is cheaper than reading and sorting them all (about ``limit x patients / matches``
rows walked, against ``matches`` rows read and sorted)."""


def normalise_email(email: str) -> str:
    """How emails are stored and compared: stripped and lower-cased."""
    return email.strip().lower()


@dataclass(frozen=True)
class Credentials:
    """What the sign-in needs to decide about an account, hash included.

    Only the sign-in, the lock screen and the change of one's own password ask for it
    (:meth:`UserRepository.credentials_for`); it never leaves the service layer, is never
    cached, and its ``repr`` leaves the hash out.
    """

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    failed_login_attempts: int
    locked_until: datetime | None
    must_change_password: bool
    password_hash: str = field(repr=False)

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class FailedSignIn:
    """The account after one more failed sign-in."""

    attempts: int
    locked_until: datetime | None
    newly_locked: bool


_CREDENTIAL_COLUMNS = (
    UserRow.id,
    UserRow.email,
    UserRow.first_name,
    UserRow.last_name,
    UserRow.role,
    UserRow.is_active,
    UserRow.failed_login_attempts,
    UserRow.locked_until,
    UserRow.must_change_password,
    UserRow.password_hash,
)


def _to_credentials(row: Row[Any]) -> Credentials:
    return Credentials(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        role=Role(row.role),
        is_active=row.is_active,
        failed_login_attempts=row.failed_login_attempts,
        locked_until=row.locked_until,
        must_change_password=row.must_change_password,
        password_hash=row.password_hash,
    )


_UPDATER = aliased(UserRow, name="updater")
_ACCOUNT_COLUMNS = (
    UserRow.id,
    UserRow.email,
    UserRow.first_name,
    UserRow.last_name,
    UserRow.role,
    UserRow.is_active,
    UserRow.phone,
    UserRow.failed_login_attempts,
    UserRow.locked_until,
    UserRow.last_login,
    UserRow.must_change_password,
    UserRow.version,
    UserRow.updated_at,
    _UPDATER.first_name.label("updater_first_name"),
    _UPDATER.last_name.label("updater_last_name"),
    _UPDATER.email.label("updater_email"),
)


def _updater_name(first: str | None, last: str | None, email: str | None) -> str | None:
    if first or last:
        return full_name(first or "", last or "")
    return email


def _to_account(row: Row[Any], as_of: datetime | None) -> UserAccount:
    return UserAccount(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        role=Role(row.role),
        is_active=row.is_active,
        phone=row.phone,
        failed_login_attempts=row.failed_login_attempts,
        locked_until=row.locked_until,
        last_login=row.last_login,
        must_change_password=row.must_change_password,
        version=row.version,
        updated_at=row.updated_at,
        updated_by_name=_updater_name(
            row.updater_first_name, row.updater_last_name, row.updater_email
        ),
        as_of=as_of,
    )


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        role=Role(row.role),
        phone=row.phone,
        date_of_birth=row.date_of_birth,
        address=row.address,
        emergency_contact=row.emergency_contact,
        emergency_phone=row.emergency_phone,
        medical_history=row.medical_history,
        is_active=row.is_active,
        is_email_verified=row.is_email_verified,
        must_change_password=row.must_change_password,
        last_login=row.last_login,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_STAFF_COLUMNS = (
    UserRow.id,
    UserRow.email,
    UserRow.first_name,
    UserRow.last_name,
    UserRow.role,
    UserRow.phone,
    UserRow.is_active,
)


def _to_staff(row: Row[Any]) -> StaffMember:
    return StaffMember(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        role=Role(row.role),
        phone=row.phone,
        is_active=row.is_active,
    )


def parse_birth_date(typed: str) -> date | None:
    """A full date typed year first ("1984-03-02", "1984/3/2"), else None.

    Only year-first dates count: "02/03/1984" means March 2nd in one clinic and
    February 3rd in another, and would be read as phone digits anyway.
    """
    match = _ISO_DATE.fullmatch(typed)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _to_hit(row: Row[Any]) -> PatientHit:
    return PatientHit(
        id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        date_of_birth=row.date_of_birth,
    )


def _hit_query() -> Select[Any]:
    return select(
        UserRow.id,
        UserRow.first_name,
        UserRow.last_name,
        UserRow.email,
        UserRow.phone,
        UserRow.date_of_birth,
        last_name_key(UserRow.last_name).label("last_key"),
        first_name_key(UserRow.first_name).label("first_key"),
    )


def _search_order() -> tuple[ColumnElement[Any], ...]:
    return (last_name_key(UserRow.last_name), first_name_key(UserRow.first_name), UserRow.id)


class UserRepository:
    """Users, staff and patients."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._dialect = session.get_bind().dialect.name

    # -- single users ----------------------------------------------------------------------
    def get(self, user_id: uuid.UUID) -> User | None:
        row = self.session.get(UserRow, user_id)
        return None if row is None else _to_user(row)

    def by_email(self, email: str) -> User | None:
        """The user with this email, whatever its case."""
        row = self.session.scalars(
            select(UserRow).where(email_key(UserRow.email) == normalise_email(email))
        ).one_or_none()
        return None if row is None else _to_user(row)

    def add_user(self, new: NewUser, *, created_by: uuid.UUID | None = None) -> User:
        """Store a new user; an email already taken (in any case) is a ``ConflictError``."""
        email = normalise_email(new.email)
        taken = ConflictError(f"There is already a user with the email {email}", field="email")
        if self.by_email(email) is not None:
            raise taken
        row = UserRow(
            email=email,
            first_name=new.first_name.strip(),
            last_name=new.last_name.strip(),
            password_hash=new.password_hash,
            role=Role(new.role).value,
            phone=new.phone,
            date_of_birth=new.date_of_birth,
            address=new.address,
            emergency_contact=new.emergency_contact,
            emergency_phone=new.emergency_phone,
            medical_history=new.medical_history,
            is_active=new.is_active,
            is_email_verified=new.is_email_verified,
            must_change_password=new.must_change_password,
            updated_by=created_by,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as exc:
            # Another workstation took the email between the check and the insert.
            raise taken from exc
        return _to_user(row)

    # -- sign-in ---------------------------------------------------------------------------
    def credentials_for(self, email: str) -> Credentials | None:
        """The sign-in facts (hash included) of the user with this email, any case."""
        row = self.session.execute(
            select(*_CREDENTIAL_COLUMNS).where(email_key(UserRow.email) == normalise_email(email))
        ).one_or_none()
        return None if row is None else _to_credentials(row)

    def credentials_of(self, user_id: uuid.UUID, *, lock: bool = False) -> Credentials | None:
        """The sign-in facts of one user; ``lock=True`` holds the row until the transaction
        ends (``FOR UPDATE`` on PostgreSQL; SQLite's write transaction already does)."""
        query = select(*_CREDENTIAL_COLUMNS).where(UserRow.id == user_id)
        if lock and self._dialect == "postgresql":
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        return None if row is None else _to_credentials(row)

    def record_failed_sign_in(
        self, user_id: uuid.UUID, *, at: datetime, lock_after: int, lock_for: timedelta
    ) -> FailedSignIn:
        """Count one more failed sign-in in a row; the ``lock_after``-th locks the account
        until ``at + lock_for``. A lock that has run out starts the count again."""
        current = self.credentials_of(user_id, lock=True)
        if current is None:
            raise NotFoundError("That user no longer exists")
        expired = current.locked_until is not None and current.locked_until <= at
        attempts = (0 if expired else current.failed_login_attempts) + 1
        locked_until = None if expired else current.locked_until
        newly_locked = attempts >= lock_after and not current.is_locked(at)
        if newly_locked:
            locked_until = at + lock_for
        self._bookkeeping(user_id, at, failed_login_attempts=attempts, locked_until=locked_until)
        return FailedSignIn(attempts, locked_until, newly_locked)

    def record_sign_in(
        self, user_id: uuid.UUID, *, at: datetime, new_hash: str | None = None
    ) -> None:
        """A successful sign-in: the failure count starts again, ``last_login`` is ``at``,
        and ``new_hash`` (a re-hash with the current parameters) replaces the old one."""
        values: dict[str, Any] = {
            "failed_login_attempts": 0,
            "locked_until": None,
            "last_login": at,
        }
        if new_hash is not None:
            values["password_hash"] = new_hash
        self._bookkeeping(user_id, at, **values)

    def clear_failed_sign_ins(self, user_id: uuid.UUID, *, at: datetime) -> None:
        """The right password was given again (the lock screen): the count starts again."""
        self._bookkeeping(user_id, at, failed_login_attempts=0, locked_until=None)

    def unlock(self, user_id: uuid.UUID, *, by: uuid.UUID | None, at: datetime) -> None:
        """An admin lifts a lock: no failed sign-ins, no lock."""
        self._bookkeeping(user_id, at, failed_login_attempts=0, locked_until=None, updated_by=by)

    def set_password(
        self,
        user_id: uuid.UUID,
        password_hash: str,
        *,
        must_change: bool,
        by: uuid.UUID | None,
        at: datetime,
    ) -> None:
        """Store a new hash; ``must_change`` asks for a new password at the next sign-in (an
        admin's reset). A new password also lifts any lock."""
        self._bookkeeping(
            user_id,
            at,
            password_hash=password_hash,
            must_change_password=must_change,
            failed_login_attempts=0,
            locked_until=None,
            updated_by=by,
        )

    def _bookkeeping(self, user_id: uuid.UUID, at: datetime, **values: Any) -> None:
        """Change the account's sign-in state without a new version: someone's failed
        sign-in must not make an admin's open edit of their profile stale."""
        self.session.flush()
        table = UserRow.__table__
        result = self.session.execute(
            update(table).where(table.c.id == user_id).values(updated_at=at, **values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFoundError("That user no longer exists")
        loaded = self.session.identity_map.get(identity_key(UserRow, user_id))
        if loaded is not None:
            self.session.expire(loaded)  # read it again, changed, when next asked

    # -- accounts (the admin's user list) --------------------------------------------------
    def accounts(
        self, roles: Iterable[Role | str] | None = None, *, as_of: datetime | None = None
    ) -> list[UserAccount]:
        """Staff, dentists and admins (or only ``roles``) with their account state, by last
        and first name."""
        wanted = (
            [Role(r).value for r in roles]
            if roles is not None
            else [Role.STAFF.value, Role.DENTIST.value, Role.ADMIN.value]
        )
        rows = self.session.execute(
            select(*_ACCOUNT_COLUMNS)
            .outerjoin(_UPDATER, _UPDATER.id == UserRow.updated_by)
            .where(UserRow.role.in_(wanted))
            .order_by(*_search_order())
        )
        return [_to_account(row, as_of) for row in rows]

    def account(self, user_id: uuid.UUID, *, as_of: datetime | None = None) -> UserAccount | None:
        """One user's account as the admin's list shows it (patients too: the caller
        decides what it may see)."""
        row = self.session.execute(
            select(*_ACCOUNT_COLUMNS)
            .outerjoin(_UPDATER, _UPDATER.id == UserRow.updated_by)
            .where(UserRow.id == user_id)
        ).one_or_none()
        return None if row is None else _to_account(row, as_of)

    def active_admin_ids(self, *, lock: bool = False) -> list[uuid.UUID]:
        """The active admins. ``lock=True`` (in a write unit of work) makes another
        transaction that asks the same wait until this one ends, so that two admins
        demoting each other at once can't leave the clinic without one: on PostgreSQL a
        transaction-scoped advisory lock (it also covers the first admin, when there is
        no row to lock yet) and ``FOR UPDATE`` on the admins' rows; SQLite's write
        transaction holds the database's write lock already."""
        query = select(UserRow.id).where(
            UserRow.role == Role.ADMIN.value, UserRow.is_active.is_(True)
        )
        if lock and self._dialect == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(_ADMIN_ROSTER_LOCK)))
            query = query.with_for_update()
        return list(self.session.scalars(query.order_by(UserRow.id)))

    def update_profile(
        self,
        user_id: uuid.UUID,
        expected_version: int,
        *,
        email: str,
        first_name: str,
        last_name: str,
        phone: str | None,
        role: Role,
        by: uuid.UUID | None,
        at: datetime,
    ) -> list[str]:
        """Save a profile edited from ``expected_version``; returns the names of the
        fields that changed (none: nothing is written).

        ``StaleRecordError`` (``changed_by``, ``changed_at``) when someone saved the user
        since that version; ``ConflictError`` when another user has the email.
        """
        email = normalise_email(email)
        values = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
            "role": Role(role).value,
        }
        row = self._row_at(user_id, expected_version)
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if not changed:
            return []
        taken = ConflictError(f"There is already a user with the email {email}", field="email")
        if "email" in changed:
            other = self.by_email(email)
            if other is not None and other.id != user_id:
                raise taken
        try:
            with self.session.begin_nested():
                for name in changed:
                    setattr(row, name, values[name])
                self._stamp(row, by, at)
        except IntegrityError as exc:
            raise taken from exc
        return changed

    def set_active(
        self,
        user_id: uuid.UUID,
        active: bool,
        expected_version: int,
        *,
        by: uuid.UUID | None,
        at: datetime,
    ) -> bool:
        """Activate or deactivate a user read at ``expected_version``; False when it
        already was so (nothing written). ``StaleRecordError`` as for a profile edit."""
        row = self._row_at(user_id, expected_version)
        if row.is_active == active:
            return False
        with self.session.begin_nested():
            row.is_active = active
            self._stamp(row, by, at)
        return True

    def _row_at(self, user_id: uuid.UUID, expected_version: int) -> UserRow:
        row = self.session.get(UserRow, user_id, populate_existing=True)
        if row is None:
            raise NotFoundError("That user no longer exists")
        if row.version != expected_version:
            raise self.stale_error(user_id)
        return row

    def _stamp(self, row: UserRow, by: uuid.UUID | None, at: datetime) -> None:
        """Flush the edit of ``row``; the version makes the UPDATE conditional, so an edit
        saved by another workstation in between raises ``StaleRecordError``."""
        row.updated_by = by
        row.updated_at = at
        try:
            self.session.flush()
        except StaleDataError:
            raise self.stale_error(row.id) from None

    def stale_error(self, user_id: uuid.UUID) -> StaleRecordError:
        """The refusal of an edit made on an old version: who saved the user, and when."""
        with self.session.no_autoflush:
            latest = self.session.execute(
                select(
                    UserRow.first_name,
                    UserRow.last_name,
                    UserRow.updated_at,
                    _UPDATER.first_name.label("updater_first_name"),
                    _UPDATER.last_name.label("updater_last_name"),
                    _UPDATER.email.label("updater_email"),
                )
                .outerjoin(_UPDATER, _UPDATER.id == UserRow.updated_by)
                .where(UserRow.id == user_id)
            ).one()
        who = (
            _updater_name(latest.updater_first_name, latest.updater_last_name, latest.updater_email)
            or "Someone"
        )
        when = latest.updated_at
        local = when.astimezone()
        name = full_name(latest.first_name, latest.last_name)
        return StaleRecordError(
            f"{who} changed {name}'s account at {local:%H:%M} on {local:%d %b %Y} while you "
            "were editing it; reopen it to see their changes.",
            changed_by=who,
            changed_at=when,
        )

    # -- lists -----------------------------------------------------------------------------
    def list_staff(self, roles: Iterable[Role | str] | None = None) -> tuple[StaffMember, ...]:
        """Everyone who works at the clinic (or only ``roles``), by last and first name."""
        wanted = (
            [Role(r).value for r in roles]
            if roles is not None
            else [Role.STAFF.value, Role.DENTIST.value, Role.ADMIN.value]
        )
        rows = self.session.execute(
            select(*_STAFF_COLUMNS).where(UserRow.role.in_(wanted)).order_by(*_search_order())
        )
        return tuple(_to_staff(row) for row in rows)

    def dentists(self) -> tuple[StaffMember, ...]:
        """The active dentists, by last and first name."""
        rows = self.session.execute(
            select(*_STAFF_COLUMNS)
            .where(UserRow.role == Role.DENTIST.value, UserRow.is_active.is_(True))
            .order_by(*_search_order())
        )
        return tuple(_to_staff(row) for row in rows)

    # -- patient search --------------------------------------------------------------------
    def search_patients(
        self, text: str, limit: int = 20, *, include_inactive: bool = False
    ) -> tuple[PatientHit, ...]:
        """Patients whose first name, last name, "first last", email or phone digits start
        with ``text`` (case-insensitive), by last then first name; at most ``limit``.

        See the module docstring for how this stays fast.
        """
        typed = _SPACES.sub(" ", text).strip()
        if not typed or limit < 1:
            return ()
        born = parse_birth_date(typed)
        if born is not None:
            return self._born_on(born, limit, include_inactive)
        folded = typed.translate(_ASCII_FOLD) if self._dialect == "sqlite" else typed.lower()
        digits = _NOT_DIGITS.sub("", typed)
        phone = len(digits) >= MIN_PHONE_DIGITS and not _LETTERS.search(typed)
        params: dict[str, Any] = {
            "lo": folded,
            "hi": folded + _AFTER_EVERYTHING,
            "n": len(folded),
            "limit": limit,
        }
        if phone:
            params.update(dlo=digits, dhi=digits + _AFTER_EVERYTHING, dn=len(digits))
        statements = _search_statements(self._dialect == "sqlite", include_inactive, phone)
        connection = self.session.connection()
        dense = max(connection.execute(statements.probe, params).one()) >= DENSE_MATCHES
        search = statements.dense if dense else statements.sparse
        rows = connection.execute(search, params).all()

        unique = {row.id: row for row in rows}
        ordered = sorted(unique.values(), key=lambda r: (r.last_key, r.first_key, r.id))
        return tuple(_to_hit(row) for row in ordered[:limit])

    def _born_on(self, born: date, limit: int, include_inactive: bool) -> tuple[PatientHit, ...]:
        """Patients born on ``born``, by last then first name (the birth-date index)."""
        rows = self.session.execute(
            _hit_query()
            .where(
                *_patients_only(self._dialect == "sqlite", include_inactive),
                UserRow.date_of_birth == born,
            )
            .order_by(*_search_order())
            .limit(limit)
        )
        return tuple(_to_hit(row) for row in rows)


def _patients_only(sqlite: bool, include_inactive: bool) -> list[ColumnElement[bool]]:
    role: ColumnElement[str] = UserRow.role
    active: ColumnElement[bool] = UserRow.is_active
    if sqlite:
        # Written so that no index serves them: misled by sampled statistics (ANALYZE
        # under an analysis_limit), SQLite reads every patient through the role index
        # instead of the keys' indexes. PostgreSQL's statistics don't mislead it, and
        # it needs them to know that nearly every user is a patient.
        role = role.concat("")
        active = func.coalesce(active, False)
    wanted = [role == Role.PATIENT.value]
    if not include_inactive:
        wanted.append(active.is_(True))
    return wanted


@dataclass(frozen=True)
class _SearchStatements:
    """The patient search's statements for one backend and kind of text (module docstring):
    ``probe`` counts each key's matches up to :data:`DENSE_MATCHES`; ``dense`` and
    ``sparse`` are the union for many and for few matches."""

    probe: Select[Any]
    dense: Any
    sparse: Any


@cache
def _search_statements(sqlite: bool, include_inactive: bool, phone: bool) -> _SearchStatements:
    """Built once per variant: building a statement costs more than running it on an index.

    Parameters: ``lo``/``hi``/``n`` the typed prefix, its range end and length; with
    ``phone``, ``dlo``/``dhi``/``dn`` the same for its digits; ``limit``."""
    lo, hi, n = bindparam("lo"), bindparam("hi"), bindparam("n")
    others: list[tuple[ColumnElement[str], Any, Any, Any]] = [
        (full_name_key(UserRow.first_name, UserRow.last_name), lo, hi, n),
        (email_key(UserRow.email), lo, hi, n),
    ]
    if phone:
        others.append(
            (phone_digits_key(UserRow.phone), bindparam("dlo"), bindparam("dhi"), bindparam("dn"))
        )
    wanted = _patients_only(sqlite, include_inactive)
    limit = bindparam("limit")

    def in_range(key: ColumnElement[str], start: Any, end: Any) -> ColumnElement[bool]:
        return and_(key >= start, key < end)

    counts = [
        select(func.count())
        .select_from(
            select(literal_column("1"))
            .select_from(UserRow)
            .where(in_range(key, start, end))
            .limit(DENSE_MATCHES)
            .subquery()
        )
        .scalar_subquery()
        for key, start, end, _ in others
    ]
    by_last_name = (
        _hit_query()
        .where(*wanted, in_range(last_name_key(UserRow.last_name), lo, hi))
        .order_by(*_search_order())
        .limit(limit)
    )
    # Spread over every last name: walk the order index, matching as we go (a test no
    # index can serve, so that the planner walks the order index).
    walk = or_(*(func.substr(key, 1, length) == start for key, start, _, length in others))
    by_walking = _hit_query().where(*wanted, walk).order_by(*_search_order()).limit(limit)
    ranges = or_(*(in_range(key, start, end) for key, start, end, _ in others))
    matches = _hit_query().where(*wanted, ranges).cte("matches").prefix_with("MATERIALIZED")
    by_ranges = (
        select(matches).order_by(matches.c.last_key, matches.c.first_key, matches.c.id).limit(limit)
    )
    return _SearchStatements(
        probe=select(*counts),
        dense=union_all(by_last_name.subquery().select(), by_walking.subquery().select()),
        sparse=union_all(by_last_name.subquery().select(), by_ranges.subquery().select()),
    )
