"""What a clinician reads of one patient at a glance: adherence, flags, trends.

Computed from the patient's own journal (a ``JournalStore`` kept to them) with the same
thresholds as the safety rules (``planning.settings``) and the same series as the progress
report (``reports.report_data``), so the clinician's view, the patient's plan and the report
cannot disagree.

Flags that need a look:

- a session whose pain went above ``stop_pain_above`` (5 by default);
- a next-morning check-in ``step_back_morning_rise`` (2) or more above the pain before;
- the latest red-flag screen said see a doctor or emergency and no clinician cleared it;
- no session for ``QUIET_DAYS`` (7) days (counted from the invitation's acceptance when the
  patient has had none).

Pain flags are looked for in the last ``FLAG_WINDOW_DAYS`` days only: older ones are history,
shown in the sessions and the report. Once the clinician has looked at the flags
(``looked_at``), those about earlier events no longer need a look (they are kept in
``Overview.seen``); a quiet stretch needs a look again ``QUIET_DAYS`` after the last look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from backcoach.journal.records import SessionRecord
from backcoach.journal.store import JournalStore
from backcoach.planning.settings import Settings
from backcoach.reports.measures import week_start
from backcoach.reports.report_data import DEFAULT_SESSIONS_PER_WEEK, ReportData, gather_report

QUIET_DAYS = 7
FLAG_WINDOW_DAYS = 14


class FlagKind(StrEnum):
    HIGH_PAIN = "high_pain"
    MORNING_RISE = "morning_rise"
    SCREEN = "screen"
    QUIET = "quiet"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    day: date
    sentence: str
    at: datetime  # when what it is about happened (for a quiet stretch: now)


@dataclass(frozen=True)
class Adherence:
    """Sessions this week (Monday to today) against the week's plan."""

    week_start: date
    sessions: int
    completed: int
    planned: int

    @property
    def sentence(self) -> str:
        done = "1 session" if self.sessions == 1 else f"{self.sessions} sessions"
        return f"{done} of {self.planned} planned ({self.completed} completed)"


@dataclass(frozen=True)
class Overview:
    adherence: Adherence
    flags: tuple[Flag, ...]  # need a look
    last_session: SessionRecord | None
    seen: tuple[Flag, ...] = ()  # looked at already
    looked_at: datetime | None = None

    @property
    def needs_a_look(self) -> bool:
        return bool(self.flags)


def _day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _session_flags(
    store: JournalStore, sessions: list[SessionRecord], settings: Settings, since: date
) -> list[Flag]:
    flags: list[Flag] = []
    for record in sessions:
        day = store.local_date(record.started_at)
        if day < since:
            continue
        peak = record.max_pain
        if peak is not None and peak > settings.stop_pain_above:
            flags.append(
                Flag(
                    FlagKind.HIGH_PAIN,
                    day,
                    f"Pain reached {peak}/10 in the session on {_day_text(day)}.",
                    record.started_at,
                )
            )
        checkin = record.checkin
        before = record.pain_before
        if (
            checkin is not None
            and before is not None
            and checkin.pain >= before + settings.step_back_morning_rise
        ):
            flags.append(
                Flag(
                    FlagKind.MORNING_RISE,
                    checkin.day,
                    f"The morning after the session on {_day_text(day)} pain was "
                    f"{checkin.pain}/10, {checkin.pain - before} above the {before}/10 "
                    "before it.",
                    checkin.at,
                )
            )
    return flags


def _screen_flag(store: JournalStore) -> Flag | None:
    latest = store.latest_screening()
    if latest is None or latest.outcome == "clear" or latest.clinician_cleared_at is not None:
        return None
    day = store.local_date(latest.taken_at)
    what = "emergency" if latest.outcome == "emergency" else "see a doctor"
    sentence = f"The red-flag screen on {_day_text(day)} said {what}"
    if latest.flags:
        sentence += f": {'; '.join(latest.flags)}"
    return Flag(FlagKind.SCREEN, day, sentence + ".", latest.taken_at)


def _quiet_flag(
    store: JournalStore, last: SessionRecord | None, joined_at: datetime | None, now: datetime
) -> Flag | None:
    today = store.local_date(now)
    if last is not None:
        since = store.local_date(last.started_at)
        about = f"the last was on {_day_text(since)}"
    elif joined_at is not None:
        since = store.local_date(joined_at)
        about = f"none since joining on {_day_text(since)}"
    else:
        return None
    quiet = (today - since).days
    if quiet < QUIET_DAYS:
        return None
    return Flag(FlagKind.QUIET, today, f"No session for {quiet} days ({about}).", now)


def patient_overview(
    store: JournalStore,
    *,
    now: datetime,
    settings: Settings | None = None,
    joined_at: datetime | None = None,
    looked_at: datetime | None = None,
    planned_per_week: int = DEFAULT_SESSIONS_PER_WEEK,
) -> Overview:
    """Adherence, flags needing a look (most serious first) and the last session."""
    rules = settings or Settings()
    today = store.local_date(now)
    sessions = store.sessions()
    monday = week_start(today)
    this_week = [s for s in sessions if store.local_date(s.started_at) >= monday]
    adherence = Adherence(
        week_start=monday,
        sessions=len(this_week),
        completed=sum(1 for s in this_week if s.outcome.fully_completed),
        planned=planned_per_week,
    )
    last = sessions[-1] if sessions else None
    found: list[Flag] = []
    if (screen := _screen_flag(store)) is not None:
        found.append(screen)
    window_start = today - timedelta(days=FLAG_WINDOW_DAYS - 1)
    pain = _session_flags(store, sessions, rules, window_start)
    # Newest first; on one day the session's own pain before the next morning's.
    found.extend(sorted(pain, key=lambda f: (-f.day.toordinal(), f.kind is not FlagKind.HIGH_PAIN)))
    if (quiet := _quiet_flag(store, last, joined_at, now)) is not None:
        found.append(quiet)
    if looked_at is None:
        return Overview(adherence, tuple(found), last)

    def seen(flag: Flag) -> bool:
        if flag.kind is FlagKind.QUIET:
            return now - looked_at < timedelta(days=QUIET_DAYS)
        return flag.at <= looked_at

    return Overview(
        adherence,
        tuple(flag for flag in found if not seen(flag)),
        last,
        seen=tuple(flag for flag in found if seen(flag)),
        looked_at=looked_at,
    )


def patient_trends(store: JournalStore, *, now: datetime) -> ReportData:
    """The progress report's data over the whole journal: the pain and PSFS series, their
    weekly means and the change sentences the report shows."""
    return gather_report(store, None, None, now=now)
