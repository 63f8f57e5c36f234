"""Keep the PDF of every issued invoice, so a reprint is the same document.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcms_desktop.data.types import UtcDateTime

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_documents",
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        sa.Column("page_size", sa.String(length=10), nullable=False),
        sa.Column("original_pdf", sa.LargeBinary(), nullable=False),
        sa.Column("copy_pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("issued_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "page_size IN ('A4', 'Letter')", name=op.f("ck_invoice_documents_page_size")
        ),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_invoice_documents_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
            name=op.f("fk_invoice_documents_issued_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_invoice_documents")),
    )


def downgrade() -> None:
    op.drop_table("invoice_documents")
