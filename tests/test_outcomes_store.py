"""The outcome tables on real SQLite files: profile, PSFS, questionnaire totals, migration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from backcoach.errors import InputError
from backcoach.journal import migrate
from backcoach.journal.outcomes_store import Instrument, OutcomesStore
from backcoach.journal.store import JournalStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journal.sqlite3'}"


@pytest.fixture
def store(db_url: str) -> Iterator[JournalStore]:
    opened = JournalStore.open(db_url, local_tz=UTC)
    yield opened
    opened.close()


def test_profile_gets_a_pseudonym_and_an_optional_name(db_url: str, store: JournalStore) -> None:
    outcomes = OutcomesStore(store)
    assert outcomes.profile() is None
    created = outcomes.ensure_profile(T0)
    assert created.name is None and created.pseudonym.startswith("BC-")
    assert outcomes.ensure_profile(T0 + timedelta(days=1)) == created  # created once
    named = outcomes.set_name("  Ann   Example ", T0 + timedelta(days=2))
    assert (named.name, named.pseudonym) == ("Ann Example", created.pseudonym)
    with JournalStore.open(db_url) as reopened:
        assert OutcomesStore(reopened).profile() == named
    cleared = outcomes.set_name(None, T0 + timedelta(days=3))
    assert cleared.name is None
    with pytest.raises(InputError, match="empty"):
        outcomes.set_name("   ", T0)


def test_pseudonyms_differ_between_journals(tmp_path: Path) -> None:
    labels = set()
    for index in range(3):
        with JournalStore.open(f"sqlite:///{tmp_path / f'j{index}.sqlite3'}") as store:
            labels.add(OutcomesStore(store).ensure_profile(T0).pseudonym)
    assert len(labels) == 3


def test_psfs_activities_once_then_rating_rounds(db_url: str, store: JournalStore) -> None:
    outcomes = OutcomesStore(store)
    with pytest.raises(InputError, match="Name your PSFS activities first"):
        outcomes.add_psfs_assessment({}, T0)
    activities = outcomes.set_psfs_activities(["socks", "lifting a bag", "sitting"], T0)
    assert [(a.position, a.name) for a in activities] == [
        (1, "socks"),
        (2, "lifting a bag"),
        (3, "sitting"),
    ]
    with pytest.raises(InputError, match="already named"):
        outcomes.set_psfs_activities(["a", "b", "c"], T0)
    ids = [a.id for a in activities]
    outcomes.add_psfs_assessment(dict(zip(ids, [2, 3, 4], strict=True)), T0)
    outcomes.add_psfs_assessment(dict(zip(ids, [6, 7, 8], strict=True)), T0 + timedelta(days=14))
    with pytest.raises(InputError, match="Rate every one"):
        outcomes.add_psfs_assessment({ids[0]: 5}, T0)
    with pytest.raises(InputError, match="from 0 to 10"):
        outcomes.add_psfs_assessment(dict(zip(ids, [6, 7, 11], strict=True)), T0)
    with JournalStore.open(db_url) as reopened:
        rounds = OutcomesStore(reopened).psfs_assessments()
    assert [r.score for r in rounds] == [3.0, 7.0]
    assert rounds[1].rating_of(ids[2]) == 8
    assert outcomes.last_psfs_at() == T0 + timedelta(days=14)


def test_questionnaire_totals_are_validated_and_kept_in_date_order(store: JournalStore) -> None:
    outcomes = OutcomesStore(store)
    outcomes.add_questionnaire_total(
        instrument=Instrument.ROLAND_MORRIS, score=9, day=date(2026, 3, 20), at=T0
    )
    outcomes.add_questionnaire_total(
        instrument=Instrument.OSWESTRY, score=42.2, day=date(2026, 3, 1), at=T0, note="at clinic"
    )
    with pytest.raises(InputError, match="0 to 24"):
        outcomes.add_questionnaire_total(
            instrument=Instrument.ROLAND_MORRIS, score=30, day=date(2026, 3, 1), at=T0
        )
    totals = outcomes.questionnaire_totals()
    assert [(t.instrument, t.score, t.note) for t in totals] == [
        (Instrument.OSWESTRY, 42.2, "at clinic"),
        (Instrument.ROLAND_MORRIS, 9.0, None),
    ]


def test_outcome_tables_are_part_of_the_journal_export(store: JournalStore) -> None:
    outcomes = OutcomesStore(store)
    outcomes.ensure_profile(T0)
    outcomes.set_psfs_activities(["a", "b", "c"], T0)
    document = store.export_all()
    assert document["schema_revision"] == migrate.head_revision()
    assert {"profile", "psfs_activities", "psfs_assessments", "psfs_ratings"} <= set(
        document["tables"]
    )
    assert [row["name"] for row in document["tables"]["psfs_activities"]] == ["a", "b", "c"]
    assert not store.is_empty()


def test_a_0001_journal_is_upgraded_with_a_backup_and_keeps_its_sessions(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    JournalStore.open(f"sqlite:///{path}", local_tz=UTC).close()  # opening upgrades it
    assert (tmp_path / "journal.sqlite3.bak-0001").exists()
    with JournalStore.open(f"sqlite:///{path}", local_tz=UTC) as upgraded:
        session_id = upgraded.start_session(front_end="terminal", pain_before=3, plan={}, at=T0)
        OutcomesStore(upgraded).ensure_profile(T0)
        assert [s.id for s in upgraded.sessions()] == [session_id]
        tables = set(inspect(upgraded.engine).get_table_names())
    assert {"profile", "psfs_activities", "psfs_ratings", "questionnaire_totals"} <= tables


def test_migration_0002_downgrades_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    JournalStore.open(f"sqlite:///{path}").close()
    engine = create_engine(f"sqlite:///{path}")
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert "profile" not in tables and "psfs_ratings" not in tables and "sessions" in tables
