"""Uploaded videos waiting for, under or done with analysis on the clinic's job queue.

One ``video_jobs`` row per upload: whose it is, its progress and its result. The video itself
is kept in the database as ``video_chunks`` (so a worker on any machine that reaches the
database can read it) until the analysis is over, unless the patient chose to keep it.
Migration ``0004_video_jobs`` creates both tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backcoach.journal.models import Base, UTCDateTime

NAME_MAX_LENGTH = 200
EXERCISE_MAX_LENGTH = 40
STATUS_MAX_LENGTH = 20


class VideoJob(Base):
    """One uploaded video. ``status``: queued | running | done | failed."""

    __tablename__ = "video_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    exercise_id: Mapped[str | None] = mapped_column(String(EXERCISE_MAX_LENGTH))
    size_bytes: Mapped[int] = mapped_column(BigInteger)  # uploads may pass 2 GB
    keep_video: Mapped[bool] = mapped_column(Boolean)
    video_stored: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(STATUS_MAX_LENGTH), index=True)
    progress: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VideoChunk(Base):
    """A piece of an uploaded video, in order (``seq`` from 0)."""

    __tablename__ = "video_chunks"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("video_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
