"""The clinician's library: prescriptions with their audit trail, the patient's plan under
them, adherence and flags, on real SQLite and real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from backcoach.catalog import load_catalog
from backcoach.clinic.care import patient_plan
from backcoach.clinic.overview import FlagKind, patient_overview
from backcoach.errors import InputError
from backcoach.journal.account_models import User
from backcoach.journal.prescriptions_store import PrescriptionStore
from backcoach.journal.store import JournalStore
from backcoach.planning.plan import DoseSetter
from backcoach.planning.settings import Settings

CATALOG = load_catalog()
BIRD_DOG = next(e for e in CATALOG.exercises if e.id == "bird-dog")
BRIDGE = next(e for e in CATALOG.exercises if e.id == "bridge")
# A Wednesday, so "this week" has a Monday and a Tuesday before it.
NOW = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def journal(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[JournalStore, dict[str, int]]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.db'}"
    else:
        make: Callable[[str], str] = request.getfixturevalue("new_postgres_database")
        url = make("overview")
    store = JournalStore.open(url, local_tz=UTC)
    with store.writing() as session:
        people = {
            "clinician": User(
                username="dr-lee",
                role="clinician",
                display_name="Dr Lee",
                password_hash="x",
                created_at=NOW - timedelta(days=60),
            ),
            "other": User(
                username="dr-ray",
                role="clinician",
                display_name="Dr Ray",
                password_hash="x",
                created_at=NOW - timedelta(days=60),
            ),
        }
        session.add_all(people.values())
        session.flush()
        for name in ("ann", "bob"):
            people[name] = User(
                username=name,
                role="patient",
                display_name=name.title(),
                password_hash="x",
                clinician_id=people["clinician"].id,
                created_at=NOW - timedelta(days=30),
            )
            session.add(people[name])
        session.flush()
        ids = {key: user.id for key, user in people.items()}
    try:
        yield store, ids
    finally:
        store.close()


def _session(
    store: JournalStore,
    at: datetime,
    *,
    before: int,
    peak: int,
    status: str = "completed",
    levels: dict[str, int] | None = None,
) -> int:
    session_id = store.start_session(front_end="web", pain_before=before, plan={}, at=at)
    for position, (exercise_id, level) in enumerate((levels or {}).items()):
        exercise = next(e for e in CATALOG.exercises if e.id == exercise_id)
        set_id = store.start_set(
            session_id=session_id,
            position=position,
            exercise_id=exercise_id,
            level=level,
            dose=exercise.dose_at(level),
            counted_by="hand",
            at=at,
        )
        store.finish_set(set_id, status="completed", at=at + timedelta(minutes=2))
    store.add_pain(score=peak, context="during", session_id=session_id, at=at)
    store.finish_session(
        session_id, status=status, pain_after=None, stop_reason=None, at=at + timedelta(minutes=5)
    )
    return session_id


def test_a_change_is_checked_recorded_and_audited(
    journal: tuple[JournalStore, dict[str, int]],
) -> None:
    base, ids = journal
    ann = PrescriptionStore(base.for_patient(ids["ann"]))
    record = ann.change(
        BIRD_DOG,
        start_level=2,
        stage="arm-and-leg",
        paused=False,
        author_id=ids["clinician"],
        why="Good balance at the assessment.",
        at=NOW,
    )
    assert record.who == "Dr Lee"
    assert record.what.startswith("Bird dog: starting at step 3 of 8 (Arm and opposite leg")
    assert "(was the program's own start and progression)" in record.what
    assert record.before is None and record.after == {
        "start_level": 2,
        "stage": "arm-and-leg",
        "paused": False,
    }
    with pytest.raises(InputError, match="reason for the change is empty"):
        ann.change(BRIDGE, start_level=1, stage=None, paused=False, author_id=1, why="  ", at=NOW)
    with pytest.raises(InputError, match="has 6 steps"):
        ann.change(BRIDGE, start_level=9, stage=None, paused=False, author_id=1, why="why", at=NOW)
    with pytest.raises(InputError, match="nothing was changed"):
        ann.change(
            BIRD_DOG,
            start_level=2,
            stage="arm-and-leg",
            paused=False,
            author_id=ids["clinician"],
            why="again",
            at=NOW,
        )
    ann.change(
        BRIDGE,
        start_level=None,
        stage=None,
        paused=True,
        author_id=ids["clinician"],
        why="Hip pain on bridging; review next week.",
        at=NOW + timedelta(minutes=1),
    )
    ann.add_note(
        "Keep the bird dog slow.", author_id=ids["clinician"], at=NOW + timedelta(minutes=2)
    )
    trail = ann.audit()
    assert [entry.why for entry in trail] == [
        "",
        "Hip pain on bridging; review next week.",
        "Good balance at the assessment.",
    ]
    assert trail[0].what == "Note to the patient: Keep the bird dog slow."
    assert trail[1].what == "Bridge: paused (was the program's own start and progression)."
    latest = ann.latest_note()
    assert (
        latest is not None and latest.text == "Keep the bird dog slow." and latest.who == "Dr Lee"
    )

    # Another patient sees none of it.
    bob = PrescriptionStore(base.for_patient(ids["bob"]))
    assert bob.prescription().items == () and bob.audit() == [] and bob.latest_note() is None

    plan = patient_plan(base.for_patient(ids["ann"]), CATALOG, Settings(), NOW.date())
    bird = next(item for item in plan.items if item.exercise_id == "bird-dog")
    assert bird.level == 2 and bird.set_by is DoseSetter.PRESCRIPTION
    assert [p.name for p in plan.paused] == ["Bridge"]
    # Back to the program's own: the row goes, the trail keeps it.
    ann.change(
        BRIDGE,
        start_level=None,
        stage=None,
        paused=False,
        author_id=ids["clinician"],
        why="Hip settled.",
        at=NOW + timedelta(minutes=3),
    )
    assert [item.exercise_id for item in ann.prescription().items] == ["bird-dog"]
    assert ann.audit()[0].what == "Bridge: the program's own start and progression (was paused)."


def test_the_plan_follows_the_pain_after_the_prescription(
    journal: tuple[JournalStore, dict[str, int]],
) -> None:
    base, ids = journal
    store = base.for_patient(ids["ann"])
    _session(store, NOW - timedelta(days=3), before=2, peak=1, levels={"bird-dog": 0})
    PrescriptionStore(store).change(
        BIRD_DOG,
        start_level=3,
        stage=None,
        paused=False,
        author_id=ids["clinician"],
        why="Ready for more.",
        at=NOW - timedelta(days=2),
    )
    before = patient_plan(store, CATALOG, Settings(), NOW.date())
    assert next(i for i in before.items if i.exercise_id == "bird-dog").level == 3
    _session(
        store,
        NOW - timedelta(days=1),
        before=2,
        peak=8,
        status="stopped_pain",
        levels={"bird-dog": 3},
    )
    after = next(
        i
        for i in patient_plan(store, CATALOG, Settings(), NOW.date()).items
        if i.exercise_id == "bird-dog"
    )
    assert after.level == 2 and after.set_by is DoseSetter.PAIN_RULES
    assert "The pain rules set this dose" in after.reason


def test_adherence_and_the_flags_that_need_a_look(
    journal: tuple[JournalStore, dict[str, int]],
) -> None:
    base, ids = journal
    ann = base.for_patient(ids["ann"])
    monday = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    calm = _session(ann, monday, before=2, peak=2)
    ann.add_checkin(day=date(2026, 3, 10), pain=5, at=monday + timedelta(days=1))
    _session(ann, monday + timedelta(days=1), before=3, peak=7, status="stopped_pain")
    _session(ann, monday - timedelta(days=40), before=1, peak=9)  # too old to flag
    ann.add_screening(
        answers={"numbness": True},
        outcome="see_doctor",
        flags=["Numbness in the saddle area"],
        caution_acknowledged=True,
        at=monday + timedelta(days=2),
    )
    overview = patient_overview(ann, now=NOW)
    assert overview.adherence.sessions == 2 and overview.adherence.planned == 7
    assert overview.adherence.sentence == "2 sessions of 7 planned (1 completed)"
    kinds = [flag.kind for flag in overview.flags]
    assert kinds == [FlagKind.SCREEN, FlagKind.HIGH_PAIN, FlagKind.MORNING_RISE]
    sentences = [flag.sentence for flag in overview.flags]
    assert sentences[0] == (
        "The red-flag screen on Wed 11 Mar said see a doctor: Numbness in the saddle area."
    )
    assert sentences[1] == "Pain reached 7/10 in the session on Tue 10 Mar."
    assert sentences[2] == (
        "The morning after the session on Mon 9 Mar pain was 5/10, 3 above the 2/10 before it."
    )
    assert overview.last_session is not None and overview.last_session.id != calm
    assert overview.needs_a_look

    # Bob never had a session: after a week that needs a look too; a stricter setting moves
    # the pain flag.
    bob = base.for_patient(ids["bob"])
    quiet = patient_overview(bob, now=NOW, joined_at=NOW - timedelta(days=8))
    assert [flag.sentence for flag in quiet.flags] == [
        "No session for 8 days (none since joining on Tue 3 Mar)."
    ]
    assert patient_overview(bob, now=NOW, joined_at=NOW - timedelta(days=2)).flags == ()
    _session(bob, NOW - timedelta(hours=2), before=1, peak=4)
    assert patient_overview(bob, now=NOW).flags == ()
    strict = patient_overview(bob, now=NOW, settings=Settings(stop_pain_above=3, keep_max_pain=3))
    assert [flag.kind for flag in strict.flags] == [FlagKind.HIGH_PAIN]


def test_looked_at_flags_need_no_look_until_something_new(
    journal: tuple[JournalStore, dict[str, int]],
) -> None:
    base, ids = journal
    ann = base.for_patient(ids["ann"])
    monday = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    _session(ann, monday, before=2, peak=8)
    care = PrescriptionStore(ann)
    assert care.flags_seen_at() is None
    first = patient_overview(ann, now=NOW, looked_at=care.flags_seen_at())
    care.mark_flags_seen(
        [flag.sentence for flag in first.flags],
        author_id=ids["clinician"],
        at=monday.replace(hour=12),
    )
    assert care.audit()[0].what == "Looked at: Pain reached 8/10 in the session on Mon 9 Mar."
    looked = care.flags_seen_at()
    assert looked == monday.replace(hour=12)
    calm = patient_overview(ann, now=NOW, looked_at=looked)
    assert calm.flags == () and [f.kind for f in calm.seen] == [FlagKind.HIGH_PAIN]
    _session(ann, monday + timedelta(days=1), before=2, peak=9)  # after the look: new
    again = patient_overview(ann, now=NOW, looked_at=looked)
    assert [f.sentence for f in again.flags] == ["Pain reached 9/10 in the session on Tue 10 Mar."]
    with pytest.raises(InputError, match="Nothing needs a look"):
        care.mark_flags_seen([], author_id=ids["clinician"], at=NOW)
    # A quiet stretch needs a look again a week after the last look.
    bob = base.for_patient(ids["bob"])
    joined = NOW - timedelta(days=10)
    looked_bob = NOW - timedelta(days=3)
    quiet = patient_overview(bob, now=NOW, joined_at=joined, looked_at=looked_bob)
    assert quiet.flags == () and [f.kind for f in quiet.seen] == [FlagKind.QUIET]
    later = NOW + timedelta(days=5)
    assert [
        f.kind
        for f in patient_overview(bob, now=later, joined_at=joined, looked_at=looked_bob).flags
    ] == [FlagKind.QUIET]
