"""Clinic accounts: users, roles, invites, sign-in throttling; the patient id on journal rows.

A single-user journal keeps working as before: its rows get ``patient_id`` NULL (the local
journal's one person) and its account tables stay empty. ``patient_id`` is a foreign key to
``users``; SQLite adds it in place with a plain ALTER TABLE (no copy of the table, which with
foreign keys on would cascade deletes) and drops it in place again on the way down.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATIENT_TABLES = (
    "screenings",
    "sessions",
    "sets",
    "reps",
    "form_warnings",
    "pain_entries",
    "checkins",
    "profile",
    "psfs_activities",
    "psfs_assessments",
    "psfs_ratings",
    "questionnaire_totals",
)


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["clinician_id"], ["users.id"], name="fk_users_clinician"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_index("ix_users_clinician_id", "users", ["clinician_id"])
    op.create_table(
        "clinic_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("used_at", _utc(), nullable=True),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["clinician_id"], ["users.id"], name="fk_invites_clinician"),
        sa.ForeignKeyConstraint(["accepted_by"], ["users.id"], name="fk_invites_accepted_by"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_invites_code_hash"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_web_sessions_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_web_sessions_token_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempts_username_at", "sign_in_attempts", ["username", "at"])
    op.create_index("ix_sign_in_attempts_address_at", "sign_in_attempts", ["address", "at"])

    postgres = op.get_bind().dialect.name == "postgresql"
    for table in PATIENT_TABLES:
        if postgres:
            op.add_column(table, sa.Column("patient_id", sa.Integer(), nullable=True))
            op.create_foreign_key(f"fk_{table}_patient", table, "users", ["patient_id"], ["id"])
        else:
            # SQLite adds a column with its foreign key in place (no copy of the table).
            op.execute(f"ALTER TABLE {table} ADD COLUMN patient_id INTEGER REFERENCES users (id)")
        op.create_index(f"ix_{table}_patient_id", table, ["patient_id"])


def downgrade() -> None:
    bind = op.get_bind()
    owned = sum(
        bind.scalar(sa.text(f"SELECT COUNT(*) FROM {table} WHERE patient_id IS NOT NULL")) or 0
        for table in PATIENT_TABLES
    )
    if owned:
        # Without patient_id, every patient's rows would read as one person's journal.
        raise RuntimeError(
            f"This clinic database holds {owned} rows of clinic patients; going back before "
            "clinic mode would mix their journals. Export each patient first."
        )
    postgres = bind.dialect.name == "postgresql"
    for table in reversed(PATIENT_TABLES):
        if postgres:
            op.drop_constraint(f"fk_{table}_patient", table, type_="foreignkey")
        op.drop_index(f"ix_{table}_patient_id", table_name=table)
        if postgres:
            op.drop_column(table, "patient_id")
        else:
            op.execute(f"ALTER TABLE {table} DROP COLUMN patient_id")  # SQLite 3.35 and later
    op.drop_index("ix_sign_in_attempts_address_at", table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_username_at", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("clinic_invites")
    op.drop_index("ix_users_clinician_id", table_name="users")
    op.drop_table("users")
