"""Where backcoach keeps its data, declared once.

``BACKCOACH_HOME`` overrides the data directory (platformdirs' user data dir by default);
``BACKCOACH_DATABASE_URL`` overrides the journal database (SQLite in the data directory
by default).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from backcoach.errors import ConfigError

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
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url[len(prefix) :])
        return None


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
        paths.home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"Cannot create the data directory {paths.home}: {error.strerror or error}. "
            f"Set {HOME_ENV} to a writable directory."
        ) from error
