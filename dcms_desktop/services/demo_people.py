"""The people of the demo clinic: an admin, dentists, receptionists and patients.

Names mix common Filipino surnames with Spanish ones and English and Spanish first names,
as a clinic in the Philippines would see; addresses come from Faker's ``en_PH`` locale.
Every email is on a reserved ``.example``/``example.com`` domain, so a demo never writes to
a real person. Children under 13 carry a parent's email (``parent+child@...``), phone and
name as emergency contact.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any

from faker import Faker

from dcms_desktop.services.demo_catalogue import ADULT_CONDITIONS, CHILD_CONDITIONS, SURNAMES
from dcms_desktop.services.passwords import UNUSABLE_PASSWORD

CLINIC_DOMAIN = "brightsmile.example"
PATIENT_DOMAINS = ("example.com", "example.net", "example.org")

# (youngest, oldest, weight): ages of patients today.
_AGE_BANDS = ((2, 5, 6), (6, 12, 12), (13, 19, 10), (20, 39, 32), (40, 64, 28), (65, 90, 12))


def new_uuid(rng: Random) -> uuid.UUID:
    """A version-4 UUID drawn from ``rng`` (so a seed gives the same keys every time)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _email_part(text: str) -> str:
    return "".join(c for c in _ascii(text).lower() if c.isalnum())


