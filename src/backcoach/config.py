"""Where backcoach keeps its data, declared once.

``BACKCOACH_HOME`` overrides the data directory (platformdirs' user data dir by default);
``BACKCOACH_DATABASE_URL`` overrides the journal database (SQLite in the data directory
by default).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from backcoach.errors import ConfigError
from backcoach.files import make_private_dir

HOME_ENV = "BACKCOACH_HOME"
DATABASE_URL_ENV = "BACKCOACH_DATABASE_URL"
JOURNAL_FILENAME = "journal.sqlite3"


@dataclass(frozen=True)
class AppPaths:
    home: Path
    database_url: str

    @property
    def sqlite_path(self) -> Path | None:
        """The journal file when the journal is SQLite on disk, else None."""
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            return None  # opening the journal says what is wrong with the URL
        return sqlite_file(url)


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names (``uri=true`` file: URIs included); None for in-memory
    databases and other back ends."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    uri = str(url.query.get("uri", "")).lower() in {"true", "1"}
    if uri and database.startswith("file:"):
        database = urlsplit(database).path
    if database in {"", ":memory:"} or str(url.query.get("mode", "")) == "memory":
        return None
    return Path(database)


def resolve_paths(environ: dict[str, str] | None = None) -> AppPaths:
    """Read the data directory and database URL from the environment."""
    env = os.environ if environ is None else environ
    raw_home = env.get(HOME_ENV, "").strip()
    home = (
        Path(raw_home).expanduser() if raw_home else Path(platformdirs.user_data_dir("backcoach"))
    )
    if home.exists() and not home.is_dir():
        raise ConfigError(f"{HOME_ENV} points to {home}, which is a file, not a directory.")
    url = env.get(DATABASE_URL_ENV, "").strip() or f"sqlite:///{home / JOURNAL_FILENAME}"
    return AppPaths(home=home, database_url=url)


def ensure_home(paths: AppPaths) -> None:
    """Create the data directory, with a clear message when that is impossible."""
    try:
        make_private_dir(paths.home)
    except OSError as error:
        raise ConfigError(
            f"Cannot create the data directory {paths.home}: {error.strerror or error}. "
            f"Set {HOME_ENV} to a writable directory."
        ) from error
