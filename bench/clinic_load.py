"""Clinic mode under load, on loopback: simulated patients browse and upload short clips while
one, then two, video workers analyse them (and, as a baseline, browse with no analysis).

    .venv/bin/python bench/clinic_load.py [--patients 5] [--uploads 2] [--clip-seconds 3]
        [--workers 0 1 2] [--browse-seconds 20]

Everything is real and local: a throw-away PostgreSQL (Unix socket), ``backcoach clinic-up
--database-url ... --workers K`` (the web server and K ``backcoach worker`` processes), and
one thread per patient with its own signed-in session over HTTP on 127.0.0.1. Each patient
uploads ``--uploads`` clips at the start, then keeps opening pages (home, upload, progress,
outcomes) and polling its uploads until every upload of every patient is analysed. The run
is bounded by ``--timeout`` seconds per worker count.

Prints one JSON document with, for each worker count:

- ``pages``: page loads while the analyses run: count, p50/p95/max in milliseconds;
- ``uploads``: upload requests (the video stored in the database and queued): p50/p95 ms;
- ``analysis``: videos, seconds of video, makespan (first upload to last result), videos a
  minute and seconds of video analysed per wall-clock second;
- ``queue_wait``: from upload to a worker starting it (p50/p95/max seconds), and
  ``turnaround``: from upload to result.

The machine is shared (2 cores here): read the figures as what this machine gives, not as
a capacity guarantee.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from backcoach.clinic.accounts import Account, Role
from backcoach.clinic.local_postgres import LocalPostgres
from backcoach.clinic.service import Clinic
from backcoach.clinic.settings import ClinicSettings
from backcoach.clinic.tokens import signed
from backcoach.journal.video_job_models import VideoJob
from backcoach.web.clinic_access import CSRF_HEADER, SESSION_COOKIE

ROOT = Path(__file__).resolve().parents[1]
FOOTAGE = ROOT.parent / "shared" / "footage"
BRIDGE = FOOTAGE / "bridge" / "BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"
PAGES = ("/", "/upload", "/progress", "/outcomes")
SECRET = "a-bench-secret-that-is-long-enough-for-the-clinic-0123"
PASSWORD = "bench password 123"
THINK_SECONDS = 0.3  # between two page loads of one patient


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"count": 0}
    return {
        "count": len(seconds),
        "p50_ms": round(1000 * percentile(seconds, 0.5), 1),
        "p95_ms": round(1000 * percentile(seconds, 0.95), 1),
        "max_ms": round(1000 * max(seconds), 1) if seconds else None,
    }


def summary_s(seconds: list[float]) -> dict[str, Any] | None:
    if not seconds:
        return None
    return {
        "p50_s": round(percentile(seconds, 0.5), 2),
        "p95_s": round(percentile(seconds, 0.95), 2),
        "max_s": round(max(seconds), 2) if seconds else None,
    }


def cut_clip(target: Path, seconds: float) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(BRIDGE), "-t", str(seconds),
         "-vf", "scale=640:-2", "-an", "-c:v", "libx264", "-preset", "veryfast", str(target)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Patient:
    account: Account
    token: str
    uploads: list[int] = field(default_factory=list)


@dataclass
class Measures:
    pages: list[float] = field(default_factory=list)
    uploads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    patients_uploaded: int = 0  # patients whose uploads are all sent
    lock: threading.Lock = field(default_factory=threading.Lock)


def make_patients(clinic: Clinic, count: int, offset: int) -> list[Patient]:
    now = clinic.now()
    doctor = clinic.accounts.create(
        username=f"doctor{offset}",
        password=PASSWORD,
        role=Role.CLINICIAN,
        display_name="Dr Bench",
        at=now,
    )
    patients = []
    for number in range(count):
        account = clinic.accounts.create(
            username=f"patient{offset}-{number}",
            password=PASSWORD,
            role=Role.PATIENT,
            display_name=f"Patient {number}",
            at=now,
            clinician_id=doctor.id,
        )
        clinic.own_store(account).add_screening(
            answers={"fever": False}, outcome="clear", flags=[], caution_acknowledged=True, at=now
        )
        patients.append(Patient(account, clinic.sessions.start(account, now)))
    return patients


def simulate(
    patient: Patient,
    base: str,
    clip: Path,
    uploads: int,
    measures: Measures,
    all_done: threading.Event,
    seed: int,
) -> None:
    """One patient: upload the clips, then browse and poll until everyone's are analysed."""
    chooser = random.Random(seed)
    headers = {CSRF_HEADER: signed(SECRET, "csrf:" + patient.token), "origin": base}
    with httpx.Client(base_url=base, cookies={SESSION_COOKIE: patient.token}, timeout=60) as web:
        for number in range(uploads):
            started = time.perf_counter()
            response = web.post(
                "/api/uploads",
                params={"filename": f"clip-{number}.mp4", "exercise": "bridge"},
                content=clip.read_bytes(),
                headers={**headers, "content-type": "video/mp4"},
            )
            elapsed = time.perf_counter() - started
            with measures.lock:
                if response.status_code != 200:
                    measures.errors.append(f"upload {response.status_code}: {response.text[:200]}")
                    continue
                measures.uploads.append(elapsed)
            patient.uploads.append(int(response.json()["id"]))
        with measures.lock:
            measures.patients_uploaded += 1
        while not all_done.is_set():
            path = chooser.choice(PAGES)
            started = time.perf_counter()
            response = web.get(path)
            elapsed = time.perf_counter() - started
            with measures.lock:
                if response.status_code == 200:
                    measures.pages.append(elapsed)
                else:
                    measures.errors.append(f"GET {path}: {response.status_code}")
            for job_id in patient.uploads:
                web.get(f"/api/uploads/{job_id}")  # what the upload page polls
            time.sleep(THINK_SECONDS)


