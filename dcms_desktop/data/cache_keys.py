"""The cache's key patterns (from the schema document), in one place.

Every key starts with ``dcms:``: the Redis cache drops ``dcms:*`` after an outage (see
:mod:`dcms_desktop.data.cache`), so a key outside that prefix would escape the drop.
Emails are lower-cased and stripped, because the same person signs in as ``Ana@x.org``
and ``ana@x.org``: one person, one key.
"""

from __future__ import annotations

PREFIX = "dcms:"
ALL_KEYS_PATTERN = f"{PREFIX}*"


def _email(email: str) -> str:
    return email.strip().lower()


def patient_chart(email: str) -> str:
    """``dcms:patient-tooth-chart:{email}``: a patient's tooth chart and treatments."""
    return f"{PREFIX}patient-tooth-chart:{_email(email)}"


def appointment(appointment_id: object) -> str:
    """``dcms:appointment:{id}``."""
    return f"{PREFIX}appointment:{appointment_id}"


def inventory(item_id: object) -> str:
    """``dcms:inventory:{id}``: one inventory item."""
    return f"{PREFIX}inventory:{item_id}"


def service(service_id: object) -> str:
    """``dcms:service:{id}``: one entry of the service catalogue."""
    return f"{PREFIX}service:{service_id}"


def user(email: str) -> str:
    """``dcms:user:{email}``: a user's profile, never their password hash."""
    return f"{PREFIX}user:{_email(email)}"
