"""Clinician prescriptions, notes to the patient, the audit trail of every change, and
when a clinician last looked at a patient's flags.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _patient() -> sa.Column[int]:
    return sa.Column("patient_user_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "prescriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        _patient(),
        sa.Column("exercise_id", sa.String(length=40), nullable=False),
        sa.Column("start_level", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("since", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["patient_user_id"], ["users.id"], name="fk_prescriptions_patient"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "patient_user_id", "exercise_id", name="uq_prescriptions_patient_exercise"
        ),
    )
    op.create_index("ix_prescriptions_patient_user_id", "prescriptions", ["patient_user_id"])
    op.create_table(
        "clinician_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        _patient(),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["patient_user_id"], ["users.id"], name="fk_notes_patient"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_notes_author"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clinician_notes_patient_user_id", "clinician_notes", ["patient_user_id"])
    op.create_table(
        "prescription_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        _patient(),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["patient_user_id"], ["users.id"], name="fk_audit_patient"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_audit_author"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_prescription_audit_patient_user_id", "prescription_audit", ["patient_user_id"]
    )
    op.create_table(
        "flag_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        _patient(),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["patient_user_id"], ["users.id"], name="fk_reviews_patient"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_reviews_author"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_flag_reviews_patient_user_id", "flag_reviews", ["patient_user_id"])


def downgrade() -> None:
    op.drop_index("ix_flag_reviews_patient_user_id", table_name="flag_reviews")
    op.drop_table("flag_reviews")
    op.drop_index("ix_prescription_audit_patient_user_id", table_name="prescription_audit")
    op.drop_table("prescription_audit")
    op.drop_index("ix_clinician_notes_patient_user_id", table_name="clinician_notes")
    op.drop_table("clinician_notes")
    op.drop_index("ix_prescriptions_patient_user_id", table_name="prescriptions")
    op.drop_table("prescriptions")