def wait_for_web(base: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"clinic-up ended early with status {process.returncode}")
        try:
            if httpx.get(base + "/signin", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the clinic web server did not start in time")


def job_rows(clinic: Clinic, ids: list[int]) -> list[Any]:
    table = VideoJob.__table__
    with clinic.journal.engine.connect() as connection:
        return list(connection.execute(select(table).where(table.c.id.in_(ids))).all())


def run_with_workers(
    workers: int,
    clinic: Clinic,
    database_url: str,
    clip: Path,
    clip_seconds: float,
    args: argparse.Namespace,
    home: Path,
    offset: int,
) -> dict[str, Any]:
    patients = make_patients(clinic, args.patients, offset)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BACKCOACH_HOME": str(home),
        "BACKCOACH_CLINIC_SECRET": SECRET,
        "BACKCOACH_CLINIC_DATABASE_URL": database_url,
    }
    command = [
        str(Path(sys.executable).with_name("backcoach")),
        "clinic-up",
        "--workers",
        str(workers),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_web(base, process, 120)
        measures = Measures()
        all_done = threading.Event()
        uploads = args.uploads if workers else 0  # no workers: browsing alone, the baseline
        threads = [
            threading.Thread(
                target=simulate,
                args=(patient, base, clip, uploads, measures, all_done, seed),
                daemon=True,
            )
            for seed, patient in enumerate(patients)
        ]
        for thread in threads:
            thread.start()
        browse_start = time.monotonic()
        deadline = browse_start + args.timeout
        rows: list[Any] = []
        while time.monotonic() < deadline:
            ids = [job for patient in patients for job in patient.uploads]
            rows = job_rows(clinic, ids) if ids else []
            finished = [row for row in rows if row.status in ("done", "failed")]
            all_sent = measures.patients_uploaded == len(patients)
            browsed = workers or time.monotonic() - browse_start >= args.browse_seconds
            if all_sent and len(finished) == len(ids) and browsed:
                break
            time.sleep(0.5)
        all_done.set()
        for thread in threads:
            thread.join(30)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
    done = [row for row in rows if row.status == "done"]
    waits = [(row.started_at - row.created_at).total_seconds() for row in done]
    turnarounds = [(row.finished_at - row.created_at).total_seconds() for row in done]
    makespan = (
        (max(row.finished_at for row in done) - min(row.created_at for row in done)).total_seconds()
        if done
        else float("nan")
    )
    return {
        "workers": workers,
        "pages": summary_ms(measures.pages),
        "uploads": summary_ms(measures.uploads),
        "analysis": {
            "videos": len(done),
            "failed": sum(row.status == "failed" for row in rows),
            "unfinished": (args.patients * args.uploads if workers else 0) - len(done),
            "video_seconds": round(clip_seconds * len(done), 1),
            "makespan_s": round(makespan, 2) if done else None,
            "videos_per_minute": round(60 * len(done) / makespan, 2) if done else None,
            "video_seconds_per_second": round(clip_seconds * len(done) / makespan, 3)
            if done
            else None,
        },
        "queue_wait": summary_s(waits),
        "turnaround": summary_s(turnarounds),
        "errors": measures.errors[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5)
    parser.add_argument("--uploads", type=int, default=2, help="clips each patient uploads")
    parser.add_argument("--clip-seconds", type=float, default=3.0)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="worker counts to run; 0 is browsing alone (no uploads), the baseline",
    )
    parser.add_argument(
        "--browse-seconds", type=float, default=20, help="how long the baseline browses"
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds per worker count")
    args = parser.parse_args()
    if not BRIDGE.exists():
        raise SystemExit(f"no footage at {FOOTAGE}")
    load_before = [round(value, 2) for value in os.getloadavg()]
    folder = Path(tempfile.mkdtemp(prefix="bc-load-"))
    folder.chmod(0o755)
    postgres = LocalPostgres(folder / "pg")
    try:
        clip = cut_clip(folder / "clip.mp4", args.clip_seconds)
        database_url = postgres.start()
        clinic = Clinic.open(ClinicSettings(database_url=database_url, secret=SECRET))
        results = [
            run_with_workers(
                workers, clinic, database_url, clip, args.clip_seconds, args, folder / "home", n
            )
            for n, workers in zip(itertools.count(), args.workers, strict=False)
        ]
        clinic.close()
    finally:
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "cpu_count": os.cpu_count(),
                "load_average_before": load_before,
                "load_average_after": [round(value, 2) for value in os.getloadavg()],
                "patients": args.patients,
                "uploads_per_patient": args.uploads,
                "clip_seconds": args.clip_seconds,
                "pages_browsed": list(PAGES),
                "runs": results,
                "speedup_two_workers": _speedup(results),
            },
            indent=2,
        )
    )


def _speedup(results: list[dict[str, Any]]) -> float | None:
    by_workers = {r["workers"]: r["analysis"]["video_seconds_per_second"] for r in results}
    if by_workers.get(1) and by_workers.get(2):
        return round(by_workers[2] / by_workers[1], 2)
    return None


if __name__ == "__main__":
    main()
