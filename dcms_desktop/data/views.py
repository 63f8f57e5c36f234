"""The database views of the schema document, as tables repositories can select from.

The views themselves are created by the migrations (``migrations/versions/0001_*``), which
explain where they depart from the document. These ``Table`` objects live in a metadata
of their own, so ``create_all`` and autogenerate never mistake them for tables; their
column types turn what each backend returns into the same Python values, in particular
money: SQLite sums INTEGER cents, and ``Decimal2`` reads them back as ``Decimal``.

Example::

    select(patient_summary).where(patient_summary.c.id == patient_id)
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, Uuid

from dcms_desktop.data.models import InventoryItem
from dcms_desktop.data.types import Decimal2

view_metadata = MetaData()
"""Holds only the views; never passed to ``create_all`` or to Alembic."""

patient_summary = Table(
    "patient_summary",
    view_metadata,
    Column("id", Uuid, primary_key=True),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("email", String(255)),
    Column("phone", String(20)),
    Column("total_appointments", Integer),
    Column("completed_appointments", Integer),
    Column("last_visit", Date),
    Column("total_billed", Decimal2(12)),
    Column("total_paid", Decimal2(12)),
)
"""One row per patient: appointment counts, last completed visit, billed and paid amounts.

``total_billed`` and ``total_paid`` leave cancelled bills out; ``total_paid`` counts partial
payments; ``last_visit`` is the latest completed appointment (``None`` before the first).
"""

low_stock_alerts = Table(
    "low_stock_alerts",
    view_metadata,
    *(
        Column(column.name, column.type, primary_key=column.primary_key)
        for column in InventoryItem.__table__.columns
    ),
    Column("alert_level", String(10)),
)
"""Active inventory items at or below their minimum stock, with every inventory column and
``alert_level``: ``critical`` (none left), ``urgent`` (at most half the minimum) or ``low``.
"""

revenue_summary = Table(
    "revenue_summary",
    view_metadata,
    Column("month", Date, primary_key=True),
    Column("total_bills", Integer),
    Column("total_revenue", Decimal2(14)),
    Column("paid_revenue", Decimal2(14)),
    Column("pending_revenue", Decimal2(14)),
)
"""Bills per month of the appointment date (``month`` is the first day), cancelled bills left
out: how many, their total, the total of those paid and of those still pending.
"""
