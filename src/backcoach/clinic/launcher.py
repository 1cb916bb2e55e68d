"""``backcoach clinic-up``: the whole clinic on one machine, in one command.

Starts (or reuses) a local PostgreSQL unless a database URL is given, brings the database to
this backcoach's schema and the queue's, then runs the clinic web server and the workers as
child processes until Ctrl+C or SIGTERM, which stop them all (workers finish the video in
hand first) and the local PostgreSQL with them. Any child that dies ends the others too, so
a broken clinic never half-runs.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from backcoach.clinic.local_postgres import LocalPostgres
from backcoach.clinic.queue import ensure_queue_schema
from backcoach.clinic.settings import ENV_PREFIX
from backcoach.files import make_private_dir

DATABASE_URL_ENV = ENV_PREFIX + "DATABASE_URL"
SECRET_ENV = ENV_PREFIX + "SECRET"
SECRET_FILE = "clinic-secret"
CONFIG_FILE = "clinic.yaml"
STOP_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class ClinicPlan:
    """What to start: the database (a URL, or a local server in ``postgres_dir``), where the
    web server listens, how many workers."""

    home: Path
    database_url: str | None
    postgres_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2


def default_postgres_dir(home: Path) -> Path:
    # Run as root, the server runs as the postgres user, who cannot enter root's home.
    if os.geteuid() == 0:
        return Path("/var/lib/backcoach/clinic-postgres")
    return home / "clinic-postgres"


def local_secret(home: Path) -> str:
    """The secret of a one-machine clinic, made once and kept in the data folder (0600)."""
    make_private_dir(home)
    path = home / SECRET_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def write_local_config(home: Path, database_url: str, secret: str) -> Path:
    """The settings of this one-machine clinic as a file (0600) that other commands
    (``clinic-admin --config``) can be pointed at."""
    import yaml

    make_private_dir(home)
    path = home / CONFIG_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        yaml.safe_dump({"database_url": database_url, "secret": secret}, handle)
    return path


def prepare_database(database_url: str) -> None:
    """The journal's migrations (the clinic tables among them) and the queue's tables."""
    from backcoach.journal.store import JournalStore

    JournalStore.open(database_url).close()
    ensure_queue_schema(database_url)


def _backcoach() -> list[str]:
    beside = Path(sys.executable).with_name("backcoach")  # the virtualenv's own command
    return [str(beside if beside.exists() else shutil.which("backcoach") or "backcoach")]


def child_commands(plan: ClinicPlan) -> list[list[str]]:
    web = [
        *_backcoach(),
        "serve",
        "--clinic",
        "--no-browser",
        "--host",
        plan.host,
        "--port",
        str(plan.port),
    ]
    worker = [*_backcoach(), "worker"]
    return [web, *([worker] * plan.workers)]


class _Stop(Exception):
    pass


def run_clinic(plan: ClinicPlan, say: Callable[[str], None] = print) -> int:
    """Run the clinic until stopped; the exit status (0 when stopped by a signal)."""
    local = None if plan.database_url else LocalPostgres(plan.postgres_dir)
    database_url = plan.database_url or ""
    children: list[subprocess.Popen[bytes]] = []

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if local is not None:
            say(f"Starting PostgreSQL in {local.folder} (this machine only) ...")
            database_url = local.start()
        say("Preparing the clinic database ...")
        prepare_database(database_url)
        env = {**os.environ, DATABASE_URL_ENV: database_url}
        env.setdefault(SECRET_ENV, local_secret(plan.home))
        config = write_local_config(plan.home, database_url, env[SECRET_ENV])
        for command in child_commands(plan):
            children.append(subprocess.Popen(command, env=env))
        say(
            f"The clinic is running at http://{plan.host}:{plan.port}/ with "
            f"{plan.workers} video worker{'' if plan.workers == 1 else 's'} "
            "(Ctrl+C stops everything).\n"
            "To add the first administrator, in another terminal:\n"
            f"  backcoach clinic-admin --config {config} --username admin --name 'Your name'"
        )
        while True:
            for child in children:
                if child.poll() is not None:
                    say(f"A clinic process ended (status {child.returncode}); stopping the rest.")
                    return child.returncode or 1
            time.sleep(0.5)
    except _Stop:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop_children(children)
        if local is not None:
            local.stop()


def _stop_children(children: Sequence[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
