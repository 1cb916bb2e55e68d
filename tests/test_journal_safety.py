"""A journal that cannot safely be used gives a clear message and is never changed."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from backcoach.errors import JournalError
from backcoach.journal import migrate
from backcoach.journal.db_errors import translate
from backcoach.journal.models import Base
from backcoach.journal.store import JournalStore

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    """A real journal file holding one session."""
    path = tmp_path / "journal.sqlite3"
    with JournalStore.open(url(path)) as store:
        store.start_session(front_end="terminal", pain_before=2, plan={}, at=T0)
    return path


@pytest.fixture
def lock_holder(journal: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(journal, isolation_level=None)
    yield connection
    connection.close()


def test_migrations_build_exactly_the_models_schema(tmp_path: Path) -> None:
    store = JournalStore.open(url(tmp_path / "fresh.sqlite3"))
    migrate.import_model_modules()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_heads() == (migrate.head_revision(),)
    store.close()


def test_opening_a_current_journal_writes_nothing(journal: Path) -> None:
    before = digest(journal)
    with JournalStore.open(url(journal)) as store:
        assert len(store.sessions()) == 1
    assert digest(journal) == before


def test_exclusive_lock_on_open_says_in_use(journal: Path, lock_holder: sqlite3.Connection) -> None:
    lock_holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(JournalError, match="in use by another backcoach") as raised:
        JournalStore.open(url(journal), busy_timeout=0.2)
    assert str(journal) in str(raised.value)


def test_write_lock_held_elsewhere_says_in_use_and_keeps_data(
    journal: Path, lock_holder: sqlite3.Connection
) -> None:
    store = JournalStore.open(url(journal), busy_timeout=0.2)
    lock_holder.execute("BEGIN IMMEDIATE")
    assert len(store.sessions()) == 1  # reading still works while another writes
    with pytest.raises(JournalError, match="in use by another backcoach"):
        store.add_pain(score=3, context="during", session_id=None, at=T0)
    lock_holder.execute("ROLLBACK")
    store.add_pain(score=3, context="during", session_id=None, at=T0)  # works once released
    assert len(store.sessions()) == 1 and len(store.pain_entries()) == 1
    store.close()


def test_read_only_url_reads_but_refuses_writes(journal: Path) -> None:
    before = digest(journal)
    store = JournalStore.open(f"sqlite:///file:{journal}?mode=ro&uri=true")
    assert store.location.read_only
    assert len(store.sessions()) == 1
    with pytest.raises(JournalError, match="read-only") as raised:
        store.start_session(front_end="terminal", pain_before=1, plan={}, at=T0)
    assert str(journal) in str(raised.value)
    store.close()
    assert digest(journal) == before


def test_read_only_url_cannot_create_a_journal(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(JournalError, match="cannot be opened"):
        JournalStore.open(f"sqlite:///file:{missing}?mode=ro&uri=true")
    assert not missing.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_permission_refuses_writes(journal: Path) -> None:
    journal.chmod(0o444)
    try:
        store = JournalStore.open(url(journal))
        with pytest.raises(JournalError, match="read-only"):
            store.start_session(front_end="terminal", pain_before=1, plan={}, at=T0)
        store.close()
    finally:
        journal.chmod(0o644)


@pytest.mark.parametrize(
    "content",
    [
        b"name,pain\nme,3\n",  # a text file
        b"SQLite format 3\x00" + bytes(range(256)) * 40,  # garbage behind the header
    ],
    ids=["text", "garbage-after-header"],
)
def test_corrupt_file_is_named_and_left_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(content)
    with pytest.raises(JournalError, match="damaged or is not a database") as raised:
        JournalStore.open(url(path))
    assert str(path) in str(raised.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite3"]


def test_truncated_journal_is_refused_untouched(journal: Path) -> None:
    half = journal.read_bytes()[: journal.stat().st_size // 2]
    journal.write_bytes(half)
    with pytest.raises(JournalError, match="damaged"):
        JournalStore.open(url(journal))
    assert journal.read_bytes() == half


def test_newer_journal_is_refused_untouched(journal: Path) -> None:
    with sqlite3.connect(journal) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00d99'")
    connection.close()
    before = digest(journal)
    with pytest.raises(JournalError, match="newer backcoach") as raised:
        JournalStore.open(url(journal))
    assert "f00d99" in str(raised.value)
    assert digest(journal) == before
    assert not list(journal.parent.glob("*.bak-*"))


def test_other_apps_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("INSERT INTO notes (body) VALUES ('shopping list')")
    connection.close()
    before = digest(path)
    with pytest.raises(JournalError, match="not a backcoach journal") as raised:
        JournalStore.open(url(path))
    assert "notes" in str(raised.value)
    assert digest(path) == before


def test_empty_existing_file_becomes_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.touch()
    with JournalStore.open(url(path)) as store:
        assert store.sessions() == []
    assert path.stat().st_size > 0


def test_a_folder_in_the_way_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "journal.sqlite3"
    folder.mkdir()
    with pytest.raises(JournalError, match="not a file"):
        JournalStore.open(url(folder))


def test_missing_folder_gives_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="cannot be opened"):
        JournalStore.open(url(tmp_path / "nowhere" / "journal.sqlite3"))


def test_full_disk_loses_nothing_written_before(journal: Path) -> None:
    store = JournalStore.open(url(journal))
    store.add_pain(score=2, context="during", session_id=None, at=T0)

    def cap_file_size(dbapi_connection: Any, _record: Any) -> None:
        # SQLite answers SQLITE_FULL, as on a full disk, once the file may not grow.
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(store.engine, "connect", cap_file_size)
    store.engine.dispose()
    with pytest.raises(JournalError, match="is full: this entry was not saved"):
        store.add_pain(score=4, context="during", session_id=None, at=T0, note="x" * 200_000)
    store.close()
    with JournalStore.open(url(journal)) as again:
        assert [p.score for p in again.pain_entries()] == [2]
        assert len(again.sessions()) == 1


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("disk I/O error", "disk I/O error"),
        ("database or disk is full", "is full"),
        ("attempt to write a readonly database", "read-only"),
        ("database is locked", "in use"),
        ("file is not a database", "damaged"),
    ],
)
def test_driver_messages_map_to_clear_errors(message: str, expected: str) -> None:
    error = OperationalError("INSERT ...", {}, sqlite3.OperationalError(message))
    translated = translate(error, "/data/journal.sqlite3")
    assert expected in str(translated) and "/data/journal.sqlite3" in str(translated)


def test_upgrade_backs_up_the_file_first(journal: Path, tmp_path: Path) -> None:
    # A newer backcoach = these migrations plus one more revision that adds a table.
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    current = migrate.head_revision()
    (scripts / "versions" / "9999_test_extra.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9999test'\ndown_revision = {current!r}\n"
        "branch_labels = None\ndepends_on = None\n\n"
        "def upgrade():\n"
        "    op.create_table('extra', sa.Column('id', sa.Integer, primary_key=True))\n"
        "\ndef downgrade():\n    op.drop_table('extra')\n"
    )
    before = journal.read_bytes()
    store = JournalStore.open(url(journal), script_location=scripts)
    assert len(store.sessions()) == 1
    store.close()
    backup = journal.with_name(f"journal.sqlite3.bak-{current}")
    assert backup.exists()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [(current,)]
        assert copy.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
    copy.close()
    with sqlite3.connect(journal) as upgraded:
        assert upgraded.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999test",)
        ]
        assert upgraded.execute("SELECT count(*) FROM extra").fetchone() == (0,)
    upgraded.close()
    assert journal.read_bytes() != before
    # This backcoach (without 9999test) now refuses the upgraded file as newer.
    with pytest.raises(JournalError, match="newer"):
        JournalStore.open(url(journal))


def test_backup_names_never_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"")
    (tmp_path / "journal.sqlite3.bak-0001").write_bytes(b"older backup")
    assert migrate.backup_path(path, "0001").name == "journal.sqlite3.bak-0001.1"


def test_postgres_style_url_message_hides_the_password() -> None:
    with pytest.raises(JournalError) as raised:
        JournalStore.open("postgresql+psycopg://me:secret@127.0.0.1:1/journal", busy_timeout=0.2)
    assert "secret" not in str(raised.value)


def test_two_writers_at_once_both_land(journal: Path) -> None:
    stores = [JournalStore.open(url(journal)) for _ in range(2)]
    session_id = stores[0].sessions()[0].id

    def write(store: JournalStore) -> None:
        for minute in range(15):  # each add_pain reads the session, then inserts
            store.add_pain(score=1, context="during", session_id=session_id, at=T0)
            store.finish_session(
                session_id, status="completed", pain_after=minute % 10, stop_reason=None, at=T0
            )

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(write, store) for store in stores]:
            future.result()
    assert len(stores[1].pain_entries()) == 30
    for store in stores:
        store.close()
