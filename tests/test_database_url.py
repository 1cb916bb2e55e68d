"""BACKCOACH_DATABASE_URL is read with SQLAlchemy's URL parser: a SQLite ``file:`` URI (for
example read-only, ``mode=ro``) names the journal file, so commands read the real journal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from backcoach.config import AppPaths
from test_report_journals import build_journal, open_store

BACKCOACH = Path(sys.executable).with_name("backcoach")


def run(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKCOACH_HOME": str(home), "BACKCOACH_DATABASE_URL": url}
    return subprocess.run(
        [str(BACKCOACH), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_sqlite_uris_name_their_file(tmp_path: Path) -> None:
    journal = tmp_path / "my journal.sqlite3"
    for url in (
        f"sqlite:///file:{journal}?mode=ro&uri=true",
        f"sqlite:///file:{journal}?uri=true",
        f"sqlite:///{journal}",
    ):
        assert AppPaths(home=tmp_path, database_url=url).sqlite_path == journal
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"):
        assert AppPaths(home=tmp_path, database_url=url).sqlite_path is None


def test_a_read_only_sqlite_uri_reads_the_real_journal(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite3"
    store = open_store(journal)
    build_journal(store, 3)
    sessions = len(store.sessions())
    store.close()
    url = f"sqlite:///file:{journal}?mode=ro&uri=true"

    history = run(tmp_path / "home", url, "history", "--json")
    assert history.returncode == 0, history.stderr
    assert len(json.loads(history.stdout)) == sessions > 0

    out = tmp_path / "export.json"
    export = run(tmp_path / "home", url, "export", "--format", "json", "-o", str(out))
    assert export.returncode == 0, export.stderr
    assert len(json.loads(out.read_text())["tables"]["sessions"]) == sessions
