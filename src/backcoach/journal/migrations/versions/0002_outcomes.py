"""Outcome tables: profile, PSFS activities, assessments and ratings, questionnaire totals.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "psfs_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "psfs_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "psfs_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["psfs_assessments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["activity_id"], ["psfs_activities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_psfs_ratings_assessment_id", "psfs_ratings", ["assessment_id"])
    op.create_index("ix_psfs_ratings_activity_id", "psfs_ratings", ["activity_id"])
    op.create_table(
        "questionnaire_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entered_at", _utc(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("questionnaire_totals")
    op.drop_index("ix_psfs_ratings_activity_id", table_name="psfs_ratings")
    op.drop_index("ix_psfs_ratings_assessment_id", table_name="psfs_ratings")
    op.drop_table("psfs_ratings")
    op.drop_table("psfs_assessments")
    op.drop_table("psfs_activities")
    op.drop_table("profile")
