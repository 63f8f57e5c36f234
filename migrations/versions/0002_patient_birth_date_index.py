"""Index patients' birth dates: the patient search finds a patient by date of birth.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("idx_users_date_of_birth", "users", ["date_of_birth"])


def downgrade() -> None:
    op.drop_index("idx_users_date_of_birth", table_name="users")
