"""A bill keeps the tax rate it was raised with; a shortfall records how many units were
missing; service names are unique in any letter case.

Bills raised before this revision take the clinic's current rate, the best record of it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcms_desktop.data.types import Decimal2

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bills", sa.Column("tax_rate", Decimal2(5), server_default="0", nullable=False))
    # Both columns are Decimal2(5): the same stored form on each backend.
    op.execute(
        "UPDATE bills SET tax_rate = COALESCE("
        "(SELECT tax_rate FROM clinic_settings WHERE id = 1), tax_rate)"
    )
    op.add_column("stock_movements", sa.Column("short_by", sa.Integer(), nullable=True))
    op.create_index("uq_services_name_lower", "services", [sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_services_name_lower", table_name="services")
    op.drop_column("stock_movements", "short_by")
    op.drop_column("bills", "tax_rate")
