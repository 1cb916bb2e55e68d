"""A PostgreSQL server of the clinic's own on this machine, for ``backcoach clinic-up``.

The cluster lives in one folder (its data, its log, its Unix socket) and listens on that
socket only, never on the network: the web server and workers on this machine reach it, nothing
else does. Run as root, the server runs as the ``postgres`` system user, as PostgreSQL requires.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from backcoach.errors import ConfigError

DATABASE = "backcoach"
SOCKET_PATH_LIMIT = 100  # Unix socket paths are at most ~107 bytes
NOT_INSTALLED = (
    "PostgreSQL is not installed on this machine (no initdb found). Install it "
    "(`sudo apt-get install postgresql`) or give the clinic database with --database-url."
)


def _bin_dir() -> Path:
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    if found is None:
        raise ConfigError(NOT_INSTALLED)
    return Path(found).parent


@dataclass(frozen=True)
class LocalPostgres:
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def user(self) -> str:
        return "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@/{DATABASE}?host={self.folder}"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        command = [*prefix, str(_bin_dir() / program), *args]
        try:
            return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
        except subprocess.CalledProcessError as error:
            detail = (error.stderr or error.stdout or "").strip().splitlines()
            raise ConfigError(
                f"PostgreSQL's {program} failed in {self.folder}: "
                f"{detail[-1] if detail else 'no message'}"
            ) from error

    def start(self) -> str:
        """Create the cluster on first use, start it, make the database; its URL."""
        if len(str(self.folder)) > SOCKET_PATH_LIMIT:
            raise ConfigError(
                f"The folder {self.folder} is too long a path for PostgreSQL's socket; "
                "give a shorter one with --postgres-dir."
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                postgres = pwd.getpwnam("postgres")
            except KeyError as error:
                raise ConfigError(NOT_INSTALLED) from error
            shutil.chown(self.folder, postgres.pw_uid, postgres.pw_gid)
        self.folder.chmod(0o700)
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8")
        if self._run_status() != 0:
            options = f"-k {self.folder} -c listen_addresses=''"
            log = str(self.folder / "server.log")
            self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")
        self._create_database()
        return self.url()

    def _run_status(self) -> int:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        command = [*prefix, str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(command, capture_output=True, timeout=60).returncode

    def _create_database(self) -> None:
        import psycopg

        admin = f"postgresql://{self.user}@/postgres?host={self.folder}"
        with psycopg.connect(admin, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
            if exists is None:
                connection.execute(f"CREATE DATABASE {DATABASE}")

    def stop(self) -> None:
        if self._run_status() == 0:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
