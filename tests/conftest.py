"""Fixtures shared by several test files, and the order the suite runs in.

``footage_poses``: the real pose model's landmarks of every manifest clip, computed once per
test session (15 frames a second on frames at most 640 px wide; clips of the avoided
movements only up to 25 s, where they show within seconds). The analysis tests of every
exercise read from it, so no clip is posed twice.

Posing the footage is most of the suite's computing. So when a session will need it, two
processes start posing as soon as the tests are collected, at the lowest CPU priority: they
take only the time the tests leave idle. A test file that poses more (the invariance tests'
transformed copies) queues its jobs behind the originals then, from a module-level
``schedule_background_posing(posing, items)``, so the posing never waits for a test to ask.

The tests run in three groups, a test file staying whole. First the browser files: they run
in real time and leave most of a core idle, which the posing takes (at its low priority it
does not slow them). Then the files that need neither the footage nor a browser, and last the
footage files, by when the posing is mostly done.
"""

from __future__ import annotations

import glob
import importlib.util
import itertools
import multiprocessing
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

from backcoach.analysis.engine import ANALYSIS
from backcoach.analysis.footage import read_manifest
from backcoach.pose.frame import PoseFrame

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
MANIFEST = FOOTAGE / "manifest.csv"
FOOTAGE_FPS = ANALYSIS.fps
FOOTAGE_MAX_WIDTH = ANALYSIS.max_width
AVOIDED_MOVEMENTS = ("sit_up", "leg_raise", "toe_touch")
AVOIDED_SECONDS = 25.0


def footage_manifest() -> list[dict[str, str]]:
    return read_manifest(MANIFEST)


def _estimate(path: str, end: float | None) -> list[PoseFrame]:
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
    from backcoach.pose.sources import VideoFileSource

    source = VideoFileSource(path, max_fps=FOOTAGE_FPS, max_width=FOOTAGE_MAX_WIDTH, end=end)
    with MediaPipePoseEstimator() as estimator:
        return [estimator.estimate(rgb, t, i) for t, i, rgb in source]


def _end_of(row: dict[str, str]) -> float | None:
    return AVOIDED_SECONDS if row["movement"] in AVOIDED_MOVEMENTS else None


class BackgroundPosing:
    """Poses the manifest's clips in the background, two processes from the moment it starts,
    then whatever else the selected tests queue behind them."""

    def __init__(self) -> None:
        rows = footage_manifest()
        # Longest first, so that the processes end together.
        rows.sort(key=lambda row: -min(float(row["duration_s"]), _end_of(row) or float("inf")))
        # spawn, not fork: the test process may already hold MediaPipe and server threads.
        self._pool = ProcessPoolExecutor(
            max_workers=2,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=os.nice,
            initargs=(19,),
        )
        self._originals: dict[str, Future[list[PoseFrame]]] = {
            row["file"]: self._pool.submit(_estimate, str(FOOTAGE / row["file"]), _end_of(row))
            for row in rows
        }
        self.folder = Path(tempfile.mkdtemp(prefix="backcoach-posing-"))

    def result(self) -> dict[str, list[PoseFrame]]:
        return {name: future.result() for name, future in self._originals.items()}

    def submit(self, job: Callable[..., list[PoseFrame]], *args: object) -> Future[list[PoseFrame]]:
        return self._pool.submit(job, *args)

    def submit_after(
        self,
        original: str,
        make_job: Callable[
            [list[PoseFrame]], tuple[Callable[..., list[PoseFrame]], tuple[object, ...]]
        ],
    ) -> Future[list[PoseFrame]]:
        """A job that needs an original clip's poses to be made: it is queued once they are."""
        result: Future[list[PoseFrame]] = Future()

        def queue() -> None:
            try:
                job, args = make_job(self._originals[original].result())
                self._pool.submit(job, *args).add_done_callback(lambda done: _pass_on(done, result))
            except BaseException as error:
                result.set_exception(error)

        threading.Thread(target=queue, daemon=True).start()
        return result

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def _pass_on(done: Future[list[PoseFrame]], to: Future[list[PoseFrame]]) -> None:
    if done.cancelled():
        to.cancel()
    elif (error := done.exception()) is not None:
        to.set_exception(error)
    else:
        to.set_result(done.result())


