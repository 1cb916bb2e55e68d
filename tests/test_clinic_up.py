"""``backcoach clinic-up``: one command brings up PostgreSQL, the web server and the workers
on this machine, and one signal takes them all down again."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml

from backcoach.clinic.local_postgres import LocalPostgres
from backcoach.clinic.queue import libpq_url

BACKCOACH = Path(sys.executable).with_name("backcoach")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow  # a web server and two workers start (17-40 s on the shared machine)
def test_clinic_up_runs_the_whole_clinic_and_stops_it(tmp_path: Path) -> None:
    if shutil.which("initdb") is None and not list(Path("/usr/lib/postgresql").glob("*/bin")):
        pytest.skip("PostgreSQL is not installed")
    # Not under pytest's tmp dir: the postgres user must reach it, and socket paths are short.
    folder = Path(tempfile.mkdtemp(prefix="bc-up-"))
    folder.chmod(0o755)
    port = free_port()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKCOACH_CLINIC_")}
    up = subprocess.Popen(
        [str(BACKCOACH), "clinic-up", "--postgres-dir", str(folder / "pg"),
         "--port", str(port), "--workers", "2"],
        env={**env, "BACKCOACH_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            assert up.poll() is None, up.stdout.read() if up.stdout else ""
            assert time.monotonic() < deadline, "the clinic did not come up"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/signin", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        config = yaml.safe_load((home / "clinic.yaml").read_text())
        assert (home / "clinic.yaml").stat().st_mode & 0o077 == 0  # it holds the secret
        with psycopg.connect(libpq_url(config["database_url"])) as connection:
            while connection.execute("SELECT count(*) FROM procrastinate_workers").fetchone() != (
                2,
            ):
                assert time.monotonic() < deadline, "the two workers did not start"
                time.sleep(0.3)
            assert connection.execute("SELECT count(*) FROM video_jobs").fetchone() == (0,)
        # The first administrator, as the launcher says.
        admin = subprocess.run(
            [str(BACKCOACH), "clinic-admin", "--config", str(home / "clinic.yaml"),
             "--username", "admin", "--name", "Ada", "--password", "a long enough password"],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
        assert admin.returncode == 0, admin.stderr
        up.send_signal(signal.SIGTERM)
        assert up.wait(90) == 0
        output = up.stdout.read() if up.stdout else ""
        assert "clinic-admin --config" in output
        assert output.count("worker stopped") == 2
        # PostgreSQL went down with it: its socket is gone.
        assert not list((folder / "pg").glob(".s.PGSQL.*"))
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(10)
        LocalPostgres(folder / "pg").stop()
        shutil.rmtree(folder, ignore_errors=True)
