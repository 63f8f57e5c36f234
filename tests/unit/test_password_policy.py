"""The password policy: passphrases pass; short, common, patterned and name-bearing
passwords are refused with a message on the password field."""

from __future__ import annotations

import time

import pytest

from dcms_desktop.domain import password_policy
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.password_policy import (
    COMMON,
    HAS_EMAIL,
    PREDICTABLE,
    TOO_LONG,
    check_new_password,
    common_passwords,
    password_problem,
    unpredictable_characters,
)

EMAIL = "maria.santos@clinic.ph"


def _refusal(password: str, email: str = EMAIL) -> str:
    with pytest.raises(ValidationError) as caught:
        check_new_password(password, email=email)
    assert caught.value.field == "password"
    return caught.value.message


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "bright smile demo clinic",
        "my dentist office 2024",
        "Tr0ub4dor&3horses",
        "839201746628391",
        "mississippi river boat",
        "the quick brown fox jumps",
        "horsehorsebattery",
        "ñandú corre por la pampa",
        "x" * 3 + "qz7!vk2lp0wmr8t",
    ],
)
def test_passphrases_and_random_strings_of_15_or_more_characters_are_accepted(
    password: str,
) -> None:
    check_new_password(password, email=EMAIL)
    assert password_problem(password, email=EMAIL) is None


def test_fourteen_characters_are_refused_and_the_message_counts_them() -> None:
    message = _refusal("lamp river tea")
    assert "at least 15 characters" in message and "(14 so far)" in message


def test_exactly_15_and_exactly_128_characters_are_the_limits() -> None:
    check_new_password("river lamp opal", email=EMAIL)  # 15
    words = (
        "copper lamp river basket opal thunder meadow violin harbour cactus lantern "
        "pebble orchid walnut glacier tambourine saffron quokka"
    )
    long = words[:128]
    assert len(long) == 128
    check_new_password(long, email=EMAIL)
    assert _refusal(long + "x") == TOO_LONG


def test_no_composition_rules_lower_case_letters_and_spaces_are_enough() -> None:
    check_new_password("purple elephants sing softly", email=EMAIL)


@pytest.mark.parametrize(
    "password",
    ["qwerty123456789", "1qaz2wsx3edc4rfv", "QWERTY123456789", "12345678987654321"],
)
def test_passwords_on_the_bundled_list_are_refused_whatever_their_case(password: str) -> None:
    assert _refusal(password) == COMMON


def test_the_bundled_list_is_read_once_and_holds_breached_passwords() -> None:
    first = common_passwords()
    assert common_passwords() is first
    assert {"password", "iloveyou", "sunshine", "qwertyuiop", "p@ssw0rd"} <= first
    assert len(first) > 10_000


@pytest.mark.parametrize(
    "password",
    [
        "passwordpassword",  # a list entry said twice
        "iloveyouiloveyou",
        "P@ssw0rdP@ssw0rd",  # look-alike characters read as letters
        "123456789012345",  # digits along the keyboard
        "qwertyuiopasdfg",  # a keyboard run
        "abcdefghijklmnop",  # the alphabet
        "zyxwvutsrqponmlk",  # backwards
        "aaaaaaaaaaaaaaa",
        "abcabcabcabcabc",
        "Summer2024Summer2024",  # one string said again
        "password2024!!!",  # a common password and a few characters
        "sunshine and football",  # two common passwords and a short word
        "asdfghjkl1234567",  # two runs
        "               ",  # nothing but spaces
        "!!!!!!!!!!!!!!!@",
    ],
)
def test_common_passwords_with_a_few_characters_repeats_and_runs_are_refused(
    password: str,
) -> None:
    assert _refusal(password) == PREDICTABLE


def test_the_emails_name_part_is_refused_in_any_case_and_spacing() -> None:
    assert _refusal("MARIA.SANTOS likes apples") == HAS_EMAIL
    assert _refusal("maria santos likes apples") == HAS_EMAIL
    assert _refusal("santos family holiday home") == HAS_EMAIL
    assert _refusal("the clinic of maria and co") == HAS_EMAIL


def test_short_email_parts_are_not_held_against_the_password() -> None:
    check_new_password("ana went to the harbour", email="jo@clinic.ph")
    check_new_password("banana bread is tasty", email="ana.li@clinic.ph")
    assert _refusal("banana bread is tasty", email="ana@clinic.ph") == HAS_EMAIL


def test_unpredictable_characters_counts_what_is_left_after_patterns() -> None:
    common = frozenset({"password"})
    assert unpredictable_characters("password2024", common) == 4
    assert unpredictable_characters("qwertyzzzzmaple", common) == 5
    assert unpredictable_characters("horsehorse", common) == 5
    assert unpredictable_characters("maplebirch", common) == 10


def test_checking_a_long_password_stays_quick() -> None:
    common_passwords()
    password = "ab9x" * 32
    started = time.perf_counter()
    for _ in range(20):
        password_problem(password[:127] + "q", email=EMAIL)
    assert (time.perf_counter() - started) / 20 < 0.05


def test_the_list_file_names_its_source_and_licence() -> None:
    from importlib import resources

    text = (
        resources.files("dcms_desktop.resources")
        .joinpath(password_policy.COMMON_PASSWORDS_RESOURCE)
        .read_text(encoding="utf-8")
    )
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("zxcvbn" in line for line in header)
    assert any("MIT License" in line for line in header)