def age_on(birth: date, day: date) -> int:
    """Whole years of someone born on ``birth`` on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class NameMaker:
    """Plausible names, phones and addresses from a seeded ``Random`` and seeded Fakers."""

    def __init__(self, rng: Random, seed: int) -> None:
        self.rng = rng
        self.en = Faker("en_PH")
        self.en.seed_instance(seed)
        self.es = Faker("es_MX")
        self.es.seed_instance(seed + 1)
        self._emails: set[str] = set()

    def first_name(self, female: bool) -> str:
        faker = self.en if self.rng.random() < 0.6 else self.es
        name = faker.first_name_female() if female else faker.first_name_male()
        return _ascii(name)

    def last_name(self) -> str:
        if self.rng.random() < 0.55:
            return self.rng.choice(SURNAMES)
        return _ascii(self.es.last_name())

    def phone(self) -> str:
        r = self.rng
        return f"+63 9{r.randint(10, 99)} {r.randint(100, 999)} {r.randint(1000, 9999)}"

    def address(self) -> str:
        return self.en.address().replace("\n", ", ")

    def unique_email(self, local: str, domain: str) -> str:
        """``local@domain``, with a number added when that address is taken."""
        candidate = f"{local}@{domain}"
        number = 2
        while candidate in self._emails:
            candidate = f"{local}{number}@{domain}"
            number += 1
        self._emails.add(candidate)
        return candidate

    def patient_email(self, first: str, last: str, birth: date) -> str:
        f, lastpart = _email_part(first), _email_part(last)
        style = self.rng.random()
        if style < 0.45:
            local = f"{f}.{lastpart}"
        elif style < 0.75:
            local = f"{f}{lastpart}{birth.year % 100:02d}"
        else:
            local = f"{f[:1]}{lastpart}"
        return self.unique_email(local, self.rng.choice(PATIENT_DOMAINS))


@dataclass(slots=True)
class Patient:
    """A patient as the schedule generator needs them; also what their chart accumulates."""

    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str
    birth: date
    joined: date
    created_at: datetime
    missing: set[int] = field(default_factory=set)
    treated: set[int] = field(default_factory=set)
    last_treated: datetime | None = None
    charted_by: uuid.UUID | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Staff:
    id: uuid.UUID
    role: str
    first_name: str
    last_name: str
    email: str


def _medical_history(rng: Random, age: int) -> str:
    if age < 13:
        if rng.random() < 0.85:
            return "None"
        conditions = CHILD_CONDITIONS
        count = 1
    else:
        chance_none = 0.75 if age < 40 else 0.5 if age < 65 else 0.3
        if rng.random() < chance_none:
            return "None"
        conditions = ADULT_CONDITIONS
        count = 1 if rng.random() < 0.7 else 2
    names = [name for name, _ in conditions]
    weights = [weight for _, weight in conditions]
    picked: list[str] = []
    while len(picked) < count:
        name = rng.choices(names, weights)[0]
        if name not in picked:
            picked.append(name)
    return "; ".join(picked)


def moment(day: date, minutes: int, offset_minutes: int) -> datetime:
    """The aware UTC moment of clinic wall-clock ``minutes`` after midnight on ``day``."""
    base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return base + timedelta(minutes=minutes - offset_minutes)


class PeopleMaker:
    """Makes the clinic's users and their ``users`` rows."""

    def __init__(self, rng: Random, names: NameMaker, *, today: date, offset_minutes: int) -> None:
        self.rng = rng
        self.names = names
        self.today = today
        self.offset = offset_minutes

    def staff(
        self, role: str, count: int, since: date, password_hash: str
    ) -> tuple[list[Staff], list[dict[str, Any]]]:
        members: list[Staff] = []
        rows: list[dict[str, Any]] = []
        for index in range(count):
            female = self.rng.random() < 0.6
            first = self.names.first_name(female)
            last = self.names.last_name()
            if role == "admin" and index == 0:
                email = self.names.unique_email("admin", CLINIC_DOMAIN)
            else:
                local = f"{_email_part(first)}.{_email_part(last)}"
                email = self.names.unique_email(local, CLINIC_DOMAIN)
            member = Staff(new_uuid(self.rng), role, first, last, email)
            members.append(member)
            age = self.rng.randint(26, 60)
            birth = self.today - timedelta(days=age * 365 + self.rng.randint(0, 364))
            created = moment(since, 8 * 60 + self.rng.randint(0, 59), self.offset)
            last_login = moment(self.today, 8 * 60 + self.rng.randint(0, 45), self.offset)
            rows.append(
                self._row(
                    member.id,
                    email,
                    first,
                    last,
                    password_hash,
                    role,
                    birth,
                    created,
                    emergency=f"{self.names.first_name(not female)} {last}",
                    medical_history=None,
                    verified=True,
                    last_login=last_login,
                )
            )
        return members, rows

    def patients(self, count: int, first_join: date) -> list[Patient]:
        """``count`` patients, sorted by the day they joined the clinic."""
        rng = self.rng
        bands = [(low, high) for low, high, _ in _AGE_BANDS]
        weights = [weight for _, _, weight in _AGE_BANDS]
        span = (self.today - first_join).days
        patients: list[Patient] = []
        for _ in range(count):
            low, high = rng.choices(bands, weights)[0]
            age = rng.randint(low, high)
            birth = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
            earliest = max(first_join, birth + timedelta(days=2 * 366))
            joined = first_join + timedelta(days=rng.randint(0, span))
            joined = min(self.today, max(joined, earliest))
            female = rng.random() < 0.55
            first = self.names.first_name(female)
            last = self.names.last_name()
            if age < 13:
                parent = self.names.first_name(rng.random() < 0.7)
                email = self.names.unique_email(
                    f"{_email_part(parent)}.{_email_part(last)}+{_email_part(first)}",
                    rng.choice(PATIENT_DOMAINS),
                )
            else:
                email = self.names.patient_email(first, last, birth)
            created = moment(joined, 9 * 60 + rng.randint(0, 8 * 60), self.offset)
            patients.append(
                Patient(
                    new_uuid(rng), first, last, email, self.names.phone(), birth, joined, created
                )
            )
        patients.sort(key=lambda p: p.created_at)
        return patients

    def patient_row(self, patient: Patient) -> dict[str, Any]:
        rng = self.rng
        age = age_on(patient.birth, self.today)
        if age < 13:
            local = patient.email.split("@", 1)[0].split("+", 1)[0]
            parent_first = local.split(".", 1)[0].capitalize()
            emergency = f"{parent_first} {patient.last_name}"
            emergency_phone = patient.phone
        else:
            emergency = f"{self.names.first_name(rng.random() < 0.5)} {self.names.last_name()}"
            emergency_phone = self.names.phone()
        return self._row(
            patient.id,
            patient.email,
            patient.first_name,
            patient.last_name,
            UNUSABLE_PASSWORD,
            "patient",
            patient.birth,
            patient.created_at,
            emergency=emergency,
            emergency_phone=emergency_phone,
            phone=patient.phone,
            medical_history=_medical_history(rng, age),
            verified=rng.random() < 0.7,
            last_login=None,
        )

    def _row(
        self,
        user_id: uuid.UUID,
        email: str,
        first: str,
        last: str,
        password_hash: str,
        role: str,
        birth: date,
        created: datetime,
        *,
        emergency: str,
        medical_history: str | None,
        verified: bool,
        last_login: datetime | None,
        phone: str | None = None,
        emergency_phone: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": user_id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "password_hash": password_hash,
            "role": role,
            "phone": phone or self.names.phone(),
            "date_of_birth": birth,
            "address": self.names.address(),
            "emergency_contact": emergency,
            "emergency_phone": emergency_phone or self.names.phone(),
            "medical_history": medical_history,
            "is_email_verified": verified,
            "is_active": True,
            "failed_login_attempts": 0,
            "locked_until": None,
            "last_login": last_login,
            "must_change_password": False,
            "version": 1,
            "updated_by": None,
            "created_at": created,
            "updated_at": created,
        }
