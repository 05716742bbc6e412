"""Outbox rows can be ``skipped``: a composer found the message no longer relevant.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BEFORE = "status IN ('pending','sending','sent','failed','cancelled')"
_AFTER = "status IN ('pending','sending','sent','failed','skipped','cancelled')"


def _replace_status_check(condition: str) -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_outbox_status"), condition)


def upgrade() -> None:
    _replace_status_check(_AFTER)


def downgrade() -> None:
    op.execute("UPDATE outbox SET status = 'cancelled' WHERE status = 'skipped'")
    _replace_status_check(_BEFORE)
