"""Names, emails and phone numbers: what is refused, with which message, and how what is
accepted is stored."""

from __future__ import annotations

import pytest

from dcms_desktop.domain.contact import (
    clean_email,
    clean_name,
    clean_phone,
    display_phone,
    is_valid_email,
)
from dcms_desktop.domain.errors import ValidationError


def refusal(check, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(*args, **kwargs)
    return caught.value


# -- names ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Maria", "Maria"), ("  Ana   Luisa ", "Ana Luisa"), ("O'Brien-Díaz", "O'Brien-Díaz")],
)
def test_names_are_stored_with_tidied_spaces(typed: str, stored: str) -> None:
    assert clean_name(typed, field="first_name", what="first name") == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the first name"),
        ("   ", "Enter the first name"),
        (None, "Enter the first name"),
        ("x" * 101, "The first name is too long (at most 100 characters)"),
        ("123", "The first name needs at least one letter"),
        ("--", "The first name needs at least one letter"),
    ],
)
def test_a_missing_or_unlikely_name_is_refused(typed: str | None, message: str) -> None:
    error = refusal(clean_name, typed, field="first_name", what="first name")
    assert (error.message, error.field) == (message, "first_name")


# -- emails ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("maria@example.com", "maria@example.com"),
        ("  Maria.Santos@Example.COM ", "maria.santos@example.com"),
        ("ana+clinic@mail.example.ph", "ana+clinic@mail.example.ph"),
        ("o'neil@example.org", "o'neil@example.org"),
        ("x@sub-domain.example.xn--p1ai", "x@sub-domain.example.xn--p1ai"),
    ],
)
def test_valid_emails_are_stored_lower_case(typed: str, stored: str) -> None:
    assert clean_email(typed) == stored
    assert is_valid_email(typed)


@pytest.mark.parametrize(
    ("typed", "message_start"),
    [
        ("", "Enter an email address"),
        ("maria santos@example.com", "An email address has no spaces"),
        ("maria.example.com", "An email address has one @"),
        ("maria@@example.com", "An email address has one @"),
        ("@example.com", "Something is missing before the @"),
        ("maria@", "Something is missing after the @"),
        ("maria@example", "The part after the @ is a domain with a dot"),
        ("maria@example.c", "The part after the @ doesn't look like a domain"),
        ("maria@-example.com", "The part after the @ doesn't look like a domain"),
        ("maria@example..com", "The part after the @ doesn't look like a domain"),
        ("maria@example.123", "The part after the @ doesn't look like a domain"),
        (".maria@example.com", "Dots in an email address go between letters"),
        ("maria..s@example.com", "Dots in an email address go between letters"),
        ("ma(ria)@example.com", "“(” can't be in an email address"),
        ("m" * 65 + "@example.com", "The part before the @ is too long"),
        ("m@" + "e" * 250 + ".com", "That email address is too long"),
    ],
)
def test_an_email_that_cannot_be_right_is_refused_saying_why(typed: str, message_start: str):
    error = refusal(clean_email, typed)
    assert error.field == "email"
    assert error.message.startswith(message_start), error.message
    assert not is_valid_email(typed)


def test_the_email_field_can_be_named() -> None:
    assert refusal(clean_email, "nope", field="contact_email").field == "contact_email"


# -- phones ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0917 555 0101", "09175550101"),
        ("+63 (917) 555-0101", "+639175550101"),
        (" +1 212.555.1234 ", "+12125551234"),
        ("555/0101", "5550101"),
        ("123456789012345", "123456789012345"),
    ],
)
def test_phones_are_stored_as_plus_and_digits(typed: str, stored: str) -> None:
    assert clean_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_a_blank_phone_is_stored_as_nothing(typed: str | None) -> None:
    assert clean_phone(typed) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0917 555 01O1", "A phone number has only digits, spaces, dashes and brackets"),
        ("0917 555 0101 ext 12", "A phone number has only digits, spaces, dashes and brackets"),
        ("63+917 555 0101", "A phone number has only digits, spaces, dashes and brackets"),
        ("555 01", "That phone number is too short (at least 7 digits)"),
        ("+63 917 555 0101 0101", "That phone number is too long (at most 15 digits)"),
        ("٠٩١٧٥٥٥٠١٠١", "A phone number has only digits, spaces, dashes and brackets"),
    ],
)
def test_a_phone_that_cannot_be_dialled_is_refused(typed: str, message: str) -> None:
    error = refusal(clean_phone, typed)
    assert error.field == "phone"
    assert error.message.startswith(message), error.message


def test_the_emergency_phone_is_refused_on_its_own_field_and_words() -> None:
    error = refusal(clean_phone, "12", field="emergency_phone", what="emergency phone number")
    assert (error.field, error.message) == (
        "emergency_phone",
        "That emergency phone number is too short (at least 7 digits)",
    )


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+639175550101", "+63 917 555 0101"),
        ("09175550101", "0917 555 0101"),
        ("5550101", "555 0101"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),  # typed before phones were tidied
        (None, ""),
    ],
)
def test_stored_phones_are_grouped_for_reading(stored: str | None, shown: str) -> None:
    assert display_phone(stored) == shown


def test_a_displayed_phone_is_stored_as_it_was() -> None:
    for stored in ("+639175550101", "09175550101", "5550101", "123456789012345"):
        assert clean_phone(display_phone(stored)) == stored
