"""UserRepository on both backends: look-ups, adding users, the patient search."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.data.repositories import users as users_module
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import ConflictError
from dcms_desktop.domain.readmodels.people import NewUser
from tests.factories import (
    make_admin,
    make_dentist,
    make_patient,
    make_staff,
    write_session,
)


def _search(uow_factory, text_: str, limit: int = 20) -> list[str]:
    with uow_factory(write=False) as uow:
        return [hit.full_name for hit in uow.users.search_patients(text_, limit)]


@pytest.fixture
def clinic(database: Database) -> dict[str, UserRow]:
    with write_session(database) as s:
        return {
            "maria": make_patient(
                s,
                first_name="Maria",
                last_name="Santos",
                email="maria.santos@example.org",
                phone="+63 (917) 555-0101",
            ),
            "mario": make_patient(
                s,
                first_name="Mario",
                last_name="Aquino",
                email="mario.a@example.org",
                phone="0917-555-0202",
            ),
            "jose": make_patient(
                s,
                first_name="Jose",
                last_name="Marquez",
                email="pepe@example.org",
                phone="0918 777 0303",
            ),
            "ana": make_patient(
                s,
                first_name="Ana",
                last_name="de la Cruz",
                email="ana.cruz@example.org",
                phone="0919.888.0404",
            ),
            "gone": make_patient(
                s,
                first_name="Marisol",
                last_name="Vega",
                email="ms.vega@example.org",
                is_active=False,
            ),
            "dentist": make_dentist(
                s, first_name="Marta", last_name="Reyes", email="marta.reyes@example.org"
            ),
        }


# -- single users ---------------------------------------------------------------------------
def test_get_returns_the_profile_without_the_password_hash(uow_factory, clinic) -> None:
    with uow_factory(write=False) as uow:
        user = uow.users.get(clinic["maria"].id)
    assert user is not None
    assert (user.first_name, user.last_name, user.role) == ("Maria", "Santos", Role.PATIENT)
    assert user.full_name == "Maria Santos"
    assert not hasattr(user, "password_hash")


def test_get_of_an_unknown_id_is_none(uow_factory, clinic) -> None:
    with uow_factory(write=False) as uow:
        assert uow.users.get(uuid.uuid4()) is None


def test_by_email_ignores_case_and_spaces(uow_factory, clinic) -> None:
    with uow_factory(write=False) as uow:
        user = uow.users.by_email("  Maria.SANTOS@Example.org ")
        assert user is not None and user.id == clinic["maria"].id
        assert uow.users.by_email("nobody@example.org") is None


def test_add_user_stores_the_email_lower_cased(uow_factory) -> None:
    with uow_factory() as uow:
        added = uow.users.add_user(
            NewUser(
                email=" Luz.Ramos@Example.org",
                first_name="Luz ",
                last_name="Ramos",
                role=Role.PATIENT,
                password_hash="!unusable",
            )
        )
        uow.commit()
    with uow_factory(write=False) as uow:
        stored = uow.users.get(added.id)
    assert stored is not None
    assert (stored.email, stored.first_name) == ("luz.ramos@example.org", "Luz")


def test_add_user_with_an_email_taken_in_another_case_is_a_conflict_on_email(
    uow_factory, clinic
) -> None:
    with uow_factory() as uow, pytest.raises(ConflictError) as caught:
        uow.users.add_user(
            NewUser(
                email="MARIA.santos@example.org",
                first_name="Maria",
                last_name="Santos",
                role=Role.PATIENT,
                password_hash="!unusable",
            )
        )
    assert caught.value.field == "email"
    assert "maria.santos@example.org" in caught.value.message


def test_the_database_refuses_two_emails_differing_only_in_case(database, clinic) -> None:
    with pytest.raises(IntegrityError), write_session(database) as s:
        make_patient(s, email="MARIA.SANTOS@EXAMPLE.ORG")


def test_list_staff_and_dentists(uow_factory, database) -> None:
    with write_session(database) as s:
        make_dentist(s, first_name="Ana", last_name="Reyes")
        make_dentist(s, first_name="Ben", last_name="Cruz")
        make_dentist(s, first_name="Old", last_name="Abad", is_active=False)
        make_staff(s, first_name="Rita", last_name="Lim")
        make_admin(s, first_name="Ed", last_name="Uy")
        make_patient(s)
    with uow_factory(write=False) as uow:
        dentists = uow.users.dentists()
        staff = uow.users.list_staff()
        only_staff = uow.users.list_staff([Role.STAFF])
    assert [d.display_name for d in dentists] == ["Dr Cruz", "Dr Reyes"]
    assert [m.last_name for m in staff] == ["Abad", "Cruz", "Lim", "Reyes", "Uy"]
    assert [m.full_name for m in only_staff] == ["Rita Lim"]


# -- patient search -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mar", ["Mario Aquino", "Jose Marquez", "Maria Santos"]),  # first or last name
        ("MARQ", ["Jose Marquez"]),  # last name, any case
        ("maria s", ["Maria Santos"]),  # "first last"
        ("Maria  Santos", ["Maria Santos"]),  # spaces collapse
        ("pepe@", ["Jose Marquez"]),  # email
        ("ana.cr", ["Ana de la Cruz"]),
        ("de la", ["Ana de la Cruz"]),  # a last name with spaces
        ("0917555", ["Mario Aquino"]),  # phone digits, punctuation ignored
        ("0917-555", ["Mario Aquino"]),  # typed with punctuation
        ("6391755", ["Maria Santos"]),
        ("0919888", ["Ana de la Cruz"]),
        ("santos maria", []),
        ("xyz", []),
        ("", []),
        ("   ", []),
    ],
)
def test_search_matches_each_key_by_prefix(uow_factory, clinic, typed, expected) -> None:
    assert _search(uow_factory, typed) == expected


def test_search_finds_only_active_patients(uow_factory, clinic) -> None:
    # "Marisol Vega" is inactive, "Marta Reyes" is a dentist.
    assert "Marisol Vega" not in _search(uow_factory, "mar")
    assert "Marta Reyes" not in _search(uow_factory, "mar")
    with uow_factory(write=False) as uow:
        hits = uow.users.search_patients("maris", include_inactive=True)
    assert [h.full_name for h in hits] == ["Marisol Vega"]


def test_search_treats_like_wildcards_as_plain_characters(uow_factory, database) -> None:
    with write_session(database) as s:
        make_patient(s, first_name="Al_x", last_name="One", email="al_x@example.org")
        make_patient(s, first_name="Alex", last_name="Two", email="alex@example.org")
        make_patient(s, first_name="Al%", last_name="Three", email="al3@example.org")
    assert _search(uow_factory, "al_") == ["Al_x One"]
    assert _search(uow_factory, "al%") == ["Al% Three"]


def test_search_orders_by_last_then_first_name_and_honours_the_limit(uow_factory, database) -> None:
    with write_session(database) as s:
        for first, last in [("Zoe", "Bautista"), ("Ben", "Bautista"), ("Bea", "Abad")]:
            make_patient(s, first_name=first, last_name=last)
        make_patient(s, first_name="Carlo", last_name="bacani")  # lower case sorts in place
    assert _search(uow_factory, "b") == [
        "Bea Abad",
        "Carlo bacani",
        "Ben Bautista",
        "Zoe Bautista",
    ]
    assert _search(uow_factory, "b", limit=2) == ["Bea Abad", "Carlo bacani"]


@pytest.mark.parametrize("dense_from", [1, 10_000])
def test_search_gives_the_same_answer_whether_matches_are_few_or_many(
    uow_factory, database, monkeypatch, dense_from
) -> None:
    """Both ways of reading non-last-name matches (sorting them all, or walking the order
    index) return the same first rows in the same order."""
    monkeypatch.setattr(users_module, "DENSE_MATCHES", dense_from)
    with write_session(database) as s:
        for i in range(30):
            make_patient(
                s,
                first_name=f"Kim{i % 3}",
                last_name=f"L{(i * 7) % 30:02d}",
                email=f"k{i}@example.org",
            )
        make_patient(s, first_name="Zed", last_name="Kimura")
    found = _search(uow_factory, "kim", limit=12)
    assert found == [
        "Zed Kimura",  # "kimura" sorts before "l00"
        "Kim0 L00",
        "Kim1 L01",
        "Kim2 L02",
        "Kim0 L03",
        "Kim1 L04",
        "Kim2 L05",
        "Kim0 L06",
        "Kim1 L07",
        "Kim2 L08",
        "Kim0 L09",
        "Kim1 L10",
    ]
    assert _search(uow_factory, "kimu") == ["Zed Kimura"]


def test_search_folds_case_of_accented_names_as_typed(uow_factory, database) -> None:
    with write_session(database) as s:
        make_patient(s, first_name="Ángel", last_name="Núñez")
    assert _search(uow_factory, "Áng") == ["Ángel Núñez"]
    assert _search(uow_factory, "núñ") == ["Ángel Núñez"]


def _plan(database: Database, sql: str, params: dict[str, object]) -> str:
    with database.engine.connect() as conn:
        if database.backend == "sqlite":
            rows = conn.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
            return "\n".join(str(r[3]) for r in rows)
        conn.execute(text("SET enable_seqscan = off"))
        rows = conn.execute(text("EXPLAIN " + sql), params).all()
        return "\n".join(str(r[0]) for r in rows)


@pytest.mark.parametrize(
    ("index", "key"),
    [
        ("idx_users_full_name_lower", "lower(first_name || ' ' || last_name)"),
        ("idx_users_last_first_lower", "lower(last_name)"),
        ("ux_users_email_lower", "lower(email)"),
        (
            "idx_users_phone_digits",
            "replace(replace(replace(replace(replace(replace("
            "phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '')",
        ),
    ],
)
def test_each_search_key_is_an_index_range(database, clinic, index, key) -> None:
    """The migrations create the indexes the search's expressions need (a regression here
    turns the search into a scan of every user)."""
    collate = ' COLLATE "C"' if database.backend == "postgresql" else ""
    sql = f"SELECT id FROM users WHERE {key}{collate} >= :lo AND {key}{collate} < :hi"
    assert index in _plan(database, sql, {"lo": "ma", "hi": "ma\U0010ffff"})
