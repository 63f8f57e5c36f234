"""Tooth chart use cases: opening a patient's chart, marking teeth.

The chart is cached under the schema's key ``dcms:patient-tooth-chart:{email}`` as JSON
(:func:`~dcms_desktop.domain.readmodels.charting.chart_to_json`). Screens ask by patient
id, so the service remembers each patient's email once it has read it: a second opening
of the same chart is one cache read and no database statement at all. The cached entry
names its patient, so an email that has passed to someone else can never show the wrong
chart. Whatever changes a chart (a booking with teeth, a completed visit, marking teeth)
drops the entry after its commit.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable

from dcms_desktop.data import cache_keys
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import NotFoundError, ValidationError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.charting import ToothChart, chart_from_json, chart_to_json
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.teeth import validate_teeth
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

CHART_CACHE_SECONDS = 3600
REMEMBERED_EMAILS = 10_000
UPDATED = "updated"
RECORD_TREATMENTS = "record_treatments"
"""The audit action of a completed visit's treatments written to the chart."""


def is_extraction(service_name: str) -> bool:
    """Whether a service takes teeth out (its teeth become missing, not treated): the
    catalogue names them "... extraction ..."."""
    return "extraction" in service_name.casefold()


class _EmailBook:
    """Patient id -> email, the most recently used :data:`REMEMBERED_EMAILS` of them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._emails: OrderedDict[uuid.UUID, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, patient_id: uuid.UUID) -> str | None:
        with self._lock:
            email = self._emails.get(patient_id)
            if email is not None:
                self._emails.move_to_end(patient_id)
            return email

    def put(self, patient_id: uuid.UUID, email: str) -> None:
        with self._lock:
            self._emails[patient_id] = email
            self._emails.move_to_end(patient_id)
            while len(self._emails) > self._size:
                self._emails.popitem(last=False)


class ChartService:
    """Patients' tooth charts."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self._emails = _EmailBook(REMEMBERED_EMAILS)

    def patient_chart(self, actor: Actor, patient_id: uuid.UUID) -> ToothChart:
        """The patient's chart, treatment history (newest first) and planned work."""
        require(actor.role, Action.VIEW_CHART)
        email = self._emails.get(patient_id)
        if email is None:  # the cache key, looked up on its own: see the fill below
            with self.context.uow(write=False) as uow:
                email = uow.charts.email_of(patient_id)
            if email is None:
                raise NotFoundError("That patient no longer exists")
            self._emails.put(patient_id, email)
        key = cache_keys.patient_chart(email)
        cached = self.context.cache.get_json(key)
        if cached is not None and cached.get("patient_id") == str(patient_id):
            return chart_from_json(cached)
        # The token before the read (in a transaction of its own, so that the read sees
        # every change committed before it): a change committed meanwhile refuses the fill.
        token = self.context.cache.fill_token(key)
        with self.context.uow(write=False) as uow:
            chart = uow.charts.chart_for(patient_id)
        if chart is None:
            raise NotFoundError("That patient no longer exists")
        self._emails.put(patient_id, chart.patient_email)
        if chart.patient_email == email:  # else the email changed: the next read fills
            self.context.cache.fill_json(key, chart_to_json(chart), token, CHART_CACHE_SECONDS)
        return chart

    def mark_teeth(
        self,
        actor: Actor,
        patient_id: uuid.UUID,
        *,
        missing: Iterable[int | str],
        treated: Iterable[int | str],
        disabled: Iterable[int | str],
        expected_version: int,
    ) -> ToothChart:
        """Save which teeth are missing, treated and disabled, if nobody saved the chart
        since it was read at ``expected_version``; returns the chart as saved."""
        require(actor.role, Action.EDIT_CHART)
        teeth = {
            "missing": _teeth(missing, "missing"),
            "treated": _teeth(treated, "treated"),
            "disabled": _teeth(disabled, "disabled"),
        }
        with self.context.uow() as uow:
            patient = uow.users.get(patient_id)
            if patient is None or patient.role is not Role.PATIENT:
                raise NotFoundError("That patient no longer exists")
            version = uow.charts.save_teeth(
                patient_id, **teeth, expected_version=expected_version, updated_by=actor.user_id
            )
            audit.record(
                uow,
                actor,
                Action.EDIT_CHART.value,
                "tooth_chart",
                patient_id,
                at=self.context.now(),
                details={name: list(values) for name, values in teeth.items()}
                | {"version": version},
            )
            chart = uow.charts.chart_for(patient_id)
            uow.drop_cache(cache_keys.patient_chart(patient.email))
            uow.announce("tooth_chart", patient_id, UPDATED)
            uow.commit()
        assert chart is not None
        self._emails.put(patient_id, patient.email)
        return chart


def _teeth(values: Iterable[int | str], field: str) -> tuple[int, ...]:
    try:
        return validate_teeth(values)
    except ValidationError as exc:
        raise ValidationError(exc.message, field=field) from None
