"""The session gate: may a session start now, given the latest red-flag screen?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from backcoach.planning.history import SessionSummary
from backcoach.planning.screening import Outcome
from backcoach.planning.settings import Settings


class GateAction(StrEnum):
    SCREEN = "screen"  # answer the red-flag screen (first time, or it is due again)
    URGENT_CARE = "urgent_care"  # emergency signs: urgent care today, no session
    CLEARANCE = "clearance"  # see-a-doctor signs: a clinician must clear the person first
    REST = "rest"  # a session stopped for pain today: no more exercise until tomorrow


class ScreeningLike(Protocol):
    """What the gate reads of a stored screen (``backcoach.journal.records.ScreeningRecord``)."""

    @property
    def taken_at(self) -> datetime: ...

    @property
    def outcome(self) -> str: ...

    @property
    def clinician_cleared_at(self) -> datetime | None: ...

    @property
    def caution_acknowledged(self) -> bool: ...


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    reason: str
    action: GateAction | None  # what to do next; None when a session may start

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "reason": self.reason,
            "action": self.action.value if self.action else None,
        }


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the journal stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def session_gate(latest: ScreeningLike | None, now: datetime, settings: Settings) -> GateDecision:
    """Whether a session may start at ``now``.

    The screen is valid for ``rescreen_days`` days: exactly that long after it was taken, it
    is due again. An emergency outcome blocks sessions until a newer screen is free of
    emergency signs, however old it is.
    """
    if latest is None:
        return GateDecision(
            False,
            "Before your first session, please read the doctor caution and answer the "
            "red-flag screen.",
            GateAction.SCREEN,
        )
    if latest.outcome == Outcome.EMERGENCY:
        return GateDecision(
            False,
            "Your last screen showed emergency signs: get urgent medical care today. No "
            "session can start until a new screen comes back without emergency signs.",
            GateAction.URGENT_CARE,
        )
    age = _utc(now) - _utc(latest.taken_at)
    if age >= timedelta(days=settings.rescreen_days):
        return GateDecision(
            False,
            f"Your red-flag screen is {age.days} days old; it is asked again every "
            f"{settings.rescreen_days} days. Please answer it before this session.",
            GateAction.SCREEN,
        )
    if not latest.caution_acknowledged:
        return GateDecision(
            False,
            "Please read and acknowledge the doctor caution with the red-flag screen.",
            GateAction.SCREEN,
        )
    if latest.outcome == Outcome.SEE_DOCTOR:
        if latest.clinician_cleared_at is None:
            return GateDecision(
                False,
                "Your last screen showed signs a clinician should check first. Once a doctor "
                "or physiotherapist has cleared you to exercise, record that to start.",
                GateAction.CLEARANCE,
            )
        return GateDecision(
            True, "A clinician has cleared you to exercise; your screen is up to date.", None
        )
    if latest.outcome == Outcome.CLEAR:
        return GateDecision(True, "Your red-flag screen is clear and up to date.", None)
    return GateDecision(
        False,
        f"The stored screen has an unknown outcome '{latest.outcome}'; please answer the "
        "red-flag screen again.",
        GateAction.SCREEN,
    )


def rest_after_pain_stop(summaries: Iterable[SessionSummary], today: date) -> GateDecision | None:
    """No second session on a day whose session stopped for pain (above the limit during the
    session, or already before it): the person rests, and the next plan steps back."""
    stopped = [s for s in summaries if s.day == today and s.status == "stopped_pain"]
    if not stopped:
        return None
    last = stopped[-1]
    peak = last.max_pain if last.max_pain is not None else last.baseline_pain
    pain = f" ({peak}/10)" if peak is not None else ""
    return GateDecision(
        False,
        f"Today's session stopped because of pain{pain}, so there is no more exercise today. "
        "Rest in a comfortable position; if the pain does not settle, or new symptoms appear, "
        "talk to a clinician. Tomorrow's plan steps the doses back.",
        GateAction.REST,
    )


def day_gate(
    latest: ScreeningLike | None,
    now: datetime,
    settings: Settings,
    summaries: Iterable[SessionSummary],
    today: date,
) -> GateDecision:
    """``session_gate`` and, when it allows a session, the rest after a pain stop today."""
    decision = session_gate(latest, now, settings)
    if not decision.allowed:
        return decision
    return rest_after_pain_stop(summaries, today) or decision
