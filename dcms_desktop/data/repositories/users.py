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
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dcms_desktop.data.models import User as UserRow
from dcms_desktop.data.models import (
    email_key,
    first_name_key,
    full_name_key,
    last_name_key,
    phone_digits_key,
)
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError
from dcms_desktop.domain.readmodels.people import NewUser, PatientHit, StaffMember, User

# The greatest code point: every string starting with p sorts below p + this.
_AFTER_EVERYTHING = "\U0010ffff"
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D")
_LETTERS = re.compile(r"[^\W\d_]")

MIN_PHONE_DIGITS = 3
"""A shorter run of digits would match a large part of the clinic's phone numbers."""

DENSE_MATCHES = 1500
"""From this many matches of one key (full name, email or phone) on, walking the order
index is cheaper than reading and sorting them all (about ``limit x patients / matches``
rows walked, against ``matches`` rows read and sorted)."""


def normalise_email(email: str) -> str:
    """How emails are stored and compared: stripped and lower-cased."""
    return email.strip().lower()


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


def _starts_with(
    key: ColumnElement[str], prefix: str, *, indexed: bool = True
) -> ColumnElement[bool]:
    """``key`` starts with ``prefix``: as an index range, or (``indexed=False``) as a test
    no index can serve, so that the planner walks the order index instead."""
    if indexed:
        return and_(key >= prefix, key < prefix + _AFTER_EVERYTHING)
    return func.substr(key, 1, len(prefix)) == prefix


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
        folded = typed.translate(_ASCII_FOLD) if self._dialect == "sqlite" else typed.lower()
        others: list[tuple[ColumnElement[str], str]] = [
            (full_name_key(UserRow.first_name, UserRow.last_name), folded),
            (email_key(UserRow.email), folded),
        ]
        digits = _NOT_DIGITS.sub("", typed)
        if len(digits) >= MIN_PHONE_DIGITS and not _LETTERS.search(typed):
            others.append((phone_digits_key(UserRow.phone), digits))

        wanted = self._patients_only(include_inactive)
        by_last_name = _first_in_order(
            [*wanted, _starts_with(last_name_key(UserRow.last_name), folded)], limit
        )
        if self._dense(others):
            # Spread over every last name: walk the order index, matching as we go.
            walk = or_(*(_starts_with(key, prefix, indexed=False) for key, prefix in others))
            by_others = _first_in_order([*wanted, walk], limit)
        else:
            ranges = or_(*(_starts_with(key, prefix) for key, prefix in others))
            by_others = _sorted_matches([*wanted, ranges], limit)
        rows = self.session.execute(
            union_all(by_last_name.subquery().select(), by_others.subquery().select())
        ).all()

        unique = {row.id: row for row in rows}
        ordered = sorted(unique.values(), key=lambda r: (r.last_key, r.first_key, r.id))
        return tuple(
            PatientHit(
                id=row.id,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                phone=row.phone,
                date_of_birth=row.date_of_birth,
            )
            for row in ordered[:limit]
        )

    def _patients_only(self, include_inactive: bool) -> list[ColumnElement[bool]]:
        role: ColumnElement[str] = UserRow.role
        active: ColumnElement[bool] = UserRow.is_active
        if self._dialect == "sqlite":
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

    def _dense(self, keys: list[tuple[ColumnElement[str], str]]) -> bool:
        """True when one key starts with its prefix for at least :data:`DENSE_MATCHES`
        users; one statement, each count stopping at the bound."""
        counts = [
            select(func.count())
            .select_from(
                select(literal_column("1"))
                .select_from(UserRow)
                .where(_starts_with(key, prefix))
                .limit(DENSE_MATCHES)
                .subquery()
            )
            .scalar_subquery()
            for key, prefix in keys
        ]
        return max(self.session.execute(select(*counts)).one()) >= DENSE_MATCHES


def _first_in_order(conditions: list[ColumnElement[bool]], limit: int) -> Select[Any]:
    """The first ``limit`` matches in search order, read along the order index."""
    return _hit_query().where(*conditions).order_by(*_search_order()).limit(limit)


def _sorted_matches(conditions: list[ColumnElement[bool]], limit: int) -> Select[Any]:
    """All matches read by the conditions' own indexes, then sorted; for few matches."""
    matches = _hit_query().where(*conditions).cte("matches").prefix_with("MATERIALIZED")
    return (
        select(matches).order_by(matches.c.last_key, matches.c.first_key, matches.c.id).limit(limit)
    )
