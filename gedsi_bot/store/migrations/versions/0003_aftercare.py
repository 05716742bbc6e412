"""After the session: when attendance was read, and the name a certificate was issued to.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("attendance_import", sa.String(length=8), nullable=True))
        batch.add_column(
            sa.Column("attendance_imported_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("holder_name", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("holder_name")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("attendance_imported_at")
        batch.drop_column("attendance_import")