_posing: BackgroundPosing | None = None


def _group(item: pytest.Item) -> int:
    if item.get_closest_marker("browser") is not None:
        return 0
    needs_footage = "footage_poses" in getattr(item, "fixturenames", ())
    if needs_footage or item.get_closest_marker("footage") or item.get_closest_marker("slow"):
        return 2
    return 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    file_group: dict[Path, int] = {}
    for item in items:
        file_group[item.path] = max(file_group.get(item.path, 0), _group(item))
    items.sort(key=lambda item: file_group[item.path])  # stable: each group keeps its order


def pytest_collection_finish(session: pytest.Session) -> None:
    """Starts the posing once the selection is final (``-m`` and ``-k`` have deselected)."""
    global _posing
    items = session.items
    wanted = any("footage_poses" in getattr(item, "fixturenames", ()) for item in items)
    if (
        not wanted
        or not MANIFEST.exists()
        or session.config.option.collectonly
        or _posing is not None
    ):
        return
    _posing = BackgroundPosing()
    for module in dict.fromkeys(getattr(item, "module", None) for item in items):
        schedule = getattr(module, "schedule_background_posing", None)
        if schedule is not None:
            schedule(_posing, [item for item in items if getattr(item, "module", None) is module])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _posing is not None:
        _posing.shutdown()


@pytest.fixture(scope="session")
def background_posing() -> BackgroundPosing:
    """The session's posing processes (started here if collection did not start them)."""
    if not footage_manifest():
        pytest.skip(f"no footage at {FOOTAGE}")
    global _posing
    if _posing is None:
        _posing = BackgroundPosing()
    return _posing


@pytest.fixture(scope="session")
def footage_poses(background_posing: BackgroundPosing) -> dict[str, list[PoseFrame]]:
    """Every clip's poses by manifest file name."""
    return background_posing.result()


def _postgres_tools() -> tuple[Path, list[str]] | None:
    """initdb's folder and the command prefix to run the server (as ``postgres`` when root)."""
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    if found is None or importlib.util.find_spec("psycopg") is None:
        return None
    if os.geteuid() != 0:
        return Path(found).parent, []
    if shutil.which("runuser") is None:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return Path(found).parent, ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL server on a Unix socket; its URL with a {database} slot."""
    tools = _postgres_tools()
    if tools is None:
        pytest.skip("PostgreSQL (initdb) or psycopg is not installed")
    bin_dir, prefix = tools
    # Not under pytest's tmp dir: the server user must reach it, and socket paths are short.
    root = Path(tempfile.mkdtemp(prefix="bc-pg-"))
    root.chmod(0o777)
    data = str(root / "data")

    def run(program: str, *args: str) -> None:
        command = [*prefix, str(bin_dir / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    try:
        run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = f"-k {root} -c listen_addresses='' -c fsync=off"
        run("pg_ctl", "-D", data, "-o", options, "-l", str(root / "server.log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://postgres@/{{database}}?host={root}"
        finally:
            run("pg_ctl", "-D", data, "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


_postgres_database_numbers = itertools.count()


@pytest.fixture(scope="session")
def new_postgres_database(postgres_server: str) -> Callable[[str], str]:
    """Creates an empty database on the session's PostgreSQL server and returns its URL."""

    def create(prefix: str = "db") -> str:
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(_postgres_database_numbers)}"
        admin = postgres_server.format(database="postgres").replace(
            "postgresql+psycopg", "postgresql"
        )
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return postgres_server.format(database=name)

    return create
