"""Clinic video analysis on the real job queue: real PostgreSQL, real ``backcoach worker``
processes, real (short) clips cut from the footage."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import insert

from backcoach.catalog.loader import load_catalog
from backcoach.clinic.accounts import Account, Role
from backcoach.clinic.queue import (
    ClinicQueue,
    enqueue_analysis,
    ensure_queue_schema,
    libpq_url,
    make_queue,
)
from backcoach.clinic.service import Clinic
from backcoach.clinic.settings import ClinicSettings
from backcoach.clinic.tokens import signed
from backcoach.clinic.video_analysis import MAX_ATTEMPTS, run_video_job
from backcoach.errors import NotFoundError
from backcoach.journal.account_models import User
from backcoach.journal.database import create_journal_engine, parse_location
from backcoach.journal.store import JournalStore
from backcoach.journal.video_jobs_store import VideoJobRecord, VideoJobsStore
from backcoach.web.clinic_access import CSRF_HEADER, SESSION_COOKIE
from backcoach.web.clinic_app import create_clinic_app
from backcoach.web.clinic_uploads import QueuedUploads
from test_web_support import ORIGIN

with warnings.catch_warnings():  # starlette nags about its httpx-based test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.footage

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
BRIDGE = FOOTAGE / "bridge" / "BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"
BACKCOACH = Path(sys.executable).with_name("backcoach")
# A lost worker is noticed within a few seconds here (half a minute is fine in a clinic), and
# workers keep their CPU priority: on a shared test machine a lowered one can starve.
WORKER_OPTIONS = [
    "--heartbeat-seconds",
    "0.5",
    "--stalled-after-seconds",
    "2",
    "--sweep-seconds",
    "1",
    "--requeue-after-seconds",
    "1",
    "--niceness",
    "0",
]


def cut_clip(target: Path, seconds: float, start: float = 0.0) -> Path:
    """The first ``seconds`` of the bridge clip, small (640 px wide), as a new mp4."""
    if not BRIDGE.exists():
        pytest.skip(f"no footage at {FOOTAGE}")
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", str(start), "-i", str(BRIDGE), "-t", str(seconds),
         "-vf", "scale=640:-2", "-an", "-c:v", "libx264", "-preset", "veryfast", str(target)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return target


@pytest.fixture
def clinic_url(new_postgres_database: Callable[[str], str]) -> str:
    url = new_postgres_database("queue")
    JournalStore.open(url).close()  # the journal's migrations, the video tables among them
    ensure_queue_schema(url)
    return url


@pytest.fixture
def store(clinic_url: str) -> Iterator[VideoJobsStore]:
    engine = create_journal_engine(parse_location(clinic_url))
    with engine.begin() as connection:  # patients 1..200, for the videos' foreign key
        connection.execute(
            insert(User.__table__),
            [
                {
                    "id": number,
                    "username": f"patient{number}",
                    "role": "patient",
                    "display_name": f"Patient {number}",
                    "password_hash": "-",
                    "created_at": datetime.now(UTC),
                }
                for number in range(1, 201)
            ],
        )
    yield VideoJobsStore(engine)
    engine.dispose()


@pytest.fixture
def start_worker(clinic_url: str) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    workers: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(
            [str(BACKCOACH), "worker", "--database-url", clinic_url, *WORKER_OPTIONS],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        worker.wait(10)


def upload(
    store: VideoJobsStore,
    clinic_url: str,
    patient: int,
    video: Path,
    *,
    keep: bool = False,
    name: str | None = None,
) -> VideoJobRecord:
    with video.open("rb") as handle:
        job = store.add(
            patient, handle, filename=name or video.name, exercise_id="bridge", keep_video=keep
        )
    app = make_queue(clinic_url)
    with app.open():
        enqueue_analysis(app, job.id)
    return job


def wait_until(
    check: Callable[[], bool], timeout: float, workers: list[subprocess.Popen[bytes]]
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        for worker in workers:
            if worker.poll() is not None:
                pytest.fail(
                    f"a worker ended: {worker.stderr.read().decode() if worker.stderr else ''}"
                )
        if time.monotonic() > deadline:
            for worker in workers:
                worker.kill()
            said = "\n".join(w.stderr.read().decode()[-3000:] for w in workers if w.stderr)
            pytest.fail(f"the queue did not finish in time; the workers said:\n{said}")
        time.sleep(0.2)


def queue_rows(clinic_url: str, task: str = "backcoach.analyze_video") -> list[tuple[object, ...]]:
    with psycopg.connect(libpq_url(clinic_url)) as connection:
        return connection.execute(
            "SELECT args->>'video_id', status, attempts FROM procrastinate_jobs "
            "WHERE task_name = %s ORDER BY id",
            (task,),
        ).fetchall()


def test_a_job_survives_a_killed_worker_and_completes_once(
    tmp_path: Path,
    clinic_url: str,
    store: VideoJobsStore,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    job = upload(store, clinic_url, 3, cut_clip(tmp_path / "bridge.mp4", 9.0))
    first = start_worker()
    # Killed while it is analysing: progress has been reported, the result not yet.
    wait_until(lambda: store.get(3, job.id).progress > 0.05, 90, [first])
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    lost = store.get(3, job.id)
    assert lost.status == "running" and lost.result is None and lost.attempts == 1

    second = start_worker()
    wait_until(lambda: store.get(3, job.id).finished, 90, [second])
    done = store.get(3, job.id)
    assert done.status == "done", done.error
    assert done.attempts == 2  # started twice, finished once
    assert done.result is not None and done.result["rep_count"] >= 3
    assert abs(done.result["duration"] - 9.0) < 0.3
    assert done.result["source"] == "bridge.mp4"
    assert store.stored_video_bytes(job.id) == 0  # not kept: deleted after the analysis
    # One queue job for the video, handed out twice and succeeded; one result row.
    assert queue_rows(clinic_url) == [(str(job.id), "succeeded", 2)]
    assert [j.id for j in store.list_for(3)] == [job.id]


def test_ten_uploads_from_five_patients_with_two_workers(
    tmp_path: Path,
    clinic_url: str,
    store: VideoJobsStore,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    # Every clip a different length, so each result shows which video it came from.
    lengths = {
        (patient, n): 1.0 + 0.3 * (2 * patient + n) for patient in range(5) for n in range(2)
    }
    jobs = {}
    for (patient, n), seconds in lengths.items():
        clip = cut_clip(tmp_path / f"p{patient}-{n}.mp4", seconds)
        jobs[patient, n] = upload(store, clinic_url, 100 + patient, clip, keep=patient == 0)
    workers = [start_worker(), start_worker()]
    everyone = [100 + patient for patient in range(5)]
    wait_until(lambda: all(j.finished for p in everyone for j in store.list_for(p)), 150, workers)

    for (patient, n), job in jobs.items():
        done = store.get(100 + patient, job.id)
        assert done.status == "done", done.error
        assert done.result is not None
        assert done.result["source"] == f"p{patient}-{n}.mp4"
        nearest = min(lengths, key=lambda key: abs(lengths[key] - done.result["duration"]))
        assert nearest == (patient, n)
        assert done.attempts == 1
        kept = store.stored_video_bytes(job.id)
        assert kept == (done.size_bytes if patient == 0 else 0)
        assert done.to_dict()["video_kept"] is (patient == 0)
        # Nobody else sees it.
        for other in everyone:
            if other != 100 + patient:
                with pytest.raises(NotFoundError):
                    store.get(other, job.id)
    assert {len(store.list_for(p)) for p in everyone} == {2}
    assert sorted(row[1] for row in queue_rows(clinic_url)) == ["succeeded"] * 10


def test_a_corrupt_video_fails_with_a_plain_message_even_if_it_never_reached_the_queue(
    tmp_path: Path,
    clinic_url: str,
    store: VideoJobsStore,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    broken = tmp_path / "knees.mp4"
    broken.write_bytes(random.Random(4).randbytes(200_000))
    job = upload(store, clinic_url, 9, broken, name="knees.mp4")
    # Stored, but its web server stopped before queuing it: the workers' sweep queues it.
    with broken.open("rb") as handle:
        orphan = store.add(9, handle, filename="elbow.mp4", exercise_id=None, keep_video=True)
    worker = start_worker()
    wait_until(lambda: all(j.finished for j in store.list_for(9)), 60, [worker])
    for name, video in (("knees.mp4", job), ("elbow.mp4", orphan)):
        failed = store.get(9, video.id)
        assert failed.status == "failed"
        assert failed.error == f"{name} is not a video backcoach can read."
        assert failed.result is None
    assert store.stored_video_bytes(job.id) == 0
    assert store.stored_video_bytes(orphan.id) == 200_000  # kept, as asked


def test_worker_says_when_the_database_is_unreachable(tmp_path: Path) -> None:
    missing = f"postgresql+psycopg://postgres@/nothing?host={tmp_path}"
    result = subprocess.run(
        [str(BACKCOACH), "worker", "--database-url", missing],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 1
    assert "cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


SECRET = "a-test-secret-that-is-long-enough-for-the-clinic"


def test_clinic_web_uploads_are_queued_checked_capped_and_seen_by_any_web_process(
    tmp_path: Path, clinic_url: str, start_worker: Callable[[], subprocess.Popen[bytes]]
) -> None:
    settings = ClinicSettings(database_url=clinic_url, secret=SECRET, max_upload_mb=1)
    web_processes = []  # two app instances, each with its own database pool and queue
    for _ in range(2):
        clinic = Clinic.open(settings)
        queue = ClinicQueue(clinic_url)
        videos = VideoJobsStore(clinic.journal.engine)

        def uploads_for(
            patient_id: int, videos: VideoJobsStore = videos, queue: ClinicQueue = queue
        ) -> QueuedUploads:
            return QueuedUploads(videos, queue, patient_id)

        app = create_clinic_app(clinic, load_catalog(), uploads_for=uploads_for)
        web_processes.append((clinic, queue, app))
    clinic = web_processes[0][0]
    now = clinic.now()
    password = "a long password 1"
    doctor = clinic.accounts.create(
        username="doc", password=password, role=Role.CLINICIAN, display_name="Dr D", at=now
    )
    patients = []
    for name in ("ann", "bob"):
        account = clinic.accounts.create(
            username=name,
            password=password,
            role=Role.PATIENT,
            display_name=name,
            at=now,
            clinician_id=doctor.id,
        )
        clinic.own_store(account).add_screening(
            answers={"fever": False}, outcome="clear", flags=[], caution_acknowledged=True, at=now
        )
        patients.append(account)

    def client(web: int, patient: Account) -> TestClient:
        the_clinic, _, app = web_processes[web]
        token = the_clinic.sessions.start(patient, the_clinic.now())
        signed_in = TestClient(app, base_url=ORIGIN, follow_redirects=False)
        signed_in.cookies.set(SESSION_COOKIE, token)
        signed_in.headers[CSRF_HEADER] = signed(SECRET, "csrf:" + token)
        return signed_in

    ann, ann_elsewhere, bob = client(0, patients[0]), client(1, patients[0]), client(0, patients[1])
    clip = cut_clip(tmp_path / "mine.mp4", 2.0)
    sent = ann.post(
        "/api/uploads", params={"filename": "mine.mp4", "keep": "true"}, content=clip.read_bytes()
    )
    assert sent.status_code == 200, sent.text
    job_id = sent.json()["id"]
    assert sent.json()["state"] == "queued"
    assert "keep-video" in ann.get("/upload").text  # the choice is offered on the page

    # Not a video, and too big: refused at the door, nothing stored or queued.
    junk = ann.post("/api/uploads", params={"filename": "notes.mp4"}, content=b"not a video" * 50)
    assert junk.status_code == 400
    assert junk.json()["error"] == "notes.mp4 is not a video backcoach can read."
    huge = ann.post("/api/uploads", params={"filename": "big.mp4"}, content=b"\0" * 1_100_000)
    assert huge.status_code == 413
    assert "larger than the limit of 1 MB" in huge.json()["error"]
    assert [j.id for j in VideoJobsStore(clinic.journal.engine).list_for(patients[0].id)] == [
        job_id
    ]

    assert bob.get(f"/api/uploads/{job_id}").status_code == 404  # someone else's
    assert bob.get("/api/uploads").json() == {"uploads": []}
    worker = start_worker()
    deadline = time.monotonic() + 60
    while (status := ann_elsewhere.get(f"/api/uploads/{job_id}").json())["state"] == "queued":
        assert time.monotonic() < deadline and worker.poll() is None
        time.sleep(0.2)
    # Stopped while it analyses: the worker finishes the video in hand, then exits cleanly.
    assert status["state"] == "running", status
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(60) == 0
    status = ann_elsewhere.get(f"/api/uploads/{job_id}").json()
    assert status["state"] == "done", status
    # The other web process, which never saw the upload, gives the result.
    assert status["report"]["source"] == "mine.mp4"
    assert abs(status["report"]["duration"] - 2.0) < 0.3
    assert status["video_kept"] is True
    assert ann.get("/api/uploads").json() == {"uploads": [status]}  # the page's list
    for the_clinic, queue, _ in web_processes:
        queue.close()
        the_clinic.close()


def test_reruns_change_nothing_and_a_video_that_keeps_killing_workers_is_given_up(
    tmp_path: Path, store: VideoJobsStore
) -> None:
    clip = cut_clip(tmp_path / "short.mp4", 1.0)
    with clip.open("rb") as handle:
        job = store.add(7, handle, filename="short.mp4", exercise_id="bridge", keep_video=False)
    calls = []

    def analyze(path: Path, exercise: str | None, progress: Callable[[float], None]) -> dict:
        calls.append(path.read_bytes() == clip.read_bytes())
        return {"reps": [], "notes": [f"seen in {path}"]}

    assert run_video_job(store, job.id, analyze) == "done"
    first = store.get(7, job.id)
    assert calls == [True]  # the worker read back exactly the uploaded bytes
    assert first.result == {"reps": [], "notes": ["seen in short.mp4"], "source": "short.mp4"}
    assert run_video_job(store, job.id, analyze) == "skipped"  # a retry after the result
    assert store.get(7, job.id) == first and calls == [True]

    with clip.open("rb") as handle:
        doomed = store.add(7, handle, filename="huge.mp4", exercise_id=None, keep_video=False)
    for _ in range(MAX_ATTEMPTS):  # each start "killed" before it ended
        assert store.claim(doomed.id) is not None
    assert run_video_job(store, doomed.id, analyze) == "failed"
    given_up = store.get(7, doomed.id)
    assert given_up.error is not None and "interrupted 3 times" in given_up.error
    assert calls == [True] and store.stored_video_bytes(doomed.id) == 0
