"""A cancelled bill records the bill that replaced it, and a visit has one live bill.

``bills.reissued_as_id`` lets a bill be reissued once only, so the payments it carried
can't be carried twice or from an older bill of the chain. The partial unique index is
the database's refusal of a second bill that isn't cancelled for one visit (two admins
reissuing at once on PostgreSQL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_BILL = "status <> 'cancelled'"


def upgrade() -> None:
    # A plain ADD COLUMN on both backends, no table copy (the bills' CHECK constraints stay
    # as they are); SQLite takes the reference inline, as ALTER TABLE allows it there.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE bills ADD COLUMN reissued_as_id CHAR(32) "
            "CONSTRAINT fk_bills_reissued_as_id_bills REFERENCES bills (id)"
        )
    else:
        op.add_column("bills", sa.Column("reissued_as_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            "fk_bills_reissued_as_id_bills", "bills", "bills", ["reissued_as_id"], ["id"]
        )
    # Bills reissued before this revision: their reissue says so in its notes.
    op.execute(
        "UPDATE bills SET reissued_as_id = ("
        "SELECT reissue.id FROM bills AS reissue "
        "WHERE reissue.notes = 'Reissue of bill ' || bills.invoice_number "
        "ORDER BY reissue.generated_at LIMIT 1) "
        "WHERE status = 'cancelled'"
    )
    _refuse_two_live_bills_for_a_visit()
    op.create_index(
        "uq_bills_live_appointment",
        "bills",
        ["appointment_id"],
        unique=True,
        sqlite_where=sa.text(LIVE_BILL),
        postgresql_where=sa.text(LIVE_BILL),
    )


def _refuse_two_live_bills_for_a_visit() -> None:
    """Stop, saying which bills, rather than fail on the index with a database error."""
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT invoice_number FROM bills WHERE status <> 'cancelled' AND appointment_id "
                "IN (SELECT appointment_id FROM bills WHERE status <> 'cancelled' "
                "AND appointment_id IS NOT NULL GROUP BY appointment_id HAVING COUNT(*) > 1) "
                "ORDER BY appointment_id, invoice_number"
            )
        )
        .scalars()
        .all()
    )
    if rows:
        raise RuntimeError(
            "These bills are for the same visit and none of them is cancelled: "
            f"{', '.join(rows)}. Cancel the ones raised in error (with the app's previous "
            "version), then upgrade again."
        )


def downgrade() -> None:
    op.drop_index("uq_bills_live_appointment", table_name="bills")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_bills_reissued_as_id_bills", "bills", type_="foreignkey")
    op.drop_column("bills", "reissued_as_id")
